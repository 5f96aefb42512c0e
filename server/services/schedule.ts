// Working hours as time: given an operator's weekly intervals, date exceptions and a time zone,
// whether an instant is inside working time and when the next boundary comes. Pure functions:
// presence timers are set from `nextBoundary`, and tests walk a fake clock across DST changes.
//
// Wall times are turned into instants through the zone's offset at that moment, so 09:00 in
// New York is 14:00 UTC in winter and 13:00 UTC in summer. A wall time that does not exist (the
// hour skipped in spring) moves forward by the length of the gap, as Temporal's "compatible"
// disambiguation does; one that happens twice (the hour repeated in autumn) counts from its
// first occurrence.

import { formatClock, type Interval, parseClock, WEEKDAYS, type Weekday } from '../../core/schedule-text.js';

export { formatClock, type Interval, parseClock, WEEKDAYS, type Weekday };

export interface WorkSchedule {
  timezone: string;
  weekly: Partial<Record<Weekday, readonly Interval[]>>;
  /** By local date `YYYY-MM-DD`: the intervals of that day instead of the weekly ones ([] = day off). */
  exceptions?: Readonly<Record<string, readonly Interval[]>>;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The wall clock of `instant` in `timezone`. */
export function wallClock(instant: number, timezone: string) {
  const parts: Record<string, number> = {};
  for (const p of formatter(timezone).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
}

/** The zone's offset from UTC at `instant`, in ms (Moscow: +3 h). */
function offsetAt(instant: number, timezone: string): number {
  const w = wallClock(instant, timezone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant a wall time happens in `timezone` (see the header for gaps and repeats). */
export function instantOf(year: number, month: number, day: number, minutes: number, timezone: string): number {
  const naive = Date.UTC(year, month - 1, day, 0, minutes);
  // Both offsets that can apply around this wall time; the earlier valid instant wins.
  const candidates = [offsetAt(naive - 86_400_000 / 2, timezone), offsetAt(naive + 86_400_000 / 2, timezone)]
    .map((offset) => naive - offset)
    .filter((t) => naive - offsetAt(t, timezone) === t);
  if (candidates.length) return Math.min(...candidates);
  // In a gap: the wall time was skipped; read it with the offset from before the jump.
  return naive - offsetAt(naive - 86_400_000 / 2, timezone);
}

/** `YYYY-MM-DD` of a local date. */
export function dateKey(y: number, m: number, d: number): string {
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Working time of one local date as instants. */
function daySpans(s: WorkSchedule, y: number, m: number, d: number): Array<[number, number]> {
  const key = dateKey(y, m, d);
  const weekday = WEEKDAYS[(new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7];
  const intervals = s.exceptions?.[key] ?? s.weekly[weekday] ?? [];
  return intervals.map(([from, to]) => [instantOf(y, m, d, from, s.timezone), instantOf(y, m, d, to, s.timezone)]);
}

/**
 * Working spans of the local dates from the day before `instant` to `daysAhead` days after it,
 * merged where they touch (22:00–24:00 + 00:00–06:00), and `end`, the instant those dates end: a
 * span that reaches `end` goes on beyond what was looked at.
 */
function spansAround(s: WorkSchedule, instant: number, daysAhead: number): { spans: Array<[number, number]>; end: number } {
  const spans: Array<[number, number]> = [];
  const w = wallClock(instant, s.timezone);
  for (let i = -1; i <= daysAhead; i++) {
    const date = new Date(Date.UTC(w.year, w.month - 1, w.day + i));
    spans.push(...daySpans(s, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()));
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else if (span[1] > span[0]) merged.push([span[0], span[1]]);
  }
  const after = new Date(Date.UTC(w.year, w.month - 1, w.day + daysAhead + 1));
  return { spans: merged, end: instantOf(after.getUTCFullYear(), after.getUTCMonth() + 1, after.getUTCDate(), 0, s.timezone) };
}

/** Look a week ahead first (the usual case), then a year for long exceptions. */
const LOOK_AHEAD_DAYS = [8, 370];

/** How far ahead scheduleState sees every change (the year it looks at, less its last days). */
export const HORIZON_MS = 365 * 86_400_000;

export interface ScheduleState {
  /** Inside working time at the instant asked about. */
  working: boolean;
  /**
   * The next instant the answer changes, or null when it does not within HORIZON_MS: working
   * around the clock, or no working time ahead.
   */
  nextBoundary: number | null;
}

export function scheduleState(s: WorkSchedule, instant: number): ScheduleState {
  let working = false;
  for (const days of LOOK_AHEAD_DAYS) {
    const { spans, end } = spansAround(s, instant, days);
    const current = spans.find(([a, b]) => a <= instant && instant < b);
    if (current) {
      // Cut at the edge of the days looked at, not where work ends: look further.
      if (current[1] < end) return { working: true, nextBoundary: current[1] };
      working = true;
      continue;
    }
    const next = spans.find(([a]) => a > instant);
    if (next) return { working: false, nextBoundary: next[0] };
  }
  return { working, nextBoundary: null };
}
