// Projects and the caller's membership in them.
import { nameProblem } from '../../core/names.js';
import type { AccessLevel, UpdateProjectBody } from '../../core/protocol/index.js';
import { normalizeOrigin as originOf, WIDGET_COLOR_RE } from '../../core/protocol/constants.js';
import type { Membership, ProjectWithMembership } from '../db/projects.js';
import type { Tx } from '../db/sqlite.js';
import { badRequest, conflict, forbidden, notFound } from '../errors.js';
import { generateWidgetKey } from '../secrets.js';
import { assertUnlimited, type Auth } from './accounts.js';
import type { ServiceDeps } from './context.js';
// Project names are unique as group names are within a project: NFC, trimmed, whatever their case.
import { nameKey } from './groups.js';

export const defaultTimezone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** `https://Shop.example.com/` -> `https://shop.example.com`; anything but an http(s) origin is refused. */
export function normalizeOrigin(raw: string): string {
  const origin = originOf(raw);
  if (origin === null) throw badRequest(`not an origin: "${raw}" (scheme, host and port only, e.g. https://shop.example.com)`);
  return origin;
}

import { canonicalTimeZone } from '../../core/schedule-text.js';

/**
 * A 409 when another project already has this name: `parley export` files, `apply` and `-p NAME`
 * find a project by its name. Checked in the write transaction, so two racing requests cannot
 * both take a name. Read in full and compared here: SQLite's NOCASE folds ASCII only. Duplicates
 * in a database from before this rule are left as they are (no migration that could not run).
 */
/** The name of another project (not `projectId`) that `name` would clash with, or null. */
export async function takenProjectName(tx: Tx, name: string, projectId?: number): Promise<string | null> {
  const key = nameKey(name);
  const taken = (await tx.all<{ id: number; name: string }>('SELECT id, name FROM projects')).find(
    (p) => p.id !== projectId && nameKey(p.name) === key,
  );
  return taken?.name ?? null;
}

async function requireFreeName(tx: Tx, name: string, projectId?: number): Promise<void> {
  const taken = await takenProjectName(tx, name, projectId);
  if (taken !== null) throw conflict(`a project named "${taken}" already exists: pick another name`);
}

/** A project's name as stored (trimmed), or a 400: it is shown in mails, tables and `-p NAME`. */
function projectName(raw: string): string {
  const name = raw.trim();
  if (!name) throw badRequest('the project name must not be empty');
  const problem = nameProblem('the project name', name);
  if (problem) throw badRequest(problem);
  return name;
}

export type ProjectsService = ReturnType<typeof projectsService>;

/** What a change of settings must tell presence (which is built after projects: it reads memberships here). */
export interface SettingsListener {
  timezoneChanged(projectId: number): Promise<void>;
}

/** Memberships kept in memory (every operator message checks one); beyond this it starts over. */
const MEMBERSHIPS_KEPT = 10_000;

export function projectsService(deps: ServiceDeps, presence: SettingsListener) {
  const { db, repos, clock, bus } = deps;
  // Memberships as read, by "project:user". Only what exists is kept, so an added member needs no
  // care; a membership changes or goes only in team.ts, which publishes member.updated or
  // member.removed after its commit, and the entry is dropped then. A read that a change
  // overtook (it committed while the read's promise settled) is not kept.
  const memberships = new Map<string, Membership>();
  let changes = 0;
  const forget = (e: { projectId: number; userId: number }) => {
    changes++;
    memberships.delete(`${e.projectId}:${e.userId}`);
  };
  bus.subscribe('member.updated', forget);
  bus.subscribe('member.removed', forget);

  return {
    /**
     * The caller's membership in a project. Not being a member answers 404, exactly as a
     * project that does not exist: ids of other projects reveal nothing. So does every project
     * but its own to a token limited to one; in its own, it has its owner's membership as it
     * stands.
     */
    async membership(auth: Auth, projectId: number): Promise<Membership> {
      if (auth.project && auth.project.id !== projectId) throw notFound(`no project with id ${projectId}`);
      const key = `${projectId}:${auth.user.id}`;
      const kept = memberships.get(key);
      if (kept) return kept;
      const before = changes;
      const m = await repos.projects.membership(projectId, auth.user.id);
      if (!m) throw notFound(`no project with id ${projectId}`);
      if (memberships.size >= MEMBERSHIPS_KEPT) memberships.clear();
      if (changes === before) memberships.set(key, m);
      return m;
    },

    async requireAccess(auth: Auth, projectId: number, levels: AccessLevel[], what: string) {
      const m = await this.membership(auth, projectId);
      if (!m.access || !levels.includes(m.access)) {
        throw forbidden(`${what} needs the ${levels.map((l) => `"${l}"`).join(' or ')} access level in this project`);
      }
      return m;
    },

    async list(auth: Auth): Promise<ProjectWithMembership[]> {
      const all = await repos.projects.forUser(auth.user.id);
      return auth.project ? all.filter((p) => p.id === auth.project!.id) : all;
    },

    async get(auth: Auth, projectId: number): Promise<ProjectWithMembership> {
      const m = await this.membership(auth, projectId);
      const p = (await repos.projects.byId(projectId))!;
      return { ...p, access: m.access, operator: m.operator };
    },

    /** Settings of a project: name, the origins allowed to embed the widget, timezone, language, the widget's look. */
    /** Changes settings; `also` (a checked routing change) is written in the same transaction. */
    async update(
      auth: Auth,
      projectId: number,
      body: Omit<UpdateProjectBody, 'routing'>,
      also?: (tx: Tx) => Promise<void>,
    ): Promise<ProjectWithMembership> {
      await this.requireAccess(auth, projectId, ['admin', 'settings'], 'changing project settings');
      const sets: string[] = [];
      const params: Array<string | number | null> = [];
      if (body.name !== undefined) {
        sets.push('name = ?');
        params.push(projectName(body.name));
      }
      if (body.allowedOrigins !== undefined) {
        sets.push('allowed_origins = ?');
        params.push(JSON.stringify([...new Set(body.allowedOrigins.map(normalizeOrigin))]));
      }
      const timezone = body.timezone === undefined ? undefined : canonicalTimeZone(body.timezone);
      if (timezone !== undefined) {
        if (timezone === null) throw badRequest(`unknown time zone: "${body.timezone}" (use an IANA name such as Europe/Moscow)`);
        sets.push('timezone = ?');
        params.push(timezone);
      }
      if (body.language !== undefined) {
        sets.push('language = ?');
        params.push(body.language);
      }
      const color = body.widget?.color;
      if (color !== undefined) {
        if (color !== null && !WIDGET_COLOR_RE.test(color)) throw badRequest(`the widget colour is #rrggbb, e.g. #0a84ff (not "${color}")`);
        sets.push('widget_color = ?');
        params.push(color === null ? null : color.toLowerCase());
      }
      const greeting = body.widget?.greeting;
      if (greeting !== undefined) {
        sets.push('widget_greeting = ?');
        params.push(greeting === null || !greeting.trim() ? null : greeting.trim());
      }
      let timezoneChanged = false;
      if (sets.length || also) {
        timezoneChanged = await db.write(async (tx) => {
          // Read in the transaction: a racing change is compared with what the other one committed.
          const before = timezone === undefined ? undefined : (await repos.projects.byId(projectId, tx))?.timezone;
          if (body.name !== undefined) await requireFreeName(tx, body.name, projectId);
          if (sets.length) {
            await tx.run(`UPDATE projects SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`, [...params, clock.now(), projectId]);
          }
          await also?.(tx);
          return before !== undefined && before !== timezone;
        });
      }
      // Working hours are wall times in the project's zone: every scheduled operator's state moved.
      if (timezoneChanged) await presence.timezoneChanged(projectId);
      return this.get(auth, projectId);
    },

    /** Server administrators create projects; the creator becomes the project's admin. */
    async create(
      auth: Auth,
      input: { name: string; allowedOrigins?: string[]; timezone?: string; language?: string },
    ): Promise<ProjectWithMembership> {
      assertUnlimited(auth, 'create projects');
      if (!auth.user.server_admin) {
        throw forbidden('only server administrators create projects (see "parley admin create", or "parley admin promote EMAIL" for an existing account)');
      }
      const name = projectName(input.name);
      const now = clock.now();
      const id = await db.write(async (tx) => {
        await requireFreeName(tx, name);
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
