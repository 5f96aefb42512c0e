// Visitors, their dialogs and the messages in them.
import type { Db, Queryable, Tx } from './sqlite.js';

export interface VisitorRow {
  id: number;
  project_id: number;
  token_hash: string;
  name: string;
  real_name: string | null;
  phone: string | null;
  email: string | null;
  notes: string | null;
  page_url: string | null;
  page_title: string | null;
  referrer: string | null;
  utm: string | null;
  /** The page of the visitor's latest message that said one (page_url: where the visit began). */
  current_url: string | null;
  current_title: string | null;
  /** The card fields an operator has set (CARD_BY_OPERATOR bits): a site's identify leaves them alone. */
  card_by_operator: number;
  created_at: number;
  last_seen_at: number;
}

/** The bits of `card_by_operator`, by column. */
export const CARD_BY_OPERATOR = { real_name: 1, phone: 2, email: 4 } as const;

export interface DialogRow {
  id: number;
  project_id: number;
  visitor_id: number;
  status: 'open' | 'closed';
  assignee_id: number | null;
  /** The group the dialog belongs to (views, round-robin); null: none. */
  group_id: number | null;
  /** The name it was routed with, kept for the lead journal after the group is deleted. */
  group_name: string | null;
  lead_class: string | null;
  last_seq: number;
  rev: number;
  created_at: number;
  first_response_at: number | null;
  last_message_at: number;
  closed_at: number | null;
}

/** A dialog with what its summary shows, joined in one query. */
export interface DialogListRow extends DialogRow {
  visitor_name: string;
  visitor_real_name: string | null;
  assignee_first_name: string | null;
  assignee_last_name: string | null;
  last_author: 'visitor' | 'operator' | 'system' | null;
  /** The seq of the last message that is not a private note (the one `last_*` describe). */
  last_message_seq: number | null;
  last_body: string | null;
  /** The last message's attachments (JSON, as in messages.attachments), for their names. */
  last_attachments: string | null;
  last_created_at: number | null;
}

export interface MessageRow {
  id: number;
  dialog_id: number;
  seq: number;
  rev: number;
  author: 'visitor' | 'operator' | 'system';
  operator_id: number | null;
  body: string;
  attachments: string | null;
  client_id: string;
  created_at: number;
  edited_at: number | null;
  delivered_at: number | null;
  /** A private note (1): operators only, never given to the visitor's widget nor delivered. */
  private: number;
}

/** A message with its operator's name and avatar, for presenting. */
export interface MessageViewRow extends MessageRow {
  op_first_name: string | null;
  op_last_name: string | null;
  op_avatar_etag: string | null;
}

const DIALOG_LIST_SELECT = `
  SELECT d.*, v.name AS visitor_name, v.real_name AS visitor_real_name,
         u.first_name AS assignee_first_name, u.last_name AS assignee_last_name,
         m.author AS last_author, m.seq AS last_message_seq, m.body AS last_body, m.attachments AS last_attachments, m.created_at AS last_created_at
  FROM dialogs d
  JOIN visitors v ON v.id = d.visitor_id
  LEFT JOIN users u ON u.id = d.assignee_id
  LEFT JOIN messages m ON m.id = (
    SELECT id FROM messages WHERE dialog_id = d.id AND private = 0 ORDER BY seq DESC LIMIT 1
  )`;

const MESSAGE_SELECT = `
  SELECT m.*, u.first_name AS op_first_name, u.last_name AS op_last_name, u.avatar_etag AS op_avatar_etag
  FROM messages m LEFT JOIN users u ON u.id = m.operator_id`;

// The three views (DESIGN.md "Views") for operator U in project P:
//  - Mine: open dialogs assigned to U; open unassigned dialogs of U's groups; and every open
//    unassigned dialog without a group (DESIGN.md says so for projects without groups; a
//    dialog no group claims is everyone's to take in any project, else it would be nobody's).
//  - Shared: every other open dialog (assigned to someone else; unassigned in a group U is not in).
//  - Archive: closed dialogs.
// So every open dialog is in exactly one of Mine/Shared for each operator. The rule is written
// twice, once as SQL (lists, counts) and once as a function (events, a single dialog); the tests
// check they agree.

/** Open dialog d is Mine for operator ?2 of project ?1 (never NULL, so NOT works). */
const MINE = `(d.assignee_id IS ?2 OR (d.assignee_id IS NULL AND (d.group_id IS NULL
    OR EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = d.group_id AND gm.user_id = ?2))))`;

/** The SQL condition of each view for operator ?2 in project ?1. */
export const VIEW_WHERE = {
  mine: `d.status = 'open' AND ${MINE}`,
  shared: `d.status = 'open' AND NOT ${MINE}`,
  archive: "d.status = 'closed'",
} as const;

/** What deciding a dialog's view needs beyond the dialog: its group's members. */
export interface DialogRouting {
  /** Members of the dialog's group, or null when it has none. */
  groupMembers: number[] | null;
}

/** The view of one dialog for one operator: the same rule as VIEW_WHERE. */
export function viewOf(
  userId: number,
  dialog: { status: 'open' | 'closed'; assigneeId: number | null },
  routing: DialogRouting,
): 'mine' | 'shared' | 'archive' {
  if (dialog.status === 'closed') return 'archive';
  if (dialog.assigneeId !== null) return dialog.assigneeId === userId ? 'mine' : 'shared';
  if (routing.groupMembers === null) return 'mine';
  return routing.groupMembers.includes(userId) ? 'mine' : 'shared';
}

export type DialogsRepo = ReturnType<typeof dialogsRepo>;

export function dialogsRepo(db: Db) {
  return {
    // ---- visitors ----
    visitorByTokenHash: (projectId: number, tokenHash: string, q: Queryable = db) =>
      q.get<VisitorRow>('SELECT * FROM visitors WHERE token_hash = ? AND project_id = ?', [tokenHash, projectId]),
    visitorById: (id: number, q: Queryable = db) => q.get<VisitorRow>('SELECT * FROM visitors WHERE id = ?', [id]),
    /** Whether a visitor of any project has this token. */
    tokenTaken: async (tokenHash: string, q: Queryable = db) =>
      (await q.get<{ taken: number }>('SELECT 1 AS taken FROM visitors WHERE token_hash = ?', [tokenHash])) !== undefined,

    /** Which of `names` visitors with an open dialog in the project have. */
    async namesInOpenDialogs(projectId: number, names: string[], q: Queryable = db): Promise<Set<string>> {
      if (names.length === 0) return new Set();
      const rows = await q.all<{ name: string }>(
        `SELECT v.name FROM visitors v JOIN dialogs d ON d.visitor_id = v.id
          WHERE v.project_id = ? AND v.name IN (${names.map(() => '?').join(', ')}) AND d.status = 'open'`,
        [projectId, ...names],
      );
      return new Set(rows.map((row) => row.name));
    },

    async insertVisitor(tx: Tx, v: { projectId: number; tokenHash: string; name: string }, now: number) {
      const { lastID } = await tx.run(
        'INSERT INTO visitors (project_id, token_hash, name, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
        [v.projectId, v.tokenHash, v.name, now, now],
      );
      return lastID;
    },

    /** Sets the card fields given (undefined: left as they are); `byOperator`: CARD_BY_OPERATOR bits to add. */
    async updateCard(
      tx: Tx,
      visitorId: number,
      card: Partial<Record<'real_name' | 'phone' | 'email' | 'notes', string | null | undefined>>,
      byOperator = 0,
    ) {
      const sets: string[] = [];
      const params: Array<string | null | number> = [];
      for (const [col, value] of Object.entries(card)) {
        if (value === undefined) continue;
        sets.push(`${col} = ?`);
        params.push(value);
      }
      if (byOperator) {
        sets.push('card_by_operator = card_by_operator | ?');
        params.push(byOperator);
      }
      if (sets.length) await tx.run(`UPDATE visitors SET ${sets.join(', ')} WHERE id = ?`, [...params, visitorId]);
    },

    /**
     * Records where the visit that brought the visitor's first message began, as one unit: a
     * later visit's page, referrer or tags never mix into it (they came together or not at all).
     */
    async setPageContext(
      tx: Tx,
      visitorId: number,
      page: { url: string | null; title: string | null; referrer: string | null; utm: string | null },
    ) {
      await tx.run(
        `UPDATE visitors SET page_url = ?, page_title = ?, referrer = ?, utm = ?
         WHERE id = ? AND page_url IS NULL AND page_title IS NULL AND referrer IS NULL AND utm IS NULL`,
        [page.url, page.title, page.referrer, page.utm, visitorId],
      );
    },

    /** The page the visitor writes from now (each message that says one). */
    async setCurrentPage(tx: Tx, visitorId: number, page: { url: string | null; title: string | null }) {
      await tx.run('UPDATE visitors SET current_url = ?, current_title = ? WHERE id = ?', [page.url, page.title, visitorId]);
    },

    async touchVisitor(tx: Tx, visitorId: number, now: number) {
      await tx.run('UPDATE visitors SET last_seen_at = ? WHERE id = ?', [now, visitorId]);
    },

    // ---- dialogs ----
    dialogById: (id: number, q: Queryable = db) => q.get<DialogRow>('SELECT * FROM dialogs WHERE id = ?', [id]),
    dialogOfVisitor: (visitorId: number, q: Queryable = db) =>
      q.get<DialogRow>('SELECT * FROM dialogs WHERE visitor_id = ?', [visitorId]),
    // Narrow reads for the paths every message takes: each column read is a property made on a
    // JS object, and a whole dialog row costs several times a lookup of two numbers.
    /** Whose dialog it is and where: what checking an operator's message needs. */
    dialogRef: (id: number, q: Queryable = db) =>
      q.get<Pick<DialogRow, 'id' | 'project_id' | 'visitor_id'>>('SELECT id, project_id, visitor_id FROM dialogs WHERE id = ?', [id]),
    dialogSummary: (id: number, q: Queryable = db) =>
      q.get<DialogListRow>(`${DIALOG_LIST_SELECT} WHERE d.id = ?`, [id]),

    /** The current rev of each of these dialogs that belongs to the project. */
    dialogRevs: (projectId: number, ids: number[], q: Queryable = db) =>
      ids.length === 0
        ? Promise.resolve([] as Array<{ id: number; rev: number }>)
        : q.all<{ id: number; rev: number }>(
            `SELECT id, rev FROM dialogs WHERE project_id = ? AND id IN (${ids.map(() => '?').join(',')})`,
            [projectId, ...ids],
          ),

    async insertDialog(
      tx: Tx,
      d: { projectId: number; visitorId: number; group: { id: number; name: string } | null },
      now: number,
    ) {
      const { lastID } = await tx.run(
        'INSERT INTO dialogs (project_id, visitor_id, group_id, group_name, created_at, last_message_at) VALUES (?, ?, ?, ?, ?, ?)',
        [d.projectId, d.visitorId, d.group?.id ?? null, d.group?.name ?? null, now, now],
      );
      return lastID;
    },

    /** What deciding the dialog's view for each operator needs (read in the caller's transaction). */
    async routing(dialog: Pick<DialogRow, 'project_id' | 'group_id'>, q: Queryable = db): Promise<DialogRouting> {
      if (dialog.group_id === null) return { groupMembers: null };
      const rows = await q.all<{ user_id: number }>('SELECT user_id FROM group_members WHERE group_id = ?', [dialog.group_id]);
      return { groupMembers: rows.map((r) => r.user_id) };
    },

    async setDialogFields(
      tx: Tx,
      id: number,
      fields: Partial<Pick<DialogRow, 'status' | 'assignee_id' | 'lead_class' | 'closed_at' | 'first_response_at'>>,
    ) {
      const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
      if (!entries.length) return;
      await tx.run(`UPDATE dialogs SET ${entries.map(([k]) => `${k} = ?`).join(', ')} WHERE id = ?`, [
        ...entries.map(([, v]) => v as string | number | null),
        id,
      ]);
    },

    /** One page of a view, newest activity first. `before` is `lastMessageAt:id` of the previous page's last row. */
    listView: (
      projectId: number,
      view: keyof typeof VIEW_WHERE,
      userId: number,
      limit: number,
      before: { at: number; id: number } | null,
      q: Queryable = db,
    ) =>
      q.all<DialogListRow>(
        `${DIALOG_LIST_SELECT}
         WHERE d.project_id = ?1 AND ${VIEW_WHERE[view]}
           AND (?3 IS NULL OR d.last_message_at < ?3 OR (d.last_message_at = ?3 AND d.id < ?4))
         ORDER BY d.last_message_at DESC, d.id DESC LIMIT ?5`,
        [projectId, userId, before?.at ?? null, before?.id ?? null, limit],
      ),

    /** A page of a project's dialogs with their visitor's card, newest activity first, for search. */
    searchVisitors: (projectId: number, before: { at: number; id: number } | null, limit: number, q: Queryable = db) =>
      q.all<{ id: number; last_message_at: number; name: string; real_name: string | null; email: string | null; phone: string | null; notes: string | null }>(
        `SELECT d.id, d.last_message_at, v.name, v.real_name, v.email, v.phone, v.notes
         FROM dialogs d JOIN visitors v ON v.id = d.visitor_id
         WHERE d.project_id = ?1 AND (?2 IS NULL OR d.last_message_at < ?2 OR (d.last_message_at = ?2 AND d.id < ?3))
         ORDER BY d.last_message_at DESC, d.id DESC LIMIT ?4`,
        [projectId, before?.at ?? null, before?.id ?? null, limit],
      ),

    /** A page of a dialog's message texts, newest first (below `beforeSeq`), for search. */
    searchMessages: (dialogId: number, beforeSeq: number, limit: number, q: Queryable = db) =>
      q.all<{ seq: number; body: string; private: number }>(
        `SELECT seq, body, private FROM messages
         WHERE dialog_id = ?1 AND seq < ?2 AND author != 'system' AND body != ''
         ORDER BY seq DESC LIMIT ?3`,
        [dialogId, beforeSeq, limit],
      ),

    async viewCounts(projectId: number, userId: number, q: Queryable = db) {
      const row = await q.get<{ mine: number; shared: number; archive: number }>(
        `SELECT
           coalesce(sum(CASE WHEN ${VIEW_WHERE.mine} THEN 1 ELSE 0 END), 0) AS mine,
           coalesce(sum(CASE WHEN ${VIEW_WHERE.shared} THEN 1 ELSE 0 END), 0) AS shared,
           coalesce(sum(CASE WHEN ${VIEW_WHERE.archive} THEN 1 ELSE 0 END), 0) AS archive
         FROM dialogs d WHERE d.project_id = ?1`,
        [projectId, userId],
      );
      return row ?? { mine: 0, shared: 0, archive: 0 };
    },

    // ---- messages ----
    messageById: (id: number, q: Queryable = db) => q.get<MessageViewRow>(`${MESSAGE_SELECT} WHERE m.id = ?`, [id]),
    messageByClientId: (dialogId: number, clientId: string, q: Queryable = db) =>
      q.get<MessageViewRow>(`${MESSAGE_SELECT} WHERE m.dialog_id = ? AND m.client_id = ?`, [dialogId, clientId]),

    /** Messages of a dialog by seq: the newest `limit` before `beforeSeq`, or the oldest after `afterSeq`. */
    messagesPage: (dialogId: number, opts: { afterSeq?: number; beforeSeq?: number; limit: number }, q: Queryable = db) =>
      opts.afterSeq !== undefined
        ? q.all<MessageViewRow>(`${MESSAGE_SELECT} WHERE m.dialog_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?`, [
            dialogId,
            opts.afterSeq,
            opts.limit,
          ])
        : q
            .all<MessageViewRow>(`${MESSAGE_SELECT} WHERE m.dialog_id = ? AND m.seq < ? ORDER BY m.seq DESC LIMIT ?`, [
              dialogId,
              opts.beforeSeq ?? Number.MAX_SAFE_INTEGER,
              opts.limit,
            ])
            .then((rows) => rows.reverse()),

    /** Every message changed (created, edited, delivered) after `rev`, in seq order. */
    messagesChangedSince: (dialogId: number, rev: number, q: Queryable = db) =>
      q.all<MessageViewRow>(`${MESSAGE_SELECT} WHERE m.dialog_id = ? AND m.rev > ? ORDER BY m.seq`, [dialogId, rev]),

    // What the widget is given of a dialog: never its system messages nor the operators' private
    // notes, and a page at a time (a regular customer's history only grows).
    /** The newest `limit` visitor and operator messages before `beforeSeq`, in seq order. */
    visitorPage: (dialogId: number, beforeSeq: number, limit: number, q: Queryable = db) =>
      q
        .all<MessageViewRow>(
          `${MESSAGE_SELECT} WHERE m.dialog_id = ? AND m.seq < ? AND m.author != 'system' AND m.private = 0 ORDER BY m.seq DESC LIMIT ?`,
          [dialogId, beforeSeq, limit],
        )
        .then((rows) => rows.reverse()),

    /**
     * The first `limit` (by seq) visitor and operator messages changed after `rev`, but for those
     * up to `heldSeq` (held by the widget) that were never edited: their change was their delivery
     * (which raises the rev, for operators), and shows the visitor nothing new.
     */
    visitorChangesSince: (dialogId: number, rev: number, heldSeq: number, limit: number, q: Queryable = db) =>
      q.all<MessageViewRow>(
        `${MESSAGE_SELECT} WHERE m.dialog_id = ? AND m.rev > ? AND (m.seq > ? OR m.edited_at IS NOT NULL) AND m.author != 'system'
           AND m.private = 0
         ORDER BY m.seq LIMIT ?`,
        [dialogId, rev, heldSeq, limit],
      ),

    /**
     * Appends a message unless the dialog already has one with this clientId (then null): gives
     * it the dialog's next seq and rev, and returns the stored row and the dialog's state. Two
     * statements; the row is made of what was inserted (reading it back costs more than both).
     * A private note takes its seq and rev (operators resume by rev) but leaves the dialog's
     * last activity alone: the team talking about a dialog does not move it in the lists.
     */
    async appendMessage(
      tx: Tx,
      m: {
        dialogId: number;
        author: MessageRow['author'];
        operatorId: number | null;
        body: string;
        attachments: string | null;
        clientId: string;
        private: boolean;
      },
      now: number,
    ): Promise<{ message: MessageRow; dialog: Pick<DialogRow, 'status' | 'assignee_id' | 'first_response_at'> } | null> {
      const note = m.private ? 1 : 0;
      const [dialog] = await tx.all<Pick<DialogRow, 'last_seq' | 'rev' | 'status' | 'assignee_id' | 'first_response_at'>>(
        `UPDATE dialogs SET last_seq = last_seq + 1, rev = rev + 1, last_message_at = iif(?4, last_message_at, ?1)
         WHERE id = ?2 AND NOT EXISTS (SELECT 1 FROM messages WHERE dialog_id = ?2 AND client_id = ?3)
         RETURNING last_seq, rev, status, assignee_id, first_response_at`,
        [now, m.dialogId, m.clientId, note],
      );
      if (!dialog) return null;
      const { lastID } = await tx.run(
        `INSERT INTO messages (dialog_id, seq, rev, author, operator_id, body, attachments, client_id, created_at, private)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [m.dialogId, dialog.last_seq, dialog.rev, m.author, m.operatorId, m.body, m.attachments, m.clientId, now, note],
      );
      const message: MessageRow = {
        id: lastID,
        dialog_id: m.dialogId,
        seq: dialog.last_seq,
        rev: dialog.rev,
        author: m.author,
        operator_id: m.operatorId,
        body: m.body,
        attachments: m.attachments,
        client_id: m.clientId,
        created_at: now,
        edited_at: null,
        delivered_at: null,
        private: note,
      };
      return { message, dialog };
    },

    /**
     * Marks an operator message of the dialog delivered (once) with the dialog's next rev, and
     * returns that rev; null when it is not such a message (a private note never is: no widget
     * was given it) or was delivered already.
     */
    async markDelivered(tx: Tx, messageId: number, dialogId: number, now: number): Promise<number | null> {
      const marked = await tx.get<{ rev: number }>(
        `UPDATE messages SET delivered_at = ?1, rev = (SELECT rev + 1 FROM dialogs WHERE id = ?2)
         WHERE id = ?3 AND dialog_id = ?2 AND author = 'operator' AND private = 0 AND delivered_at IS NULL RETURNING rev`,
        [now, dialogId, messageId],
      );
      if (!marked) return null;
      await tx.run('UPDATE dialogs SET rev = rev + 1 WHERE id = ?', [dialogId]);
      return marked.rev;
    },

    /** Which of `ids` are operator messages (not notes) of the visitor's dialog not yet marked delivered. */
    undeliveredOfVisitor: (visitorId: number, ids: number[], q: Queryable = db) =>
      ids.length === 0
        ? Promise.resolve([] as Array<{ id: number; dialog_id: number }>)
        : q.all<{ id: number; dialog_id: number }>(
            `SELECT m.id, m.dialog_id FROM dialogs d JOIN messages m ON m.dialog_id = d.id
             WHERE d.visitor_id = ? AND m.author = 'operator' AND m.private = 0 AND m.delivered_at IS NULL
               AND m.id IN (${ids.map(() => '?').join(',')})`,
            [visitorId, ...ids],
          ),

    /** Bumps the dialog's rev and stamps it on the message, with the given changes. */
    async reviseMessage(tx: Tx, messageId: number, dialogId: number, set: { body?: string; edited_at?: number; delivered_at?: number }) {
      await tx.run('UPDATE dialogs SET rev = rev + 1 WHERE id = ?', [dialogId]);
      const entries = Object.entries(set);
      await tx.run(
        `UPDATE messages SET rev = (SELECT rev FROM dialogs WHERE id = ?)${entries.map(([k]) => `, ${k} = ?`).join('')} WHERE id = ?`,
        [dialogId, ...entries.map(([, v]) => v as string | number), messageId],
      );
    },

  };
}
