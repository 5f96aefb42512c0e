import type { Db, Queryable, Tx } from './sqlite.js';

export interface CredentialRow {
  id: number;
  user_id: number;
  kind: 'session' | 'api';
  name: string | null;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  idle_ttl_ms: number | null;
  expires_at: number | null;
  revoked_at: number | null;
  /** The one project an API token works in, or null: every project of its owner. */
  project_id: number | null;
}

/** A credential with the name of the project it is limited to (null when it is not). */
export type ScopedCredentialRow = CredentialRow & { project_name: string | null };

const SCOPED = 'SELECT c.*, p.name AS project_name FROM credentials c LEFT JOIN projects p ON p.id = c.project_id';

export type CredentialsRepo = ReturnType<typeof credentialsRepo>;

export function credentialsRepo(db: Db) {
  return {
    byHash: (tokenHash: string, q: Queryable = db) =>
      q.get<ScopedCredentialRow>(`${SCOPED} WHERE c.token_hash = ?`, [tokenHash]),

    apiTokens: (userId: number, q: Queryable = db) =>
      q.all<ScopedCredentialRow>(
        `${SCOPED} WHERE c.user_id = ? AND c.kind = 'api' AND c.revoked_at IS NULL ORDER BY c.name`,
        [userId],
      ),

    apiTokenByName: (userId: number, name: string, q: Queryable = db) =>
      q.get<CredentialRow>(
        "SELECT * FROM credentials WHERE user_id = ? AND kind = 'api' AND name = ? AND revoked_at IS NULL",
        [userId, name],
      ),

    async insert(
      tx: Tx,
      c: {
        userId: number;
        kind: 'session' | 'api';
        name: string | null;
        tokenHash: string;
        idleTtlMs: number | null;
        expiresAt: number | null;
        projectId?: number | null;
      },
      now: number,
    ): Promise<number> {
      const { lastID } = await tx.run(
        `INSERT INTO credentials (user_id, kind, name, token_hash, created_at, last_used_at, idle_ttl_ms, expires_at, project_id)
         VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?)`,
        [c.userId, c.kind, c.name, c.tokenHash, now, c.idleTtlMs, c.expiresAt, c.projectId ?? null],
      );
      return lastID;
    },

    async touch(tx: Tx, id: number, now: number): Promise<void> {
      await tx.run('UPDATE credentials SET last_used_at = ? WHERE id = ?', [now, id]);
    },

    async revoke(tx: Tx, id: number, now: number): Promise<void> {
      await tx.run('UPDATE credentials SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [now, id]);
    },

    /**
     * Revokes a user's credentials (only login sessions when `sessionsOnly`), except `exceptId`;
     * returns the revoked ids so their open sockets can be closed.
     */
    async revokeAllForUser(
      tx: Tx,
      userId: number,
      now: number,
      opts: { exceptId?: number | null; sessionsOnly?: boolean } = {},
    ) {
      const where = `user_id = ? AND revoked_at IS NULL AND id IS NOT ?${opts.sessionsOnly ? " AND kind = 'session'" : ''}`;
      const params = [userId, opts.exceptId ?? null];
      const rows = await tx.all<{ id: number }>(`SELECT id FROM credentials WHERE ${where}`, params);
      if (rows.length > 0) await tx.run(`UPDATE credentials SET revoked_at = ? WHERE ${where}`, [now, ...params]);
      return rows.map((r) => r.id);
    },
  };
}
