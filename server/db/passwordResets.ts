import type { Db, Queryable, Tx } from './sqlite.js';

export interface PasswordResetRow {
  id: number;
  user_id: number;
  code_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  attempts: number;
}

export type PasswordResetsRepo = ReturnType<typeof passwordResetsRepo>;

export function passwordResetsRepo(db: Db) {
  return {
    /** The newest code of a user that is still usable at `now`. */
    latestUsable: (userId: number, now: number, q: Queryable = db) =>
      q.get<PasswordResetRow>(
        `SELECT * FROM password_resets WHERE user_id = ? AND used_at IS NULL AND expires_at > ?
         ORDER BY id DESC LIMIT 1`,
        [userId, now],
      ),

    recentCount: async (userId: number, since: number, q: Queryable = db) =>
      (
        await q.get<{ n: number }>('SELECT count(*) AS n FROM password_resets WHERE user_id = ? AND created_at > ?', [
          userId,
          since,
        ])
      )?.n ?? 0,

    async insert(tx: Tx, userId: number, codeHash: string, now: number, expiresAt: number): Promise<void> {
      // A new code replaces any earlier one.
      await tx.run('UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL', [now, userId]);
      await tx.run('INSERT INTO password_resets (user_id, code_hash, created_at, expires_at) VALUES (?, ?, ?, ?)', [
        userId,
        codeHash,
        now,
        expiresAt,
      ]);
    },

    async countAttempt(tx: Tx, id: number): Promise<void> {
      await tx.run('UPDATE password_resets SET attempts = attempts + 1 WHERE id = ?', [id]);
    },

    async markUsed(tx: Tx, id: number, now: number): Promise<void> {
      await tx.run('UPDATE password_resets SET used_at = ? WHERE id = ?', [now, id]);
    },
  };
}

export type LoginFailuresRepo = ReturnType<typeof loginFailuresRepo>;

export function loginFailuresRepo(db: Db) {
  return {
    /**
     * Failures for `email` after `since`, oldest first. Strictly after: a failure leaves the
     * window exactly when the Retry-After computed from it runs out.
     */
    since: (email: string, since: number, q: Queryable = db) =>
      q.all<{ at: number }>('SELECT at FROM login_failures WHERE email = ? AND at > ? ORDER BY at', [email, since]),
    async record(tx: Tx, email: string, now: number): Promise<void> {
      await tx.run('INSERT INTO login_failures (email, at) VALUES (?, ?)', [email, now]);
    },
    async clear(tx: Tx, email: string): Promise<void> {
      await tx.run('DELETE FROM login_failures WHERE email = ?', [email]);
    },
    async prune(tx: Tx, before: number): Promise<void> {
      await tx.run('DELETE FROM login_failures WHERE at < ?', [before]);
    },
  };
}
