// Working hours as people write them: weekdays (`mon-fri`, `sat,sun`, `all`), clock times
// (`09:00`, `24:00` ends a day), intervals, calendar dates and time zones. Shared by the server
// (schedule requests) and `parley apply` (checking a file before anything is sent). The parsers
// throw a plain Error whose message says what is wrong and how to write it.

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Minutes since local midnight, [from, to); `to` may be 1440 (24:00). */
export type Interval = readonly [from: number, to: number];

/** `HH:MM` -> minutes; `24:00` is the end of the day. Null when not a time on the clock. */
export function parseClock(text: string): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return null;
  return h * 60 + min;
}

export function formatClock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** `mon-fri`, `sat,sun`, `mon,wed-fri`, `all`: known weekdays in order, no duplicates. */
export function parseDays(text: string): Weekday[] {
  const out = new Set<Weekday>();
  const raw = text.trim().toLowerCase();
  if (!raw) throw new Error('no weekdays given (for example mon-fri or sat,sun)');
  if (raw === 'all' || raw === 'daily') return [...WEEKDAYS];
  for (const part of raw.split(',')) {
    const [a, b, ...rest] = part.trim().split('-');
    const ia = WEEKDAYS.indexOf(a as Weekday);
    const ib = b === undefined ? ia : WEEKDAYS.indexOf(b as Weekday);
    if (rest.length || ia < 0 || ib < 0) {
      throw new Error(`unknown weekday or range: "${part.trim()}" (use mon tue wed thu fri sat sun, e.g. mon-fri or sat,sun)`);
    }
    if (ib < ia) throw new Error(`weekday range "${part.trim()}" runs backwards (write it from Monday's side, e.g. mon-fri)`);
    for (let i = ia; i <= ib; i++) out.add(WEEKDAYS[i]);
  }
  return WEEKDAYS.filter((d) => out.has(d));
}

export function parseInterval(from: string, to: string): Interval {
  const f = parseClock(from);
  if (f === null) throw new Error(`not a time on the clock: "${from}" (use HH:MM, 00:00 to 24:00)`);
  const t = parseClock(to);
  if (t === null) throw new Error(`not a time on the clock: "${to}" (use HH:MM, 00:00 to 24:00)`);
  if (f >= t) throw new Error(`the interval must end after it starts: ${from} to ${to}`);
  return [f, t];
}

/** `09:00-13:00` as one string. */
export function parseHours(text: string): Interval {
  const m = /^\s*(\S+)\s*-\s*(\S+)\s*$/.exec(text);
  if (!m) throw new Error(`not an interval: "${text}" (use HH:MM-HH:MM, e.g. 09:00-18:00)`);
  return parseInterval(m[1], m[2]);
}

export const formatHours = ([f, t]: Interval) => `${formatClock(f)}-${formatClock(t)}`;

/** mon,tue,wed,thu,fri -> "mon-fri"; mon,wed,thu -> "mon,wed-thu". */
export function formatDays(days: Weekday[]): string {
  if (days.length === WEEKDAYS.length) return 'all';
  const idx = days.map((d) => WEEKDAYS.indexOf(d)).sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1] === idx[j] + 1) j++;
    parts.push(j > i ? `${WEEKDAYS[idx[i]]}-${WEEKDAYS[idx[j]]}` : WEEKDAYS[idx[i]]);
    i = j + 1;
  }
  return parts.join(',');
}

/** A real calendar date `YYYY-MM-DD` (2026-02-30 is not). */
export function parseDate(text: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!m || !d || d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() + 1 !== Number(m[2]) || d.getUTCDate() !== Number(m[3])) {
    throw new Error(`not a real date: "${text}" (use YYYY-MM-DD)`);
  }
  return text;
}

export function overlaps(list: readonly Interval[], [f, t]: Interval): boolean {
  return list.some(([a, b]) => f < b && a < t);
}

/**
 * Zone names (links, mostly) that ICU does not list and whose case is not one capital per word
 * (as titleCase writes it): abbreviations and names with inner capitals, as the zone database
 * spells them.
 */
const ODD_CASE_ZONES = (
  'CET CST6CDT EET EST EST5EDT HST MET MST MST7MDT PST8PDT WET GMT GMT+0 GMT-0 GMT0 UCT GB GB-Eire NZ NZ-CHAT PRC ROC ROK W-SU ' +
  'Etc/GMT Etc/GMT+0 Etc/GMT-0 Etc/GMT0 Etc/UTC Etc/UCT Australia/ACT Australia/LHI Australia/NSW Brazil/DeNoronha ' +
  'Chile/EasterIsland Mexico/BajaNorte Mexico/BajaSur US/Alaska US/Aleutian US/Arizona US/Central US/East-Indiana ' +
  'US/Eastern US/Hawaii US/Indiana-Starke US/Michigan US/Mountain US/Pacific US/Samoa America/Knox_IN ' +
  'America/Argentina/ComodRivadavia'
).split(' ');

/** "america/port_of_spain" -> "America/Port_Of_Spain": one capital per word, the zone database's usual case. */
const titleCase = (zone: string) => zone.toLowerCase().replace(/(^|[/_-])(\p{L})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());

/**
 * The zone's name in the zone database's case (`europe/berlin` is `Europe/Berlin`), or null when
 * there is no such zone. Only the case changes: an older ICU resolves some names to their old
 * links (Europe/Kyiv to Europe/Kiev, Asia/Kolkata to Asia/Calcutta), and a name is kept as its
 * user wrote it. ICU does not say a link's case: it is looked up among the zones ICU lists and
 * the odd-case names above, else, for a name typed all in one case, written one capital per word.
 */
export function canonicalTimeZone(zone: string): string | null {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
  const key = zone.toLowerCase();
  if (resolved.toLowerCase() === key) return resolved;
  const known = [...Intl.supportedValuesOf('timeZone'), ...ODD_CASE_ZONES].find((z) => z.toLowerCase() === key);
  if (known) return known;
  return zone === key || zone === zone.toUpperCase() ? titleCase(zone) : zone;
}

export const isTimeZone = (zone: string): boolean => canonicalTimeZone(zone) !== null;
