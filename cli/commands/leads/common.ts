// Shared by the `parley leads` commands: the journal's filters, reading every page, and the
// three file formats of an export.
import { type Command, Option } from 'commander';
import type { ParleyClient } from '../../../core/client/api.js';
import { formatCsv, neutralizeFormula } from '../../../core/csv.js';
import { classNameTooLong } from '../../../core/name-length.js';
import { normalizeClassName } from '../../../core/protocol/constants.js';
import { parseDate } from '../../../core/schedule-text.js';
import type { Lead } from '../../../core/protocol/index.js';
import { refuse } from '../../options.js';

export const LEAD_FORMATS = ['csv', 'json', 'ndjson'] as const;
export type LeadFormat = (typeof LEAD_FORMATS)[number];

export interface FilterOpts {
  since?: string;
  until?: string;
  class?: string;
  unclassified?: boolean;
}

export function parseLeadFormat(this: unknown, value: string): LeadFormat {
  if (!(LEAD_FORMATS as readonly string[]).includes(value)) throw refuse(this, value, `a format is one of: ${LEAD_FORMATS.join(', ')}`);
  return value as LeadFormat;
}

/** A file name's extension, lower case (`LEADS.NDJSON`: "ndjson"), or null for none. */
export const extensionOf = (path: string): string | null => /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase() ?? null;

/** The format a file name asks for (`leads.json`, `LEADS.NDJSON`), or null when it names none of them. */
export function leadFormatOfPath(path: string): LeadFormat | null {
  const ext = extensionOf(path);
  return (LEAD_FORMATS as readonly string[]).includes(ext ?? '') ? (ext as LeadFormat) : null;
}

/**
 * --class: a blank one is a usage error, not "no class" (a script's empty variable would list the
 * opposite leads); --unclassified asks for those. So is one longer than any class can be, measured
 * as the server stores a class (trimmed, runs of spaces squeezed) and in its words. Case and
 * spaces are the server's to match: the class is sent as written.
 */
export function parseFilterClass(this: unknown, value: string): string {
  if (!normalizeClassName(value)) throw refuse(this, value, 'a lead class needs a name (for dialogs without one: --unclassified)');
  const tooLong = classNameTooLong(value);
  if (tooLong) throw refuse(this, value, tooLong);
  return value;
}

const DATE_HELP = 'YYYY-MM-DD in the project timezone, or a time such as 2026-01-05T09:00 or 2026-01-05T06:00:00Z';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;
const ZONED_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * --since/--until, checked before any request (a mistake is a usage error, exit 2): the forms
 * the server reads, on real days and clock times. Only the server knows the project's timezone,
 * so it is the one that turns them into instants.
 */
export function parseLeadDate(this: unknown, value: string): string {
  const time = LOCAL_TIME.exec(value) ?? ZONED_TIME.exec(value);
  const day = DAY.test(value) ? value : time?.[1];
  if (!day) throw refuse(this, value, `not a date (${DATE_HELP})`);
  try {
    parseDate(day);
  } catch {
    throw refuse(this, value, `no such date: ${day}`);
  }
  const [hour, minute, second] = [time?.[2], time?.[3], time?.[4]].map((n) => Number(n ?? 0));
  if (hour > 23 || minute > 59 || second > 59 || (ZONED_TIME.test(value) && Number.isNaN(Date.parse(value)))) {
    throw refuse(this, value, `not a valid time: ${value}`);
  }
  return value;
}

/** --since/--until (the server reads them in the project's timezone). */
export function withRange(cmd: Command): Command {
  return cmd
    .option('--since <date>', `dialogs created from this day or time (${DATE_HELP})`, parseLeadDate)
    .option('--until <date>', 'dialogs created through this day (or before this time)', parseLeadDate);
}

export function withFilters(cmd: Command): Command {
  return withRange(cmd)
    .option('--class <class>', 'only dialogs of this lead class (whatever its case; also a removed class dialogs still have)', parseFilterClass)
    .addOption(new Option('--unclassified', 'only dialogs nobody classified yet').conflicts('class'));
}

/**
 * Every lead in the filter, page by page (oldest first), at most `max`, and the project's time
 * zone, which their dates are counted in.
 */
export async function allLeads(client: ParleyClient, projectId: number, f: FilterOpts, max = Infinity): Promise<{ leads: Lead[]; timezone: string }> {
  const out: Lead[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await client.leads(projectId, {
      since: f.since,
      until: f.until,
      class: f.class,
      unclassified: f.unclassified || undefined,
      after,
      limit: Math.min(1000, Math.max(1, max - out.length)),
    });
    out.push(...page.leads);
    if (page.next === null || out.length >= max) return { leads: out.slice(0, max), timezone: page.timezone };
    after = page.next;
  }
}

/**
 * The columns of the CSV. Each time is there twice: in UTC (ISO 8601, `…_at`, exact, for
 * programs) and on the project's clock (`…_local`, "2026-11-01 23:30:00", which spreadsheets
 * read as a date and time), with `created_date`, the day `leads report` and --since/--until
 * count the lead on, and `timezone`, the zone those are in.
 */
export const CSV_COLUMNS = [
  'dialog_id',
  'status',
  'created_at',
  'created_local',
  'created_date',
  'first_response_at',
  'first_response_local',
  'first_response_seconds',
  'closed_at',
  'closed_local',
  'timezone',
  'class',
  'operator',
  'operator_email',
  'group',
  'visitor_name',
  'client_name',
  'client_phone',
  'client_email',
  'client_notes',
  'landing_page',
  'page_title',
  'referrer',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
] as const;

const clocks = new Map<string, Intl.DateTimeFormat>();

/** An instant on a zone's clock: its day, its time to the second, and the zone's UTC offset then ("-05:00"). */
export function onClock(iso: string, timeZone: string): { date: string; time: string; offset: string } {
  let clock = clocks.get(timeZone);
  if (!clock) {
    clock = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
    clocks.set(timeZone, clock);
  }
  const p = Object.fromEntries(clock.formatToParts(new Date(iso)).map((part) => [part.type, part.value]));
  // "GMT-05:00"; UTC itself is "GMT".
  const offset = p.timeZoneName === 'GMT' ? '+00:00' : p.timeZoneName.replace(/^GMT/, '');
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}:${p.second}`, offset };
}

/** "2026-11-01 23:30:00" on the zone's clock: what a spreadsheet reads as a date and time. */
const localTime = (iso: string | null, zone: string) => {
  if (!iso) return null;
  const { date, time } = onClock(iso, zone);
  return `${date} ${time}`;
};

/** "2026-11-01T23:30:00-05:00": the same instant as ISO 8601 with the zone's offset. */
const withOffset = (iso: string | null, zone: string) => {
  if (!iso) return null;
  const { date, time, offset } = onClock(iso, zone);
  return `${date}T${time}${offset}`;
};

function csvRow(l: Lead, zone: string): Array<string | number | null> {
  return [
    l.dialogId,
    l.status,
    l.createdAt,
    localTime(l.createdAt, zone),
    onClock(l.createdAt, zone).date,
    l.firstResponseAt,
    localTime(l.firstResponseAt, zone),
    l.firstResponseSeconds === null ? null : Math.round(l.firstResponseSeconds),
    l.closedAt,
    localTime(l.closedAt, zone),
    zone,
    l.leadClass,
    l.operator?.name ?? null,
    l.operator?.email ?? null,
    l.group,
    l.visitor.name,
    l.visitor.realName,
    l.visitor.phone,
    l.visitor.email,
    l.visitor.notes,
    l.landingPage,
    l.pageTitle,
    l.referrer,
    l.utm.source ?? null,
    l.utm.medium ?? null,
    l.utm.campaign ?? null,
    l.utm.term ?? null,
    l.utm.content ?? null,
  ];
}

/** A lead as the JSON files have it: as the API gives it (times in UTC), and its times on the project's clock. */
export function leadWithLocalTimes(l: Lead, zone: string) {
  return {
    ...l,
    timezone: zone,
    local: { createdAt: withOffset(l.createdAt, zone), firstResponseAt: withOffset(l.firstResponseAt, zone), closedAt: withOffset(l.closedAt, zone) },
  };
}

/**
 * The journal as a file, its times in UTC and in `timezone` (the project's, where its days are
 * counted). CSV is RFC 4180 with a header row; what visitors and operators typed cannot run as a
 * spreadsheet formula (a leading = + - @ gets an apostrophe).
 */
export function formatLeads(leads: Lead[], format: LeadFormat, opts: { bom?: boolean; timezone?: string } = {}): string {
  const zone = opts.timezone ?? 'UTC';
  if (format === 'json') return `${JSON.stringify(leads.map((l) => leadWithLocalTimes(l, zone)), null, 2)}\n`;
  if (format === 'ndjson') return leads.map((l) => `${JSON.stringify(leadWithLocalTimes(l, zone))}\n`).join('');
  const rows = leads.map((l) => csvRow(l, zone).map((v) => (typeof v === 'string' ? neutralizeFormula(v) : v)));
  return `${opts.bom ? '\ufeff' : ''}${formatCsv([[...CSV_COLUMNS], ...rows])}`;
}
