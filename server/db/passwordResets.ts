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

/**
 * Failed sign-ins, each counted twice: for the account (`address` null) and for the account
 * from the client's address. Keyed by the email as typed (normalised), which need not be an
 * account: guesses at unknown emails are counted the same way.
 */
export function loginFailuresRepo(db: Db) {
  return {
    /**
     * Failures for the account (`address` null) or for it from `address`, after `since`, oldest
     * first. Strictly after: a failure leaves the window exactly when the Retry-After computed
     * from it runs out.
     */
    since: (email: string, address: string | null, since: number, q: Queryable = db) =>
      q.all<{ at: number }>('SELECT at FROM login_failures WHERE email = ? AND address IS ? AND at > ? ORDER BY at', [email, address, since]),
    async record(tx: Tx, email: string, address: string, now: number): Promise<void> {
      await tx.run('INSERT INTO login_failures (email, address, at) VALUES (?, NULL, ?), (?, ?, ?)', [email, now, email, address, now]);
    },
    /** Forgets the failures from one address (its owner got in from there); the account's stay. */
    async clearAddress(tx: Tx, email: string, address: string): Promise<void> {
      await tx.run('DELETE FROM login_failures WHERE email = ? AND address = ?', [email, address]);
    },
    /** Forgets every failure of the account, from everywhere (a password reset). */
    async clearAccount(tx: Tx, email: string): Promise<void> {
      await tx.run('DELETE FROM login_failures WHERE email = ?', [email]);
    },
    async prune(tx: Tx, before: number): Promise<void> {
      await tx.run('DELETE FROM login_failures WHERE at < ?', [before]);
    },
  };
}
