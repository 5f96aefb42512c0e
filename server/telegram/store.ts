// The bridge's state in SQLite: the polling offset, linked chats, link codes, and which
// Telegram message stands for which dialog (forwarded visitor messages, operator replies).
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
          `INSERT OR IGNORE INTO telegram_messages (chat_id, tg_message_id, kind, dialog_id, client_id) VALUES (?, ?, ?, ?, ?)`,
          [row.chat_id, row.tg_message_id, row.kind, row.dialog_id, row.client_id],
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

    /** Operator replies not shown delivered and without a "not delivered" notice: their deadline may be running. */
    repliesWaiting: () =>
      db.all<TelegramMessageRow>(
        `SELECT * FROM telegram_messages WHERE kind = 'reply' AND delivered_shown = 0 AND notice_id IS NULL AND client_id IS NOT NULL
         ORDER BY chat_id, tg_message_id`,
      ),

    setNotice: (chatId: number, tgMessageId: number, noticeId: number | null) =>
      db.write((tx) => tx.run('UPDATE telegram_messages SET notice_id = ? WHERE chat_id = ? AND tg_message_id = ?', [noticeId, chatId, tgMessageId])),

    /** Where a visitor's file is on disk, to upload it to a chat. */
    attachmentFile: (id: number) => db.get<{ file: string }>('SELECT file FROM attachments WHERE id = ?', [id]),

    markShown: (chatId: number, tgMessageId: number) =>
      db.write((tx) => tx.run('UPDATE telegram_messages SET delivered_shown = 1 WHERE chat_id = ? AND tg_message_id = ?', [chatId, tgMessageId])),
  };
}
