// From a checked project file and the server's current state to a plan: one step per item
// that must be created, updated or deleted, in an order that works (members before groups and
// schedules; deletions last, the caller's own membership never). Each step knows how to carry
// itself out through the public API, so `apply` is only "print the plan, run the steps".
import type { ParleyClient } from '../../core/client/api.js';
import type { Group, Routing } from '../../core/protocol/groups.js';
import type { Member, Project, User } from '../../core/protocol/index.js';
import type { LeadClass, Template } from '../../core/protocol/journal.js';
import { API_PREFIX, normalizeClassName, normalizeGroupName, normalizeOrigin } from '../../core/protocol/constants.js';
import { normalizeTemplateName, normalizeTemplateText } from '../../core/templates.js';
import { canonicalTimeZone, formatDays, formatHours, type Interval, parseHours, WEEKDAYS, type Weekday } from '../../core/schedule-text.js';
import type { ScheduleView } from '../commands/schedule/common.js';
import { personName } from '../../core/person.js';
import { nameKey, projectKey } from './names.js';
import { inZone } from '../present.js';
import { type Path, type Problem, SpecError } from './problems.js';
import type { TeamEntry } from './schema.js';
import type { OperatorHours, ParsedSpec } from './validate.js';

export type Action = 'create' | 'update' | 'delete';

/** What a member step does to the member's access level, for the team's rules (accessProblems). */
export interface AccessChange {
  /** Before the step; undefined: not a member yet. */
  before: Member['access'] | undefined;
  /** After it; undefined: no longer a member. */
  after: Member['access'] | undefined;
}

export interface Step {
  action: Action;
  /** What kind of item: project, member, group, schedule, template, … */
  kind: string;
  name: string;
  /** For updates: "field: old -> new", values whole (what --json prints). */
  changes: string[];
  /** The changes as the plan on a terminal shows them, when that differs: long texts cut around what changes. */
  shown?: string[];
  /**
   * Where the file asks for it, for a problem with it: the item (a member's access), the first
   * setting changed, or, for what --prune deletes, the section.
   */
  at: Path;
  /** Member steps only. */
  access?: AccessChange;
  /** Runs after every other step, deletions too: the caller lowering their own access. */
  last?: boolean;
  /** Carries the step out; may answer with a note on what the server did besides. */
  run(client: ParleyClient, projectId: number): Promise<string | void>;
}

/** How plan() is asked: by whom, and whether to delete what the file leaves out. */
export interface PlanOptions {
  /** The caller's email: their own membership changes last and is never pruned. */
  self: string;
  /** Whether the caller is a server administrator, the only one who creates a project. */
  serverAdmin: boolean;
  /**
   * The project the caller's API token is limited to (GET /me `token.project`): it reaches no
   * other and creates none, whoever its owner is.
   */
  limitedTo?: string | null;
  /** The projects the caller belongs to: their names are taken. */
  projects: Array<Pick<Project, 'id' | 'name'>>;
  prune: boolean;
}

/**
 * Whether the caller may change this member's names: an account in another project too has names
 * its owner's, changed only by them or a server administrator (services/team.ts).
 */
const mayRename = (m: Member, opts: Pick<PlanOptions, 'self' | 'serverAdmin'>) => !m.inOtherProjects || opts.serverAdmin || m.email === opts.self;

/** What the server has now (an absent project: everything is empty). */
export interface CurrentState {
  project: Project | null;
  members: Member[];
  schedules: ScheduleView[];
  groups: Group[];
  routing: Routing;
  templates: Template[];
  leadClasses: LeadClass[];
  /**
   * The accounts of the file's new members that the caller can see in their other projects
   * (readAccounts): adding one to the project may rename the account, as the plan says.
   */
  accounts?: Map<string, KnownAccount>;
}

/** An account found in other projects of the caller: its names, and those projects. */
export interface KnownAccount {
  firstName: string;
  lastName: string;
  projects: string[];
}

/** What a project that does not exist yet is planned against: what a new project starts with. */
const EMPTY: Omit<CurrentState, 'project'> = {
  members: [],
  schedules: [],
  groups: [],
  routing: { assignment: 'manual', rules: [] },
  templates: [],
  // The server gives every new project these (see the lead classes migration).
  leadClasses: ['target', 'not target', 'spam', 'existing client'].map((name, i) => ({ id: -1 - i, name })),
};

/**
 * The project as it is now; for one that does not exist yet, what a new project starts with: its
 * creator (`me`) as an administrator who is not an operator (as the server makes them), so the
 * plan does not list adding them.
 */
export async function readState(client: ParleyClient, project: Project | null, me?: User): Promise<CurrentState> {
  if (!project) {
    const creator: Member[] = me
      ? [{ userId: me.id, email: me.email, firstName: me.firstName, lastName: me.lastName, phone: me.phone, avatarUrl: me.avatarUrl, operator: false, access: 'admin', createdAt: '', inOtherProjects: false }]
      : [];
    return { project: null, ...EMPTY, members: creator };
  }
  const id = project.id;
  const [members, schedules, groups, routing, templates, leadClasses] = await Promise.all([
    client.listMembers(id),
    client.request<{ schedules: ScheduleView[] }>('GET', `${API_PREFIX}/projects/${id}/schedules`).then((r) => r.schedules),
    client.listGroups(id),
    client.getRouting(id),
    client.templates(id).then((r) => r.templates),
    client.leadClasses(id).then((r) => r.classes),
  ]);
  return { project, members, schedules, groups, routing, templates, leadClasses };
}

/**
 * The accounts the file adds to the project that already exist in another project of the
 * caller's, read from those projects' teams (only when the file adds someone): a dry run then
 * shows that adding them renames the account, as applying would. An account only in projects
 * the caller is not in stays unknown until the apply, which notes the rename.
 */
export async function readAccounts(
  client: ParleyClient,
  parsed: ParsedSpec,
  state: CurrentState,
  projects: Array<Pick<Project, 'id' | 'name'>>,
): Promise<Map<string, KnownAccount>> {
  const accounts = new Map<string, KnownAccount>();
  const present = new Set(state.members.map((m) => m.email));
  const added = new Set(cleanItems(parsed, ['team'], parsed.spec.team).map(([e]) => e.email.trim().toLowerCase()).filter((e) => !present.has(e)));
  if (!added.size) return accounts;
  const others = projects.filter((p) => p.id !== state.project?.id);
  const teams = await Promise.all(others.map((p) => client.listMembers(p.id)));
  teams.forEach((team, i) => {
    for (const m of team) {
      if (!added.has(m.email)) continue;
      const known = accounts.get(m.email) ?? { firstName: m.firstName, lastName: m.lastName, projects: [] };
      known.projects.push(others[i].name);
      accounts.set(m.email, known);
    }
  });
  return accounts;
}



/** The project's name: its own, or, for one to create, the file's (without --project a file always names it). */
const projectName = (parsed: ParsedSpec, state: CurrentState) => state.project?.name ?? parsed.spec.project.name!;

/**
 * The items of a list of the file that the plan uses, each with its index in the file: a file
 * with problems is planned without what has one (ParsedSpec.clean), to find its other problems.
 */
function cleanItems<T>(parsed: ParsedSpec, path: Path, list: T[] | undefined): Array<[T, number]> {
  return (list ?? []).flatMap((item, i): Array<[T, number]> => (parsed.clean([...path, i]) ? [[item, i]] : []));
}

const show = (v: unknown) => (v === null || v === undefined ? 'none' : Array.isArray(v) ? `[${v.join(', ')}]` : String(v));
/** A text of the file (a greeting, a template) in quotes and on one line: its line breaks as \n. */
const quote = (v: string | null | undefined) => (v === null || v === undefined ? 'none' : JSON.stringify(v));

/** How many characters of a text the plan on a terminal shows, and how many around a change. */
const PREVIEW = 60;
const CONTEXT = 24;

/** A text as the plan on a terminal shows a new one: its first characters (never half an emoji). */
function preview(text: string | null | undefined): string {
  if (text === null || text === undefined) return 'none';
  const chars = [...text];
  return JSON.stringify(chars.length > PREVIEW ? `${chars.slice(0, PREVIEW - 3).join('')}...` : text);
}

/**
 * A change of a long text as the plan on a terminal shows it: both sides cut to the part around
 * what differs ("...how may I help?" -> "...how may I help you?"), with where that starts, so that
 * a reviewer sees the change itself. Short texts are shown whole; --json always has them whole.
 */
function textChange(field: string, before: string | null | undefined, after: string | null | undefined): { full: string; shown: string } {
  const full = `${field}: ${quote(before)} -> ${quote(after)}`;
  if (typeof before !== 'string' || typeof after !== 'string') return { full, shown: `${field}: ${preview(before)} -> ${preview(after)}` };
  const a = [...before];
  const b = [...after];
  if (a.length <= PREVIEW && b.length <= PREVIEW) return { full, shown: full };
  let first = 0;
  while (first < a.length && first < b.length && a[first] === b[first]) first++;
  let tail = 0;
  while (tail < a.length - first && tail < b.length - first && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const start = Math.max(0, first - CONTEXT);
  // Each side from a little before the first difference to a little after the last, at most PREVIEW characters.
  let more = false;
  const cut = (chars: string[]) => {
    const end = Math.min(chars.length, Math.max(chars.length - tail + CONTEXT, first + CONTEXT), start + PREVIEW);
    if (end < chars.length - tail) more = true;
    return JSON.stringify(`${start > 0 ? '...' : ''}${chars.slice(start, end).join('')}${end < chars.length ? '...' : ''}`);
  };
  const shown = `${field} (differs from character ${first + 1}): ${cut(a)} -> ${cut(b)}`;
  return { full, shown: more ? `${shown} (and further on: --json has both texts whole)` : shown };
}
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const accessOf = (m: TeamEntry) => (m.access === undefined || m.access === 'none' ? null : m.access);

function settingsSteps(parsed: ParsedSpec, state: CurrentState): Step[] {
  const p = parsed.spec.project;
  const says = (key: keyof typeof p) => p[key] !== undefined && parsed.clean(['project', key]);
  const wanted: Record<string, unknown> = {};
  // A file applied with --project may leave the name out: the project keeps its own.
  if (says('name')) wanted.name = p.name;
  // As the server stores it: in the zone database's case (europe/berlin is Europe/Berlin).
  if (says('timezone')) wanted.timezone = canonicalTimeZone(p.timezone!) ?? p.timezone;
  if (says('language')) wanted.language = p.language;
  // As the server stores them: each origin normalised (validate.ts refused any it would not take), once.
  if (says('allowedOrigins')) wanted.allowedOrigins = [...new Set(p.allowedOrigins!.map((o) => normalizeOrigin(o) ?? o))];
  const current = { ...state.project } as Record<string, unknown>;
  const changed = Object.keys(wanted).filter((k) => !same(current[k], wanted[k]));
  const body: Record<string, unknown> = Object.fromEntries(changed.map((k) => [k, wanted[k]]));
  // The widget's look: only what the file gives, as the server stores it (lower-case colour, trimmed greeting).
  // null (colour) and "" (greeting) go back to none: the default blue, no greeting.
  const color = parsed.clean(['project', 'widget', 'color']) ? p.widget?.color : undefined;
  const greeting = parsed.clean(['project', 'widget', 'greeting']) ? p.widget?.greeting : undefined;
  const look = {
    color: color === undefined || color === null ? color : color.toLowerCase(),
    greeting: greeting === undefined ? undefined : greeting.trim() || null,
  };
  const haveLook = state.project?.widget ?? { color: null, greeting: null };
  const widget: Record<string, string | null> = {};
  for (const k of ['color', 'greeting'] as const) {
    if (look[k] !== undefined && look[k] !== haveLook[k]) {
      widget[k] = look[k];
      changed.push(`widget.${k}`);
      current[`widget.${k}`] = haveLook[k];
      wanted[`widget.${k}`] = look[k];
    }
  }
  if (Object.keys(widget).length) body.widget = widget;
  // The greeting is text the file writes: quoted, on one line (its line breaks as \n), and on a
  // terminal cut around its change.
  const isText = (k: string) => k === 'widget.greeting';
  if (!state.project) {
    const rest = Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'name'));
    const keys = changed.filter((k) => k !== 'name');
    return [
      {
        action: 'create',
        kind: 'project',
        name: projectName(parsed, state),
        changes: keys.map((k) => `${k}: ${isText(k) ? quote(wanted[k] as string | null) : show(wanted[k])}`),
        shown: keys.map((k) => `${k}: ${isText(k) ? preview(wanted[k] as string | null) : show(wanted[k])}`),
        at: ['project', 'name'],
        // Creating the project happens before any step runs (see apply.ts); here only its settings.
        run: async (client, projectId) => {
          if (Object.keys(rest).length) await client.updateProject(projectId, rest);
        },
      },
    ];
  }
  if (!changed.length) return [];
  const change = (k: string) => {
    if (isText(k)) return textChange(k, current[k] as string | null, wanted[k] as string | null);
    const line = `${k}: ${show(current[k])} -> ${show(wanted[k])}`;
    return { full: line, shown: line };
  };
  return [
    {
      action: 'update',
      kind: 'project',
      name: state.project.name,
      changes: changed.map((k) => change(k).full),
      shown: changed.map((k) => change(k).shown),
      at: ['project', ...changed[0].split('.')],
      run: async (client, projectId) => {
        await client.updateProject(projectId, body);
      },
    },
  ];
}

/** A member's names as the file gives them. */
const namesOf = (entry: TeamEntry) => ({ firstName: entry.firstName.trim(), lastName: entry.lastName.trim() });
const sameNames = (a: { firstName: string; lastName: string }, b: { firstName: string; lastName: string }) =>
  a.firstName === b.firstName && a.lastName === b.lastName;

/** What adding someone does to their account's names, in the plan (readAccounts). */
const accountRename = (account: KnownAccount, want: { firstName: string; lastName: string }) =>
  `renames the account "${personName(account.firstName, account.lastName)}" to "${personName(want.firstName, want.lastName)}" ` +
  `(it is also in ${account.projects.map((p) => JSON.stringify(p)).join(', ')}: the names change there too)`;

/** Why an account keeps its names, as a note says it (mayRename). */
const keptNames = (email: string, have: { firstName: string; lastName: string }, want: { firstName: string; lastName: string }) =>
  `${email} keeps the names of their account, "${personName(have.firstName, have.lastName)}", not the file's "${personName(want.firstName, want.lastName)}": ` +
  'it is also in another project, so only they (parley profile set) or a server administrator change them';

function teamSteps(parsed: ParsedSpec, state: CurrentState, opts: PlanOptions): Step[] {
  const { self, prune } = opts;
  const team = parsed.spec.team;
  if (!team) return [];
  const steps: Step[] = [];
  const current = new Map(state.members.map((m) => [m.email, m]));
  const listed = new Set<string>();
  let own: Step | null = null;
  for (const [entry, i] of cleanItems(parsed, ['team'], team)) {
    const email = entry.email.trim().toLowerCase();
    listed.add(email);
    const want = { ...namesOf(entry), operator: entry.operator ?? false, access: accessOf(entry) };
    const have = current.get(email);
    if (!have) {
      // Someone with an account in another project joins with its names; the step renames the
      // account to the file's names where the caller may (the run below), and the plan says so.
      const account = state.accounts?.get(email);
      const renames = account && !sameNames(account, want) && (opts.serverAdmin || email === opts.self);
      steps.push({
        action: 'create',
        kind: 'member',
        name: email,
        changes: [
          personName(want.firstName, want.lastName),
          want.operator ? 'operator' : 'not an operator',
          `access ${show(want.access)}`,
          ...(renames ? [accountRename(account, want)] : []),
        ],
        access: { before: undefined, after: want.access },
        at: ['team', i, 'access'],
        run: async (client, projectId) => {
          const { member, newUser } = await client.addMember(projectId, { email, ...want, access: want.access });
          // Someone who already has an account joins with the names of that account. The file's
          // names are the names of its members, as for members it updates: set them now, so that
          // one apply is enough and the next plans nothing; unless the account is in another
          // project too, whose names are its owner's (the next plan notes it again).
          if (newUser || sameNames(member, want)) return;
          if (!mayRename(member, opts)) return keptNames(email, member, want);
          await client.updateMember(projectId, email, { firstName: want.firstName, lastName: want.lastName });
          return `${email} already had an account as "${personName(member.firstName, member.lastName)}": renamed to "${personName(want.firstName, want.lastName)}", as the file says`;
        },
      });
      continue;
    }
    // Names another project shares are left as they are (planNotes says so).
    const changed = (Object.keys(want) as Array<keyof typeof want>).filter(
      (k) => have[k] !== want[k] && (mayRename(have, opts) || (k !== 'firstName' && k !== 'lastName')),
    );
    if (!changed.length) continue;
    // A server administrator renames an account other projects share: there too, as the plan says.
    const renamesShared = (keys: typeof changed) => have.inOtherProjects && (keys.includes('firstName') || keys.includes('lastName'));
    // The server takes the groups and working hours of someone who loses the operator role with
    // it (services/team.ts): the plan says so here, and plans no group or schedule step for them.
    const groupsLeft = state.groups.filter((g) => g.members.some((m) => m.email === email)).map((g) => g.name);
    const hoursLeft = state.schedules.some((v) => v.email === email && describeHours(hoursOfView(v)) !== '');
    const leaves = [...(groupsLeft.length ? [`groups ${show(groupsLeft)}`] : []), ...(hoursLeft ? ['working hours'] : [])];
    const update = (keys: typeof changed, access?: AccessChange): Step => ({
      action: 'update',
      kind: 'member',
      name: email,
      changes: [
        ...keys.map((k) => `${k}: ${show(have[k])} -> ${show(want[k])}`),
        ...(keys.includes('operator') && !want.operator && leaves.length ? [`leaves ${leaves.join(' and ')} with the operator role`] : []),
        ...(renamesShared(keys) ? ['renames the account, which is also in other projects: the names change there too'] : []),
      ],
      access,
      at: ['team', i, 'access'],
      run: async (client, projectId) => {
        await client.updateMember(projectId, email, Object.fromEntries(keys.map((k) => [k, want[k]])));
      },
    });
    const access = { before: have.access, after: want.access };
    if (email !== self) steps.push(update(changed, access));
    else if (RANK[want.access ?? 'none'] < RANK[have.access ?? 'none']) {
      // One's own access lowered goes after everything else (groups, schedules, templates and
      // deletions need it); the rest of one's own changes (the operator role a schedule needs)
      // come with the team's.
      const rest = changed.filter((k) => k !== 'access');
      if (rest.length) own = update(rest);
      steps.push({ ...update(['access'], access), last: true });
    } else own = update(changed, access);
  }
  if (own) steps.push(own);
  // Only a team the plan has whole says whom it leaves out.
  if (prune && parsed.clean(['team'])) {
    for (const m of state.members) {
      if (listed.has(m.email) || m.email === self) continue;
      steps.push({
        action: 'delete',
        kind: 'member',
        name: m.email,
        changes: [],
        access: { before: m.access, after: undefined },
        at: ['team'],
        run: async (client, projectId) => {
          await client.removeMember(projectId, m.email);
        },
      });
    }
  }
  return steps;
}

/** A schedule as comparable text: "mon-fri 09:00-13:00,14:00-18:00; sat 10:00-14:00; 2026-12-31 off". */
function describeHours(h: OperatorHours): string {
  const byHours = new Map<string, Weekday[]>();
  for (const d of WEEKDAYS) {
    const list = h.weekly[d];
    if (list?.length) byHours.set(list.map(formatHours).join(','), [...(byHours.get(list.map(formatHours).join(',')) ?? []), d]);
  }
  const week = [...byHours].map(([hours, days]) => `${formatDays(days)} ${hours}`);
  const exceptions = Object.keys(h.exceptions)
    .sort()
    .map((date) => `${date} ${h.exceptions[date].length ? h.exceptions[date].map(formatHours).join(',') : 'off'}`);
  return [...week, ...exceptions].join('; ');
}

export function hoursOfView(v: ScheduleView): OperatorHours {
  const weekly: OperatorHours['weekly'] = {};
  for (const d of WEEKDAYS) if (v.weekly[d].length) weekly[d] = v.weekly[d].map((i) => parseHours(`${i.from}-${i.to}`));
  const exceptions: OperatorHours['exceptions'] = {};
  for (const e of v.exceptions) exceptions[e.date] = e.off ? [] : e.intervals.map((i) => parseHours(`${i.from}-${i.to}`));
  return { weekly, exceptions };
}

/** Replaces an operator's whole schedule: clear, then one call per interval with all its days. */
async function setHours(client: ParleyClient, projectId: number, email: string, h: OperatorHours) {
  const base = `${API_PREFIX}/projects/${projectId}/schedules`;
  await client.request('POST', `${base}/clear`, { operators: [email] });
  const daysOf = new Map<string, string[]>();
  for (const d of WEEKDAYS) for (const i of h.weekly[d] ?? []) daysOf.set(formatHours(i), [...(daysOf.get(formatHours(i)) ?? []), d]);
  for (const [hours, days] of daysOf) {
    const [from, to] = hours.split('-');
    await client.request('PUT', base, { operators: [email], days: days.join(','), from, to, add: true });
  }
  for (const [date, list] of Object.entries(h.exceptions)) {
    if (!list.length) await client.request('POST', `${base}/exceptions`, { operators: [email], date, off: true });
    for (const [i, interval] of list.entries()) {
      const [from, to] = formatHours(interval as Interval).split('-');
      await client.request('POST', `${base}/exceptions`, { operators: [email], date, from, to, add: i > 0 });
    }
  }
}

/**
 * Hours without the exceptions dated before `today`: they change nothing and the server refuses
 * them, so a file applied again after such a date stays applied, and plans no change for them.
 */
function upcoming(h: OperatorHours, today: string): OperatorHours {
  return { weekly: h.weekly, exceptions: Object.fromEntries(Object.entries(h.exceptions).filter(([date]) => date >= today)) };
}

function scheduleSteps(parsed: ParsedSpec, state: CurrentState, prune: boolean, leaving: Set<string>): Step[] {
  if (!parsed.spec.schedules) return [];
  const steps: Step[] = [];
  const fileZone = parsed.clean(['project', 'timezone']) ? parsed.spec.project.timezone : undefined;
  const zone = fileZone ?? state.project?.timezone ?? 'UTC';
  // Today as the server counts "in the past" for exceptions: in the project's zone.
  const [today] = inZone(new Date(), canonicalTimeZone(zone) ?? zone);
  const current = new Map(state.schedules.map((v) => [v.email, describeHours(upcoming(hoursOfView(v), today))]));
  for (const [email, { hours: all, entry }] of parsed.hours) {
    if (!parsed.clean(['schedules', entry])) continue;
    const hours = upcoming(all, today);
    const want = describeHours(hours);
    const have = current.get(email) ?? '';
    if (want === have) continue;
    steps.push({
      action: have ? 'update' : 'create',
      kind: 'schedule',
      name: email,
      changes: have ? [`${have} -> ${want}`] : [want],
      at: ['schedules', entry],
      run: (client, projectId) => setHours(client, projectId, email, hours),
    });
  }
  if (prune && parsed.clean(['schedules'])) {
    for (const [email, have] of current) {
      // Hours of someone losing the operator role go with it, in their member step.
      if (!have || parsed.hours.has(email) || leaving.has(email)) continue;
      steps.push({
        action: 'delete',
        kind: 'schedule',
        name: email,
        changes: [have],
        at: ['schedules'],
        run: async (client, projectId) => {
          await client.request('POST', `${API_PREFIX}/projects/${projectId}/schedules/clear`, { operators: [email] });
        },
      });
    }
  }
  return steps;
}

/** With --prune: a delete step for every named item on the server that the file's section (`at`) does not list. */
function deletions<T extends { name: string }>(
  kind: string,
  at: Path,
  current: T[],
  listedNames: string[],
  remove: (client: ParleyClient, projectId: number, item: T) => Promise<unknown>,
): Step[] {
  const listed = new Set(listedNames.map(nameKey));
  return current
    .filter((item) => !listed.has(nameKey(item.name)))
    .map((item) => ({
      action: 'delete' as const,
      kind,
      name: item.name,
      changes: [],
      at,
      run: async (client: ParleyClient, projectId: number) => {
        await remove(client, projectId, item);
      },
    }));
}

function groupSteps(parsed: ParsedSpec, state: CurrentState, prune: boolean, leaving: Set<string>): Step[] {
  const groups = parsed.spec.groups;
  if (!groups) return [];
  const steps: Step[] = [];
  const current = new Map(state.groups.map((g) => [nameKey(g.name), g]));
  for (const [g, i] of cleanItems(parsed, ['groups'], groups)) {
    const want = [...new Set((g.members ?? []).map((e) => e.trim().toLowerCase()))].sort();
    const have = current.get(nameKey(g.name));
    const haveMembers = (have?.members ?? []).map((m) => m.email).sort();
    const add = want.filter((e) => !haveMembers.includes(e));
    // Someone losing the operator role leaves every group in their member step, which runs first.
    const remove = haveMembers.filter((e) => !want.includes(e) && !leaving.has(e));
    // As the server stores it (squeezed): the server finds a group by its stored name.
    const name = normalizeGroupName(g.name);
    if (!have) {
      steps.push({
        action: 'create',
        kind: 'group',
        name,
        changes: want.length ? [`members: ${show(want)}`] : [],
        at: ['groups', i],
        run: async (client, projectId) => {
          await client.createGroup(projectId, name);
          if (!want.length) return;
          // One step, whole or not at all: a group left empty by a refused member list would
          // make the next plan "update" instead of "create", and route dialogs to nobody.
          try {
            await client.updateGroup(projectId, name, { add: want });
          } catch (err) {
            await client.deleteGroup(projectId, name).catch(() => undefined);
            throw err;
          }
        },
      });
    } else if (add.length || remove.length) {
      steps.push({
        action: 'update',
        kind: 'group',
        name: have.name,
        changes: [...add.map((e) => `+ ${e}`), ...remove.map((e) => `- ${e}`)],
        at: ['groups', i],
        run: async (client, projectId) => {
          await client.updateGroup(projectId, have.name, { add, remove });
        },
      });
    }
  }
  if (prune && parsed.clean(['groups'])) {
    steps.push(...deletions('group', ['groups'], state.groups, groups.map((g) => g.name), (client, projectId, g) => client.deleteGroup(projectId, g.name)));
  }
  return steps;
}

/** The assignment policy and the URL rules: one setting of the project, replaced as a whole. */
function routingSteps(parsed: ParsedSpec, state: CurrentState): Step[] {
  const p = parsed.spec.project;
  const body: { assignment?: Routing['assignment']; rules?: Routing['rules'] } = {};
  const changes: string[] = [];
  if (p.assignment !== undefined && parsed.clean(['project', 'assignment']) && p.assignment !== state.routing.assignment) {
    body.assignment = p.assignment;
    changes.push(`assignment: ${state.routing.assignment} -> ${p.assignment}`);
  }
  // The rules are replaced as a whole: planned only when every one of them is clean.
  if (p.routes !== undefined && parsed.clean(['project', 'routes'])) {
    // The group as the server stores its name (squeezed, NFC): it finds the group by that name.
    const want = p.routes.map((r) => ({ pattern: r.pattern.trim(), group: normalizeGroupName(r.group) }));
    const key = (rules: Routing['rules']) => JSON.stringify(rules.map((r) => [r.pattern, nameKey(r.group)]));
    if (key(want) !== key(state.routing.rules)) {
      body.rules = want;
      const text = (rules: Routing['rules']) => show(rules.map((r) => `${r.pattern}=${r.group}`));
      changes.push(`routes: ${text(state.routing.rules)} -> ${text(want)}`);
    }
  }
  if (!changes.length) return [];
  return [
    {
      action: 'update',
      kind: 'routing',
      name: projectName(parsed, state),
      changes,
      at: ['project', body.assignment !== undefined ? 'assignment' : 'routes'],
      run: async (client, projectId) => {
        await client.setRouting(projectId, body);
      },
    },
  ];
}

function templateSteps(parsed: ParsedSpec, state: CurrentState, prune: boolean): Step[] {
  const templates = parsed.spec.templates;
  if (!templates) return [];
  const steps: Step[] = [];
  const current = new Map(state.templates.map((t) => [nameKey(t.name), t]));
  for (const [t, i] of cleanItems(parsed, ['templates'], templates)) {
    const have = current.get(nameKey(t.name));
    // Compared and sent as the server stores them (NFC names, \n line breaks): else a file
    // written on another system would plan the same change at every run.
    const name = normalizeTemplateName(t.name);
    const text = normalizeTemplateText(t.text);
    if (!have) {
      steps.push({
        action: 'create',
        kind: 'template',
        name,
        changes: [quote(text)],
        shown: [preview(text)],
        at: ['templates', i],
        run: async (client, projectId) => {
          await client.createTemplate(projectId, { name, text });
        },
      });
    } else if (have.text !== text || have.name !== name) {
      // Names match whatever their case; a change of case is a rename, as `templates import` does.
      const renamed = have.name !== name;
      const rename = renamed ? [`name: ${quote(have.name)} -> ${quote(name)}`] : [];
      const edit = have.text !== text ? textChange('text', have.text, text) : null;
      steps.push({
        action: 'update',
        kind: 'template',
        name: have.name,
        changes: [...rename, ...(edit ? [edit.full] : [])],
        shown: [...rename, ...(edit ? [edit.shown] : [])],
        at: ['templates', i],
        run: async (client, projectId) => {
          await client.updateTemplate(projectId, have.id, { ...(renamed ? { name } : {}), ...(have.text !== text ? { text } : {}) });
        },
      });
    }
  }
  if (prune && parsed.clean(['templates'])) {
    steps.push(...deletions('template', ['templates'], state.templates, templates.map((t) => t.name), (client, projectId, t) => client.deleteTemplate(projectId, t.id)));
  }
  return steps;
}

function leadClassSteps(parsed: ParsedSpec, state: CurrentState, prune: boolean): Step[] {
  const classes = parsed.spec.project.leadClasses;
  if (!classes) return [];
  const steps: Step[] = [];
  const current = new Map(state.leadClasses.map((c) => [nameKey(c.name), c]));
  for (const [raw, i] of cleanItems(parsed, ['project', 'leadClasses'], classes)) {
    // As the server stores a class name (the same function): trimmed, spaces squeezed, NFC.
    const name = normalizeClassName(raw);
    const have = current.get(nameKey(name));
    if (have && have.name !== name) {
      // The same class written in another case: renamed (its dialogs keep it). A project made
      // by this plan learns its default classes' ids only once it exists.
      steps.push({
        action: 'update',
        kind: 'lead class',
        name: have.name,
        changes: [`name: ${JSON.stringify(have.name)} -> ${JSON.stringify(name)}`],
        at: ['project', 'leadClasses', i],
        run: async (client, projectId) => {
          const id = have.id > 0 ? have.id : (await client.leadClasses(projectId)).classes.find((c) => nameKey(c.name) === nameKey(name))?.id;
          if (id !== undefined) await client.renameLeadClass(projectId, id, name);
        },
      });
    }
    if (have) continue;
    steps.push({
      action: 'create',
      kind: 'lead class',
      name,
      changes: [],
      at: ['project', 'leadClasses', i],
      run: async (client, projectId) => {
        await client.addLeadClass(projectId, name);
      },
    });
  }
  if (prune && parsed.clean(['project', 'leadClasses'])) {
    steps.push(...deletions('lead class', ['project', 'leadClasses'], state.leadClasses, classes, (client, projectId, c) => client.removeLeadClass(projectId, c.id)));
  }
  const order = orderStep(parsed, state);
  if (order) steps.push(order);
  return steps;
}

/**
 * The file's lead classes in the file's order, when the project would list them otherwise: new
 * classes are added at the end, so without this step a file could never change the order
 * operators see. Classes the file does not list (kept without --prune) come after its own.
 */
function orderStep(parsed: ParsedSpec, state: CurrentState): Step | null {
  const wanted: string[] = [];
  for (const [raw] of cleanItems(parsed, ['project', 'leadClasses'], parsed.spec.project.leadClasses)) {
    const name = normalizeClassName(raw);
    if (!wanted.some((w) => nameKey(w) === nameKey(name))) wanted.push(name);
  }
  const keys = new Set(wanted.map(nameKey));
  // Where the file's classes end up without the step: the present ones as they are, then the new.
  const present = state.leadClasses.map((c) => c.name).filter((n) => keys.has(nameKey(n)));
  const presentKeys = new Set(present.map(nameKey));
  const before = [...present, ...wanted.filter((w) => !presentKeys.has(nameKey(w)))];
  if (before.every((n, i) => nameKey(n) === nameKey(wanted[i]))) return null;
  return {
    action: 'update',
    kind: 'lead classes',
    name: 'order',
    changes: [`order: ${before.join(', ')} -> ${wanted.join(', ')}`],
    at: ['project', 'leadClasses'],
    run: async (client, projectId) => {
      await client.orderLeadClasses(projectId, wanted);
    },
  };
}

/**
 * What the file refers to without defining it must exist on the server, or the plan would fail
 * half-way: without "team", group members and scheduled operators must be operators of the
 * project now; without "groups", routes must name groups the project has.
 */
function referenceProblems(parsed: ParsedSpec, state: CurrentState): Problem[] {
  const { spec } = parsed;
  const problems: Problem[] = [];
  const name = projectName(parsed, state);
  if (!spec.team) {
    const operators = new Set(state.members.filter((m) => m.operator).map((m) => m.email));
    const check = (raw: string, path: Array<string | number>, why: string) => {
      if (operators.has(raw.trim().toLowerCase())) return;
      problems.push(parsed.problemAt(path, `${raw} is not an operator of "${name}" (${why}): list them under "team" with "operator: true", or run "parley team add --operator"`));
    };
    // Each email that is clean, whatever else its entry has wrong.
    const emails = (section: 'groups' | 'schedules', key: string, why: string) =>
      (spec[section] ?? []).forEach((item, i) => {
        const list = (item as unknown as Record<string, unknown> | null)?.[key];
        if (!Array.isArray(list)) return;
        list.forEach((raw: string, j) => {
          if (parsed.clean([section, i, key, j])) check(raw, [section, i, key, j], why);
        });
      });
    emails('groups', 'members', 'group members answer chats');
    emails('schedules', 'operators', 'only operators have working hours');
  }
  if (!spec.groups) {
    const groups = new Set(state.groups.map((g) => nameKey(g.name)));
    (spec.project.routes ?? []).forEach((r, i) => {
      if (parsed.clean(['project', 'routes', i, 'group']) && !groups.has(nameKey(r.group))) {
        problems.push(parsed.problemAt(['project', 'routes', i, 'group'], `route to unknown group "${r.group}": "${name}" has no such group (define it under "groups")`));
      }
    });
  }
  return problems;
}

/**
 * What the server refuses about the project itself: only server administrators create one, and
 * no two projects share a name (compared as the server compares them). Only the caller's own
 * projects can be seen from here; the server checks the others.
 */
function projectProblems(parsed: ParsedSpec, state: CurrentState, opts: PlanOptions): Problem[] {
  // Clean whenever there is no project yet: the project is found by it (parseSpec).
  const name = parsed.clean(['project', 'name']) ? parsed.spec.project.name : undefined;
  const problems: Problem[] = [];
  if (!state.project && opts.limitedTo) {
    // "Only server administrators" would send an administrator's CI job looking for a right its owner has.
    problems.push(
      parsed.problemAt(
        ['project', 'name'],
        `this API token is limited to the project "${opts.limitedTo}": it reaches no project named "${name}", and cannot create one (that takes parley login, or a token made without --project)`,
      ),
    );
  } else if (!state.project && !opts.serverAdmin) {
    problems.push(
      parsed.problemAt(
        ['project', 'name'],
        `you belong to no project named "${name}", and only server administrators create projects: ask one to create it, or pass --project`,
      ),
    );
  }
  // The name is sent only when it changes (settingsSteps); the project's own name in another case is no clash.
  if (name !== undefined && name !== state.project?.name) {
    const other = opts.projects.find((p) => p.id !== state.project?.id && projectKey(p.name) === projectKey(name));
    if (other) {
      const hint = state.project ? `: leave "name" out to keep "${state.project.name}", or pass --project ${other.id} to apply the file to that one` : '';
      problems.push(parsed.problemAt(['project', 'name'], `a project named "${other.name}" already exists (id ${other.id})${hint}`));
    }
  }
  return problems;
}

/**
 * Why the server (services/team.ts) would refuse a member step, with the caller's access and the
 * number of admins as the steps before it leave them; null when it would not.
 */
function teamRefusal(step: Step, change: AccessChange, yours: Member['access'], admins: number, project: string, yoursText: string): string | null {
  const { before, after } = change;
  if (!yours) return `the file changes the team, which needs the "admin" or "settings" access level, and ${yoursText}`;
  if (yours !== 'admin' && before === 'admin') return `${step.name} is an admin, and only admins can change or remove an admin: ${yoursText}`;
  if (yours !== 'admin' && after === 'admin') return `only admins can grant admin access (the file gives it to ${step.name}): ${yoursText}`;
  if (before === 'admin' && after !== 'admin' && admins <= 1) {
    const what = after === undefined ? 'removes them (--prune)' : 'takes their admin access away';
    return `${step.name} is the last admin of "${project}" and the file ${what}: make someone else admin first`;
  }
  return null;
}

/** What the server calls managing each kind of item (services/*.ts): it needs the "admin" or "settings" access level. */
const MANAGING: Record<string, string> = {
  project: 'changing project settings',
  group: 'managing groups and routing',
  routing: 'managing groups and routing',
  schedule: 'managing schedules',
  'lead class': 'managing lead classes',
  'lead classes': 'managing lead classes',
};

/**
 * Why the server would refuse a step other than a member's to a caller with neither "admin" nor
 * "settings" access (`you`: their membership): anything but templates; of templates, creating
 * one needs the operator role, and editing or deleting one needs it to be the operator's own
 * (services/templates.ts); null when it would not.
 */
function managerRefusal(step: Step, you: Member | undefined, templates: Template[], yoursText: string): string | null {
  const what = `${step.action} ${step.kind} ${step.name}`;
  if (step.kind !== 'template') return `${what}: ${MANAGING[step.kind]} needs the "admin" or "settings" access level, and ${yoursText}`;
  if (!you?.operator) return `${what}: writing templates needs the operator role or the "admin" or "settings" access level: you are not an operator, and ${yoursText}`;
  if (step.action === 'create') return null;
  // An update or a deletion names the template as the project has it.
  const template = templates.find((t) => t.name === step.name);
  if (template?.createdBy === you.userId) return null;
  return `${what}: ${step.action === 'update' ? 'editing' : 'deleting'} a template someone else created needs the "admin" or "settings" access level, and ${yoursText}`;
}

/**
 * Who may do what, as the server decides it, played through the steps in the order they run:
 * only "admin" and "settings" members change the project's settings, team, groups and routing,
 * schedules and lead classes, and templates others created; an operator creates templates and
 * changes their own. Of the team, only admins grant admin access or change or remove an admin,
 * and the last admin keeps admin access. Being a server administrator adds nothing in a project
 * (the creator of a new one is its admin). What the server would refuse part-way through the
 * apply, leaving the project half-changed, is refused here before anything is sent.
 */
function accessProblems(parsed: ParsedSpec, state: CurrentState, steps: Step[], self: string): Problem[] {
  const access = new Map(state.members.map((m) => [m.email, m.access]));
  const you = state.members.find((m) => m.email === self);
  const initially = access.get(self) ?? null;
  const project = projectName(parsed, state);
  const problems: Problem[] = [];
  for (const step of steps) {
    const admins = [...access.values()].filter((a) => a === 'admin').length;
    // Played in the order the steps run: a deletion meets the access the caller has then.
    const yours = access.get(self) ?? null;
    const yoursText = `your access in "${project}" is ${show(yours)}${yours === initially ? '' : ' once the file has changed it'}`;
    // "admin" and "settings" members may do all the rest.
    const why = step.access ? teamRefusal(step, step.access, yours, admins, project, yoursText) : yours ? null : managerRefusal(step, you, state.templates, yoursText);
    if (why) problems.push(parsed.problemAt(step.at, why));
    else if (step.access) {
      if (step.access.after === undefined) access.delete(step.name);
      else access.set(step.name, step.access.after);
    }
  }
  return problems;
}

/**
 * The members the file takes the operator role from. The server takes their groups and working
 * hours in the same member update, so a group or schedule step of theirs would be refused.
 */
function losingOperatorRole(parsed: ParsedSpec, state: CurrentState): Set<string> {
  const operators = new Set(state.members.filter((m) => m.operator).map((m) => m.email));
  const leaving = cleanItems(parsed, ['team'], parsed.spec.team)
    .filter(([e]) => !(e.operator ?? false))
    .map(([e]) => e.email.trim().toLowerCase());
  return new Set(leaving.filter((email) => operators.has(email)));
}

/** Access levels from least to most. */
const RANK = { none: 0, settings: 1, admin: 2 } as const;

/**
 * Every step, in the order they can run: creations and updates first, deletions, then the
 * caller's own access when the file lowers it. A file with problems of its own (parseSpec), that
 * refers to members or groups the project does not have, or that the server would refuse
 * part-way through (see projectProblems, accessProblems), is refused whole: one SpecError with
 * all of these problems, in file order.
 */
export function plan(parsed: ParsedSpec, state: CurrentState, opts: PlanOptions): Step[] {
  const all = [
    ...settingsSteps(parsed, state),
    ...teamSteps(parsed, state, opts),
    ...groupSteps(parsed, state, opts.prune, losingOperatorRole(parsed, state)),
    ...routingSteps(parsed, state),
    ...scheduleSteps(parsed, state, opts.prune, losingOperatorRole(parsed, state)),
    ...templateSteps(parsed, state, opts.prune),
    ...leadClassSteps(parsed, state, opts.prune),
  ];
  const steps = [...all.filter((s) => s.action !== 'delete' && !s.last), ...all.filter((s) => s.action === 'delete').reverse(), ...all.filter((s) => s.last)];
  const problems = [...parsed.problems, ...referenceProblems(parsed, state), ...projectProblems(parsed, state, opts), ...accessProblems(parsed, state, steps, opts.self)];
  if (problems.length) throw new SpecError(parsed.file, problems);
  return steps;
}

/**
 * What the file asks that the plan leaves alone, said with it (dry run too): names of members
 * whose account is also in another project and that the caller may not change (mayRename).
 */
export function planNotes(parsed: ParsedSpec, state: CurrentState, opts: PlanOptions): string[] {
  const current = new Map(state.members.map((m) => [m.email, m]));
  return cleanItems(parsed, ['team'], parsed.spec.team).flatMap(([entry]) => {
    const email = entry.email.trim().toLowerCase();
    const have = current.get(email);
    const want = namesOf(entry);
    if (have) return !sameNames(have, want) && !mayRename(have, opts) ? [keptNames(have.email, have, want)] : [];
    // Someone the file adds whose account another project shares, and whose names the caller may not change.
    const account = state.accounts?.get(email);
    return account && !sameNames(account, want) && !opts.serverAdmin && email !== opts.self ? [keptNames(email, account, want)] : [];
  });
}
