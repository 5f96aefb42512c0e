// Human renderings shared by several commands.
import type { Attachment, Message } from '../core/protocol/index.js';
import { formatSize } from '../core/format-size.js';

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

const pad = (n: number) => String(n).padStart(2, '0');
const localDay = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

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
 * "09:41" today, "2026-01-05 09:41" on other days, "-" for none: in this computer's time, or in
 * `timeZone` (a project's, where its days are what the numbers count by).
 */
export function formatTime(iso: string | null | undefined, now = new Date(), timeZone?: string): string {
  if (!iso) return '-';
  const d = new Date(iso);
  const [day, time] = timeZone ? inZone(d, timeZone) : [localDay(d), `${pad(d.getHours())}:${pad(d.getMinutes())}`];
  const today = timeZone ? inZone(now, timeZone)[0] : localDay(now);
  return day === today ? time : `${day} ${time}`;
}

/** One line of at most `max` characters (newlines become spaces; an ellipsis marks the cut). */
export function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('')}…`;
}

/** "delivered 09:42" / "not delivered" for operator messages; '' for the others. */
export function deliveryOf(m: Message): string {
  if (m.author !== 'operator') return '';
  return m.deliveredAt ? `delivered ${formatTime(m.deliveredAt)}` : 'not delivered';
}

/** A message's files in short, for a one-line summary: `📎 me.png`, `📎 3 files`. */
export const filesInShort = (files: Attachment[]) => (files.length === 1 ? `📎 ${files[0].name}` : `📎 ${files.length} files`);

/**
 * A message as transcript lines: `[time] author: text · state`, later lines indented, then a line
 * per file with its address (made absolute by withAbsoluteUrls: open it, or curl it).
 */
export function messageLines(m: Message, visitorName: string): string {
  const who = m.author === 'visitor' ? visitorName : m.author === 'operator' ? m.operator?.name || 'operator' : 'system';
  const marks = [m.editedAt ? 'edited' : '', deliveryOf(m)].filter(Boolean).join(', ');
  const [first, ...rest] = m.body.split('\n');
  const lines = [`[${formatTime(m.createdAt)}] ${who}: ${first}`, ...rest.map((l) => `    ${l}`)];
  if (marks) lines[lines.length - 1] += `  · ${marks}`;
  for (const a of m.attachments) lines.push(`    📎 ${a.name} (${a.mime}, ${formatSize(a.size)}) ${a.url}`);
  return lines.join('\n');
}
