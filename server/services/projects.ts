// Projects and the caller's membership in them.
import type { AccessLevel } from '../../core/protocol/index.js';
import type { MembershipRow, ProjectWithMembership } from '../db/projects.js';
import { badRequest, forbidden, notFound } from '../errors.js';
import { generateWidgetKey } from '../secrets.js';
import type { Auth } from './accounts.js';
import type { ServiceDeps } from './context.js';

export const defaultTimezone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export type ProjectsService = ReturnType<typeof projectsService>;

export function projectsService(deps: ServiceDeps) {
  const { db, repos, clock } = deps;

  return {
    /**
     * The caller's membership in a project. Not being a member answers 404, exactly as a
     * project that does not exist: ids of other projects reveal nothing.
     */
    async membership(auth: Auth, projectId: number): Promise<MembershipRow> {
      const m = await repos.projects.membership(projectId, auth.user.id);
      if (!m) throw notFound(`no project with id ${projectId}`);
      return m;
    },

    async requireAccess(auth: Auth, projectId: number, levels: AccessLevel[], what: string) {
      const m = await this.membership(auth, projectId);
      if (!m.access || !levels.includes(m.access)) {
        throw forbidden(`${what} needs the ${levels.map((l) => `"${l}"`).join(' or ')} access level in this project`);
      }
      return m;
    },

    list: (auth: Auth) => repos.projects.forUser(auth.user.id),

    async get(auth: Auth, projectId: number): Promise<ProjectWithMembership> {
      const m = await this.membership(auth, projectId);
      const p = (await repos.projects.byId(projectId))!;
      return { ...p, access: m.access, operator: m.operator };
    },

    /** Server administrators create projects; the creator becomes the project's admin. */
    async create(
      auth: Auth,
      input: { name: string; allowedOrigins?: string[]; timezone?: string; language?: string },
    ): Promise<ProjectWithMembership> {
      if (!auth.user.server_admin) {
        throw forbidden('only server administrators create projects (see "parley admin create")');
      }
      const name = input.name.trim();
      if (!name) throw badRequest('the project name must not be empty');
      const now = clock.now();
      const id = await db.write(async (tx) => {
        const projectId = await repos.projects.insert(
          tx,
          {
            name,
            widgetKey: generateWidgetKey(),
            allowedOrigins: input.allowedOrigins ?? [],
            timezone: input.timezone ?? defaultTimezone(),
            language: input.language ?? 'en',
          },
          now,
        );
        await repos.projects.addMember(tx, { projectId, userId: auth.user.id, access: 'admin', operator: false }, now);
        return projectId;
      });
      return this.get(auth, id);
    },
  };
}
