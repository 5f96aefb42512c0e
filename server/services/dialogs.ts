// Dialogs and messages: the delivery contract of DESIGN.md lives here.
//
// - A message is stored once per (dialog, clientId); a repeated send returns the stored one
//   (same id, same seq) and is pushed again; the same clientId with another body is a conflict.
// - seq is per dialog, strictly increasing without gaps; rev counts every change to a dialog's
//   messages (created, edited, delivered) so clients resume with "everything after rev N".
// - A new dialog is routed to a group (embed's data-group, else the project's URL rules) and,
//   under the round-robin policy, assigned at once (services/groups.ts); views per operator are
//   decided by db/dialogs.ts (VIEW_WHERE, viewOf).
// - Events are published after the write committed (db.write resolves after COMMIT), and
//   synchronously: what they carry is read inside the transaction, so no await sits between the
//   commit and the publish, and events leave in commit order (a client resuming from the
//   highest rev it saw never skips a lower one).
import { randomBytes } from 'node:crypto';
import type { Attachment, DialogSummary, PageContext, UpdateCardBody, View } from '../../core/protocol/index.js';
import { nameProblem, withoutControlCharacters } from '../../core/names.js';
import { normalizeEmail } from '../../core/protocol/index.js';
import { DIALOG_CURSOR_RE, EDIT_WINDOW_MS } from '../../core/protocol/constants.js';
import { CARD_BY_OPERATOR, type DialogRouting, type DialogRow, type MessageViewRow, type VisitorRow, viewOf } from '../db/dialogs.js';
import type { ProjectRow } from '../db/projects.js';
import type { Tx } from '../db/sqlite.js';
import type { UserRow } from '../db/users.js';
import { AppError, badRequest, conflict, forbidden, notAnOperator, notFound, rateLimited } from '../errors.js';
import { sha256 } from '../secrets.js';
import type { Auth } from './accounts.js';
import type { AttachmentsService } from './attachments.js';
import type { ServiceDeps } from './context.js';
import { resolveLeadClass } from './leads.js';
import { routeNewDialog } from './groups.js';
import { visitorNameCandidates, visitorNameOf } from './names.js';
import { findDialogs } from './search.js';
import { fullName, presentDialog, presentMessage, presentVisitor } from './present.js';
import type { ProjectsService } from './projects.js';

const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];

/** UTM tags of a page URL, or null when it has none (or is not a URL). */
export function utmOf(pageUrl: string | undefined): Record<string, string> | null {
  if (!pageUrl) return null;
  try {
    const params = new URL(pageUrl).searchParams;
    const utm: Record<string, string> = {};
    for (const key of UTM_KEYS) {
      const value = params.get(key);
      if (value) utm[key.slice(4)] = value.slice(0, 200);
    }
    return Object.keys(utm).length ? utm : null;
  } catch {
    return null;
  }
}

const cleanBody = (body: string) => body.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');

/**
 * Whether a send under a used clientId carries the files its message was stored with. A retry
 * that uploads again gets new attachment ids for the same bytes, and the table keeps no hash of
 * them: a file is the same when its name, type and size are (whatever the order of the files).
 */
function sameFiles(stored: Attachment[], sent: Attachment[]): boolean {
  const key = (files: Attachment[]) => files.map((a) => JSON.stringify([a.name, a.mime, a.size])).sort().join('\n');
  return key(stored) === key(sent);
}

/** Files for a conflict's message: their names ("none" for none). */
const fileList = (files: Attachment[]) => (files.length ? files.map((a) => `"${a.name}"`).join(', ') : 'none');

/**
 * The client card's notes as stored: several lines, so line breaks (CRLF as LF, as in messages)
 * and tabs are kept; any other control character is refused as in a name. Refused rather than
 * dropped as in messages: an operator or a script typed them, and is told.
 */
function cleanNotes(notes: string): string {
  const text = notes.replace(/\r\n?/g, '\n');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) {
    throw badRequest('the notes have a control character: only line breaks and tabs are allowed');
  }
  return text;
}

/** The card's one-line fields, as the card's edit and a site's identify give them (undefined: not given). */
type CardLines = Pick<UpdateCardBody, 'realName' | 'phone' | 'email'>;

/**
 * The card's name, phone and email as they are to be stored (undefined: not given; null: none):
 * one line each, as every name is, trimmed, and an email that is one (lower-cased). A value sent
 * back as stored is taken as it is: a card saved before these rules (a tab in a name) stays
 * editable, its other fields too.
 */
function cardLines(card: CardLines, stored: Pick<VisitorRow, 'real_name' | 'phone' | 'email'>) {
  const clean = (v: string | null | undefined, what: string, was: string | null) => {
    const value = v === undefined ? undefined : v === null ? null : v.trim() || null;
    const problem = value && value !== was ? nameProblem(what, value) : null;
    if (problem) throw badRequest(problem);
    return value;
  };
  const realName = clean(card.realName, 'the real name', stored.real_name);
  const phone = clean(card.phone, 'the phone', stored.phone);
  const email = clean(card.email, 'the email', stored.email);
  if (email && email !== stored.email && !normalizeEmail(email)) throw badRequest(`not a valid email address: "${email}"`);
  return { real_name: realName, phone, email: email && email !== stored.email ? normalizeEmail(email) : email };
}

/** The fields of `lines` that would change `stored`, with their CARD_BY_OPERATOR bits. */
function cardChanges(lines: ReturnType<typeof cardLines>, stored: VisitorRow) {
  const changes: Partial<Record<keyof typeof CARD_BY_OPERATOR, string | null>> = {};
  let bits = 0;
  for (const col of Object.keys(CARD_BY_OPERATOR) as Array<keyof typeof CARD_BY_OPERATOR>) {
    const value = lines[col];
    if (value === undefined || value === stored[col]) continue;
    changes[col] = value;
    bits |= CARD_BY_OPERATOR[col];
  }
  return { changes, bits };
}

/** A page address as the journal keeps it: an http(s) URL of at most this length. */
const MAX_PAGE_URL = 2048;

/** `v` when it is an absolute http(s) URL, as sent (trimmed); anything else is no address at all. */
function httpUrl(v: string | null): string | null {
  const url = v?.trim();
  if (!url || url.length > MAX_PAGE_URL || !/^https?:\/\//i.test(url)) return null;
  return URL.canParse(url) ? url : null;
}

/**
 * Where the visitor was, as their browser says: metadata, never a reason to refuse their
 * message, so control characters are dropped (a page title or URL has no business with them),
 * and an address that is not an http(s) URL (a socket that skips the widget can send anything)
 * is kept as none.
 */
function cleanPageContext(page: Omit<PageContext, 'landing'>) {
  const clean = (v: string | undefined) => (v === undefined ? null : withoutControlCharacters(v));
  return { url: httpUrl(clean(page.url)), title: clean(page.title), referrer: httpUrl(clean(page.referrer)) };
}

/** Operator messages kept until their delivery is announced; the oldest go first beyond this. */
const AWAITING_DELIVERY = 5000;

/**
 * Operator messages sent by this process and not yet acked, as stored: the delivery event
 * announces the whole message, and keeping it saves reading it back for every ack. Only a
 * shortcut: what is not here (evicted, sent before a restart, edited) is read from the database.
 */
function deliveryCache() {
  const rows = new Map<number, { row: MessageViewRow; visitorId: number }>();
  return {
    put(row: MessageViewRow, visitorId: number) {
      rows.set(row.id, { row, visitorId });
      if (rows.size > AWAITING_DELIVERY) rows.delete(rows.keys().next().value!);
    },
    /**
     * The ids with their dialog when every one is a message held here for this visitor (so not
     * delivered yet: an ack takes what it marks), or null: then the database knows.
     */
    pendingOf(visitorId: number, ids: number[]) {
      const out: Array<{ id: number; dialog_id: number }> = [];
      for (const id of ids) {
        const held = rows.get(id);
        if (!held || held.visitorId !== visitorId) return null;
        out.push({ id, dialog_id: held.row.dialog_id });
      }
      return out;
    },
    take(id: number) {
      const held = rows.get(id);
      rows.delete(id);
      return held?.row;
    },
    forget: (id: number) => void rows.delete(id),
    clear: () => rows.clear(),
  };
}

/** The widget is given a dialog this many messages at a time, newest first (a hello, then a `history` frame each). */
const VISITOR_PAGE = 50;
/**
 * A reconnecting widget is sent at most this many changes since the rev it holds; beyond, it is
 * sent the newest page and starts over (a tab left open for days must not get a dialog's whole
 * history at once).
 */
const VISITOR_RESUME_MAX = 200;

/** Searches one user may have running at once (search.ts reads a page per turn of the loop). */
const SEARCHES_PER_USER = 2;

/** Dialogs whose project and visitor are known (both never change); beyond this it starts over. */
const DIALOG_REFS_KEPT = 20_000;

export type DialogsService = ReturnType<typeof dialogsService>;

/** A dialog given back by someone who stopped answering (releaseDialogs), as announced. */
export interface ReleasedDialog {
  dialog: DialogSummary;
  routing: DialogRouting;
  releasedFrom: { id: number; name: string };
}

/** What a widget's socket keeps of its visitor: who and where (the rest is read when needed). */
export type VisitorRef = Pick<VisitorRow, 'id' | 'project_id'>;

/**
 * A widget's visitor before they write: a hello stores nothing (a page view is not a visitor
 * worth a row, and a script opening sockets would otherwise fill the table), so until the first
 * message or file the visitor is their token's hash and the name that goes with it.
 */
export interface PendingVisitor {
  projectId: number;
  tokenHash: string;
  name: string;
}

/** The form of the tokens visitorHello gives. */
const VISITOR_TOKEN = /^pvt_[A-Za-z0-9_-]{43}$/;

export function dialogsService(deps: ServiceDeps, projects: ProjectsService, uploads: AttachmentsService) {
  const { db, repos, clock, bus } = deps;
  const r = repos.dialogs;
  const awaitingDelivery = deliveryCache();
  /** Searches running per user. */
  const searching = new Map<number, number>();
  // A cached row carries its operator's name and avatar as they were.
  bus.subscribe('user.updated', () => awaitingDelivery.clear());
  // Every operator message needs its dialog's project and visitor, which never change.
  const dialogRefs = new Map<number, Pick<DialogRow, 'id' | 'project_id' | 'visitor_id'>>();
  async function dialogRef(dialogId: number) {
    const kept = dialogRefs.get(dialogId);
    if (kept) return kept;
    const ref = await r.dialogRef(dialogId);
    if (!ref) return undefined;
    if (dialogRefs.size >= DIALOG_REFS_KEPT) dialogRefs.clear();
    dialogRefs.set(dialogId, ref);
    return ref;
  }

  async function summary(dialogId: number, q?: Tx) {
    return presentDialog((await r.dialogSummary(dialogId, q))!);
  }

  /** A dialog event's payload, read in the writing transaction: the summary and what views need. */
  async function announcement(dialogId: number, q: Tx) {
    const row = (await r.dialogSummary(dialogId, q))!;
    return { dialog: presentDialog(row), routing: await r.routing(row, q) };
  }

  /** The summary as one operator sees it: with its view for them. */
  async function summaryFor(userId: number, dialogId: number, q?: Tx) {
    const row = (await r.dialogSummary(dialogId, q))!;
    const dialog = presentDialog(row);
    const view = viewOf(userId, { status: row.status, assigneeId: row.assignee_id }, await r.routing(row, q));
    return { ...dialog, view };
  }


  /**
   * A take of a dialog the caller saw as `from`'s (null: nobody's) goes ahead while it still is,
   * or is the caller's already; taken by someone else meanwhile (two operators pressing Take on
   * a new dialog at once), it is refused with who has it, so the second does not take it from
   * the first unawares. Read in the write, so no other write comes between.
   */
  async function stillAsSeen(tx: Tx, dialogId: number, me: number, from: number | null): Promise<void> {
    const now = (await r.dialogById(dialogId, tx))!.assignee_id;
    if (now === from || now === me || now === null) return;
    const user = await repos.users.byId(now, tx);
    const name = user ? fullName(user.first_name, user.last_name) : 'someone else';
    throw conflict(`${name} took this dialog meanwhile: take it again to take it over`);
  }

  /** The dialog, if it belongs to a project the caller is a member of; 404 otherwise. */
  async function dialogFor(auth: Auth, projectId: number, dialogId: number): Promise<DialogRow> {
    await projects.membership(auth, projectId);
    return dialogOf(projectId, dialogId);
  }

  /** The project's dialog (membership checked by the caller). */
  async function dialogOf(projectId: number, dialogId: number): Promise<DialogRow> {
    const dialog = await r.dialogById(dialogId);
    if (!dialog || dialog.project_id !== projectId) throw notFound(`no dialog with id ${dialogId}`);
    return dialog;
  }

  async function requireOperator(auth: Auth, projectId: number) {
    const m = await projects.membership(auth, projectId);
    if (!m.operator) throw notAnOperator();
    return m;
  }

  /**
   * Who a new or reopened dialog goes to, when its visitor writes. Round-robin gives a new one to
   * an online operator now, and a reopened one nobody answered (no first response) too when its
   * assignee is not online (round-robin's own earlier pick, gone offline since); with nobody
   * online it waits unassigned in its group's Mine, and the first to reply takes it. Whatever the
   * policy, a reopened dialog whose assignee no longer answers in the project (removed, role
   * taken away, account disabled) comes back unassigned rather than in nobody's Mine.
   */
  async function assignOnArrival(tx: Tx, dialog: DialogRow, reopened: boolean) {
    let assignee = dialog.assignee_id;
    let online = false;
    if (reopened && assignee !== null) {
      const duty = await repos.groups.onDuty(dialog.project_id, assignee, tx);
      if (!duty) {
        assignee = null;
        await r.setDialogFields(tx, dialog.id, { assignee_id: null });
      } else online = duty.online === 1;
    }
    const unanswered = assignee === null || (dialog.first_response_at === null && !online);
    if (!unanswered || (await repos.groups.assignment(dialog.project_id, tx)) !== 'round-robin') return;
    const next = await repos.groups.takeNextAssignee(tx, dialog.project_id, dialog.group_id);
    if (next !== assignee) await r.setDialogFields(tx, dialog.id, { assignee_id: next });
  }

  /**
   * Stores a message once per (dialog, clientId): a repeat returns the stored one (the same text,
   * or an edit of it, and the same files), a different text or other files under the same
   * clientId is a conflict, and so is the other kind (a private note where a message to the
   * visitor was stored, or the reverse). `dialog` is the dialog's state after a new message
   * (null for a repeat), for the caller's follow-up changes.
   */
  async function storeOnce(
    tx: Tx,
    dialogId: number,
    m: {
      author: 'visitor' | 'operator';
      operator: UserRow | null;
      body: string;
      clientId: string;
      attachments: Attachment[];
      private: boolean;
    },
    now: number,
  ): Promise<{ row: MessageViewRow; isNew: boolean; dialog: Pick<DialogRow, 'status' | 'assignee_id' | 'first_response_at'> | null }> {
    const appended = await r.appendMessage(
      tx,
      {
        dialogId,
        author: m.author,
        operatorId: m.operator?.id ?? null,
        body: m.body,
        clientId: m.clientId,
        attachments: m.attachments.length ? JSON.stringify(m.attachments) : null,
        private: m.private,
      },
      now,
    );
    if (appended) {
      const op = m.operator;
      const row = { ...appended.message, op_first_name: op?.first_name ?? null, op_last_name: op?.last_name ?? null, op_avatar_etag: op?.avatar_etag ?? null };
      return { row, isNew: true, dialog: appended.dialog };
    }
    const existing = await r.messageByClientId(dialogId, m.clientId, tx);
    if (!existing) throw notFound(`no dialog with id ${dialogId}`);
    if ((existing.private === 1) !== m.private) {
      // A visitor is not told that a note exists: to them it is a clientId used, nothing more.
      if (m.author === 'visitor') throw conflict('this clientId was already used for another message');
      const was = existing.private === 1 ? 'a private note' : existing.author === 'visitor' ? "the visitor's message" : 'a message to the visitor';
      throw conflict(`this clientId was already used for ${was}: this one is ${m.private ? 'a private note' : 'a message to the visitor'}`);
    }
    const stored = presentMessage(existing).attachments;
    const otherText = existing.body !== m.body && existing.edited_at === null;
    const otherFiles = !sameFiles(stored, m.attachments);
    if (otherText || otherFiles) {
      const what = [otherText && 'a different text', otherFiles && 'other files'].filter(Boolean).join(' and ');
      const files = otherFiles ? `: it has ${fileList(stored)}, this one ${fileList(m.attachments)}` : '';
      throw conflict(`this clientId was already used for a ${m.private ? 'note' : 'message'} with ${what}${files}`);
    }
    return { row: existing, isNew: false, dialog: null };
  }

  /** A page of the widget's history: the newest messages before `beforeSeq`, and whether older ones exist. */
  async function visitorPage(dialogId: number, beforeSeq: number) {
    const rows = await r.visitorPage(dialogId, beforeSeq, VISITOR_PAGE + 1);
    return { more: rows.length > VISITOR_PAGE, messages: rows.slice(-VISITOR_PAGE).map(presentMessage) };
  }

  return {
    summary,

    /**
     * In the caller's write, once `userId` no longer answers in the project (presence.endDuty):
     * their open dialogs are unassigned, back in their group's Mine, or under round-robin given
     * to the next online operator of the group as a new dialog would be. Returns them, to
     * announce once the write committed (announceReleased).
     */
    async releaseDialogs(tx: Tx, projectId: number, userId: number): Promise<ReleasedDialog[]> {
      const open = await repos.groups.openDialogsOf(projectId, userId, tx);
      if (!open.length) return [];
      const roundRobin = (await repos.groups.assignment(projectId, tx)) === 'round-robin';
      const user = await repos.users.byId(userId, tx);
      const releasedFrom = { id: userId, name: user ? fullName(user.first_name, user.last_name) : 'Someone' };
      const released: ReleasedDialog[] = [];
      for (const d of open) {
        const next = roundRobin ? await repos.groups.takeNextAssignee(tx, projectId, d.group_id) : null;
        await r.setDialogFields(tx, d.id, { assignee_id: next });
        released.push({ ...(await announcement(d.id, tx)), releasedFrom });
      }
      return released;
    },

    /**
     * Under round-robin, the open dialogs nobody has (they came while nobody of their group was
     * online, or were let go then) go to the group's online operators, oldest first, taking
     * turns as new ones do: called when someone comes online, so a dialog does not wait in
     * everyone's Mine for the first to notice it. Nothing under `manual`.
     */
    async assignWaiting(projectId: number): Promise<void> {
      // Read first: under `manual` (the default) a status switch takes no write.
      if ((await repos.groups.assignment(projectId)) !== 'round-robin') return;
      const assigned = await db.write(async (tx) => {
        if ((await repos.groups.assignment(projectId, tx)) !== 'round-robin') return [];
        const out: Array<Awaited<ReturnType<typeof announcement>>> = [];
        for (const d of await repos.groups.waitingDialogs(projectId, tx)) {
          const next = await repos.groups.takeNextAssignee(tx, projectId, d.group_id);
          if (next === null) continue;
          await r.setDialogFields(tx, d.id, { assignee_id: next });
          out.push(await announcement(d.id, tx));
        }
        return out;
      });
      for (const d of assigned) bus.publish({ type: 'dialog.updated', projectId, ...d, waited: true });
    },

    announceReleased(projectId: number, released: ReleasedDialog[]) {
      for (const d of released) bus.publish({ type: 'dialog.updated', projectId, ...d });
    },

    // ---- the visitor side --------------------------------------------------------

    /**
     * The visitor a widget token belongs to (in this project), or a visitor to be (`pending`),
     * stored by storeVisitor when they first write. A token this server gave that nobody wrote
     * with yet is not stored, so it is kept as it is; one that is unknown although the widget
     * holds messages of it (`rev`), belongs to another project, or is not of our form gets a new
     * token (the widget then starts over as a new visitor).
     */
    async visitorHello(project: ProjectRow, token: string | undefined, language?: string, rev = 0) {
      const nameLanguage = language?.startsWith('ru') ? 'ru' : project.language;
      // Not a name an open dialog of the project has, while the token offers another.
      const pendingOf = async (tokenHash: string): Promise<PendingVisitor> => {
        const taken = await r.namesInOpenDialogs(project.id, visitorNameCandidates(tokenHash, nameLanguage));
        return { projectId: project.id, tokenHash, name: visitorNameOf(tokenHash, nameLanguage, taken) };
      };
      if (token) {
        const tokenHash = sha256(token);
        const visitor = await r.visitorByTokenHash(project.id, tokenHash);
        if (visitor) return { token, visitor, pending: null };
        if (VISITOR_TOKEN.test(token) && rev === 0 && !(await r.tokenTaken(tokenHash))) {
          return { token, visitor: null, pending: await pendingOf(tokenHash) };
        }
      }
      const fresh = `pvt_${randomBytes(32).toString('base64url')}`;
      return { token: fresh, visitor: null, pending: await pendingOf(sha256(fresh)) };
    },

    /** The visitor stored under a pending one's token since (by another tab), if any. */
    async storedVisitor(pending: PendingVisitor): Promise<VisitorRef | undefined> {
      const row = await r.visitorByTokenHash(pending.projectId, pending.tokenHash);
      return row && { id: row.id, project_id: row.project_id };
    },

    /**
     * Stores a pending visitor at their first message or file, once for all their tabs: a tab
     * whose visitor another one stored meanwhile gets that row. The hub then counts every open
     * tab of the token as the visitor's (visitor.stored).
     */
    async storeVisitor(pending: PendingVisitor): Promise<VisitorRef> {
      const now = clock.now();
      const stored = await db.write(async (tx) => {
        const found = await r.visitorByTokenHash(pending.projectId, pending.tokenHash, tx);
        if (found) return { id: found.id, isNew: false };
        if (await r.tokenTaken(pending.tokenHash, tx)) throw conflict('this visitor token belongs to another site: reload the page');
        const id = await r.insertVisitor(tx, { projectId: pending.projectId, tokenHash: pending.tokenHash, name: pending.name }, now);
        return { id, isNew: true };
      });
      if (stored.isNew) bus.publish({ type: 'visitor.stored', projectId: pending.projectId, tokenHash: pending.tokenHash, visitorId: stored.id });
      return { id: stored.id, project_id: pending.projectId };
    },

    dialogOfVisitor: (visitorId: number) => r.dialogOfVisitor(visitorId),

    /** A visitor's message: creates the dialog on the first one, reopens a closed one. */
    async visitorSend(
      visitor: VisitorRef,
      input: { clientId: string; body: string; attachmentIds?: number[]; page?: PageContext; group?: string | null },
    ) {
      const body = cleanBody(input.body).trim();
      const attachments = await uploads.forMessage(visitor.id, input.attachmentIds, 'visitor');
      if (!body && attachments.length === 0) throw badRequest('a message needs some text or a file');
      const page = input.page && cleanPageContext(input.page);
      // Kept for the lead journal: where the visit began (it brought the referrer and UTM tags).
      const landing = input.page && cleanPageContext(input.page.landing ?? input.page);
      const now = clock.now();
      const result = await db.write(async (tx) => {
        let dialog = await r.dialogOfVisitor(visitor.id, tx);
        let created = false;
        let reopened = false;
        if (!dialog) {
          const group = await routeNewDialog(repos.groups, tx, visitor.project_id, {
            embedGroup: input.group,
            pageUrl: page?.url ?? undefined,
          });
          const id = await r.insertDialog(tx, { projectId: visitor.project_id, visitorId: visitor.id, group }, now);
          dialog = (await r.dialogById(id, tx))!;
          created = true;
        }
        if (landing && page) {
          const utm = utmOf(landing.url ?? undefined);
          await r.setPageContext(tx, visitor.id, { ...landing, utm: utm ? JSON.stringify(utm) : null });
          await r.setCurrentPage(tx, visitor.id, page);
        }
        await r.touchVisitor(tx, visitor.id, now);
        const stored = await storeOnce(
          tx,
          dialog.id,
          { author: 'visitor', operator: null, body, clientId: input.clientId, attachments, private: false },
          now,
        );
        if (stored.isNew && dialog.status === 'closed') {
          await r.setDialogFields(tx, dialog.id, { status: 'open', closed_at: null });
          reopened = true;
        }
        if (created || reopened) await assignOnArrival(tx, dialog, reopened);
        const announce = stored.isNew && (created || reopened || input.page !== undefined);
        return {
          ...stored,
          dialogId: dialog.id,
          created,
          reopened,
          dialogRow: announce ? await announcement(dialog.id, tx) : null,
          visitorRow: announce && (created || input.page) ? (await r.visitorById(visitor.id, tx))! : null,
        };
      });
      const message = presentMessage(result.row);
      if (result.isNew) {
        const projectId = visitor.project_id;
        if (result.dialogRow && (result.created || result.reopened)) {
          bus.publish({ type: result.created ? 'dialog.created' : 'dialog.updated', projectId, ...result.dialogRow });
        }
        if (result.visitorRow) {
          bus.publish({ type: 'visitor.updated', projectId, dialogId: result.dialogId, visitor: presentVisitor(result.visitorRow) });
        }
        bus.publish({ type: 'message.created', projectId, visitorId: visitor.id, message });
      }
      return { message, isNew: result.isNew };
    },

    /**
     * A site's word of who its visitor is (the widget's identify): refused as the card's edit
     * would refuse it (a line break in the name, an email that is not one), before it is kept.
     */
    checkIdentity: (who: CardLines) => void cardLines(who, { real_name: null, phone: null, email: null }),

    /**
     * What a site says of its visitor goes on their client card: the name, phone and email given,
     * except a field an operator has set by hand (the site's values come from the page, unverified:
     * the operators' edits win). Checked as the card's edit checks them. A change is announced to
     * operators (visitor.updated) once the visitor has a dialog; `mayWrite` is asked before a write
     * (a value the card has already costs nothing). Returns whether the card changed.
     */
    async visitorIdentify(visitor: VisitorRef, who: CardLines, mayWrite: () => boolean = () => true): Promise<boolean> {
      const before = (await r.visitorById(visitor.id))!;
      const lines = cardLines(who, before);
      const unlocked = (stored: VisitorRow) => {
        const { changes } = cardChanges(lines, stored);
        for (const col of Object.keys(changes) as Array<keyof typeof changes>) {
          if (stored.card_by_operator & CARD_BY_OPERATOR[col]) delete changes[col];
        }
        return changes;
      };
      if (!Object.keys(unlocked(before)).length) return false;
      if (!mayWrite()) throw rateLimited('the visitor was identified too often; wait a moment', 60);
      const done = await db.write(async (tx) => {
        // Read again in the write: an operator's edit committed since wins.
        const changes = unlocked((await r.visitorById(visitor.id, tx))!);
        if (!Object.keys(changes).length) return null;
        await r.updateCard(tx, visitor.id, changes);
        const dialog = await r.dialogOfVisitor(visitor.id, tx);
        return {
          visitorRow: (await r.visitorById(visitor.id, tx))!,
          dialogRow: dialog ? await announcement(dialog.id, tx) : null,
        };
      });
      if (!done) return false;
      if (done.dialogRow) {
        const projectId = visitor.project_id;
        bus.publish({ type: 'visitor.updated', projectId, dialogId: done.dialogRow.dialog.id, visitor: presentVisitor(done.visitorRow) });
        bus.publish({ type: 'dialog.updated', projectId, ...done.dialogRow });
      }
      return true;
    },

    /** The widget rendered these operator messages: record the first delivery of each. */
    async visitorAck(visitor: VisitorRef, messageIds: number[]) {
      // A read first (unless all are held since sending): acks of nothing new (a reload acking
      // its history, a repeat) queue no write.
      const ids = [...new Set(messageIds)];
      const pending = awaitingDelivery.pendingOf(visitor.id, ids) ?? (await r.undeliveredOfVisitor(visitor.id, ids));
      if (pending.length === 0) return;
      const now = clock.now();
      const rows = await db.write(async (tx) => {
        const out: MessageViewRow[] = [];
        for (const { id, dialog_id: dialogId } of pending) {
          const rev = await r.markDelivered(tx, id, dialogId, now);
          if (rev === null) continue;
          const held = awaitingDelivery.take(id) ?? (await r.messageById(id, tx))!;
          out.push({ ...held, rev, delivered_at: now });
        }
        return out;
      });
      for (const row of rows) {
        bus.publish({
          type: 'message.updated',
          projectId: visitor.project_id,
          visitorId: visitor.id,
          message: presentMessage(row),
          reason: 'delivered',
        });
      }
    },

    visitorTyping(visitor: VisitorRef, dialog: DialogRow) {
      bus.publish({ type: 'typing', projectId: visitor.project_id, dialogId: dialog.id, visitorId: visitor.id, who: 'visitor' });
    },

    /**
     * For an operator resuming: per dialog of this project, every message changed after the
     * rev the client holds. Dialogs of other projects and dialogs without changes are skipped.
     */
    async resume(auth: Auth, projectId: number, held: Record<string, number>) {
      await projects.membership(auth, projectId);
      const ids = Object.keys(held).map(Number);
      const out: Array<{ dialogId: number; messages: ReturnType<typeof presentMessage>[] }> = [];
      for (const { id, rev } of await r.dialogRevs(projectId, ids)) {
        if (rev > held[id]) out.push({ dialogId: id, messages: (await r.messagesChangedSince(id, held[id])).map(presentMessage) });
      }
      return out;
    },

    /**
     * What a widget's hello gets of the visitor's dialog: after a reconnect (`rev`, the highest
     * it holds, at most the dialog's), every message changed since, when they are few enough
     * (without the deliveries of those up to `heldSeq`, the newest it holds); otherwise (a new
     * page of the site, or too much missed) the newest page, to start over from. `dialog` is read
     * before the messages: its rev is then a cursor they are at least as new as.
     */
    async visitorHistory(dialog: Pick<DialogRow, 'id' | 'rev'>, rev: number, heldSeq = 0) {
      if (rev > 0 && rev <= dialog.rev) {
        const changed = await r.visitorChangesSince(dialog.id, rev, heldSeq, VISITOR_RESUME_MAX + 1);
        if (changed.length <= VISITOR_RESUME_MAX) return { resumed: true, more: false, messages: changed.map(presentMessage) };
      }
      return { resumed: false, ...(await visitorPage(dialog.id, Number.MAX_SAFE_INTEGER)) };
    },

    visitorPage,

    // ---- the operator side ---------------------------------------------------------

    /**
     * An operator's message. Stored once per clientId; a repeat is pushed to the visitor again
     * (the widget shows each message id once). The first operator to answer an unassigned
     * dialog becomes responsible for it.
     *
     * `private`: a note for the team, stored in the thread like a message, which the visitor
     * never sees. It is no answer: no first response, no assignee, no reopening, and it is never
     * waiting for a delivery. `queued`: see routes/realtime.ts inOrder.
     */
    async operatorSend(
      auth: Auth,
      projectId: number,
      dialogId: number,
      clientId: string,
      rawBody: string,
      attachmentIds?: number[],
      options: { private?: boolean; queued?: () => void } = {},
    ) {
      await requireOperator(auth, projectId);
      const dialog = await dialogRef(dialogId);
      if (!dialog || dialog.project_id !== projectId) throw notFound(`no dialog with id ${dialogId}`);
      const note = options.private === true;
      const body = cleanBody(rawBody).trim();
      const attachments = await uploads.forMessage(dialog.visitor_id, attachmentIds, 'operator');
      if (!body && attachments.length === 0) throw badRequest(`a ${note ? 'note' : 'message'} needs some text or a file`);
      const now = clock.now();
      const result = await db.write(async (tx) => {
        const stored = await storeOnce(
          tx,
          dialog.id,
          { author: 'operator', operator: auth.user, body, clientId, attachments, private: note },
          now,
        );
        let dialogChanged = false;
        const current = stored.dialog;
        if (current && !note) {
          const fields: Parameters<typeof r.setDialogFields>[2] = {};
          if (current.first_response_at === null) fields.first_response_at = now;
          if (current.assignee_id === null) fields.assignee_id = auth.user.id;
          if (current.status === 'closed') Object.assign(fields, { status: 'open', closed_at: null });
          await r.setDialogFields(tx, dialog.id, fields);
          dialogChanged = Object.keys(fields).length > 0;
        }
        return { ...stored, dialogRow: dialogChanged ? await announcement(dialog.id, tx) : null };
      }, options.queued);
      if (result.isNew && !note) awaitingDelivery.put(result.row, dialog.visitor_id);
      const message = presentMessage(result.row);
      if (result.dialogRow) bus.publish({ type: 'dialog.updated', projectId, ...result.dialogRow });
      if (result.isNew) bus.publish({ type: 'message.created', projectId, visitorId: dialog.visitor_id, message });
      // A repeat goes out again too: the visitor may have missed it (the 5-second resend). Not a
      // note's: there is no visitor to reach, the operators had its message.created when it was
      // stored (or resume it by rev), and the sender has the stored copy in the answer.
      else if (!note) bus.publish({ type: 'message.updated', projectId, visitorId: dialog.visitor_id, message, reason: 'resent' });
      return { message, isNew: result.isNew };
    },

    /** Edits one's own operator message within 10 minutes of sending (server clock). */
    async edit(auth: Auth, projectId: number, messageId: number, rawBody: string) {
      await requireOperator(auth, projectId);
      const existing = await r.messageById(messageId);
      const dialog = existing ? await r.dialogById(existing.dialog_id) : undefined;
      if (!existing || !dialog || dialog.project_id !== projectId) throw notFound(`no message with id ${messageId}`);
      if (existing.author !== 'operator' || existing.operator_id !== auth.user.id) {
        throw forbidden('only the operator who wrote a message can edit it');
      }
      const now = clock.now();
      if (now - existing.created_at > EDIT_WINDOW_MS) {
        throw new AppError(403, 'edit_window_expired', 'messages can be edited only within 10 minutes of sending');
      }
      const body = cleanBody(rawBody).trim();
      if (!body) throw badRequest(`a ${existing.private === 1 ? 'note' : 'message'} needs some text`);
      if (body === existing.body) return presentMessage(existing);
      const row = await db.write(async (tx) => {
        await r.reviseMessage(tx, messageId, dialog.id, { body, edited_at: now });
        // In the transaction: an ack later in the same batch must not announce the old text.
        awaitingDelivery.forget(messageId);
        return (await r.messageById(messageId, tx))!;
      });
      const message = presentMessage(row);
      bus.publish({ type: 'message.updated', projectId, visitorId: dialog.visitor_id, message, reason: 'edited' });
      return message;
    },

    /** The visitor sees "typing…": only those who answer the dialog may cause it. */
    async operatorTyping(auth: Auth, projectId: number, dialogId: number) {
      await requireOperator(auth, projectId);
      const dialog = await dialogFor(auth, projectId, dialogId);
      bus.publish({ type: 'typing', projectId, dialogId, visitorId: dialog.visitor_id, who: 'operator', userId: auth.user.id });
    },

    async list(auth: Auth, projectId: number, view: View, limit: number, before?: string) {
      await projects.membership(auth, projectId);
      let cursor: { at: number; id: number } | null = null;
      if (before) {
        const m = DIALOG_CURSOR_RE.exec(before);
        if (!m) throw badRequest('"before" is the "next" value of a previous page');
        cursor = { at: Number(m[1]), id: Number(m[2]) };
      }
      const rows = await r.listView(projectId, view, auth.user.id, limit + 1, cursor);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        view,
        counts: await r.viewCounts(projectId, auth.user.id),
        dialogs: page.map((d) => ({ ...presentDialog(d), view })),
        next: rows.length > limit && last ? `${last.last_message_at}:${last.id}` : null,
      };
    },

    async detail(auth: Auth, projectId: number, dialogId: number, limit = 100) {
      const dialog = await dialogFor(auth, projectId, dialogId);
      return {
        dialog: await summaryFor(auth.user.id, dialog.id),
        visitor: presentVisitor((await r.visitorById(dialog.visitor_id))!),
        messages: (await r.messagesPage(dialog.id, { limit })).map(presentMessage),
      };
    },

    /**
     * Dialogs of the project matching `query` (see search.ts), newest activity first. A search
     * that matches little reads the whole project: one person runs at most SEARCHES_PER_USER at
     * a time, so a script in a loop cannot keep the server reading.
     */
    async search(auth: Auth, projectId: number, query: string, limit = 20) {
      await projects.membership(auth, projectId);
      if (!query.trim()) throw badRequest('search for some text');
      const running = searching.get(auth.user.id) ?? 0;
      if (running >= SEARCHES_PER_USER) throw rateLimited('your earlier searches are still running: try again in a moment', 1);
      searching.set(auth.user.id, running + 1);
      let found: Awaited<ReturnType<typeof findDialogs>>;
      try {
        found = await findDialogs(r, projectId, query, limit);
      } finally {
        const left = (searching.get(auth.user.id) ?? 1) - 1;
        if (left > 0) searching.set(auth.user.id, left);
        else searching.delete(auth.user.id);
      }
      const results = await Promise.all([...found].map(async ([id, match]) => ({ dialog: await summaryFor(auth.user.id, id), match })));
      results.sort((a, b) => b.dialog.lastMessageAt.localeCompare(a.dialog.lastMessageAt) || b.dialog.id - a.dialog.id);
      return { query, results: results.slice(0, limit), more: results.length > limit };
    },

    async messages(auth: Auth, projectId: number, dialogId: number, q: { afterSeq?: number; beforeSeq?: number; limit?: number }) {
      const dialog = await dialogFor(auth, projectId, dialogId);
      return (await r.messagesPage(dialog.id, { ...q, limit: q.limit ?? 100 })).map(presentMessage);
    },

    async updateCard(auth: Auth, projectId: number, dialogId: number, card: UpdateCardBody) {
      await requireOperator(auth, projectId);
      const dialog = await dialogFor(auth, projectId, dialogId);
      // Name, phone and email are one line each (cardLines); notes are free text.
      const stored = (await r.visitorById(dialog.visitor_id))!;
      const lines = cardLines(card, stored);
      const notes =
        card.notes === undefined || card.notes === null || card.notes === stored.notes ? card.notes : cleanNotes(card.notes);
      // The fields this edit changes are the operator's from now on: a site's identify leaves them
      // alone. A field sent back unchanged (a whole card saved) stays whoever's it was.
      const { visitorRow, dialogRow } = await db.write(async (tx) => {
        const { bits } = cardChanges(lines, (await r.visitorById(dialog.visitor_id, tx))!);
        await r.updateCard(tx, dialog.visitor_id, { ...lines, notes }, bits);
        return { visitorRow: (await r.visitorById(dialog.visitor_id, tx))!, dialogRow: await announcement(dialog.id, tx) };
      });
      const visitor = presentVisitor(visitorRow);
      bus.publish({ type: 'visitor.updated', projectId, dialogId, visitor });
      bus.publish({ type: 'dialog.updated', projectId, ...dialogRow });
      return visitor;
    },

    /** Take (assign to me), assign to another operator, close, reopen, lead class. */
    async change(
      auth: Auth,
      projectId: number,
      dialogId: number,
      change:
        // `from`: whose the caller saw the dialog to be (null: nobody's). When someone else has
        // it by now, the take is refused (409) rather than taking it from them unawares.
        | { kind: 'take'; from?: number | null }
        | { kind: 'assign'; email: string }
        | { kind: 'close' }
        | { kind: 'reopen' }
        | { kind: 'leadClass'; leadClass: string | null },
    ) {
      await requireOperator(auth, projectId);
      const dialog = await dialogFor(auth, projectId, dialogId);
      const now = clock.now();
      let fields: Parameters<typeof r.setDialogFields>[2];
      switch (change.kind) {
        case 'take':
          fields = { assignee_id: auth.user.id };
          break;
        case 'assign': {
          const email = normalizeEmail(change.email);
          const member = email ? await repos.projects.member(projectId, email) : undefined;
          if (!member) throw notFound(`${change.email} is not a member of this project`);
          if (!member.operator) throw badRequest(`${member.email} is not an operator`);
          if (member.disabled_at !== null) throw badRequest(`${member.email} cannot take dialogs: the account is disabled`);
          fields = { assignee_id: member.id };
          break;
        }
        case 'close':
          fields = dialog.status === 'closed' ? {} : { status: 'closed', closed_at: now };
          break;
        case 'reopen':
          fields = dialog.status === 'open' ? {} : { status: 'open', closed_at: null };
          break;
        case 'leadClass':
          // One of the project's lead classes, as the list spells it; only null clears it (a blank is refused).
          fields = { lead_class: change.leadClass === null ? null : await resolveLeadClass(db, projectId, change.leadClass) };
          break;
      }
      const updated = await db.write(async (tx) => {
        if (change.kind === 'take' && change.from !== undefined) await stillAsSeen(tx, dialog.id, auth.user.id, change.from);
        await r.setDialogFields(tx, dialog.id, fields);
        return announcement(dialog.id, tx);
      });
      // Given to someone else (not taken): they are told where they are not watching (Telegram).
      const givenAway = change.kind === 'assign' && fields.assignee_id !== auth.user.id && dialog.assignee_id !== fields.assignee_id;
      const assignedBy = givenAway ? { id: auth.user.id, name: fullName(auth.user.first_name, auth.user.last_name) } : undefined;
      bus.publish({ type: 'dialog.updated', projectId, ...updated, assignedBy });
      const { status, assignee } = updated.dialog;
      return { ...updated.dialog, view: viewOf(auth.user.id, { status, assigneeId: assignee?.id ?? null }, updated.routing) };
    },
  };
}
