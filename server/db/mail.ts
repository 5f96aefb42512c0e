import type { Db, Queryable, Tx } from './sqlite.js';

export interface MailRow {
  id: number;
  recipient: string;
  subject: string;
  body: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

export type MailRepo = ReturnType<typeof mailRepo>;

export function mailRepo(db: Db) {
  return {
    due: (now: number, limit = 20, q: Queryable = db) =>
      q.all<MailRow>(
        "SELECT * FROM mail_queue WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
        [now, limit],
      ),
    nextAttemptAt: async (q: Queryable = db) =>
      (await q.get<{ at: number | null }>("SELECT min(next_attempt_at) AS at FROM mail_queue WHERE status = 'pending'"))
        ?.at ?? null,
    byId: (id: number, q: Queryable = db) => q.get<MailRow>('SELECT * FROM mail_queue WHERE id = ?', [id]),

    async enqueue(tx: Tx, m: { to: string; subject: string; body: string }, now: number): Promise<number> {
      const { lastID } = await tx.run(
        'INSERT INTO mail_queue (recipient, subject, body, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)',
        [m.to, m.subject, m.body, now, now],
      );
      return lastID;
    },
    async markSent(tx: Tx, id: number, now: number): Promise<void> {
      await tx.run("UPDATE mail_queue SET status = 'sent', sent_at = ?, body = '', attempts = attempts + 1 WHERE id = ?", [
        now,
        id,
      ]);
    },
    async markAttemptFailed(tx: Tx, id: number, error: string, nextAttemptAt: number | null): Promise<void> {
      if (nextAttemptAt === null) {
        await tx.run(
          "UPDATE mail_queue SET status = 'failed', body = '', attempts = attempts + 1, last_error = ? WHERE id = ?",
          [error, id],
        );
      } else {
        await tx.run(
          'UPDATE mail_queue SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?',
          [error, nextAttemptAt, id],
        );
      }
    },
  };
}

export type ServerSettingsRepo = ReturnType<typeof serverSettingsRepo>;

export function serverSettingsRepo(db: Db) {
  return {
    get: async (key: string, q: Queryable = db) =>
      (await q.get<{ value: string }>('SELECT value FROM server_settings WHERE key = ?', [key]))?.value,
    async set(tx: Tx, key: string, value: string): Promise<void> {
      await tx.run(
        'INSERT INTO server_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
        [key, value],
      );
    },
  };
}
