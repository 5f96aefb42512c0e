// Operator groups, routing of new dialogs to them, and the assignment policy.
//
// - A group is a named set of operators of one project (names unique per project, compared
//   case-insensitively). Admin and settings members manage groups; every member may list them.
// - A new dialog's group comes from the widget embed's data-group when it names an existing
//   group (an unknown name is no group: never an error to the visitor), else from the first URL
//   rule whose pattern matches the page the visitor wrote from, else none.
// - Assignment policy per project: `manual` (the first operator to reply becomes responsible)
//   or `round-robin` (a new dialog goes at once to the online operator of its group, or of the
//   project when it has no group, whose last automatic assignment is the oldest; see
//   db/groups.ts takeNextAssignee).
// Every change to groups is announced as `groups.changed`: which dialogs are Mine may have changed.
import type { Group, RouteRule, Routing, UpdateRoutingBody } from '../../core/protocol/index.js';
import { normalizeEmail } from '../../core/protocol/index.js';
import { groupNameTooLong } from '../../core/name-length.js';
import type { GroupMemberRow, GroupRow, GroupsRepo } from '../db/groups.js';
import type { Queryable, Tx } from '../db/sqlite.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { Auth } from './accounts.js';
import type { ServiceDeps } from './context.js';
import { fullName, iso } from './present.js';
import type { ProjectsService } from './projects.js';
import { normalizeGroupName } from '../../core/protocol/constants.js';
import { nameProblem } from '../../core/names.js';

/** The key names are unique by: Unicode-aware case folding (SQLite's NOCASE is ASCII only). */
export const nameKey = (name: string) => name.normalize('NFC').trim().toLowerCase();
/**
 * A group's key: its name as stored (spaces squeezed), case folded. So a data-group, a route or a
 * command naming "Night  shift" finds the group "Night shift".
 */
export const groupKey = (name: string) => nameKey(normalizeGroupName(name));

/** A group name as stored, or a 400 saying what is wrong with it. */
export function cleanGroupName(raw: string): string {
  const name = normalizeGroupName(raw);
  if (!name) throw badRequest('a group name must not be empty');
  // Measured as stored (the routes' schemas let through any name that fits once squeezed).
  const tooLong = groupNameTooLong(raw);
  if (tooLong) throw badRequest(tooLong);
  const problem = nameProblem('the group name', raw.trim()); // before squeezing makes a line break a space
  if (problem) throw badRequest(problem);
  // "=" separates pattern and group in `parley project set --route PATTERN=GROUP`.
  if (name.includes('=')) throw badRequest(`a group name must not contain "=": "${name}"`);
  return name;
}

/** A URL rule's pattern as stored, or a 400. */
export function cleanPattern(raw: string): string {
  const pattern = raw.trim();
  if (!pattern) throw badRequest('a URL pattern must not be empty (use * to match every page)');
  if (/\s/.test(pattern)) throw badRequest(`a URL pattern must not contain spaces: "${pattern}"`);
  return pattern;
}

/**
 * Whether a page URL matches a rule's pattern. `*` matches any characters (slashes included);
 * the pattern must match the whole URL (query string included, the #fragment never), ignoring
 * case. A pattern without a scheme ("shop.example.com/b2b/*") is matched against the URL
 * without its scheme.
 */
export function routeMatches(pattern: string, pageUrl: string): boolean {
  return pageMatcher(pageUrl)(pattern);
}

/** A page URL folded once, to be matched against every rule of a project. */
function pageMatcher(pageUrl: string): (pattern: string) => boolean {
  const withScheme = foldCase(pageUrl.split('#')[0]);
  const withoutScheme = withScheme.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  return (pattern) => globMatches(foldCase(pattern), pattern.includes('://') ? withScheme : withoutScheme);
}

/**
 * `text` folded the way a case-insensitive regular expression (without the u flag) compares it:
 * each UTF-16 unit upper-cased, unless that takes more than one unit or turns a non-ASCII one into
 * ASCII (so "ſ" stays apart from "s"). Rules were matched by such a regex: they keep matching the
 * same pages.
 */
function foldCase(text: string): string {
  // ASCII only (nearly every URL and pattern): upper-casing it is the same, at native speed.
  if (/^[\x00-\x7f]*$/.test(text)) return text.toUpperCase();
  let out = '';
  for (const unit of text.split('')) {
    const upper = unit.toUpperCase();
    out += upper.length === 1 && !(unit.charCodeAt(0) >= 128 && upper.charCodeAt(0) < 128) ? upper : unit;
  }
  return out;
}

/**
 * Whether `text` matches `pattern` whole, `*` matching any run of units. A visitor chooses the
 * URL and this runs inside the write transaction, so no regular expression (`*a*a*a*b` over a
 * long URL backtracks for minutes) and no unit-by-unit retry either (200 long rules of stars took
 * a second per new dialog): the pattern's pieces between stars are looked for in order, each at
 * its first place after the one before (the first piece must start the text, the last end it).
 * For `*` alone that first place is always right, and indexOf makes it a string search.
 */
function globMatches(pattern: string, text: string): boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return pattern === text;
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  if (first.length + last.length > text.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = text.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/** The group of a new dialog: the embed's data-group if it exists, else the first matching URL rule. */
export async function routeNewDialog(
  repo: GroupsRepo,
  q: Queryable,
  projectId: number,
  from: { embedGroup?: string | null; pageUrl?: string },
): Promise<{ id: number; name: string } | null> {
  if (from.embedGroup && from.embedGroup.trim()) {
    const group = await repo.byKey(projectId, groupKey(from.embedGroup), q);
    if (group) return { id: group.id, name: group.name };
  }
  if (from.pageUrl) {
    const matches = pageMatcher(from.pageUrl);
    for (const rule of await repo.routes(projectId, q)) {
      if (matches(rule.pattern)) return { id: rule.group_id, name: rule.group_name };
    }
  }
  return null;
}

function presentGroup(g: GroupRow, members: GroupMemberRow[]): Group {
  return {
    id: g.id,
    name: g.name,
    members: members
      .filter((m) => m.group_id === g.id)
      .map((m) => ({ userId: m.user_id, email: m.email, name: fullName(m.first_name, m.last_name), online: m.online === 1 })),
    createdAt: iso(g.created_at),
  };
}

export type GroupsService = ReturnType<typeof groupsService>;

/**
 * `routingChanged`: who may get which dialog changed (groups, their members, the policy): under
 * round-robin, dialogs that wait for an operator may go to someone now (dialogs.assignWaiting).
 */
export function groupsService(deps: ServiceDeps, projects: ProjectsService, hooks: { routingChanged?: (projectId: number) => Promise<void> } = {}) {
  const { db, repos, clock, bus } = deps;
  const r = repos.groups;

  const requireManager = (auth: Auth, projectId: number) =>
    projects.requireAccess(auth, projectId, ['admin', 'settings'], 'managing groups and routing');

  async function groupNamed(projectId: number, name: string, q: Queryable = db): Promise<GroupRow> {
    const group = await r.byKey(projectId, groupKey(name), q);
    if (!group) throw notFound(`no group named "${name.trim()}" in this project`);
    return group;
  }

  async function present(projectId: number, group: GroupRow): Promise<Group> {
    return presentGroup(group, await r.members(projectId, group.id));
  }

  /** Members by email, each an operator of the project; for the first that is not, a 404 (no such member) or a 400. */
  async function operatorsByEmail(projectId: number, emails: string[]) {
    const out: Array<{ id: number; email: string }> = [];
    for (const raw of emails) {
      const email = normalizeEmail(raw);
      const m = email ? await repos.projects.member(projectId, email) : undefined;
      if (!m) throw notFound(`${raw} is not a member of this project`);
      if (!m.operator) throw badRequest(`${m.email} is not an operator in this project (give them the operator role first)`);
      out.push({ id: m.id, email: m.email });
    }
    return out;
  }

  async function changed(projectId: number) {
    bus.publish({ type: 'groups.changed', projectId });
    await hooks.routingChanged?.(projectId);
  }

  async function routing(projectId: number): Promise<Routing> {
    return {
      assignment: await r.assignment(projectId),
      rules: (await r.routes(projectId)).map((rule) => ({ pattern: rule.pattern, group: rule.group_name })),
    };
  }

  return {
    async list(auth: Auth, projectId: number): Promise<Group[]> {
      await projects.membership(auth, projectId);
      const members = await r.members(projectId);
      return (await r.list(projectId)).map((g) => presentGroup(g, members));
    },

    async get(auth: Auth, projectId: number, name: string): Promise<Group> {
      await projects.membership(auth, projectId);
      return present(projectId, await groupNamed(projectId, name));
    },

    async create(auth: Auth, projectId: number, rawName: string): Promise<Group> {
      await requireManager(auth, projectId);
      const name = cleanGroupName(rawName);
      const key = groupKey(name);
      const id = await db.write(async (tx) => {
        const existing = await r.byKey(projectId, key, tx);
        if (existing) throw conflict(`a group named "${existing.name}" already exists in this project`);
        return r.insert(tx, { projectId, name, key }, clock.now());
      });
      await changed(projectId);
      return present(projectId, (await r.byId(id))!);
    },

    /** Adds and removes operators; everything is checked first, then saved in one transaction. */
    async update(auth: Auth, projectId: number, name: string, body: { add?: string[]; remove?: string[] }): Promise<Group> {
      await requireManager(auth, projectId);
      const group = await groupNamed(projectId, name);
      const add = await operatorsByEmail(projectId, body.add ?? []);
      const remove: Array<{ id: number; email: string }> = [];
      for (const raw of body.remove ?? []) {
        const email = normalizeEmail(raw);
        const m = email ? await repos.projects.member(projectId, email) : undefined;
        if (!m) throw notFound(`${raw} is not a member of this project`);
        remove.push({ id: m.id, email: m.email });
      }
      if (!add.length && !remove.length) throw badRequest('name at least one operator to add or remove (--operator EMAIL)');
      const both = add.find((a) => remove.some((x) => x.id === a.id));
      if (both) throw badRequest(`${both.email} is both added and removed`);
      const current = new Set(await r.memberIds(group.id));
      const absent = remove.find((m) => !current.has(m.id));
      if (absent) throw badRequest(`${absent.email} is not in the group "${group.name}"`);
      const now = clock.now();
      await db.write(async (tx) => {
        for (const m of add) await r.addMember(tx, group, m.id, now);
        for (const m of remove) await r.removeMember(tx, group.id, m.id);
      });
      await changed(projectId);
      return present(projectId, group);
    },

    async remove(auth: Auth, projectId: number, name: string) {
      await requireManager(auth, projectId);
      const group = await groupNamed(projectId, name);
      const touched = await db.write((tx) => r.remove(tx, group));
      await changed(projectId);
      return { name: group.name, dialogsUngrouped: touched.dialogs, rulesRemoved: touched.rules };
    },

    async routing(auth: Auth, projectId: number): Promise<Routing> {
      await projects.membership(auth, projectId);
      return routing(projectId);
    },

    /** The assignment policy and (replacing them all, in order) the URL rules. */
    async setRouting(auth: Auth, projectId: number, body: UpdateRoutingBody): Promise<Routing> {
      const write = await this.planRouting(auth, projectId, body);
      await db.write(write);
      // Rules route only dialogs yet to come: the views of existing ones stay as they are. Under
      // round-robin now, those waiting for an operator go to whoever is online.
      if (body.assignment !== undefined) await hooks.routingChanged?.(projectId);
      return routing(projectId);
    },

    /** Checks a routing change and returns its write, for the caller's transaction. */
    async planRouting(auth: Auth, projectId: number, body: UpdateRoutingBody): Promise<(tx: Tx) => Promise<void>> {
      await requireManager(auth, projectId);
      let rules: Array<{ pattern: string; groupId: number }> | undefined;
      if (body.rules) {
        rules = [];
        const seen = new Set<string>();
        for (const rule of body.rules as RouteRule[]) {
          const pattern = cleanPattern(rule.pattern);
          if (seen.has(pattern.toLowerCase())) throw badRequest(`the URL pattern "${pattern}" is given twice (the first one would always win)`);
          seen.add(pattern.toLowerCase());
          const group = await r.byKey(projectId, groupKey(rule.group));
          if (!group) throw badRequest(`the rule "${pattern}" names no group of this project: "${rule.group}" (create it with "parley group create")`);
          rules.push({ pattern, groupId: group.id });
        }
      }
      if (body.assignment === undefined && rules === undefined) throw badRequest('nothing to change: give the assignment policy or the URL rules');
      return async (tx) => {
        if (body.assignment !== undefined) await r.setAssignment(tx, projectId, body.assignment);
        if (rules !== undefined) await r.replaceRoutes(tx, projectId, rules);
      };
    },
  };
}
