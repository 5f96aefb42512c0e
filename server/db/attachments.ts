// Attachments' rows beyond storing one: the expiry of files no message carries, and what each
// visitor has uploaded in the current day of their budget.
//
// A file is uploaded first and given to a message after, so every new one has an expiry
// (expires_at). A send that asks for it pushes the expiry on (claim), in a write of its own
// before the message's: the sweep, which takes the writer too, then either ran before (the file
// is gone and the send says so) or sees the new expiry and leaves the file alone. Once a message
// carries the file, the sweep clears the expiry, and the file stays as long as its dialog.
import type { Db, Queryable, Tx } from './sqlite.js';

export interface UploadBudgetRow {
  visitor_id: number;
  since: number;
  bytes: number;
}

export type AttachmentsRepo = ReturnType<typeof attachmentsRepo>;

const marks = (ids: unknown[]) => ids.map(() => '?').join(',');

export function attachmentsRepo(db: Db) {
  return {
    /**
     * Moves the expiry of the visitor's files `ids` (those no message carries yet) to `expiresAt`;
     * with `onlyVisitors`, of those the visitor uploaded.
     */
    async claim(tx: Tx, visitorId: number, ids: number[], expiresAt: number, onlyVisitors: boolean): Promise<void> {
      await tx.run(
        `UPDATE attachments SET expires_at = ? WHERE visitor_id = ? AND expires_at IS NOT NULL AND id IN (${marks(ids)})
         ${onlyVisitors ? "AND uploaded_by = 'visitor'" : ''}`,
        [expiresAt, visitorId, ...ids],
      );
    },

    /**
     * Up to `limit` files whose expiry has come, each with whether a message of its visitor's
     * dialog carries it (messages hold their files as JSON: [{id, name, …}]).
     */
    expired: (tx: Tx, now: number, limit: number) =>
      tx.all<{ id: number; file: string; used: 0 | 1 }>(
        `SELECT a.id, a.file, EXISTS (
           SELECT 1 FROM dialogs d JOIN messages m ON m.dialog_id = d.id, json_each(m.attachments) j
           WHERE d.visitor_id = a.visitor_id AND m.attachments IS NOT NULL AND json_valid(m.attachments)
             AND json_extract(j.value, '$.id') = a.id
         ) AS used
         FROM attachments a WHERE a.expires_at <= ? ORDER BY a.expires_at LIMIT ?`,
        [now, limit],
      ),

    async keep(tx: Tx, ids: number[]): Promise<void> {
      if (ids.length) await tx.run(`UPDATE attachments SET expires_at = NULL WHERE id IN (${marks(ids)})`, ids);
    },

    async remove(tx: Tx, ids: number[]): Promise<void> {
      if (ids.length) await tx.run(`DELETE FROM attachments WHERE id IN (${marks(ids)})`, ids);
    },

    budget: (visitorId: number, q: Queryable = db) =>
      q.get<UploadBudgetRow>('SELECT * FROM upload_budgets WHERE visitor_id = ?', [visitorId]),

    async setBudget(tx: Tx, row: UploadBudgetRow): Promise<void> {
      await tx.run(
        `INSERT INTO upload_budgets (visitor_id, since, bytes) VALUES (?, ?, ?)
         ON CONFLICT (visitor_id) DO UPDATE SET since = excluded.since, bytes = excluded.bytes`,
        [row.visitor_id, row.since, row.bytes],
      );
    },
  };
}
