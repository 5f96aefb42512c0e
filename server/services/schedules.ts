// Working schedules of operators: set the same hours for several operators in one step (replacing
// those weekdays, or adding an interval), date exceptions (a day off or special hours), clear,
// show. Times are wall times in the project's timezone; `timezone` on set changes the project's
// timezone (one zone per project, as the schedule of every operator of the project is read in it).
// Every input is checked before anything is written; after a change presence re-evaluates.
import { normalizeEmail } from '../../core/protocol/index.js';
import type { MemberRow } from '../db/projects.js';
import { schedulesRepo } from '../db/schedules.js';
import { badRequest, notFound } from '../errors.js';
import type { Auth } from './accounts.js';
import type { ServiceDeps } from './context.js';
import type { PresenceService } from './presence.js';
import type { ProjectsService } from './projects.js';
import * as text from '../../core/schedule-text.js';
import { canonicalTimeZone, formatClock, type Interval, overlaps, WEEKDAYS, type Weekday } from '../../core/schedule-text.js';
import { dateKey, wallClock } from './schedule.js';

export type SchedulesService = ReturnType<typeof schedulesService>;

/** The shared parsers (core/schedule-text.ts), their messages as 400s. */
function asBadRequest<A extends unknown[], R>(parse: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return parse(...args);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
  };
}
export const parseDays = asBadRequest(text.parseDays);
export const parseInterval = asBadRequest(text.parseInterval);
export const parseDate = asBadRequest(text.parseDate);

export interface ScheduleView {
  email: string;
  userId: number;
  timezone: string;
  weekly: Record<Weekday, Array<{ from: string; to: string }>>;
  exceptions: Array<{ date: string; off: boolean; intervals: Array<{ from: string; to: string }> }>;
}

export function schedulesService(deps: ServiceDeps, projects: ProjectsService, presence: PresenceService) {
  const { db, repos, clock } = deps;
  const schedules = schedulesRepo(db);

  const requireManager = (auth: Auth, projectId: number) =>
    projects.requireAccess(auth, projectId, ['admin', 'settings'], 'managing schedules');

  /**
   * Existing members with the operator flag; every email is checked before anything is saved.
   * An email of no member is a 404, as on the members and assign routes (a body field or not);
   * a member without the operator role a 400, as assign answers it.
   */
  async function operators(projectId: number, emails: string[]): Promise<MemberRow[]> {
    if (!emails.length) throw badRequest('name at least one operator (--operator EMAIL)');
    const out = new Map<number, MemberRow>();
    for (const raw of emails) {
      const email = normalizeEmail(raw);
      const m = email ? await repos.projects.member(projectId, email) : undefined;
      if (!m) throw notFound(`${raw} is not a member of this project`);
      if (!m.operator) throw badRequest(`${raw} is not an operator in this project (give them the operator role first)`);
      out.set(m.id, m);
    }
    return [...out.values()];
  }

  const fmt = ([f, t]: Interval) => ({ from: formatClock(f), to: formatClock(t) });

  async function view(projectId: number, m: { id: number; email: string }, timezone: string): Promise<ScheduleView> {
    const s = await schedules.load(projectId, m.id);
    const weekly = Object.fromEntries(
      WEEKDAYS.map((d) => [d, [...(s.weekly[d] ?? [])].sort((a, b) => a[0] - b[0]).map(fmt)]),
    ) as ScheduleView['weekly'];
    const exceptions = Object.entries(s.exceptions)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([date, list]) => ({ date, off: list.length === 0, intervals: list.map(fmt) }));
    return { email: m.email, userId: m.id, timezone, weekly, exceptions };
  }

  const timezoneOf = async (projectId: number) => (await repos.projects.byId(projectId))!.timezone;

  return {
    parseDays,

    async set(
      auth: Auth,
      projectId: number,
      body: { operators: string[]; days: string; from: string; to: string; timezone?: string; add?: boolean },
    ): Promise<ScheduleView[]> {
      await requireManager(auth, projectId);
      const days = parseDays(body.days);
      const interval = parseInterval(body.from, body.to);
      const timezone = body.timezone === undefined ? undefined : canonicalTimeZone(body.timezone);
      if (timezone === null) throw badRequest(`unknown time zone: "${body.timezone}" (use an IANA name such as Europe/Moscow)`);
      const members = await operators(projectId, body.operators);
      if (body.add) {
        for (const m of members) {
          const s = await schedules.load(projectId, m.id);
          for (const d of days) {
            if (overlaps(s.weekly[d] ?? [], interval)) {
              throw badRequest(`${m.email} already works during ${body.from}-${body.to} on ${d} (intervals must not overlap)`);
            }
          }
        }
      }
      const timezoneChanged = await db.write(async (tx) => {
        let changed = false;
        if (timezone !== undefined) {
          changed = (await repos.projects.byId(projectId, tx))?.timezone !== timezone;
          await tx.run('UPDATE projects SET timezone = ?, updated_at = ? WHERE id = ?', [timezone, clock.now(), projectId]);
        }
        for (const m of members) {
          if (!body.add) await schedules.replaceDays(tx, projectId, m.id, days);
          for (const d of days) await schedules.addInterval(tx, projectId, m.id, d, interval);
        }
        return changed;
      });
      // A new zone moves every operator's hours, not only the named ones' (these are among them).
      if (timezoneChanged) await presence.timezoneChanged(projectId);
      else await presence.scheduleChanged(projectId, members.map((m) => m.id));
      const tz = await timezoneOf(projectId);
      return Promise.all(members.map((m) => view(projectId, m, tz)));
    },

    async except(
      auth: Auth,
      projectId: number,
      body: { operators: string[]; date: string; off?: boolean; from?: string; to?: string; add?: boolean },
    ): Promise<ScheduleView[]> {
      await requireManager(auth, projectId);
      const date = parseDate(body.date);
      let interval: Interval | null = null;
      if (body.off) {
        if (body.from !== undefined || body.to !== undefined) throw badRequest('give either --off or --from/--to, not both');
      } else {
        if (body.from === undefined || body.to === undefined) throw badRequest('give --off, or both --from and --to');
        interval = parseInterval(body.from, body.to);
      }
      // A date behind us would change nothing and stay for ever: refused (today is fine).
      const zone = await timezoneOf(projectId);
      const now = wallClock(clock.now(), zone);
      const today = dateKey(now.year, now.month, now.day);
      if (date < today) throw badRequest(`${date} is in the past (today is ${today} in ${zone}): give today or a later date`);
      const members = await operators(projectId, body.operators);
      if (interval && body.add) {
        for (const m of members) {
          const s = await schedules.load(projectId, m.id);
          if (overlaps(s.exceptions[date] ?? [], interval)) {
            throw badRequest(`${m.email} already has special hours overlapping ${body.from}-${body.to} on ${date}`);
          }
        }
      }
      await db.write(async (tx) => {
        for (const m of members) await schedules.setException(tx, projectId, m.id, date, interval, Boolean(body.add));
      });
      await presence.scheduleChanged(projectId, members.map((m) => m.id));
      const tz = await timezoneOf(projectId);
      return Promise.all(members.map((m) => view(projectId, m, tz)));
    },

    async clear(auth: Auth, projectId: number, emails: string[]): Promise<void> {
      await requireManager(auth, projectId);
      const members = await operators(projectId, emails);
      await db.write(async (tx) => {
        for (const m of members) await schedules.clear(tx, projectId, m.id);
      });
      await presence.scheduleChanged(projectId, members.map((m) => m.id));
    },

    /** Any member may look at the schedules (operators see when their colleagues work). */
    async show(auth: Auth, projectId: number, email?: string): Promise<ScheduleView[]> {
      await projects.membership(auth, projectId);
      const tz = await timezoneOf(projectId);
      // Someone who is not an operator has no hours to show, and the manual switch is not theirs
      // either: refused as set and clear refuse them, not shown as an empty schedule.
      const members =
        email !== undefined ? await operators(projectId, [email]) : (await repos.projects.members(projectId)).filter((m) => m.operator);
      return Promise.all(members.map((m) => view(projectId, m, tz)));
    },
  };
}
