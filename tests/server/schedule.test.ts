// Working time as instants, across weeks, exceptions and DST changes.
import { describe, expect, it } from 'vitest';
import { canonicalTimeZone } from '../../core/schedule-text.js';
import { instantOf, parseClock, scheduleState, type WorkSchedule } from '../../server/services/schedule.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const nineToSix = [[9 * 60, 18 * 60]] as const;
const weekdays = { mon: nineToSix, tue: nineToSix, wed: nineToSix, thu: nineToSix, fri: nineToSix };

describe('time zone names', () => {
  it("take the zone database's case, and are otherwise kept as written (an old ICU's link is not the name)", () => {
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('America/New_York')).toBe('America/New_York');
    expect(canonicalTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(canonicalTimeZone('Europe/Kyiv')).toBe('Europe/Kyiv');
    expect(canonicalTimeZone('Mars/Olympus')).toBeNull();
  });
});

describe('clock times', () => {
  it('parses HH:MM on the clock, 24:00 as the end of a day, and nothing else', () => {
    expect(parseClock('09:30')).toBe(570);
    expect(parseClock('24:00')).toBe(1440);
    for (const bad of ['9:30', '24:01', '12:60', '25:00', 'noon', '']) expect(parseClock(bad)).toBeNull();
  });
});

describe('instants of wall times', () => {
  it('follows the zone offset, including DST in New York', () => {
    expect(iso(instantOf(2026, 1, 15, 9 * 60, 'America/New_York'))).toBe('2026-01-15T14:00:00.000Z');
    expect(iso(instantOf(2026, 7, 15, 9 * 60, 'America/New_York'))).toBe('2026-07-15T13:00:00.000Z');
    expect(iso(instantOf(2026, 7, 15, 9 * 60, 'Europe/Moscow'))).toBe('2026-07-15T06:00:00.000Z');
  });

  it('moves a skipped wall time past the spring gap and takes the first of a repeated one', () => {
    // 2026-03-08 02:30 does not exist in New York: 03:30 EDT.
    expect(iso(instantOf(2026, 3, 8, 150, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
    // 2026-11-01 01:30 happens twice: the first time is EDT.
    expect(iso(instantOf(2026, 11, 1, 90, 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
  });
});

describe('scheduleState', () => {
  const moscow: WorkSchedule = { timezone: 'Europe/Moscow', weekly: { ...weekdays, mon: [[9 * 60, 13 * 60], [14 * 60, 18 * 60]] } };

  it('walks a week with two intervals on Monday', () => {
    // 2026-01-05 is a Monday.
    expect(scheduleState(moscow, at('2026-01-05T05:59:59Z'))).toEqual({ working: false, nextBoundary: at('2026-01-05T06:00:00Z') });
    expect(scheduleState(moscow, at('2026-01-05T06:00:00Z'))).toEqual({ working: true, nextBoundary: at('2026-01-05T10:00:00Z') });
    expect(scheduleState(moscow, at('2026-01-05T10:30:00Z'))).toEqual({ working: false, nextBoundary: at('2026-01-05T11:00:00Z') });
    expect(scheduleState(moscow, at('2026-01-05T15:00:00Z'))).toEqual({ working: false, nextBoundary: at('2026-01-06T06:00:00Z') });
    // Friday evening: next is Monday morning.
    expect(scheduleState(moscow, at('2026-01-09T15:00:00Z')).nextBoundary).toBe(at('2026-01-12T06:00:00Z'));
  });

  it('applies date exceptions: a day off and special hours', () => {
    const s: WorkSchedule = { ...moscow, exceptions: { '2026-01-06': [], '2026-01-07': [[12 * 60, 15 * 60]] } };
    expect(scheduleState(s, at('2026-01-05T16:00:00Z')).nextBoundary).toBe(at('2026-01-07T09:00:00Z'));
    expect(scheduleState(s, at('2026-01-07T10:00:00Z'))).toEqual({ working: true, nextBoundary: at('2026-01-07T12:00:00Z') });
  });

  it('joins a night shift across midnight', () => {
    const s: WorkSchedule = { timezone: 'UTC', weekly: { mon: [[22 * 60, 1440]], tue: [[0, 6 * 60]] } };
    expect(scheduleState(s, at('2026-01-05T23:00:00Z'))).toEqual({ working: true, nextBoundary: at('2026-01-06T06:00:00Z') });
  });

  it('keeps 09:00 at 09:00 local across the DST change in New York', () => {
    const ny: WorkSchedule = { timezone: 'America/New_York', weekly: weekdays };
    // Friday 2026-03-06 evening (EST) -> Monday 2026-03-09 09:00 EDT = 13:00Z.
    expect(scheduleState(ny, at('2026-03-06T23:30:00Z')).nextBoundary).toBe(at('2026-03-09T13:00:00Z'));
    // Friday 2026-10-30 evening (EDT) -> Monday 2026-11-02 09:00 EST = 14:00Z.
    expect(scheduleState(ny, at('2026-10-30T22:30:00Z')).nextBoundary).toBe(at('2026-11-02T14:00:00Z'));
  });

  it('has no boundary at all for an empty schedule', () => {
    expect(scheduleState({ timezone: 'UTC', weekly: {} }, at('2026-01-05T12:00:00Z'))).toEqual({ working: false, nextBoundary: null });
  });
});

describe('scheduleState around the clock', () => {
  const allDay = [[0, 24 * 60]] as const;
  const always = (timezone: string, exceptions?: WorkSchedule['exceptions']): WorkSchedule => ({
    timezone,
    weekly: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay },
    exceptions,
  });

  it('has no end to tell, rather than the edge of the days it looked at', () => {
    expect(scheduleState(always('UTC'), at('2026-12-04T00:31:00Z'))).toEqual({ working: true, nextBoundary: null });
    expect(scheduleState(always('America/New_York'), at('2026-03-07T12:00:00Z'))).toEqual({ working: true, nextBoundary: null });
  });

  it('ends at a day off: this week, at the edge of the first week looked at, or months ahead', () => {
    // 2026-12-04 is a Friday; the first look covers the local dates up to 2026-12-12.
    const now = at('2026-12-04T00:31:00Z');
    expect(scheduleState(always('UTC', { '2026-12-08': [] }), now)).toEqual({ working: true, nextBoundary: at('2026-12-08T00:00:00Z') });
    expect(scheduleState(always('UTC', { '2026-12-13': [] }), now).nextBoundary).toBe(at('2026-12-13T00:00:00Z'));
    expect(scheduleState(always('UTC', { '2027-06-01': [] }), now).nextBoundary).toBe(at('2027-06-01T00:00:00Z'));
    expect(scheduleState(always('Asia/Tokyo', { '2027-06-01': [[10 * 60, 24 * 60]] }), now).nextBoundary).toBe(at('2027-05-31T15:00:00Z'));
  });
});
