// Operator groups of a project, their members, the URL routing rules, and the assignment policy
// with its round-robin cursor (memberships.assigned_seq).
import type { Db, Queryable, Tx } from './sqlite.js';

export interface GroupRow {
  id: number;
  project_id: number;
  name: string;
  name_key: string;
  created_at: number;
}

/** A member of a group, with what listing them shows. */
export interface GroupMemberRow {
  group_id: number;
  user_id: number;
  email: string;
  first_name: string;
  last_name: string;
  operator: number;
  online: number;
}

export interface RouteRow {
  position: number;
  pattern: string;
  group_id: number;
  group_name: string;
}

export type AssignmentPolicy = 'manual' | 'round-robin';

export type GroupsRepo = ReturnType<typeof groupsRepo>;

export function groupsRepo(db: Db) {
  return {
    list: (projectId: number, q: Queryable = db) =>
      q.all<GroupRow>('SELECT * FROM groups WHERE project_id = ? ORDER BY name_key, id', [projectId]),
    byKey: (projectId: number, key: string, q: Queryable = db) =>
      q.get<GroupRow>('SELECT * FROM groups WHERE project_id = ? AND name_key = ?', [projectId, key]),
    byId: (id: number, q: Queryable = db) => q.get<GroupRow>('SELECT * FROM groups WHERE id = ?', [id]),

    /** Whether the project has any group: without groups, every unassigned dialog is everyone's. */
    hasGroups: async (projectId: number, q: Queryable = db) =>
      (await q.get<{ n: number }>('SELECT EXISTS (SELECT 1 FROM groups WHERE project_id = ?) AS n', [projectId]))?.n === 1,

    /** Members of every group of the project (or of one group), ordered by email. */
    members: (projectId: number, groupId: number | null = null, q: Queryable = db) =>
      q.all<GroupMemberRow>(
        `SELECT gm.group_id, gm.user_id, u.email, u.first_name, u.last_name, m.operator,
           CASE WHEN u.disabled_at IS NULL THEN m.online ELSE 0 END AS online
         FROM group_members gm
         JOIN memberships m ON m.project_id = gm.project_id AND m.user_id = gm.user_id
         JOIN users u ON u.id = gm.user_id
         WHERE gm.project_id = ?1 AND (?2 IS NULL OR gm.group_id = ?2)
         ORDER BY u.email`,
        [projectId, groupId],
      ),

    memberIds: async (groupId: number, q: Queryable = db) =>
      (await q.all<{ user_id: number }>('SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id', [groupId])).map(
        (r) => r.user_id,
      ),

    async insert(tx: Tx, g: { projectId: number; name: string; key: string }, now: number): Promise<number> {
      const { lastID } = await tx.run('INSERT INTO groups (project_id, name, name_key, created_at) VALUES (?, ?, ?, ?)', [
        g.projectId,
        g.name,
        g.key,
        now,
      ]);
      return lastID;
    },

    /** Deletes a group; its dialogs lose the group, its rules go with it. Returns what it touched. */
    async remove(tx: Tx, group: GroupRow): Promise<{ dialogs: number; rules: number }> {
      const dialogs =
        (await tx.get<{ n: number }>("SELECT count(*) AS n FROM dialogs WHERE group_id = ? AND status = 'open'", [group.id]))?.n ?? 0;
      const rules = (await tx.get<{ n: number }>('SELECT count(*) AS n FROM group_routes WHERE group_id = ?', [group.id]))?.n ?? 0;
      // The remaining rules keep their order (positions may have gaps).
      await tx.run('DELETE FROM groups WHERE id = ?', [group.id]);
      return { dialogs, rules };
    },

    /** Adds a member; false when they were in the group already. */
    async addMember(tx: Tx, group: GroupRow, userId: number, now: number): Promise<boolean> {
      const { changes } = await tx.run(
        'INSERT OR IGNORE INTO group_members (group_id, project_id, user_id, created_at) VALUES (?, ?, ?, ?)',
        [group.id, group.project_id, userId, now],
      );
      return changes === 1;
    },

    async removeMember(tx: Tx, groupId: number, userId: number): Promise<boolean> {
      const { changes } = await tx.run('DELETE FROM group_members WHERE group_id = ? AND user_id = ?', [groupId, userId]);
      return changes === 1;
    },

    /** Takes a member out of every group of the project; how many they were in. */
    async leaveAll(tx: Tx, projectId: number, userId: number): Promise<number> {
      const { changes } = await tx.run('DELETE FROM group_members WHERE project_id = ? AND user_id = ?', [projectId, userId]);
      return changes;
    },

    // ---- routing rules and policy ----
    routes: (projectId: number, q: Queryable = db) =>
      q.all<RouteRow>(
        `SELECT r.position, r.pattern, r.group_id, g.name AS group_name FROM group_routes r
         JOIN groups g ON g.id = r.group_id WHERE r.project_id = ? ORDER BY r.position`,
        [projectId],
      ),

    async replaceRoutes(tx: Tx, projectId: number, rules: Array<{ pattern: string; groupId: number }>) {
      await tx.run('DELETE FROM group_routes WHERE project_id = ?', [projectId]);
      let position = 0;
      for (const rule of rules) {
        await tx.run('INSERT INTO group_routes (project_id, position, pattern, group_id) VALUES (?, ?, ?, ?)', [
          projectId,
          ++position,
          rule.pattern,
          rule.groupId,
        ]);
      }
    },

    assignment: async (projectId: number, q: Queryable = db) =>
      (await q.get<{ assignment: AssignmentPolicy }>('SELECT assignment FROM projects WHERE id = ?', [projectId]))?.assignment ??
      'manual',

    async setAssignment(tx: Tx, projectId: number, policy: AssignmentPolicy) {
      await tx.run('UPDATE projects SET assignment = ? WHERE id = ?', [policy, projectId]);
    },

    /**
     * Round-robin: the online operator (of the group, or of the project when `groupId` is null)
     * whose latest automatic assignment is the oldest, and moves them to the back of the line.
     * A disabled account is never online. In the caller's write transaction, so two new dialogs
     * never pick from the same state.
     */
    async takeNextAssignee(tx: Tx, projectId: number, groupId: number | null): Promise<number | null> {
      const next = await tx.get<{ user_id: number }>(
        `SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.project_id = ?1 AND m.operator = 1 AND m.online = 1 AND u.disabled_at IS NULL
           AND (?2 IS NULL OR EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = ?2 AND gm.user_id = m.user_id))
         ORDER BY m.assigned_seq, m.user_id LIMIT 1`,
        [projectId, groupId],
      );
      if (!next) return null;
      await tx.run(
        `UPDATE memberships SET assigned_seq = (SELECT max(assigned_seq) FROM memberships WHERE project_id = ?1) + 1
         WHERE project_id = ?1 AND user_id = ?2`,
        [projectId, next.user_id],
      );
      return next.user_id;
    },

    /**
     * Whether someone answers in the project: an operator of it with an account that is not
     * disabled (undefined otherwise), and whether they are online.
     */
    onDuty: async (projectId: number, userId: number, q: Queryable = db) =>
      q.get<{ online: number }>(
        `SELECT m.online FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.project_id = ? AND m.user_id = ? AND m.operator = 1 AND u.disabled_at IS NULL`,
        [projectId, userId],
      ),

    /** The open dialogs of the project that nobody has, oldest first (to assign them when someone comes online). */
    waitingDialogs: (projectId: number, q: Queryable = db) =>
      q.all<{ id: number; group_id: number | null }>(
        "SELECT id, group_id FROM dialogs WHERE project_id = ? AND assignee_id IS NULL AND status = 'open' ORDER BY id",
        [projectId],
      ),

    /** The open dialogs of the project assigned to someone, oldest first (to route them again). */
    openDialogsOf: (projectId: number, userId: number, q: Queryable = db) =>
      q.all<{ id: number; group_id: number | null }>(
        "SELECT id, group_id FROM dialogs WHERE project_id = ? AND assignee_id = ? AND status = 'open' ORDER BY id",
        [projectId, userId],
      ),
  };
}
