// Operator presence per project membership. The effective state lives in memberships.online
// (the widget's chat tab is shown while at least one operator of the project is online):
//  - without a schedule, the manual switch alone decides (memberships.manual = 1, no end);
//  - with a schedule, a manual switch is in force until the schedule's next boundary
//    (manual = 1, manual_until = that boundary, NULL while none is in sight); otherwise
//    (manual = 0) the schedule decides.
// Changes happen at boundaries by one timer armed for the soonest boundary across all scheduled
// operators (recomputed at start, so they survive a restart). A schedule with no boundary in
// sight (around the clock; no hours ahead) is looked at again once the horizon has moved on, so a
// date exception further away is not missed. A change of the project's timezone moves every
// boundary and counts as a schedule change of every scheduled operator of the project.
// Date exceptions without weekly hours are a schedule of those dates only (ruleAt): on such a
// date its hours decide, on other days the manual switch does.
// A disabled account is offline everywhere and is never evaluated; someone who stops being an
// operator of a project (removed, role taken away, account disabled) goes offline at once and
// their open dialogs go back to their group (endDuty).
// "Now" is the injected clock: tests move a ManualClock and call reevaluate(). Every change goes
// through publishChange().
import { badRequest, forbidden, notFound } from '../errors.js';
import { normalizeEmail } from '../../core/protocol/index.js';
import { type PresenceRow, schedulesRepo } from '../db/schedules.js';
import type { Tx } from '../db/sqlite.js';
import type { Auth } from './accounts.js';
import type { ServiceDeps } from './context.js';
import type { DialogsService, ReleasedDialog } from './dialogs.js';
import type { ProjectsService } from './projects.js';
import {
  dateKey,
  formatClock,
  HORIZON_MS,
  instantOf,
  scheduleState,
  WEEKDAYS,
  wallClock,
  type WorkSchedule,
} from './schedule.js';

export type PresenceService = ReturnType<typeof presenceService>;

/** The longest delay setTimeout accepts; a later boundary is reached by re-arming. */
const MAX_DELAY = 2 ** 31 - 1;

export interface PresenceExplained {
  online: boolean;
  operator: boolean;
  source: 'schedule' | 'manual';
  hasSchedule: boolean;
  timezone: string;
  /** When the state changes next by itself (ms), or null. */
  until: number | null;
  changedAt: number | null;
  explanation: string;
}

/** When to look at a schedule again that shows no boundary up to its horizon. */
const lookAgain = (now: number) => now + HORIZON_MS;

/** What a schedule says at an instant. */
interface Rule {
  /** Whether the schedule decides now (always, with weekly hours). */
  inForce: boolean;
  working: boolean;
  /** The next instant the schedule changes something, or null (see ScheduleState). */
  nextBoundary: number | null;
}

/** SQL, in a statement on `memberships`: the member's account is not disabled. */
const ON_DUTY = 'NOT EXISTS (SELECT 1 FROM users u WHERE u.id = memberships.user_id AND u.disabled_at IS NOT NULL)';

const hasWeeklyHours = (s: WorkSchedule) => Object.values(s.weekly).some((list) => (list?.length ?? 0) > 0);

/** `YYYY-MM-DD` of the local date of `at`. */
function localDate(at: number, timezone: string): string {
  const w = wallClock(at, timezone);
  return dateKey(w.year, w.month, w.day);
}

const isExceptionDate = (s: WorkSchedule, date: string) => Object.hasOwn(s.exceptions ?? {}, date);

/**
 * The rules of a schedule at `now`. Weekly hours decide every day. Date exceptions without weekly
 * hours decide on their dates only: from the start of such a date its hours decide (a day off:
 * offline all day), as weekly hours would; on other days the manual switch does, and the state a
 * date ended with stays (offline once its hours are over). So a day off marked a month ahead
 * changes nothing until that day comes.
 */
function ruleAt(s: WorkSchedule, now: number): Rule {
  const state = scheduleState(s, now);
  if (hasWeeklyHours(s)) return { inForce: true, ...state };
  const today = localDate(now, s.timezone);
  const nextDate = Object.keys(s.exceptions ?? {})
    .sort()
    .find((date) => date > today);
  const [y, m, d] = nextDate ? nextDate.split('-').map(Number) : [];
  const takesOver = nextDate ? instantOf(y, m, d, 0, s.timezone) : null;
  const next = [state.nextBoundary, takesOver].filter((t): t is number => t !== null);
  return {
    inForce: state.working || isExceptionDate(s, today),
    working: state.working,
    nextBoundary: next.length ? Math.min(...next) : null,
  };
}

/** Whether the schedule still has something to say: weekly hours, or a date from today on. */
function scheduleAhead(s: WorkSchedule, now: number): boolean {
  const today = localDate(now, s.timezone);
  return hasWeeklyHours(s) || Object.keys(s.exceptions ?? {}).some((date) => date >= today);
}

/**
 * The manual switch in force on a scheduled membership at `now` (null: the schedule decides).
 * It lasts until the schedule's next boundary; one made while the schedule showed none
 * (manual_until NULL) lasts until one comes in sight, `until` null meanwhile.
 */
function manualSwitch(row: PresenceRow, rule: Rule, now: number): { until: number | null } | null {
  if (row.manual !== 1) return null;
  if (row.manual_until !== null) return now < row.manual_until ? { until: row.manual_until } : null;
  return { until: rule.nextBoundary };
}

/** Someone who stopped answering in a project (endDuty), for announceEndOfDuty. */
export interface EndedDuty {
  projectId: number;
  userId: number;
  wasOnline: boolean;
  released: ReleasedDialog[];
}

/** How many open dialogs went back unassigned, and how many round-robin gave to someone else. */
export const releasedCounts = (ended: EndedDuty[]) => {
  const all = ended.flatMap((e) => e.released);
  const reassigned = all.filter((d) => d.dialog.assignee !== null).length;
  return { dialogsUnassigned: all.length - reassigned, dialogsReassigned: reassigned };
};

/** "18:00" when `at` is on the same local day as `now`, "09:00 Mon" within a week, else with the date. */
export function describeInstant(at: number, now: number, timezone: string): string {
  const w = wallClock(at, timezone);
  const n = wallClock(now, timezone);
  const time = formatClock(w.hour * 60 + w.minute);
  if (w.year === n.year && w.month === n.month && w.day === n.day) return time;
  const weekday = WEEKDAYS[(new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() + 6) % 7];
  const day = weekday[0].toUpperCase() + weekday.slice(1);
  if (at - now < 6 * 86_400_000) return `${time} ${day}`;
  return `${time} ${day} ${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

export function presenceService(
  deps: ServiceDeps,
  projects: ProjectsService,
  dialogs: Pick<DialogsService, 'releaseDialogs' | 'announceReleased' | 'assignWaiting'>,
) {
  const { db, clock, bus } = deps;
  const schedules = schedulesRepo(db);
  let timer: NodeJS.Timeout | null = null;
  let wakeAt: number | null = null;
  let running = false;
  let queue: Promise<unknown> = Promise.resolve();

  /** Presence work runs one at a time, so a timer never races a switch or a schedule change. */
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  }

  // A disabled account is offline (its flag is cleared when it is disabled; this holds for data
  // from before that).
  const onlineCount = async (projectId: number) =>
    (
      await db.get<{ n: number }>(
        `SELECT count(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.project_id = ? AND m.operator = 1 AND m.online = 1 AND u.disabled_at IS NULL`,
        [projectId],
      )
    )?.n ?? 0;

  async function publishChange(projectId: number, userId: number, online: boolean) {
    const operatorsOnline = await onlineCount(projectId);
    bus.publish({ type: 'operator.status_changed', projectId, userId, online, operatorsOnline });
    // Under round-robin, dialogs that waited for someone of their group go to whoever is online now.
    if (online) await dialogs.assignWaiting(projectId);
    return operatorsOnline;
  }

  /** The stored schedule (weekly hours, exceptions, or both), or null when there is nothing. */
  async function workSchedule(row: PresenceRow): Promise<WorkSchedule | null> {
    const stored = await schedules.load(row.project_id, row.user_id);
    const schedule = schedules.toWorkSchedule(stored, row.timezone);
    return hasWeeklyHours(schedule) || Object.keys(stored.exceptions).length > 0 ? schedule : null;
  }

  /**
   * Applies the rules to one scheduled membership at `now`; returns the instant it must be looked
   * at again (or null). Writes and publishes only when something changed.
   */
  async function evaluateOne(row: PresenceRow, now: number): Promise<number | null> {
    if (row.disabled) return null;
    const schedule = await workSchedule(row);
    if (!schedule) return null;
    const rule = ruleAt(schedule, now);
    const manual = manualSwitch(row, rule, now);
    if (manual) {
      if (manual.until === null) return lookAgain(now);
      if (row.manual_until === null) {
        // A boundary came in sight: from now on the switch ends there.
        await db.write((tx) =>
          tx.run('UPDATE memberships SET manual_until = ? WHERE project_id = ? AND user_id = ?', [manual.until, row.project_id, row.user_id]),
        );
        bus.publish({ type: 'operator.schedule_changed', projectId: row.project_id, userId: row.user_id });
      }
      return manual.until;
    }
    // The schedule decides. Out of its dates (exceptions without weekly hours) it has just
    // stopped deciding: the state it left stays, as the manual switch, until its next date.
    const online = rule.working ? 1 : 0;
    const manualNow = rule.inForce ? 0 : 1;
    const until = rule.inForce ? null : rule.nextBoundary;
    if (row.manual !== manualNow || row.manual_until !== until || row.online !== online) {
      // Only while still an operator on duty: the role may have gone, or the account been
      // disabled, since the row was read (a disable does not wait for this walk).
      const { changes } = await db.write((tx) =>
        tx.run(
          `UPDATE memberships SET manual = ?, manual_until = ?, online = ?,
             status_changed_at = CASE WHEN online = ? THEN status_changed_at ELSE ? END
           WHERE project_id = ? AND user_id = ? AND operator = 1 AND ${ON_DUTY}`,
          [manualNow, until, online, online, now, row.project_id, row.user_id],
        ),
      );
      if (changes > 0 && row.online !== online) await publishChange(row.project_id, row.user_id, online === 1);
      else if (changes > 0) bus.publish({ type: 'operator.schedule_changed', projectId: row.project_id, userId: row.user_id });
    }
    return rule.nextBoundary ?? lookAgain(now);
  }

  function arm(next: number | null) {
    if (timer) clearTimeout(timer);
    timer = null;
    wakeAt = null;
    if (!running || next === null) return;
    wakeAt = next;
    const delay = Math.min(Math.max(0, next - clock.now()), MAX_DELAY);
    timer = setTimeout(() => {
      timer = null;
      void reevaluate().catch(() => undefined);
    }, delay);
    timer.unref();
  }

  /** Re-applies the rules to every scheduled operator at the clock's now and re-arms the timer. */
  function reevaluate(): Promise<void> {
    return serial(async () => {
      const now = clock.now();
      let soonest: number | null = null;
      for (const row of await schedules.scheduled()) {
        const next = await evaluateOne(row, now);
        if (next !== null && (soonest === null || next < soonest)) soonest = next;
      }
      arm(soonest);
    });
  }

  async function explain(projectId: number, userId: number): Promise<PresenceExplained> {
    const row = await schedules.presence(projectId, userId);
    if (!row) throw notFound('no such member in this project');
    const now = clock.now();
    const stored = row.operator ? await workSchedule(row) : null;
    // Exceptions that are all behind are no schedule any more.
    const schedule = stored && scheduleAhead(stored, now) ? stored : null;
    const base = {
      online: row.online === 1 && !row.disabled,
      operator: row.operator === 1,
      hasSchedule: schedule !== null,
      timezone: row.timezone,
      changedAt: row.status_changed_at,
    };
    const state = base.online ? 'online' : 'offline';
    if (!row.operator) return { ...base, source: 'manual', until: null, explanation: 'not an operator in this project' };
    if (row.disabled) return { ...base, source: 'manual', until: null, explanation: 'offline: the account is disabled' };
    if (!schedule) return { ...base, source: 'manual', until: null, explanation: `${state} (manual switch; no schedule)` };
    if (!hasWeeklyHours(schedule)) return { ...base, ...explainDates(row, schedule, now, state) };
    const tz = row.timezone;
    // With no boundary up to the horizon there is no "until": say why instead.
    const s = scheduleState(schedule, now);
    const manual = manualSwitch(row, { inForce: true, ...s }, now);
    if (manual?.until === null) {
      const why = s.working ? 'the schedule runs around the clock' : 'no working hours ahead';
      return { ...base, source: 'manual', until: null, explanation: `${state} (manual switch; ${why}) (${tz})` };
    }
    if (manual) {
      const starts = scheduleState(schedule, manual.until).working;
      return {
        ...base,
        source: 'manual',
        until: manual.until,
        explanation: `${state} (manual switch) until the schedule ${starts ? 'starts' : 'ends'} at ${describeInstant(manual.until, now, tz)} (${tz})`,
      };
    }
    return {
      ...base,
      source: 'schedule',
      until: s.nextBoundary,
      explanation:
        s.nextBoundary === null
          ? `${state} by schedule (${s.working ? 'around the clock' : 'no working hours ahead'}) (${tz})`
          : `${state} by schedule until ${describeInstant(s.nextBoundary, now, tz)} (${tz})`,
    };
  }

  /** The explanation for date exceptions without weekly hours (see ruleAt). */
  function explainDates(
    row: PresenceRow,
    schedule: WorkSchedule,
    now: number,
    state: string,
  ): Pick<PresenceExplained, 'source' | 'until' | 'explanation'> {
    const tz = row.timezone;
    const rule = ruleAt(schedule, now);
    const today = localDate(now, tz);
    const hoursOf = (date: string) => {
      const list = schedule.exceptions?.[date] ?? [];
      return list.length ? `special hours ${list.map(([f, t]) => `${formatClock(f)}-${formatClock(t)}`).join(', ')}` : 'a day off';
    };
    const manual = rule.inForce ? manualSwitch(row, rule, now) : { until: rule.nextBoundary };
    if (manual) {
      const until = manual.until;
      if (until === null) return { source: 'manual', until: null, explanation: `${state} (manual switch; no weekly hours, no date ahead) (${tz})` };
      const date = localDate(until, tz);
      const next =
        date === today
          ? `the schedule ${scheduleState(schedule, until).working ? 'starts' : 'ends'} at ${describeInstant(until, now, tz)}`
          : `${date} (${hoursOf(date)}) begins at ${describeInstant(until, now, tz)}`;
      return { source: 'manual', until, explanation: `${state} (manual switch; no weekly hours) until ${next} (${tz})` };
    }
    // On an exception's date: its hours decide until they are over, then the manual switch.
    const boundary = rule.nextBoundary;
    const until = boundary !== null && (rule.working || localDate(boundary, tz) === today) ? boundary : null;
    return {
      source: 'schedule',
      until,
      explanation:
        `${state} by schedule${until === null ? '' : ` until ${describeInstant(until, now, tz)}`} ` +
        `(${hoursOf(today)} on ${today}; no weekly hours: on other days the manual switch decides) (${tz})`,
    };
  }

  return {
    onlineCount,
    explain,
    reevaluate,

    /** The instant the boundary timer is armed for (null: none), for tests and diagnostics. */
    nextWakeAt: () => wakeAt,

    /** Starts the boundary timer (recomputing every scheduled operator's state first). */
    async start() {
      running = true;
      // Someone without the operator role or with a disabled account is offline. Earlier
      // versions left the flag set, and giving the role back or enabling the account would then
      // bring them online without a word.
      await db.write((tx) =>
        tx.run(
          `UPDATE memberships SET online = 0 WHERE online = 1 AND (operator = 0 OR NOT ${ON_DUTY})`,
        ),
      );
      // Who is online now first (a schedule may have ended while the server was down): the
      // dialogs given back below go to someone who is.
      await reevaluate();
      // Their open dialogs, and those of people removed before, go back as at the change itself:
      // earlier versions left them assigned, in nobody's My messages.
      const released = await db.write(async (tx) => {
        const stuck = await tx.all<{ project_id: number; assignee_id: number }>(
          `SELECT DISTINCT d.project_id, d.assignee_id FROM dialogs d
           WHERE d.status = 'open' AND d.assignee_id IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.project_id = d.project_id AND m.user_id = d.assignee_id AND m.operator = 1 AND u.disabled_at IS NULL)`,
        );
        const out: Array<{ projectId: number; dialogs: ReleasedDialog[] }> = [];
        for (const { project_id: projectId, assignee_id: userId } of stuck) {
          out.push({ projectId, dialogs: await dialogs.releaseDialogs(tx, projectId, userId) });
        }
        return out;
      });
      for (const r of released) dialogs.announceReleased(r.projectId, r.dialogs);
      // Under round-robin, dialogs that came while nobody of their group was online (or while
      // the server was down) go to whoever is online now, as when someone comes online.
      const roundRobin = await db.all<{ id: number }>("SELECT id FROM projects WHERE assignment = 'round-robin' ORDER BY id");
      for (const { id } of roundRobin) await dialogs.assignWaiting(id);
    },

    stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      wakeAt = null;
    },

    /** The caller's status, or (for anyone in the project) a named member's. */
    async get(auth: Auth, projectId: number, email?: string) {
      await projects.membership(auth, projectId);
      let userId = auth.user.id;
      if (email !== undefined) {
        const normalized = normalizeEmail(email);
        const member = normalized ? await deps.repos.projects.member(projectId, normalized) : undefined;
        if (!member) throw notFound(`${email} is not a member of this project`);
        userId = member.id;
      }
      return { userId, ...(await explain(projectId, userId)) };
    },

    /** The manual switch: lasts until the next boundary of the operator's schedule, if any. */
    set(auth: Auth, projectId: number, online: boolean) {
      return serial(async () => {
        const m = await projects.membership(auth, projectId);
        if (!m.operator) throw badRequest('only operators have an online status in this project');
        const row = (await schedules.presence(projectId, auth.user.id))!;
        if (row.disabled) throw forbidden('this account is disabled');
        const now = clock.now();
        const schedule = await workSchedule(row);
        const until = schedule ? ruleAt(schedule, now).nextBoundary : null;
        const { changes } = await db.write((tx) =>
          tx.run(
            `UPDATE memberships SET online = ?, status_changed_at = ?, manual = 1, manual_until = ?
             WHERE project_id = ? AND user_id = ? AND operator = 1 AND ${ON_DUTY}`,
            [online ? 1 : 0, now, until, projectId, auth.user.id],
          ),
        );
        // The role or the account went meanwhile: nothing changed, nothing to announce.
        if (changes === 0) throw forbidden('you are no longer an operator on duty in this project');
        const operatorsOnline = await publishChange(projectId, auth.user.id, online);
        arm(await soonestBoundary());
        return { online, changedAt: now, operatorsOnline };
      });
    },

    scheduleChanged,
    endDuty,
    announceEndOfDuty,

    /**
     * An account enabled again: offline everywhere until its owner switches on or their schedule
     * starts (a schedule in force decides at once, as after a change of it).
     */
    async accountEnabled(userId: number) {
      // Counted offline while disabled already, whatever its flag said: nothing to announce.
      await db.write((tx) => tx.run('UPDATE memberships SET online = 0, manual = 1, manual_until = NULL WHERE user_id = ?', [userId]));
      const memberships = await db.all<{ project_id: number }>(
        'SELECT project_id FROM memberships WHERE user_id = ? AND operator = 1 ORDER BY project_id',
        [userId],
      );
      for (const m of memberships) await scheduleChanged(m.project_id, [userId]);
    },

    /**
     * After the project's timezone changed: every boundary of its operators' schedules moved, so
     * each scheduled operator of the project is treated as after a change of their schedule.
     */
    async timezoneChanged(projectId: number) {
      const rows = await schedules.scheduled();
      await scheduleChanged(projectId, rows.filter((r) => r.project_id === projectId).map((r) => r.user_id));
    },
  };

  /**
   * After an operator's schedule changed: where the schedule decides now, it takes over (an
   * earlier manual switch ends); without one, or on a day that only date exceptions without
   * weekly hours have no say about, the current state stays as the manual switch.
   */
  function scheduleChanged(projectId: number, userIds: number[]) {
    return serial(async () => {
      const now = clock.now();
      for (const userId of userIds) {
        const row = await schedules.presence(projectId, userId);
        if (!row) continue;
        const schedule = await workSchedule(row);
        const inForce = schedule !== null && ruleAt(schedule, now).inForce;
        await db.write((tx) =>
          tx.run('UPDATE memberships SET manual = ?, manual_until = NULL WHERE project_id = ? AND user_id = ?', [
            inForce ? 0 : 1,
            projectId,
            userId,
          ]),
        );
      }
    })
      .then(() => reevaluate())
      .then(() => {
        // Whatever the walk switched, the reason changed for each of them (a cleared schedule
        // switches nobody, and says so only this way).
        for (const userId of userIds) bus.publish({ type: 'operator.schedule_changed', projectId, userId });
      });
  }

  /**
   * Someone stops answering in a project: removed from it, the operator role taken away, or the
   * account disabled. In the caller's write, while the membership is still there (after the
   * role and the groups changed, so the dialogs' views are the new ones): offline at once (the
   * flag too, so nothing brings them back online silently), and their open dialogs go back to
   * their group, or under round-robin to the next online operator (dialogs.releaseDialogs).
   * announceEndOfDuty publishes it once the write committed.
   */
  async function endDuty(tx: Tx, projectId: number, userId: number): Promise<EndedDuty> {
    const row = await tx.get<{ online: number }>('SELECT online FROM memberships WHERE project_id = ? AND user_id = ?', [
      projectId,
      userId,
    ]);
    const now = clock.now();
    await tx.run(
      `UPDATE memberships SET online = 0, manual = 1, manual_until = NULL,
         status_changed_at = CASE WHEN online = 1 THEN ? ELSE status_changed_at END
       WHERE project_id = ? AND user_id = ?`,
      [now, projectId, userId],
    );
    const released = await dialogs.releaseDialogs(tx, projectId, userId);
    return { projectId, userId, wasOnline: row?.online === 1, released };
  }

  /** After the commit: the dialogs that went back, then the status change (as for any). */
  async function announceEndOfDuty(ended: EndedDuty[]): Promise<void> {
    for (const e of ended) dialogs.announceReleased(e.projectId, e.released);
    for (const e of ended) if (e.wasOnline) await publishChange(e.projectId, e.userId, false);
  }

  async function soonestBoundary(): Promise<number | null> {
    const now = clock.now();
    let soonest: number | null = null;
    for (const row of await schedules.scheduled()) {
      const schedule = await workSchedule(row);
      if (!schedule) continue;
      const rule = ruleAt(schedule, now);
      const manual = manualSwitch(row, rule, now);
      const next = (manual ? manual.until : rule.nextBoundary) ?? lookAgain(now);
      if (soonest === null || next < soonest) soonest = next;
    }
    return soonest;
  }
}
