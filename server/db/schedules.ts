// Working schedules per (project, operator): weekly intervals and date exceptions, plus the
// presence columns of the membership (online, manual, manual_until) that presence maintains.
import type { Interval, Weekday, WorkSchedule } from '../services/schedule.js';
import type { Queryable, Tx } from './sqlite.js';

export interface IntervalRow {
  weekday: Weekday;
  from_min: number;
  to_min: number;
}

export interface ExceptionRow {
  date: string;
  from_min: number | null;
  to_min: number | null;
}

export interface PresenceRow {
  project_id: number;
  user_id: number;
  operator: number;
  /** 1 when the account is disabled: never online, whatever the switch or the schedule says. */
  disabled: number;
  online: number;
  manual: number;
  manual_until: number | null;
  status_changed_at: number | null;
  timezone: string;
}

export interface StoredSchedule {
  weekly: Partial<Record<Weekday, Interval[]>>;
  /**
   * By date, past ones included. Whether they make a schedule depends on the day (weekly hours
   * or not, dates still ahead or not): presence decides (services/presence.ts ruleAt).
   */
  exceptions: Record<string, Interval[]>;
}

export type SchedulesRepo = ReturnType<typeof schedulesRepo>;

const PRESENCE_SELECT = `SELECT m.project_id, m.user_id, m.operator, (u.disabled_at IS NOT NULL) AS disabled, m.online, m.manual,
    m.manual_until, m.status_changed_at, p.timezone
  FROM memberships m JOIN projects p ON p.id = m.project_id JOIN users u ON u.id = m.user_id`;

export function schedulesRepo(db: Queryable) {
  return {
    async load(projectId: number, userId: number, q: Queryable = db): Promise<StoredSchedule> {
      const intervals = await q.all<IntervalRow>(
        'SELECT weekday, from_min, to_min FROM schedule_intervals WHERE project_id = ? AND user_id = ? ORDER BY from_min',
        [projectId, userId],
      );
      const exceptions = await q.all<ExceptionRow>(
        'SELECT date, from_min, to_min FROM schedule_exceptions WHERE project_id = ? AND user_id = ? ORDER BY date, from_min',
        [projectId, userId],
      );
      const weekly: StoredSchedule['weekly'] = {};
      for (const r of intervals) (weekly[r.weekday] ??= []).push([r.from_min, r.to_min]);
      const ex: Record<string, Interval[]> = {};
      for (const r of exceptions) {
        ex[r.date] ??= [];
        if (r.from_min !== null && r.to_min !== null) ex[r.date].push([r.from_min, r.to_min]);
      }
      return { weekly, exceptions: ex };
    },

    toWorkSchedule: (s: StoredSchedule, timezone: string): WorkSchedule => ({
      timezone,
      weekly: s.weekly,
      exceptions: s.exceptions,
    }),

    async replaceDays(tx: Tx, projectId: number, userId: number, days: Weekday[]) {
      for (const d of days) {
        await tx.run('DELETE FROM schedule_intervals WHERE project_id = ? AND user_id = ? AND weekday = ?', [projectId, userId, d]);
      }
    },

    addInterval: (tx: Tx, projectId: number, userId: number, day: Weekday, [from, to]: Interval) =>
      tx.run('INSERT INTO schedule_intervals (project_id, user_id, weekday, from_min, to_min) VALUES (?, ?, ?, ?, ?)', [
        projectId,
        userId,
        day,
        from,
        to,
      ]),

    async clear(tx: Tx, projectId: number, userId: number) {
      await tx.run('DELETE FROM schedule_intervals WHERE project_id = ? AND user_id = ?', [projectId, userId]);
      await tx.run('DELETE FROM schedule_exceptions WHERE project_id = ? AND user_id = ?', [projectId, userId]);
    },

    /** A date's exception: null = a day off; an interval is added to that date's special hours. */
    async setException(tx: Tx, projectId: number, userId: number, date: string, interval: Interval | null, add: boolean) {
      if (!add || interval === null) {
        await tx.run('DELETE FROM schedule_exceptions WHERE project_id = ? AND user_id = ? AND date = ?', [projectId, userId, date]);
      } else {
        // Adding special hours to a date that was a day off: the day off goes away.
        await tx.run(
          'DELETE FROM schedule_exceptions WHERE project_id = ? AND user_id = ? AND date = ? AND from_min IS NULL',
          [projectId, userId, date],
        );
      }
      await tx.run('INSERT INTO schedule_exceptions (project_id, user_id, date, from_min, to_min) VALUES (?, ?, ?, ?, ?)', [
        projectId,
        userId,
        date,
        interval ? interval[0] : null,
        interval ? interval[1] : null,
      ]);
    },

    /** Presence columns of one membership, with the project's timezone. */
    presence: (projectId: number, userId: number, q: Queryable = db) =>
      q.get<PresenceRow>(
        `${PRESENCE_SELECT} WHERE m.project_id = ? AND m.user_id = ?`,
        [projectId, userId],
      ),

    /**
     * Operators with something scheduled (these are the ones whose presence may move by itself).
     * A disabled account is left out: no schedule brings it online.
     */
    scheduled: (q: Queryable = db) =>
      q.all<PresenceRow>(
        `${PRESENCE_SELECT}
         WHERE m.operator = 1 AND u.disabled_at IS NULL AND (
           EXISTS (SELECT 1 FROM schedule_intervals s WHERE s.project_id = m.project_id AND s.user_id = m.user_id) OR
           EXISTS (SELECT 1 FROM schedule_exceptions e WHERE e.project_id = m.project_id AND e.user_id = m.user_id))`,
      ),
  };
}
