import type { Db, Queryable, Tx } from './sqlite.js';

export interface UserRow {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  phone: string | null;
  password_hash: string;
  must_change_password: number;
  password_expires_at: number | null;
  server_admin: number;
  disabled_at: number | null;
  avatar_file: string | null;
  avatar_type: string | null;
  avatar_etag: string | null;
  created_at: number;
  updated_at: number;
}

export interface NewUser {
  email: string;
  firstName: string;
  lastName: string;
  passwordHash: string;
  /** When set, the password is a generated one: it must be changed and expires at this time. */
  initialPasswordExpiresAt: number | null;
  serverAdmin?: boolean;
}

export type UsersRepo = ReturnType<typeof usersRepo>;

export function usersRepo(db: Db) {
  return {
    byId: (id: number, q: Queryable = db) => q.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]),
    byEmail: (email: string, q: Queryable = db) =>
      q.get<UserRow>('SELECT * FROM users WHERE email = ?', [email]),
    count: async (q: Queryable = db) =>
      (await q.get<{ n: number }>('SELECT count(*) AS n FROM users'))?.n ?? 0,

    async insert(tx: Tx, user: NewUser, now: number): Promise<number> {
      const { lastID } = await tx.run(
        `INSERT INTO users (email, first_name, last_name, password_hash, must_change_password,
           password_expires_at, server_admin, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          user.email,
          user.firstName,
          user.lastName,
          user.passwordHash,
          user.initialPasswordExpiresAt === null ? 0 : 1,
          user.initialPasswordExpiresAt,
          user.serverAdmin ? 1 : 0,
          now,
          now,
        ],
      );
      return lastID;
    },

    async updateProfile(
      tx: Tx,
      id: number,
      fields: { firstName?: string; lastName?: string; phone?: string | null },
      now: number,
    ): Promise<void> {
      await tx.run(
        `UPDATE users SET
           first_name = coalesce(?, first_name),
           last_name = coalesce(?, last_name),
           phone = CASE WHEN ? THEN ? ELSE phone END,
           updated_at = ?
         WHERE id = ?`,
        [
          fields.firstName ?? null,
          fields.lastName ?? null,
          fields.phone !== undefined ? 1 : 0,
          fields.phone ?? null,
          now,
          id,
        ],
      );
    },

    /** Sets a password chosen by the user: no forced change, no expiry. */
    async setPassword(tx: Tx, id: number, passwordHash: string, now: number): Promise<void> {
      await tx.run(
        `UPDATE users SET password_hash = ?, must_change_password = 0, password_expires_at = NULL,
           updated_at = ? WHERE id = ?`,
        [passwordHash, now, id],
      );
    },

    /** Replaces the password with a generated one-time password that must be changed. */
    async setInitialPassword(tx: Tx, id: number, passwordHash: string, expiresAt: number, now: number) {
      await tx.run(
        `UPDATE users SET password_hash = ?, must_change_password = 1, password_expires_at = ?,
           updated_at = ? WHERE id = ?`,
        [passwordHash, expiresAt, now, id],
      );
    },

    async setAvatar(
      tx: Tx,
      id: number,
      avatar: { file: string; type: string; etag: string } | null,
      now: number,
    ): Promise<void> {
      await tx.run(
        'UPDATE users SET avatar_file = ?, avatar_type = ?, avatar_etag = ?, updated_at = ? WHERE id = ?',
        [avatar?.file ?? null, avatar?.type ?? null, avatar?.etag ?? null, now, id],
      );
    },
  };
}
