// Reply templates, lead classes and the lead journal (REST bodies and replies).
import { Type, type Static } from 'typebox';

import { MAX_NAME_WRITTEN } from '../name-length.js';
import { DialogLeadClass, SiteCardField } from './dialogs.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

// ---- templates ------------------------------------------------------------------
// Schemas only bound sizes; the rules of a template (core/templates.ts) are checked by the
// service, so a bad template gets the same message from the API, the CLI and an import.

export const Template = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  text: Type.String(),
  /** The user id of who created it (an operator may change their own); null once that account is gone. */
  createdBy: Nullable(Type.Integer()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type Template = Static<typeof Template>;

export const TemplateList = Type.Object({ templates: Type.Array(Template) });
export type TemplateList = Static<typeof TemplateList>;

const TemplateName = Type.String({ maxLength: 1000 });
const TemplateText = Type.String({ maxLength: 100_000 });

export const CreateTemplateBody = Type.Object({ name: TemplateName, text: TemplateText }, { additionalProperties: false });
export type CreateTemplateBody = Static<typeof CreateTemplateBody>;

export const UpdateTemplateBody = Type.Object(
  { name: Type.Optional(TemplateName), text: Type.Optional(TemplateText) },
  { additionalProperties: false },
);
export type UpdateTemplateBody = Static<typeof UpdateTemplateBody>;

export const TemplateParams = Type.Object({ projectId: Type.Integer({ minimum: 1 }), templateId: Type.Integer({ minimum: 1 }) });

export const MAX_IMPORT_TEMPLATES = 20_000;

export const ImportTemplatesBody = Type.Object(
  {
    /** Rows as read from a file; `line` (where the row starts) is quoted back in errors. */
    templates: Type.Array(
      Type.Object(
        {
          name: Type.Optional(Nullable(TemplateName)),
          text: Type.Optional(Nullable(TemplateText)),
          line: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
      { maxItems: MAX_IMPORT_TEMPLATES },
    ),
    /** Also delete the project's templates that are not in the list. */
    replace: Type.Optional(Type.Boolean()),
    /** Only answer the plan; change nothing. */
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ImportTemplatesBody = Static<typeof ImportTemplatesBody>;

/** What an import changes (or, with dryRun, would change), by template name. */
export const ImportPlan = Type.Object({
  dryRun: Type.Boolean(),
  create: Type.Array(Type.String()),
  update: Type.Array(Type.String()),
  delete: Type.Array(Type.String()),
  unchanged: Type.Array(Type.String()),
});
export type ImportPlan = Static<typeof ImportPlan>;

// ---- lead classes -----------------------------------------------------------------

export const LeadClass = Type.Object({ id: Type.Integer(), name: Type.String() });
export type LeadClass = Static<typeof LeadClass>;

export const LeadClassList = Type.Object({ classes: Type.Array(LeadClass) });
export type LeadClassList = Static<typeof LeadClassList>;

/**
 * A lead class name as written, which the server squeezes before it measures it (core/name-length.ts):
 * the cap here only stops absurd input.
 */
const LeadClassName = Type.String({ maxLength: MAX_NAME_WRITTEN });

export const LeadClassNameBody = Type.Object({ name: LeadClassName }, { additionalProperties: false });
export const LeadClassParams = Type.Object({ projectId: Type.Integer({ minimum: 1 }), classId: Type.Integer({ minimum: 1 }) });

/**
 * `PUT /projects/:id/lead-classes/order`: the named classes come first, in this order; the others
 * follow them in their present order.
 */
export const LeadClassOrderBody = Type.Object(
  { names: Type.Array(LeadClassName, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);
export type LeadClassOrderBody = Static<typeof LeadClassOrderBody>;

/** `PATCH /projects/:id/dialogs/:dialogId`: what an operator may change on a dialog directly. */
export const UpdateDialogBody = Type.Object(
  { leadClass: Type.Optional(Nullable(DialogLeadClass)) },
  { additionalProperties: false },
);
export type UpdateDialogBody = Static<typeof UpdateDialogBody>;

// ---- the lead journal -----------------------------------------------------------------

export const Lead = Type.Object({
  dialogId: Type.Integer(),
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  createdAt: Type.String(),
  firstResponseAt: Nullable(Type.String()),
  /** Seconds from the visitor's first message to the first operator answer. */
  firstResponseSeconds: Nullable(Type.Number()),
  closedAt: Nullable(Type.String()),
  leadClass: Nullable(Type.String()),
  operator: Nullable(Type.Object({ id: Type.Integer(), name: Type.String(), email: Type.String() })),
  group: Nullable(Type.String()),
  visitor: Type.Object({
    /** The generated name the visitor got. */
    name: Type.String(),
    realName: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    email: Nullable(Type.String()),
    notes: Nullable(Type.String()),
    /** The card fields whose value the site gave (identify), as the client card's `fromSite`. */
    fromSite: Type.Optional(Type.Array(SiteCardField, { maxItems: 3 })),
  }),
  landingPage: Nullable(Type.String()),
  pageTitle: Nullable(Type.String()),
  referrer: Nullable(Type.String()),
  /** source, medium, campaign, term, content: those the landing page carried. */
  utm: Type.Record(Type.String(), Type.String()),
});
export type Lead = Static<typeof Lead>;

/**
 * Dates are `YYYY-MM-DD` in the project's timezone (since: from the start of that day; until:
 * through its end) or exact ISO instants with a zone (since inclusive, until exclusive).
 */
export const LeadsQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ maxLength: 40 })),
    until: Type.Optional(Type.String({ maxLength: 40 })),
    /** A class as written: the service squeezes it to find the class, so the cap only stops absurd input. */
    class: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_NAME_WRITTEN })),
    /** Only dialogs nobody classified. */
    unclassified: Type.Optional(Type.Boolean()),
    /** The `next` of the previous page. */
    after: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type LeadsQuery = Static<typeof LeadsQuery>;

export const LeadsPage = Type.Object({
  timezone: Type.String(),
  leads: Type.Array(Lead),
  /** Pass as `after` for the next page; null on the last page. */
  next: Nullable(Type.Integer()),
});
export type LeadsPage = Static<typeof LeadsPage>;

export const LeadsReportQuery = Type.Object(
  { since: Type.Optional(Type.String({ maxLength: 40 })), until: Type.Optional(Type.String({ maxLength: 40 })) },
  { additionalProperties: false },
);

export const LeadsReport = Type.Object({
  timezone: Type.String(),
  /** The instants the report covers (null: open-ended). */
  since: Nullable(Type.String()),
  until: Nullable(Type.String()),
  total: Type.Integer(),
  /** Every class of the project (zeros included), then classes dialogs still carry; null = unclassified. */
  byClass: Type.Array(Type.Object({ class: Nullable(Type.String()), count: Type.Integer() })),
  /** UTM source, else the referrer's host, else null (direct). */
  bySource: Type.Array(Type.Object({ source: Nullable(Type.String()), count: Type.Integer() })),
  /** The responsible operator; null = unassigned. */
  byOperator: Type.Array(
    Type.Object({ operator: Nullable(Type.Object({ id: Type.Integer(), name: Type.String(), email: Type.String() })), count: Type.Integer() }),
  ),
  /** Days in the project's timezone, every day of the range (zeros included). */
  byDay: Type.Array(Type.Object({ day: Type.String(), count: Type.Integer() })),
  firstResponse: Type.Object({
    medianSeconds: Nullable(Type.Number()),
    answered: Type.Integer(),
    unanswered: Type.Integer(),
  }),
});
export type LeadsReport = Static<typeof LeadsReport>;
