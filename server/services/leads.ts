// Lead classes and the lead journal. Every dialog is a lead: the journal lists them with their
// times, class, operator, group, the visitor's card and where they came from; the report counts
// them by class, source, operator and day, with the median first response time.
//
// Lead classes are a per-project list (the defaults come with every project, see the migration);
// members with the "admin" or "settings" access level manage it, operators pick from it. A dialog
// stores the class name, so renaming a class renames it on its dialogs, and removing one leaves
// the dialogs that had it as they were: the journal does not rewrite history.
//
// A class is its name whatever the case ("spam", "Spam" and "SPAM" are one class), wherever a
// dialog's class meets a name: the journal's filter, the report's counts, renaming. Dialogs may
// carry a removed class in a spelling the list no longer has; adding (or renaming to) that name
// again takes them back, in the list's spelling, so a class removed by mistake is restored
// whole instead of being split in two.
import { classNameTooLong } from '../../core/name-length.js';
import { normalizeClassName } from '../../core/protocol/constants.js';
import { sourceOf } from '../../core/leads.js';
import { nameProblem } from '../../core/names.js';
import type { Lead, LeadClass, LeadsQuery, LeadsReport } from '../../core/protocol/index.js';
import { type LeadFilter, type LeadRow, type ReportCursor, type ReportRow, leadsRepo } from '../db/leads.js';
import type { Db, Tx } from '../db/sqlite.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { Auth } from './accounts.js';
import type { ServiceDeps } from './context.js';
import { cardFromSite, iso } from './present.js';
import type { ProjectsService } from './projects.js';
import { dateKey, instantOf, wallClock } from './schedule.js';

const classKey = (name: string) => normalizeClassName(name).toLowerCase();

function checkedClassName(raw: string): { name: string; key: string } {
  const name = normalizeClassName(raw);
  if (!name) throw badRequest('a lead class needs a name');
  const tooLong = classNameTooLong(raw);
  if (tooLong) throw badRequest(tooLong);
  const problem = nameProblem('the lead class name', raw.trim()); // before squeezing makes a line break a space
  if (problem) throw badRequest(problem);
  return { name, key: classKey(name) };
}

/**
 * The class a dialog gets: a class of the project's list, as the list spells it ("Spam" picks
 * "spam"); anything else is a 400 that lists the classes. The dialogs service calls this.
 */
export async function resolveLeadClass(db: Db, projectId: number, raw: string, q?: Tx): Promise<string> {
  // Blank is not "no class": a script whose variable came out empty must not clear classes.
  if (!normalizeClassName(raw)) throw badRequest('a lead class needs a name (null removes the class from the dialog)');
  // Measured as stored, as the list's names are: no class is longer, and the words say why.
  const tooLong = classNameTooLong(raw);
  if (tooLong) throw badRequest(tooLong);
  const repo = leadsRepo(db);
  const found = await repo.classByKey(projectId, classKey(raw), q);
  if (found) return found.name;
  throw await noSuchClass(db, projectId, raw, q);
}

async function noSuchClass(db: Db, projectId: number, raw: string, q?: Tx) {
  const names = (await leadsRepo(db).classes(projectId, q)).map((c) => `"${c.name}"`);
  return badRequest(`no lead class "${raw.trim()}" in this project (classes: ${names.join(', ') || 'none'}; see "parley leads classes list")`);
}

// ---- dates --------------------------------------------------------------------------

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;
const ZONED_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function validDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/**
 * A `since`/`until` value as an instant. A date is a day in the project's timezone: `since`
 * starts at its midnight, `until` ends at the next one (so the day is included). A time without
 * a zone is wall time in the project's timezone; with a zone (Z, +03:00) it is exact. Errors name
 * the query parameter (`edge`): the CLI checks its flags before sending, so they are mostly read
 * by whoever calls the API.
 */
export function boundary(value: string, timezone: string, edge: 'since' | 'until'): number {
  let m = DATE_RE.exec(value);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (!validDate(y, mo, d)) throw badRequest(`${edge}: no such date: ${value}`);
    return edge === 'since' ? instantOf(y, mo, d, 0, timezone) : instantOf(y, mo, d, 24 * 60, timezone);
  }
  m = LOCAL_TIME_RE.exec(value);
  if (m) {
    const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m![i] ?? 0));
    if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) throw badRequest(`${edge}: not a valid time: ${value}`);
    const instant = instantOf(y, mo, d, h * 60 + mi, timezone);
    // A wall time the clocks skipped (02:30 when they jump from 02:00 to 03:00) never happened:
    // reading it as 03:30 would move the range silently. A time that happens twice (autumn)
    // is its first occurrence.
    const w = wallClock(instant, timezone);
    if (w.day !== d || w.hour !== h || w.minute !== mi) {
      throw badRequest(`${edge}: ${value} does not exist in ${timezone} (the clocks skip it); give a later time, or one with a zone`);
    }
    return instant + s * 1000;
  }
  m = ZONED_RE.exec(value);
  if (m) {
    // Date.parse rolls impossible days over (02-31 is 3 March): check the fields first.
    const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m![i] ?? 0));
    if (!validDate(y, mo, d)) throw badRequest(`${edge}: no such date: ${value}`);
    if (h > 23 || mi > 59 || s > 59 || Number.isNaN(Date.parse(value))) throw badRequest(`${edge}: not a valid time: ${value}`);
    return Date.parse(value);
  }
  throw badRequest(`${edge}: "${value}" is not a date (YYYY-MM-DD, or a time such as 2026-01-05T09:00 or 2026-01-05T09:00:00Z)`);
}

const dayOf = (instant: number, timezone: string) => {
  const w = wallClock(instant, timezone);
  return dateKey(w.year, w.month, w.day);
};

/** Every day from `first` to `last` (inclusive), or null when that would be an absurd list. */
function daysBetween(first: string, last: string): string[] | null {
  const [y, m, d] = first.split('-').map(Number);
  const out: string[] = [];
  for (let i = 0; i <= 3700; i++) {
    const t = new Date(Date.UTC(y, m - 1, d + i));
    const key = t.toISOString().slice(0, 10);
    if (key > last) return out;
    out.push(key);
  }
  return null;
}

// ---- presenting ---------------------------------------------------------------------

const fullName = (first: string | null, last: string | null) =>
  [first, last && last !== '-' ? last : null].filter(Boolean).join(' ');

function presentLead(row: LeadRow): Lead {
  return {
    dialogId: row.id,
    status: row.status,
    createdAt: iso(row.created_at),
    firstResponseAt: row.first_response_at === null ? null : iso(row.first_response_at),
    firstResponseSeconds: row.first_response_at === null ? null : Math.max(0, row.first_response_at - row.created_at) / 1000,
    closedAt: row.closed_at === null ? null : iso(row.closed_at),
    leadClass: row.lead_class,
    operator:
      row.assignee_id === null || row.assignee_email === null
        ? null
        : { id: row.assignee_id, name: fullName(row.assignee_first_name, row.assignee_last_name), email: row.assignee_email },
    group: row.group_name,
    visitor: { name: row.visitor_name, realName: row.real_name, phone: row.phone, email: row.email, notes: row.notes, fromSite: cardFromSite(row) },
    landingPage: row.page_url,
    pageTitle: row.page_title,
    referrer: row.referrer,
    utm: row.utm ? (JSON.parse(row.utm) as Record<string, string>) : {},
  };
}

function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = Float64Array.from(values).sort();
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Leads the report reads per page (about 10 ms of the event loop each, on a slow machine). */
export const REPORT_PAGE = 1000;
/** The key of "none" in the report's counts (no class, no source, unassigned). */
const NONE = '\u0000';

/**
 * The report's counts, a lead at a time in created order. Each lead costs a few map updates: its
 * day is known from the day boundary (one time zone lookup a day, not one a lead), and the
 * sources of repeated referrers and landing pages are worked out once.
 */
function reportCounts(timezone: string) {
  const classes = new Map<string, number>();
  const sources = new Map<string, number>();
  const operators = new Map<number | null, { operator: Lead['operator']; count: number }>();
  const days = new Map<string, number>();
  const sourceMemo = new Map<string, string>();
  const responseSeconds: number[] = [];
  let day = '';
  let dayEnds = Number.NEGATIVE_INFINITY;
  const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
  const counts = {
    classes,
    sources,
    operators,
    days,
    responseSeconds,
    total: 0,
    firstAt: null as number | null,
    add(row: ReportRow) {
      counts.total++;
      counts.firstAt ??= row.created_at;
      bump(classes, row.lead_class ?? NONE);

      const utm = row.utm ? (JSON.parse(row.utm) as Record<string, string>) : {};
      const memoKey = utm.source?.trim() ? '' : `${row.referrer ?? ''}\u0000${row.page_url ?? ''}`;
      let source = memoKey ? sourceMemo.get(memoKey) : undefined;
      if (source === undefined) {
        source = sourceOf({ utm, referrer: row.referrer, landingPage: row.page_url }) ?? NONE;
        if (memoKey) {
          if (sourceMemo.size >= 10_000) sourceMemo.clear();
          sourceMemo.set(memoKey, source);
        }
      }
      bump(sources, source);

      const operatorId = row.assignee_id === null || row.assignee_email === null ? null : row.assignee_id;
      const byOperator = operators.get(operatorId);
      if (byOperator) byOperator.count++;
      else {
        const operator =
          operatorId === null ? null : { id: operatorId, name: fullName(row.assignee_first_name, row.assignee_last_name), email: row.assignee_email! };
        operators.set(operatorId, { operator, count: 1 });
      }

      if (row.created_at >= dayEnds) {
        const w = wallClock(row.created_at, timezone);
        day = dateKey(w.year, w.month, w.day);
        const next = new Date(Date.UTC(w.year, w.month - 1, w.day + 1));
        dayEnds = instantOf(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, timezone);
      }
      bump(days, day);

      if (row.first_response_at !== null) responseSeconds.push(Math.max(0, row.first_response_at - row.created_at) / 1000);
    },
  };
  return counts;
}

/** Biggest count first, then by name. */
const byCount = (a: number, b: number, nameA: string, nameB: string) => b - a || nameA.localeCompare(nameB);

export type LeadsService = ReturnType<typeof leadsService>;

export function leadsService(deps: Pick<ServiceDeps, 'db' | 'repos'>, projects: ProjectsService) {
  const { db, repos } = deps;
  const repo = leadsRepo(db);
  const timezoneOf = async (projectId: number) => (await repos.projects.byId(projectId))!.timezone;

  const manage = (auth: Auth, projectId: number) =>
    projects.requireAccess(auth, projectId, ['admin', 'settings'], 'managing lead classes');

  async function classById(projectId: number, classId: number, q?: Tx) {
    const found = (await repo.classes(projectId, q)).find((c) => c.id === classId);
    if (!found) throw notFound(`no lead class with id ${classId}`);
    return found;
  }

  /** The spellings of a class name that the project's dialogs carry (one, unless data predates the rule). */
  async function spellingsOf(projectId: number, key: string, q?: Tx) {
    return (await repo.classSpellings(projectId, q)).filter((spelling) => classKey(spelling) === key);
  }

  async function filterOf(projectId: number, q: Pick<LeadsQuery, 'since' | 'until' | 'class' | 'unclassified'>): Promise<LeadFilter & { timezone: string }> {
    const timezone = await timezoneOf(projectId);
    const since = q.since ? boundary(q.since, timezone, 'since') : null;
    const until = q.until ? boundary(q.until, timezone, 'until') : null;
    if (since !== null && until !== null && until <= since) throw badRequest('until is before since: the range is empty');
    if (q.class !== undefined && q.unclassified) throw badRequest('give a class or "unclassified", not both');
    let classNames: string[] | null = null;
    if (q.class !== undefined) {
      const key = classKey(q.class);
      if (!key) throw badRequest('class: a lead class needs a name (for dialogs without one, ask for unclassified)');
      const tooLong = classNameTooLong(q.class);
      if (tooLong) throw badRequest(`class: ${tooLong}`);
      // A listed class or one dialogs still carry, in whatever case; a name that is neither is
      // most likely a typo, which an empty journal would hide.
      classNames = await spellingsOf(projectId, key);
      if (!classNames.length && !(await repo.classByKey(projectId, key))) throw await noSuchClass(db, projectId, q.class);
    }
    return { since, until, classNames, unclassified: q.unclassified === true, timezone };
  }

  return {
    // ---- classes ----
    async classes(auth: Auth, projectId: number): Promise<LeadClass[]> {
      await projects.membership(auth, projectId);
      return (await repo.classes(projectId)).map((c) => ({ id: c.id, name: c.name }));
    },

    async addClass(auth: Auth, projectId: number, rawName: string): Promise<LeadClass> {
      await manage(auth, projectId);
      const { name, key } = checkedClassName(rawName);
      const id = await db.write(async (tx) => {
        const existing = await repo.classByKey(projectId, key, tx);
        if (existing) throw conflict(`the lead class "${existing.name}" already exists`);
        // Dialogs that kept this class when it was removed, in any case, have it again (see the header).
        await repo.setDialogsClass(tx, projectId, (await spellingsOf(projectId, key, tx)).filter((s) => s !== name), name);
        return repo.addClass(tx, projectId, name, key);
      });
      return { id, name };
    },

    /**
     * Renames a class, and with it every dialog that has it (in any case); how many those were.
     * Dialogs that kept a removed class of the new name join it, as when it is added.
     */
    async renameClass(auth: Auth, projectId: number, classId: number, rawName: string): Promise<LeadClass & { dialogs: number }> {
      await manage(auth, projectId);
      const { name, key } = checkedClassName(rawName);
      const dialogs = await db.write(async (tx) => {
        const current = await classById(projectId, classId, tx);
        const other = await repo.classByKey(projectId, key, tx);
        if (other && other.id !== classId) throw conflict(`the lead class "${other.name}" already exists`);
        const joining = key === current.name_key ? [] : (await spellingsOf(projectId, key, tx)).filter((s) => s !== name);
        await repo.renameClass(tx, classId, { name, key });
        const renamed = await repo.setDialogsClass(tx, projectId, await spellingsOf(projectId, current.name_key, tx), name);
        await repo.setDialogsClass(tx, projectId, joining, name);
        return renamed;
      });
      return { id: classId, name, dialogs };
    },

    /**
     * Puts the named classes first, in the given order, and the others after them in their
     * present order (so a list that names every class is the whole order). A name the list does
     * not have, or one named twice, refuses the whole request.
     */
    async orderClasses(auth: Auth, projectId: number, rawNames: string[]): Promise<LeadClass[]> {
      await manage(auth, projectId);
      return db.write(async (tx) => {
        const current = await repo.classes(projectId, tx);
        const byKey = new Map(current.map((c) => [c.name_key, c]));
        const named: typeof current = [];
        for (const raw of rawNames) {
          const tooLong = classNameTooLong(raw);
          if (tooLong) throw badRequest(tooLong);
          const found = byKey.get(classKey(raw));
          if (!found) throw await noSuchClass(db, projectId, raw, tx);
          if (named.includes(found)) throw badRequest(`the lead class "${found.name}" is named twice`);
          named.push(found);
        }
        const order = [...named, ...current.filter((c) => !named.includes(c))];
        await repo.setClassOrder(tx, order.map((c) => c.id));
        return order.map((c) => ({ id: c.id, name: c.name }));
      });
    },

    /** Removes a class from the list; dialogs that have it keep it (see the header). */
    async removeClass(auth: Auth, projectId: number, classId: number): Promise<{ name: string; dialogs: number }> {
      await manage(auth, projectId);
      return db.write(async (tx) => {
        const current = await classById(projectId, classId, tx);
        await repo.removeClass(tx, classId);
        return { name: current.name, dialogs: await repo.dialogsWithClass(projectId, await spellingsOf(projectId, current.name_key, tx), tx) };
      });
    },

    // ---- the journal ----
    async page(auth: Auth, projectId: number, q: LeadsQuery) {
      await projects.membership(auth, projectId);
      const filter = await filterOf(projectId, q);
      const limit = q.limit ?? 500;
      const rows = await repo.page(projectId, filter, q.after ?? 0, limit + 1);
      const page = rows.slice(0, limit);
      return {
        timezone: filter.timezone,
        leads: page.map(presentLead),
        next: rows.length > limit ? page[page.length - 1].id : null,
      };
    },

    async report(auth: Auth, projectId: number, q: Pick<LeadsQuery, 'since' | 'until'>, now: number): Promise<LeadsReport> {
      await projects.membership(auth, projectId);
      const filter = await filterOf(projectId, q);
      const { timezone } = filter;
      const listed = await repo.classes(projectId);
      const counts = reportCounts(timezone);
      // A page at a time, the event loop free between pages: a year of leads takes a few seconds
      // of reading, and the chats must not wait for them.
      let after: ReportCursor = { createdAt: Number.MIN_SAFE_INTEGER, id: 0 };
      for (;;) {
        const rows = await repo.reportPage(projectId, filter, after, REPORT_PAGE);
        for (const row of rows) counts.add(row);
        if (rows.length < REPORT_PAGE) break;
        after = { createdAt: rows[rows.length - 1].created_at, id: rows[rows.length - 1].id };
        await new Promise((resolve) => setImmediate(resolve));
      }

      // Classes: the project's list in its order (zeros too), then any other class dialogs carry, then unclassified.
      // Counted by name whatever its case (see the header); a class no longer listed goes by
      // the spelling most of its leads have.
      const byKey = new Map<string, { name: string; count: number; top: number }>();
      for (const c of listed) byKey.set(c.name_key, { name: c.name, count: 0, top: Number.POSITIVE_INFINITY });
      for (const [spelling, count] of counts.classes) {
        if (spelling === NONE) continue;
        const entry = byKey.get(classKey(spelling));
        if (!entry) byKey.set(classKey(spelling), { name: spelling, count, top: count });
        else {
          entry.count += count;
          if (count > entry.top) Object.assign(entry, { name: spelling, top: count });
        }
      }
      const entries = [...byKey.values()];
      const byClass: LeadsReport['byClass'] = entries.slice(0, listed.length).map((e) => ({ class: e.name, count: e.count }));
      const others = entries.slice(listed.length).sort((a, b) => byCount(a.count, b.count, a.name, b.name));
      byClass.push(...others.map((e) => ({ class: e.name, count: e.count })));
      const unclassified = counts.classes.get(NONE);
      if (unclassified) byClass.push({ class: null, count: unclassified });

      const sources = [...counts.sources.entries()].sort(([ka, a], [kb, b]) => byCount(a, b, ka, kb));
      const operators = [...counts.operators.values()].sort((a, b) => byCount(a.count, b.count, a.operator?.name ?? '\uffff', b.operator?.name ?? '\uffff'));

      const first = filter.since ?? counts.firstAt;
      // Through --until, else through today.
      const last = filter.until !== null ? filter.until - 1 : first !== null ? now : null;
      let days: string[] = [];
      if (first !== null && last !== null && last >= first) days = daysBetween(dayOf(first, timezone), dayOf(last, timezone)) ?? [...counts.days.keys()].sort();
      const byDay = days.map((day) => ({ day, count: counts.days.get(day) ?? 0 }));

      return {
        timezone,
        since: filter.since === null ? null : iso(filter.since),
        until: filter.until === null ? null : iso(filter.until),
        total: counts.total,
        byClass,
        bySource: sources.map(([key, count]) => ({ source: key === NONE ? null : key, count })),
        byOperator: operators.map(({ operator, count }) => ({ operator, count })),
        byDay,
        firstResponse: { medianSeconds: median(counts.responseSeconds), answered: counts.responseSeconds.length, unanswered: counts.total - counts.responseSeconds.length },
      };
    },
  };
}
