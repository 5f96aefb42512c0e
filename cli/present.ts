// Human renderings shared by several commands.
import type { Message } from '../core/protocol/index.js';
import { formatSize } from '../core/format-size.js';
import { localZone } from '../core/time-zone.js';

/** `1 dialog`, `3 dialogs`; `many` when the plural is not the noun with an s. */
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * `value` (what the server answered) with every avatar's and file's URL made absolute at
 * `serverUrl`, the server this CLI talks to. The server gives paths (`/avatars/2?v=…`,
 * `/files/ID/KEY/NAME`), which work only beside its address; what the CLI prints is read by
 * people and by scripts that fetch it (`curl "$(parley profile show --json | jq -r .avatarUrl)"`),
 * so text and JSON give the URL.
 */
export function withAbsoluteUrls<T>(value: T, serverUrl: string): T {
  return JSON.parse(JSON.stringify(value), (key, v: unknown) =>
    typeof v === 'string' && ((key === 'avatarUrl' && v.startsWith('/')) || (key === 'url' && v.startsWith('/files/'))) ? `${serverUrl}${v}` : v,
  ) as T;
}

export const roleOf = (m: { access: string | null; operator: boolean }) =>
  [m.access, m.operator ? 'operator' : null].filter(Boolean).join(', ') || '-';

// ---- dialogs ---------------------------------------------------------------------

/** A formatter per zone: making one costs more than formatting a thousand dates with it. */
const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** The date (YYYY-MM-DD) and time (HH:MM) of `d` in `timeZone`: ["2026-01-05", "09:41"]. */
export function inZone(d: Date, timeZone: string): [string, string] {
  let format = zoneFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    zoneFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(d).map((p) => [p.type, p.value]));
  return [`${parts.year}-${parts.month}-${parts.day}`, `${parts.hour}:${parts.minute}`];
}

/**
 * "09:41" today, "2026-01-05 09:41" on other days, "-" for none, in `timeZone` (a project's,
 * where its days are what the numbers count by; never this computer's, which may be anywhere).
 */
export function formatTime(iso: string | null | undefined, now: Date, timeZone: string): string {
  if (!iso) return '-';
  const [day, time] = inZone(new Date(iso), timeZone);
  return day === inZone(now, timeZone)[0] ? time : `${day} ${time}`;
}

/**
 * A project's times as its people read them: on the project's clock (its time zone, the one its
 * schedules and lead journal count days by), wherever the command runs. When this terminal is in
 * another zone (a shell on a server in UTC) the zone is named, as the TUI names it
 * (tui/state/connection.ts describeWhen): "09:41 (Europe/Berlin)", or in a column's heading.
 */
export interface ProjectClock {
  /** The project's zone when it needs naming (the terminal's is another), else null. */
  readonly named: string | null;
  /** "09:41" today, "2026-01-05 09:41" on other days, "-" for none, in the project's zone. */
  time(iso: string | null | undefined): string;
  /** time(), then the zone when it needs naming: "09:41 (Europe/Berlin)". */
  zoned(iso: string | null | undefined): string;
  /** A column's heading, then the zone when it needs naming: "AT (Europe/Berlin)". */
  heading(label: string): string;
  /** The date alone, "2026-01-05" (today's too), "-" for none, in the project's zone: for days a thing lasts to. */
  day(iso: string | null | undefined): string;
}

export function projectClock(timeZone: string, now = new Date(), terminalZone = localZone()): ProjectClock {
  const named = timeZone === terminalZone ? null : timeZone;
  const suffix = named ? ` (${named})` : '';
  const time = (iso: string | null | undefined) => formatTime(iso, now, timeZone);
  return {
    named,
    time,
    zoned: (iso) => (iso ? time(iso) + suffix : '-'),
    heading: (label) => label + suffix,
    day: (iso) => (iso ? inZone(new Date(iso), timeZone)[0] : '-'),
  };
}

/**
 * This computer's clock, for an operator's own things that belong to no project (their API tokens,
 * a Telegram link, a backup of the whole server): read here, by the person at this terminal, as
 * the TUI shows them. Its zone is the terminal's, so never named; the format is every other time's.
 */
export const localClock = (now = new Date()): ProjectClock => projectClock(localZone(), now);

/**
 * A time in a file that outlives the moment and travels (an export's header): the date always,
 * the zone always named, since whoever reads it may be anywhere: "2026-01-05 09:41 (Europe/Berlin)".
 */
export function stampIn(iso: string, timeZone: string): string {
  const [day, time] = inZone(new Date(iso), timeZone);
  return `${day} ${time} (${timeZone})`;
}

/**
 * "delivered 09:42" / "not delivered" for operator messages; '' for the others, and for private
 * notes, which never go to the visitor (a "not delivered" there would read as a failure).
 */
export function deliveryOf(m: Message, clock: ProjectClock): string {
  if (m.author !== 'operator' || m.private) return '';
  return m.deliveredAt ? `delivered ${clock.time(m.deliveredAt)}` : 'not delivered';
}

/** A message's files in short, for a one-line summary: `📎 me.png`, `📎 3 files`. */
export const filesInShort = (files: ReadonlyArray<{ name: string }>) => (files.length === 1 ? `📎 ${files[0].name}` : `📎 ${files.length} files`);

/**
 * A message as transcript lines: `[time] author: text · state`, later lines indented, then a line
 * per file with its address (made absolute by withAbsoluteUrls: open it, or curl it). A private
 * note says so beside its author, where the eye starts, not after its last line.
 */
export function messageLines(m: Message, visitorName: string, clock: ProjectClock): string {
  const author = m.author === 'visitor' ? visitorName : m.author === 'operator' ? m.operator?.name || 'operator' : 'system';
  const who = m.private ? `${author} (private note)` : author;
  const marks = [m.editedAt ? 'edited' : '', deliveryOf(m, clock)].filter(Boolean).join(', ');
  const [first, ...rest] = m.body.split('\n');
  const lines = [`[${clock.time(m.createdAt)}] ${who}: ${first}`, ...rest.map((l) => `    ${l}`)];
  if (marks) lines[lines.length - 1] += `  · ${marks}`;
  for (const a of m.attachments) lines.push(`    📎 ${a.name} (${a.mime}, ${formatSize(a.size)}) ${a.url}`);
  return lines.join('\n');
}
