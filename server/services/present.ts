// Rows -> the API's shapes (core/protocol). One place, so every route says the same thing.
import type {
  ApiToken,
  Attachment,
  DialogSummary,
  Member,
  Message,
  Project,
  RemainingApiToken,
  SiteCardField,
  User,
  Visitor,
  VisitorMessage,
} from '../../core/protocol/index.js';
import type { ScopedCredentialRow } from '../db/credentials.js';
import { CARD_BY_OPERATOR, type DialogListRow, type MessageViewRow, type VisitorRow } from '../db/dialogs.js';
import type { MemberRow, ProjectWithMembership } from '../db/projects.js';
import type { UserRow } from '../db/users.js';
import { credentialState, idleExpiry } from './accounts.js';
import { personName } from '../../core/person.js';
import { widgetCsp } from '../plugins/security.js';

/**
 * A time as ISO 8601 (`2026-11-26T14:25:18.123Z`). Every message event carries a few, and
 * Date#toISOString costs about a microsecond: the text up to the seconds is kept for the
 * current second, and only the milliseconds are written again.
 */
let isoSecond = Number.NaN;
let isoPrefix = '';
export function iso(ms: number): string {
  if (!Number.isInteger(ms)) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    const full = new Date(ms).toISOString();
    // Years before 0 or after 9999 have a longer form: not kept.
    if (full.length !== 24) return full;
    isoSecond = second;
    isoPrefix = full.slice(0, 20);
  }
  const milli = ms - second * 1000;
  return isoPrefix + (milli < 10 ? '00' : milli < 100 ? '0' : '') + milli + 'Z';
}
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export const avatarUrl = (u: Pick<UserRow, 'id' | 'avatar_etag'>) =>
  u.avatar_etag ? `/avatars/${u.id}?v=${u.avatar_etag.slice(0, 12)}` : null;

export function presentUser(u: UserRow): User {
  return {
    id: u.id,
    email: u.email,
    firstName: u.first_name,
    lastName: u.last_name,
    phone: u.phone,
    avatarUrl: avatarUrl(u),
    serverAdmin: u.server_admin === 1,
    mustChangePassword: u.must_change_password === 1,
  };
}

export function presentProject(p: ProjectWithMembership, publicUrl: string): Project {
  return {
    id: p.id,
    name: p.name,
    widgetKey: p.widget_key,
    allowedOrigins: JSON.parse(p.allowed_origins) as string[],
    timezone: p.timezone,
    language: p.language,
    widget: { color: p.widget_color, greeting: p.widget_greeting },
    widgetScriptUrl: `${publicUrl}/widget.js`,
    widgetCsp: widgetCsp(publicUrl),
    createdAt: iso(p.created_at),
    access: p.access,
    operator: p.operator === 1,
  };
}

export function presentMember(m: MemberRow & { inOtherProjects: boolean }): Member {
  return {
    userId: m.id,
    email: m.email,
    firstName: m.first_name,
    lastName: m.last_name,
    phone: m.phone,
    avatarUrl: avatarUrl(m),
    operator: m.operator === 1,
    access: m.access,
    createdAt: iso(m.joined_at),
    inOtherProjects: m.inOtherProjects,
  };
}

/** An API token that still works after a password reset (so no state to tell). */
export function presentRemainingToken(t: ScopedCredentialRow, isNew: boolean): RemainingApiToken {
  return {
    name: t.name ?? '',
    createdAt: iso(t.created_at),
    lastUsedAt: isoOrNull(t.last_used_at),
    expiresAt: isoOrNull(t.expires_at),
    project: t.project_id === null ? null : (t.project_name ?? ''),
    new: isNew,
  };
}

/** An API token as it stands at `now`; revoked ones are never shown (the lists leave them out). */
export function presentApiToken(t: ScopedCredentialRow, now: number): ApiToken {
  const { new: _, ...token } = presentRemainingToken(t, false);
  const state = credentialState(t, now);
  return {
    ...token,
    idleExpiresAt: isoOrNull(idleExpiry(t)),
    state: state === 'revoked' ? 'expired' : state,
    project: t.project_id === null ? null : { id: t.project_id, name: t.project_name ?? '' },
  };
}

// ---- dialogs -------------------------------------------------------------------

export const fullName = personName;

export function presentMessage(m: MessageViewRow): Message {
  return {
    id: m.id,
    dialogId: m.dialog_id,
    seq: m.seq,
    rev: m.rev,
    author: m.author,
    operator:
      m.operator_id === null
        ? null
        : {
            id: m.operator_id,
            name: fullName(m.op_first_name, m.op_last_name),
            avatarUrl: avatarUrl({ id: m.operator_id, avatar_etag: m.op_avatar_etag }),
          },
    body: m.body,
    attachments: m.attachments ? (JSON.parse(m.attachments) as Message['attachments']) : [],
    clientId: m.client_id,
    createdAt: iso(m.created_at),
    editedAt: isoOrNull(m.edited_at),
    deliveredAt: isoOrNull(m.delivered_at),
    private: m.private === 1,
  };
}

/**
 * The widget's view: no operator ids, no delivery bookkeeping, no system messages, and nothing
 * of a private note (null: every way to a widget, live or history, goes through here and drops it).
 */
export function visitorMessage(m: Message): VisitorMessage | null {
  if (m.author === 'system' || m.private) return null;
  return {
    id: m.id,
    seq: m.seq,
    rev: m.rev,
    author: m.author,
    operator: m.operator ? { name: m.operator.name, avatarUrl: m.operator.avatarUrl } : null,
    body: m.body,
    attachments: m.attachments,
    ...(m.author === 'visitor' ? { clientId: m.clientId } : {}),
    createdAt: m.createdAt,
    editedAt: m.editedAt,
  };
}

export function presentDialog(d: DialogListRow): DialogSummary {
  return {
    id: d.id,
    status: d.status,
    visitor: { id: d.visitor_id, name: d.visitor_name, realName: d.visitor_real_name },
    assignee:
      d.assignee_id === null ? null : { id: d.assignee_id, name: fullName(d.assignee_first_name, d.assignee_last_name) },
    // group_name outlives a deleted group (for the journal); the dialog's group is the live one.
    group: d.group_id === null ? null : d.group_name,
    leadClass: d.lead_class,
    lastSeq: d.last_seq,
    rev: d.rev,
    lastMessage:
      d.last_author === null
        ? null
        : {
            author: d.last_author,
            seq: d.last_message_seq ?? 0,
            body: (d.last_body ?? '').slice(0, 200),
            files: d.last_attachments ? (JSON.parse(d.last_attachments) as Attachment[]).map((a) => ({ name: a.name })) : [],
            createdAt: iso(d.last_created_at ?? 0),
          },
    createdAt: iso(d.created_at),
    firstResponseAt: isoOrNull(d.first_response_at),
    lastMessageAt: iso(d.last_message_at),
    closedAt: isoOrNull(d.closed_at),
  };
}

/** The card's fields a site can give, in the card's order, by their columns. */
const SITE_CARD_FIELDS = [
  ['realName', 'real_name'],
  ['phone', 'phone'],
  ['email', 'email'],
] as const satisfies ReadonlyArray<readonly [SiteCardField, keyof typeof CARD_BY_OPERATOR]>;

/**
 * The card fields whose value the site gave (identify): a value in a field no operator has set.
 * An operator's edit sets the field's bit, and the values kept from before sites could identify
 * came in as the operators'.
 */
export function cardFromSite(v: Pick<VisitorRow, 'real_name' | 'phone' | 'email' | 'card_by_operator'>): SiteCardField[] {
  return SITE_CARD_FIELDS.filter(([, col]) => v[col] !== null && !(v.card_by_operator & CARD_BY_OPERATOR[col])).map(([field]) => field);
}

export function presentVisitor(v: VisitorRow): Visitor {
  return {
    id: v.id,
    name: v.name,
    card: { realName: v.real_name, phone: v.phone, email: v.email, notes: v.notes, fromSite: cardFromSite(v) },
    page: { url: v.page_url, title: v.page_title, referrer: v.referrer },
    currentPage: v.current_url || v.current_title ? { url: v.current_url, title: v.current_title } : null,
    utm: v.utm ? (JSON.parse(v.utm) as Record<string, string>) : {},
    createdAt: iso(v.created_at),
    lastSeenAt: iso(v.last_seen_at),
  };
}
