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
// "Now" is the injected clock: tests move a ManualClock and call reevaluate(). Every change goes
// through publishChange().
import { badRequest, notFound } from '../errors.js';
import { normalizeEmail } from '../../core/protocol/index.js';
import { type PresenceRow, schedulesRepo } from '../db/schedules.js';
import type { Auth } from './accounts.js';
import type { ServiceDeps } from './context.js';
import type { ProjectsService } from './projects.js';
import { formatClock, HORIZON_MS, scheduleState, WEEKDAYS, wallClock, type WorkSchedule } from './schedule.js';

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

/**
 * The manual switch in force on a scheduled membership at `now` (null: the schedule decides).
 * It lasts until the schedule's next boundary; one made while the schedule showed none
 * (manual_until NULL) lasts until one comes in sight, `until` null meanwhile.
 */
function manualSwitch(row: PresenceRow, schedule: WorkSchedule, now: number): { until: number | null } | null {
  if (row.manual !== 1) return null;
  if (row.manual_until !== null) return now < row.manual_until ? { until: row.manual_until } : null;
  return { until: scheduleState(schedule, now).nextBoundary };
}

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

export function presenceService(deps: ServiceDeps, projects: ProjectsService) {
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

  const onlineCount = async (projectId: number) =>
    (
      await db.get<{ n: number }>(
        'SELECT count(*) AS n FROM memberships WHERE project_id = ? AND operator = 1 AND online = 1',
        [projectId],
      )
    )?.n ?? 0;

  async function publishChange(projectId: number, userId: number, online: boolean) {
    const operatorsOnline = await onlineCount(projectId);
    bus.publish({ type: 'operator.status_changed', projectId, userId, online, operatorsOnline });
    return operatorsOnline;
  }

  async function workSchedule(row: PresenceRow): Promise<WorkSchedule | null> {
    const stored = await schedules.load(row.project_id, row.user_id);
    return stored.present ? schedules.toWorkSchedule(stored, row.timezone) : null;
  }

  /**
   * Applies the rules to one scheduled membership at `now`; returns the instant it must be looked
   * at again (or null). Writes and publishes only when something changed.
   */
  async function evaluateOne(row: PresenceRow, now: number): Promise<number | null> {
    const schedule = await workSchedule(row);
    if (!schedule) return null;
    const manual = manualSwitch(row, schedule, now);
    if (manual) {
      if (manual.until === null) return lookAgain(now);
      if (row.manual_until === null) {
        // A boundary came in sight: from now on the switch ends there.
        await db.write((tx) =>
          tx.run('UPDATE memberships SET manual_until = ? WHERE project_id = ? AND user_id = ?', [manual.until, row.project_id, row.user_id]),
        );
      }
      return manual.until;
    }
    const state = scheduleState(schedule, now);
    const online = state.working ? 1 : 0;
    if (row.manual !== 0 || row.manual_until !== null || row.online !== online) {
      await db.write((tx) =>
        tx.run(
          `UPDATE memberships SET manual = 0, manual_until = NULL, online = ?,
             status_changed_at = CASE WHEN online = ? THEN status_changed_at ELSE ? END
           WHERE project_id = ? AND user_id = ?`,
          [online, online, now, row.project_id, row.user_id],
        ),
      );
      if (row.online !== online) await publishChange(row.project_id, row.user_id, online === 1);
    }
    return state.nextBoundary ?? lookAgain(now);
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
    const schedule = row.operator ? await workSchedule(row) : null;
    const base = {
      online: row.online === 1,
      operator: row.operator === 1,
      hasSchedule: schedule !== null,
      timezone: row.timezone,
      changedAt: row.status_changed_at,
    };
    const state = base.online ? 'online' : 'offline';
    if (!row.operator) return { ...base, source: 'manual', until: null, explanation: 'not an operator in this project' };
    if (!schedule) return { ...base, source: 'manual', until: null, explanation: `${state} (manual switch; no schedule)` };
    const tz = row.timezone;
    // With no boundary up to the horizon there is no "until": say why instead.
    const s = scheduleState(schedule, now);
    const manual = manualSwitch(row, schedule, now);
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

  return {
    onlineCount,
    explain,
    reevaluate,

    /** The instant the boundary timer is armed for (null: none), for tests and diagnostics. */
    nextWakeAt: () => wakeAt,

    /** Starts the boundary timer (recomputing every scheduled operator's state first). */
    async start() {
      running = true;
      await reevaluate();
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
        const now = clock.now();
        const schedule = await workSchedule(row);
        const until = schedule ? scheduleState(schedule, now).nextBoundary : null;
        await db.write((tx) =>
          tx.run(
            'UPDATE memberships SET online = ?, status_changed_at = ?, manual = 1, manual_until = ? WHERE project_id = ? AND user_id = ?',
            [online ? 1 : 0, now, until, projectId, auth.user.id],
          ),
        );
        const operatorsOnline = await publishChange(projectId, auth.user.id, online);
        arm(await soonestBoundary());
        return { online, changedAt: now, operatorsOnline };
      });
    },

    scheduleChanged,

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
   * After an operator's schedule changed: with a schedule now, the schedule takes over (an
   * earlier manual switch ends); without one, the current state stays as the manual switch.
   */
  function scheduleChanged(projectId: number, userIds: number[]) {
    return serial(async () => {
      for (const userId of userIds) {
        const stored = await schedules.load(projectId, userId);
        await db.write((tx) =>
          tx.run('UPDATE memberships SET manual = ?, manual_until = NULL WHERE project_id = ? AND user_id = ?', [
            stored.present ? 0 : 1,
            projectId,
            userId,
          ]),
        );
      }
    }).then(() => reevaluate());
  }

  async function soonestBoundary(): Promise<number | null> {
    const now = clock.now();
    let soonest: number | null = null;
    for (const row of await schedules.scheduled()) {
      const schedule = await workSchedule(row);
      if (!schedule) continue;
      const manual = manualSwitch(row, schedule, now);
      const next = (manual ? manual.until : scheduleState(schedule, now).nextBoundary) ?? lookAgain(now);
      if (soonest === null || next < soonest) soonest = next;
    }
    return soonest;
  }
}
