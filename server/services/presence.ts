// Operator presence: the manual online/offline switch per project membership. The widget's
// chat tab is shown while at least one operator of the project is online.
import { badRequest } from '../errors.js';
import type { Auth } from './accounts.js';
import type { ServiceDeps } from './context.js';
import type { ProjectsService } from './projects.js';

export type PresenceService = ReturnType<typeof presenceService>;

export function presenceService(deps: ServiceDeps, projects: ProjectsService) {
  const { db, clock, bus } = deps;

  const onlineCount = async (projectId: number) =>
    (
      await db.get<{ n: number }>(
        'SELECT count(*) AS n FROM memberships WHERE project_id = ? AND operator = 1 AND online = 1',
        [projectId],
      )
    )?.n ?? 0;

  return {
    onlineCount,

    async get(auth: Auth, projectId: number, userId = auth.user.id) {
      await projects.membership(auth, projectId);
      const row = await db.get<{ online: number; operator: number; status_changed_at: number | null }>(
        'SELECT online, operator, status_changed_at FROM memberships WHERE project_id = ? AND user_id = ?',
        [projectId, userId],
      );
      return row;
    },

    async set(auth: Auth, projectId: number, online: boolean) {
      const m = await projects.membership(auth, projectId);
      if (!m.operator) throw badRequest('only operators have an online status in this project');
      const now = clock.now();
      await db.write((tx) =>
        tx.run('UPDATE memberships SET online = ?, status_changed_at = ? WHERE project_id = ? AND user_id = ?', [
          online ? 1 : 0,
          now,
          projectId,
          auth.user.id,
        ]),
      );
      const operatorsOnline = await onlineCount(projectId);
      bus.publish({ type: 'operator.status_changed', projectId, userId: auth.user.id, online, operatorsOnline });
      return { online, changedAt: now, operatorsOnline };
    },
  };
}
