// The bridge's state in SQLite: the polling offset, linked chats, link codes, which Telegram
// message stands for which dialog (forwarded visitor messages, operator replies), the forwards
// each chat is still owed, and whose each forwarded dialog was when last seen.
import type { Db } from '../db/sqlite.js';
import type { TgUpdate } from './types.js';

export interface LinkRow {
  user_id: number;
  chat_id: number;
  /** The dialog the chat has open (/dialogs, or the last forwarded), or null. */
  current_dialog_id: number | null;
}

export interface TelegramMessageRow {
  chat_id: number;
  tg_message_id: number;
  kind: 'forward' | 'reply';
  dialog_id: number;
  client_id: string | null;
  /** A reply's "not delivered" notice (the bot's message with the resend button), or null. */
  notice_id?: number | null;
  /**
   * Nothing is ever shown for its delivery (delivered_shown = 1 from the start): a private note,
   * which never goes to the visitor, so no 👌, no deadline and no resend, not even after a restart.
   */
  settled?: boolean;
}

/** A visitor message a chat is owed (see the telegram_forwards table). */
export interface ForwardRow {
  chat_id: number;
  message_id: number;
  /** Posts (parts, then files) Telegram confirmed. */
  posted: number;
  /** The forward's first post, which its files answer. */
  first_post: number | null;
  /** 1: a post was with Telegram, unanswered, when the server stopped: it may or may not be there. */
  sending: number;
}

export type LinkOutcome =
  /** `replacedChat`: the user's chat before (now unlinked); `previousUser`: whom this chat was linked to before. */
  | { ok: true; userId: number; replacedChat: number | null; previousUser: number | null }
  | { ok: false; why: 'unknown' | 'expired' | 'used' };

export type TelegramStore = ReturnType<typeof telegramStore>;

export function telegramStore(db: Db) {
  return {
    async offset(): Promise<number> {
      return (await db.get<{ update_offset: number }>('SELECT update_offset FROM telegram_state WHERE id = 1'))?.update_offset ?? 0;
    },
    /** Every update below `offset` is handled: the offset moves on and their kept copies go. */
    setOffset: (offset: number) =>
      db.write(async (tx) => {
        await tx.run(
          `INSERT INTO telegram_state (id, update_offset) VALUES (1, ?)
           ON CONFLICT (id) DO UPDATE SET update_offset = MAX(update_offset, excluded.update_offset)`,
          [offset],
        );
        await tx.run('DELETE FROM telegram_pending_updates WHERE update_id < ?', [offset]);
      }),

    /** Keeps a webhook update until it is handled (once: a repeat of a kept one changes nothing). */
    keepUpdate: (update: TgUpdate) =>
      db.write((tx) => tx.run('INSERT OR IGNORE INTO telegram_pending_updates (update_id, body) VALUES (?, ?)', [update.update_id, JSON.stringify(update)])),

    /** Webhook updates kept and not handled yet (a crash came between), oldest first. */
    async pendingUpdates(): Promise<TgUpdate[]> {
      const rows = await db.all<{ body: string }>('SELECT body FROM telegram_pending_updates ORDER BY update_id');
      return rows.map((r) => JSON.parse(r.body) as TgUpdate);
    },

    addCode: (userId: number, codeHash: string, expiresAt: number) =>
      db.write((tx) => tx.run('INSERT INTO telegram_link_codes (code_hash, user_id, expires_at) VALUES (?, ?, ?)', [codeHash, userId, expiresAt])),

    /** Spends a code and links the chat to its user (replacing the user's and the chat's old links). */
    useCode: (codeHash: string, chatId: number, now: number) =>
      db.write(async (tx): Promise<LinkOutcome> => {
        const code = await tx.get<{ user_id: number; expires_at: number; used_at: number | null }>(
          'SELECT user_id, expires_at, used_at FROM telegram_link_codes WHERE code_hash = ?',
          [codeHash],
        );
        if (!code) return { ok: false, why: 'unknown' };
        if (code.used_at !== null) return { ok: false, why: 'used' };
        if (code.expires_at <= now) return { ok: false, why: 'expired' };
        await tx.run('UPDATE telegram_link_codes SET used_at = ? WHERE code_hash = ?', [now, codeHash]);
        const old = await tx.get<{ chat_id: number }>('SELECT chat_id FROM telegram_links WHERE user_id = ?', [code.user_id]);
        const before = await tx.get<{ user_id: number }>('SELECT user_id FROM telegram_links WHERE chat_id = ?', [chatId]);
        // The first chat linked: visitor messages went unlooked-at while none was (anyLinked),
        // so forwards start after the newest, as they do the first time the bridge runs.
        if (!(await tx.get('SELECT 1 FROM telegram_links LIMIT 1'))) {
          await tx.run(
            `INSERT INTO telegram_state (id, update_offset, forwards_through) VALUES (1, 0, (SELECT COALESCE(MAX(id), 0) FROM messages))
             ON CONFLICT (id) DO UPDATE SET forwards_through = excluded.forwards_through`,
          );
        }
        await tx.run('DELETE FROM telegram_links WHERE user_id = ? OR chat_id = ?', [code.user_id, chatId]);
        await tx.run('INSERT INTO telegram_links (user_id, chat_id, linked_at) VALUES (?, ?, ?)', [code.user_id, chatId, now]);
        return {
          ok: true,
          userId: code.user_id,
          replacedChat: old && old.chat_id !== chatId ? old.chat_id : null,
          previousUser: before && before.user_id !== code.user_id ? before.user_id : null,
        };
      }),

    linkOfChat: (chatId: number) => db.get<LinkRow>('SELECT user_id, chat_id, current_dialog_id FROM telegram_links WHERE chat_id = ?', [chatId]),

    setCurrentDialog: (chatId: number, dialogId: number) =>
      db.write((tx) => tx.run('UPDATE telegram_links SET current_dialog_id = ? WHERE chat_id = ?', [dialogId, chatId])),

    /** Ends the user's link; the chat it had, or null. */
    unlinkUser: (userId: number) =>
      db.write(async (tx) => {
        const row = await tx.get<{ chat_id: number }>('SELECT chat_id FROM telegram_links WHERE user_id = ?', [userId]);
        if (row) await tx.run('DELETE FROM telegram_links WHERE user_id = ?', [userId]);
        return row?.chat_id ?? null;
      }),

    unlinkChat: (chatId: number) =>
      db.write(async (tx) => (await tx.run('DELETE FROM telegram_links WHERE chat_id = ?', [chatId])).changes > 0),

    /**
     * Whether any chat is linked: with none, a visitor message costs the bridge this one read
     * and no write (useCode moves the forwards' mark to the newest message at the next link).
     */
    anyLinked: async () => (await db.get('SELECT 1 AS one FROM telegram_links LIMIT 1')) !== undefined,

    /** Linked, enabled operators of a project. */
    linkedOperators: (projectId: number) =>
      db.all<LinkRow>(
        `SELECT l.user_id, l.chat_id, l.current_dialog_id FROM telegram_links l
         JOIN memberships m ON m.user_id = l.user_id AND m.project_id = ? AND m.operator = 1
         JOIN users u ON u.id = l.user_id AND u.disabled_at IS NULL
         ORDER BY l.user_id`,
        [projectId],
      ),

    remember: (row: TelegramMessageRow) =>
      db.write((tx) =>
        tx.run(
          `INSERT OR IGNORE INTO telegram_messages (chat_id, tg_message_id, kind, dialog_id, client_id, delivered_shown) VALUES (?, ?, ?, ?, ?, ?)`,
          [row.chat_id, row.tg_message_id, row.kind, row.dialog_id, row.client_id, row.settled ? 1 : 0],
        ),
      ),

    message: (chatId: number, tgMessageId: number) =>
      db.get<TelegramMessageRow>('SELECT * FROM telegram_messages WHERE chat_id = ? AND tg_message_id = ?', [chatId, tgMessageId]),

    /** Operator replies carrying this clientId whose Telegram message does not show delivered yet. */
    repliesToMark: (dialogId: number, clientId: string) =>
      db.all<TelegramMessageRow>(
        `SELECT * FROM telegram_messages WHERE dialog_id = ? AND client_id = ? AND kind = 'reply' AND delivered_shown = 0`,
        [dialogId, clientId],
      ),

    /**
     * Operator replies stored before `since` (or gone, or in a chat no longer linked) whose
     * deadline was never settled: settled now, with nothing said (delivered_shown = 1 means
     * nothing more is shown for the reply).
     */
    settleRepliesBefore: (since: number) =>
      db.write((tx) =>
        tx.run(
          `UPDATE telegram_messages SET delivered_shown = 1
           WHERE kind = 'reply' AND delivered_shown = 0 AND notice_id IS NULL AND client_id IS NOT NULL
             AND (NOT EXISTS (SELECT 1 FROM messages m WHERE m.dialog_id = telegram_messages.dialog_id
                                AND m.client_id = telegram_messages.client_id AND m.created_at >= ?)
                  OR NOT EXISTS (SELECT 1 FROM telegram_links l WHERE l.chat_id = telegram_messages.chat_id))`,
          [since],
        ),
      ),

    /** Operator replies not shown delivered and without a "not delivered" notice: their deadline may be running. */
    repliesWaiting: () =>
      db.all<TelegramMessageRow>(
        `SELECT * FROM telegram_messages WHERE kind = 'reply' AND delivered_shown = 0 AND notice_id IS NULL AND client_id IS NOT NULL
         ORDER BY chat_id, tg_message_id`,
      ),

    setNotice: (chatId: number, tgMessageId: number, noticeId: number | null) =>
      db.write((tx) => tx.run('UPDATE telegram_messages SET notice_id = ? WHERE chat_id = ? AND tg_message_id = ?', [noticeId, chatId, tgMessageId])),

    // ---- forwards owed ----

    /**
     * Visitor messages not looked at yet (after the mark), oldest first. The first time the
     * bridge runs, the mark starts at the newest message: what came before is not forwarded.
     */
    async visitorMessagesToQueue(): Promise<Array<{ id: number; dialog_id: number; created_at: number }>> {
      const state = await db.get<{ forwards_through: number | null }>('SELECT forwards_through FROM telegram_state WHERE id = 1');
      if (state?.forwards_through == null) {
        await db.write(async (tx) => {
          const newest = (await tx.get<{ id: number | null }>('SELECT MAX(id) AS id FROM messages'))?.id ?? 0;
          await tx.run(
            `INSERT INTO telegram_state (id, update_offset, forwards_through) VALUES (1, 0, ?)
             ON CONFLICT (id) DO UPDATE SET forwards_through = COALESCE(forwards_through, excluded.forwards_through)`,
            [newest],
          );
        });
        return [];
      }
      return db.all("SELECT id, dialog_id, created_at FROM messages WHERE id > ? AND author = 'visitor' ORDER BY id", [state.forwards_through]);
    },

    /**
     * Writes down whom each message is owed to, and moves the mark past them, at once. A dialog
     * forwarded for the first time has its assignee noted, to tell when it changes hands.
     */
    queueForwards: (queued: Array<{ messageId: number; chatIds: number[]; dialog: { id: number; assignee_id: number | null } | null }>) =>
      db.write(async (tx) => {
        for (const { messageId, chatIds, dialog } of queued) {
          for (const chatId of chatIds) await tx.run('INSERT OR IGNORE INTO telegram_forwards (chat_id, message_id) VALUES (?, ?)', [chatId, messageId]);
          if (dialog && chatIds.length) {
            await tx.run('INSERT OR IGNORE INTO telegram_dialogs (dialog_id, assignee_id) VALUES (?, ?)', [dialog.id, dialog.assignee_id]);
          }
        }
        const through = Math.max(...queued.map((q) => q.messageId));
        await tx.run('UPDATE telegram_state SET forwards_through = MAX(forwards_through, ?) WHERE id = 1', [through]);
      }),

    /** Every forward owed, in message order (a chat gets a dialog's messages in order). */
    forwardsOwed: () => db.all<ForwardRow>('SELECT * FROM telegram_forwards ORDER BY message_id, chat_id'),

    /** A try of the forward's next post leaves (true), or was answered without posting (false). */
    forwardSending: (chatId: number, messageId: number, sending: boolean) =>
      db.write(async (tx) => {
        await tx.run('UPDATE telegram_forwards SET sending = ? WHERE chat_id = ? AND message_id = ?', [sending ? 1 : 0, chatId, messageId]);
      }),

    /** Telegram confirmed a post of the forward: it counts, and what it stands for is remembered, together. */
    forwardPosted: (chatId: number, messageId: number, post: TelegramMessageRow | null) =>
      db.write(async (tx) => {
        if (post) {
          await tx.run(
            `INSERT OR IGNORE INTO telegram_messages (chat_id, tg_message_id, kind, dialog_id, client_id) VALUES (?, ?, ?, ?, ?)`,
            [post.chat_id, post.tg_message_id, post.kind, post.dialog_id, post.client_id],
          );
        }
        await tx.run(
          `UPDATE telegram_forwards SET posted = posted + 1, sending = 0, first_post = COALESCE(first_post, ?)
           WHERE chat_id = ? AND message_id = ?`,
          [post?.tg_message_id ?? null, chatId, messageId],
        );
      }),

    /** The forward is done with: every post confirmed, or the chat told it may be missing. */
    forwardDone: (chatId: number, messageId: number) =>
      db.write(async (tx) => {
        await tx.run('DELETE FROM telegram_forwards WHERE chat_id = ? AND message_id = ?', [chatId, messageId]);
      }),

    // ---- changes of hands ----

    /** The assignee a forwarded dialog had when the bridge last looked; undefined: never forwarded. */
    async assigneeKnown(dialogId: number): Promise<number | null | undefined> {
      return (await db.get<{ assignee_id: number | null }>('SELECT assignee_id FROM telegram_dialogs WHERE dialog_id = ?', [dialogId]))?.assignee_id;
    },

    setAssigneeKnown: (dialogId: number, assigneeId: number | null) =>
      db.write((tx) => tx.run('UPDATE telegram_dialogs SET assignee_id = ? WHERE dialog_id = ?', [assigneeId, dialogId])),

    /** Linked chats that got something of this dialog (forwards, cards, notices) or answered it, with their operator. */
    chatsOfDialog: (dialogId: number) =>
      db.all<{ chat_id: number; user_id: number }>(
        `SELECT DISTINCT l.chat_id, l.user_id FROM telegram_messages t
         JOIN telegram_links l ON l.chat_id = t.chat_id
         JOIN users u ON u.id = l.user_id AND u.disabled_at IS NULL
         WHERE t.dialog_id = ? ORDER BY l.user_id`,
        [dialogId],
      ),

    /** Where a visitor's file is on disk, to upload it to a chat. */
    attachmentFile: (id: number) => db.get<{ file: string }>('SELECT file FROM attachments WHERE id = ?', [id]),

    markShown: (chatId: number, tgMessageId: number) =>
      db.write((tx) => tx.run('UPDATE telegram_messages SET delivered_shown = 1 WHERE chat_id = ? AND tg_message_id = ?', [chatId, tgMessageId])),
  };
}
