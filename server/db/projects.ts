import type { AccessLevel } from '../../core/protocol/index.js';
import type { Db, Queryable, Tx } from './sqlite.js';
import type { UserRow } from './users.js';

export interface ProjectRow {
  id: number;
  name: string;
  widget_key: string;
  allowed_origins: string;
  timezone: string;
  language: string;
  widget_color: string | null;
  widget_greeting: string | null;
  created_at: number;
  updated_at: number;
}

export interface MembershipRow {
  project_id: number;
  user_id: number;
  access: AccessLevel | null;
  operator: number;
  created_at: number;
}

/** A member's rights in a project. */
export type Membership = Pick<MembershipRow, 'access' | 'operator'>;
export type ProjectWithMembership = ProjectRow & Membership;
export type MemberRow = UserRow & Membership & { joined_at: number };

export type ProjectsRepo = ReturnType<typeof projectsRepo>;

export function projectsRepo(db: Db) {
  return {
    byId: (id: number, q: Queryable = db) => q.get<ProjectRow>('SELECT * FROM projects WHERE id = ?', [id]),
    byWidgetKey: (key: string, q: Queryable = db) =>
      q.get<ProjectRow>('SELECT * FROM projects WHERE widget_key = ?', [key]),
    byName: (name: string, q: Queryable = db) =>
      q.get<ProjectRow>('SELECT * FROM projects WHERE name = ? COLLATE NOCASE ORDER BY id LIMIT 1', [name]),

    async insert(
      tx: Tx,
      p: { name: string; widgetKey: string; allowedOrigins: string[]; timezone: string; language: string },
      now: number,
    ): Promise<number> {
      const { lastID } = await tx.run(
        `INSERT INTO projects (name, widget_key, allowed_origins, timezone, language, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [p.name, p.widgetKey, JSON.stringify(p.allowedOrigins), p.timezone, p.language, now, now],
      );
      return lastID;
    },

    /** The projects a user belongs to, with their membership. */
    forUser: (userId: number, q: Queryable = db) =>
      q.all<ProjectWithMembership>(
        `SELECT p.*, m.access, m.operator FROM projects p
         JOIN memberships m ON m.project_id = p.id WHERE m.user_id = ? ORDER BY p.id`,
        [userId],
      ),

    /** What a member may do in a project (only the columns the checks need). */
    membership: (projectId: number, userId: number, q: Queryable = db) =>
      q.get<Membership>('SELECT access, operator FROM memberships WHERE project_id = ? AND user_id = ?', [
        projectId,
        userId,
      ]),

    membershipCount: async (userId: number, q: Queryable = db) =>
      (await q.get<{ n: number }>('SELECT count(*) AS n FROM memberships WHERE user_id = ?', [userId]))?.n ?? 0,

    members: (projectId: number, q: Queryable = db) =>
      q.all<MemberRow>(
        `SELECT u.*, m.access, m.operator, m.created_at AS joined_at FROM memberships m
         JOIN users u ON u.id = m.user_id WHERE m.project_id = ? ORDER BY u.email`,
        [projectId],
      ),

    member: (projectId: number, email: string, q: Queryable = db) =>
      q.get<MemberRow>(
        `SELECT u.*, m.access, m.operator, m.created_at AS joined_at FROM memberships m
         JOIN users u ON u.id = m.user_id WHERE m.project_id = ? AND u.email = ?`,
        [projectId, email],
      ),

    adminCount: async (projectId: number, q: Queryable = db) =>
      (
        await q.get<{ n: number }>(
          "SELECT count(*) AS n FROM memberships WHERE project_id = ? AND access = 'admin'",
          [projectId],
        )
      )?.n ?? 0,

    async addMember(
      tx: Tx,
      m: { projectId: number; userId: number; access: AccessLevel | null; operator: boolean },
      now: number,
    ): Promise<void> {
      await tx.run(
        'INSERT INTO memberships (project_id, user_id, access, operator, created_at) VALUES (?, ?, ?, ?, ?)',
        [m.projectId, m.userId, m.access, m.operator ? 1 : 0, now],
      );
    },

    async updateMember(
      tx: Tx,
      projectId: number,
      userId: number,
      fields: { access: AccessLevel | null; operator: boolean },
    ): Promise<void> {
      await tx.run('UPDATE memberships SET access = ?, operator = ? WHERE project_id = ? AND user_id = ?', [
        fields.access,
        fields.operator ? 1 : 0,
        projectId,
        userId,
      ]);
    },

    async removeMember(tx: Tx, projectId: number, userId: number): Promise<void> {
      await tx.run('DELETE FROM memberships WHERE project_id = ? AND user_id = ?', [projectId, userId]);
    },
  };
}
