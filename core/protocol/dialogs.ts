// Dialogs, messages and the WebSocket frames of operators and visitors.
import { Type, type Static } from 'typebox';

import { MAX_NAME_WRITTEN } from '../name-length.js';
import { MAX_ATTACHMENTS, MAX_BODY, VIEWS } from './constants.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const Attachment = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  mime: Type.String(),
  size: Type.Integer(),
  url: Type.String(),
});
export type Attachment = Static<typeof Attachment>;

export const MessageAuthor = Type.Union([Type.Literal('visitor'), Type.Literal('operator'), Type.Literal('system')]);

export const Message = Type.Object({
  id: Type.Integer(),
  dialogId: Type.Integer(),
  seq: Type.Integer(),
  rev: Type.Integer(),
  author: MessageAuthor,
  operator: Nullable(
    Type.Object({ id: Type.Integer(), name: Type.String(), avatarUrl: Nullable(Type.String()) }),
  ),
  body: Type.String(),
  attachments: Type.Array(Attachment),
  clientId: Type.String(),
  createdAt: Type.String(),
  editedAt: Nullable(Type.String()),
  deliveredAt: Nullable(Type.String()),
  /**
   * A private note: an operator's words for the team, in the dialog's thread. Operators see it;
   * the visitor's widget never does (no push, no history, no delivery), and it changes nothing
   * of the dialog (no first response, no assignee, no reopening).
   */
  private: Type.Boolean(),
});
export type Message = Static<typeof Message>;

const PageFields = {
  url: Type.Optional(Type.String({ maxLength: 2048 })),
  title: Type.Optional(Type.String({ maxLength: 500 })),
  referrer: Type.Optional(Type.String({ maxLength: 2048 })),
};

/**
 * Where a visitor writes from (URL rules route by it) and, when it differs, where their visit
 * began (`landing`: the first page of the site in this tab, with the referrer and UTM tags that
 * brought them), which is what the visitor record and the lead journal keep.
 */
export const PageContext = Type.Object(
  { ...PageFields, landing: Type.Optional(Type.Object(PageFields, { additionalProperties: false })) },
  { additionalProperties: false },
);
export type PageContext = Static<typeof PageContext>;

/** The card's fields a site can give (the widget's identify); notes are the operators' alone. */
export const SiteCardField = Type.Union([Type.Literal('realName'), Type.Literal('phone'), Type.Literal('email')]);
export type SiteCardField = Static<typeof SiteCardField>;

export const ClientCard = Type.Object({
  realName: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  email: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  /**
   * The fields whose value the site gave, in the card's order: the site's word, unverified, where
   * the others were typed by an operator (an operator's edit of a field makes it theirs). Servers
   * before it do not say: read as none.
   */
  fromSite: Type.Optional(Type.Array(SiteCardField, { maxItems: 3 })),
});
export type ClientCard = Static<typeof ClientCard>;

export const Visitor = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  card: ClientCard,
  /** Where the visit that brought the first message began (the lead journal's landing page). */
  page: Type.Object({ url: Nullable(Type.String()), title: Nullable(Type.String()), referrer: Nullable(Type.String()) }),
  /** The page of the visitor's latest message that said one: where they write from. */
  currentPage: Nullable(Type.Object({ url: Nullable(Type.String()), title: Nullable(Type.String()) })),
  utm: Type.Record(Type.String(), Type.String()),
  createdAt: Type.String(),
  lastSeenAt: Type.String(),
});
export type Visitor = Static<typeof Visitor>;

export const DialogSummary = Type.Object({
  id: Type.Integer(),
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  visitor: Type.Object({ id: Type.Integer(), name: Type.String(), realName: Nullable(Type.String()) }),
  assignee: Nullable(Type.Object({ id: Type.Integer(), name: Type.String() })),
  group: Nullable(Type.String()),
  leadClass: Nullable(Type.String()),
  lastSeq: Type.Integer(),
  rev: Type.Integer(),
  /**
   * The dialog's latest message in short: its text (the first 200 characters) and the names of
   * its files, so that a list can show a message of files alone (`📎 me.png`) without fetching it.
   * Private notes are left out: the lists show the conversation with the visitor (a note does not
   * move a dialog either), and "the visitor wrote last" stays true under a colleague's note.
   * Its `seq` tells a new message from a note (both raise the dialog's `lastSeq`).
   */
  lastMessage: Nullable(
    Type.Object({
      author: MessageAuthor,
      seq: Type.Integer(),
      body: Type.String(),
      files: Type.Array(Type.Object({ name: Type.String() }), { maxItems: MAX_ATTACHMENTS }),
      createdAt: Type.String(),
    }),
  ),
  createdAt: Type.String(),
  firstResponseAt: Nullable(Type.String()),
  lastMessageAt: Type.String(),
  closedAt: Nullable(Type.String()),
  /**
   * The section this dialog is in for the operator receiving it (DESIGN.md "Views"): set on
   * lists, on a dialog's detail, on take/assign/close/reopen answers and on dialog events.
   */
  view: Type.Optional(Type.Union([Type.Literal('mine'), Type.Literal('shared'), Type.Literal('archive')])),
});
export type DialogSummary = Static<typeof DialogSummary>;

export const DialogDetail = Type.Object({
  dialog: DialogSummary,
  visitor: Visitor,
  /** Whether the visitor has the site open now (a widget connected). */
  visitorOnline: Type.Boolean(),
  messages: Type.Array(Message),
});
export type DialogDetail = Static<typeof DialogDetail>;

export const DialogList = Type.Object({
  view: Type.String(),
  counts: Type.Object({ mine: Type.Integer(), shared: Type.Integer(), archive: Type.Integer() }),
  dialogs: Type.Array(DialogSummary),
  /** Pass as `before` for the next (older) page; null on the last page. */
  next: Nullable(Type.String()),
});
export type DialogList = Static<typeof DialogList>;

// ---- REST bodies --------------------------------------------------------------

export const ClientId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const Body = Type.String({ maxLength: MAX_BODY });

export const AttachmentIds = Type.Array(Type.Integer({ minimum: 1 }), { maxItems: MAX_ATTACHMENTS });

export const SendMessageBody = Type.Object(
  {
    clientId: ClientId,
    body: Body,
    attachmentIds: Type.Optional(AttachmentIds),
    /** A private note for operators, never shown to the visitor. */
    private: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SendMessageBody = Static<typeof SendMessageBody>;

export const EditMessageBody = Type.Object({ body: Body }, { additionalProperties: false });

export const UpdateCardBody = Type.Object(
  {
    realName: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 60 }))),
    email: Type.Optional(Nullable(Type.String({ maxLength: 254 }))),
    notes: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
  },
  { additionalProperties: false },
);
export type UpdateCardBody = Static<typeof UpdateCardBody>;

/**
 * `from`: whose the caller saw the dialog to be (null: nobody's); without it (no body, or `{}`)
 * the take is unconditional.
 */
export const TakeBody = Nullable(
  Type.Object({ from: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))) }, { additionalProperties: false }),
);
export const AssignBody = Type.Object({ email: Type.String({ minLength: 3, maxLength: 254 }) }, { additionalProperties: false });
/**
 * A dialog's lead class as written, which the service squeezes before it measures it (as it does a
 * class's own name, core/name-length.ts): the cap here only stops absurd input.
 */
export const DialogLeadClass = Type.String({ minLength: 1, maxLength: MAX_NAME_WRITTEN });
export const LeadClassBody = Type.Object(
  { leadClass: Nullable(DialogLeadClass) },
  { additionalProperties: false },
);
export const StatusBody = Type.Object({ online: Type.Boolean() }, { additionalProperties: false });
export const OperatorStatus = Type.Object({
  userId: Type.Integer(),
  online: Type.Boolean(),
  source: Type.Literal('manual'),
  changedAt: Nullable(Type.String()),
});
export type OperatorStatus = Static<typeof OperatorStatus>;

export const DialogParams = Type.Object({ projectId: Type.Integer({ minimum: 1 }), dialogId: Type.Integer({ minimum: 1 }) });
export const MessageParams = Type.Object({ projectId: Type.Integer({ minimum: 1 }), messageId: Type.Integer({ minimum: 1 }) });
export const DialogSearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 100 }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);
export type DialogSearchQuery = Static<typeof DialogSearchQuery>;

/** Where a search found a dialog: a field of its visitor's card, or one of its messages. */
export const SearchMatch = Type.Object({
  field: Type.Union([
    Type.Literal('name'),
    Type.Literal('realName'),
    Type.Literal('email'),
    Type.Literal('phone'),
    Type.Literal('notes'),
    Type.Literal('message'),
    /** A private note of the thread (operators only). */
    Type.Literal('privateNote'),
  ]),
  /** The matching text (a message's around the match). */
  text: Type.String(),
});
export type SearchMatch = Static<typeof SearchMatch>;

export const DialogSearch = Type.Object({
  query: Type.String(),
  /** Newest activity first, each with its view for the caller and where it matched. */
  results: Type.Array(Type.Object({ dialog: DialogSummary, match: SearchMatch })),
  /** More dialogs match than `limit`: make the query narrower. */
  more: Type.Boolean(),
});
export type DialogSearch = Static<typeof DialogSearch>;

export const DialogListQuery = Type.Object(
  {
    view: Type.Optional(Type.Union(VIEWS.map((v) => Type.Literal(v)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    before: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export const MessagesQuery = Type.Object(
  {
    afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
    beforeSeq: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  },
  { additionalProperties: false },
);

// ---- WebSocket frames -----------------------------------------------------------
// Clients send the frames below; the server answers with `{type:'error', code, message, ref?}`
// for a frame it refuses (the connection stays open), echoing the frame's clientId/ref.

export const OperatorFrame = Type.Union([
  // What is sent and edited is exactly these fields: a misspelt `private` would send a note to
  // the visitor.
  Type.Object(
    {
      type: Type.Literal('message.send'),
      dialogId: Type.Integer({ minimum: 1 }),
      clientId: ClientId,
      body: Body,
      attachmentIds: Type.Optional(AttachmentIds),
      /** A private note for operators, never shown to the visitor. */
      private: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('message.edit'),
      messageId: Type.Integer({ minimum: 1 }),
      body: Body,
      ref: Type.Optional(Type.String({ maxLength: 64 })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal('typing'), dialogId: Type.Integer({ minimum: 1 }) }),
  /** Per dialog, the last rev the client holds: the server sends every message changed since. */
  Type.Object({ type: Type.Literal('resume'), dialogs: Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Integer({ minimum: 0 })) }),
  Type.Object({ type: Type.Literal('ping') }),
]);
export type OperatorFrame = Static<typeof OperatorFrame>;

export const VisitorFrame = Type.Union([
  Type.Object({
    type: Type.Literal('hello'),
    token: Type.Optional(Type.String({ maxLength: 128 })),
    rev: Type.Optional(Type.Integer({ minimum: 0 })),
    /** With `rev`, the newest seq held: a delivery of a message up to it is no change to send again. */
    seq: Type.Optional(Type.Integer({ minimum: 0 })),
    /** The embed's data-group as written: measured as stored by the server (core/name-length.ts). */
    group: Type.Optional(Type.String({ maxLength: MAX_NAME_WRITTEN })),
    language: Type.Optional(Type.String({ maxLength: 16 })),
  }),
  Type.Object({
    type: Type.Literal('message.send'),
    clientId: ClientId,
    body: Body,
    attachmentIds: Type.Optional(AttachmentIds),
    page: Type.Optional(PageContext),
  }),
  Type.Object({ type: Type.Literal('ack'), messageIds: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 500 }) }),
  /** The page of older messages before this seq (the oldest the widget holds): answered by a `history` frame. */
  Type.Object({ type: Type.Literal('history'), before: Type.Integer({ minimum: 1 }) }),
  Type.Object({ type: Type.Literal('typing') }),
  Type.Object({ type: Type.Literal('ping') }),
  /**
   * Who the site says its visitor is (the widget's `parley('identify')`): client card fields, as
   * the card's edit takes them, and unverified, so a field an operator has set stays theirs.
   * Answered by `identified` (with the ref), or an error. Its fields are exactly these: one
   * misspelt would be lost without a word.
   */
  Type.Object(
    {
      type: Type.Literal('identify'),
      realName: UpdateCardBody.properties.realName,
      phone: UpdateCardBody.properties.phone,
      email: UpdateCardBody.properties.email,
      ref: Type.Optional(Type.String({ maxLength: 64 })),
    },
    { additionalProperties: false },
  ),
]);
export type VisitorFrame = Static<typeof VisitorFrame>;

/** What a visitor's widget sees of a message (no operator ids, no system messages). */
export const VisitorMessage = Type.Object({
  id: Type.Integer(),
  seq: Type.Integer(),
  rev: Type.Integer(),
  author: Type.Union([Type.Literal('visitor'), Type.Literal('operator')]),
  operator: Nullable(Type.Object({ name: Type.String(), avatarUrl: Nullable(Type.String()) })),
  body: Type.String(),
  attachments: Type.Array(Attachment),
  clientId: Type.Optional(Type.String()),
  createdAt: Type.String(),
  editedAt: Nullable(Type.String()),
});
export type VisitorMessage = Static<typeof VisitorMessage>;

/** Events operators receive (server -> operator socket). */
export type OperatorEvent =
  | { type: 'dialog.created'; dialog: DialogSummary }
  | { type: 'dialog.updated'; dialog: DialogSummary }
  | { type: 'message.created'; message: Message }
  | { type: 'message.updated'; message: Message }
  | { type: 'typing'; dialogId: number; who: 'visitor' | 'operator'; userId?: number }
  | { type: 'operator.status_changed'; userId: number; online: boolean; operatorsOnline: number }
  /** What decides this operator's status, or until when, changed; whether they are online did not (read the status again). */
  | { type: 'operator.schedule_changed'; userId: number }
  | { type: 'visitor.updated'; visitor: Visitor; dialogId: number }
  /** A visitor's first widget tab opened (online) or their last one closed. */
  | { type: 'visitor.presence'; visitorId: number; online: boolean }
  /** Groups, their members or the routing changed: which dialogs are Mine may have changed (reload the views). */
  | { type: 'groups.changed' };
