// Shared by the `parley leads` commands: the journal's filters, reading every page, and the
// three file formats of an export.
import { type Command, Option } from 'commander';
import type { ParleyClient } from '../../../core/client/api.js';
import { formatCsv, neutralizeFormula } from '../../../core/csv.js';
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

/** The format a file name asks for (`leads.json`, `LEADS.NDJSON`), or null when it names none of them. */
export function leadFormatOfPath(path: string): LeadFormat | null {
  const ext = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  return (LEAD_FORMATS as readonly string[]).includes(ext ?? '') ? (ext as LeadFormat) : null;
}

/**
 * --class: a blank one is a usage error, not "no class" (a script's empty variable would list the
 * opposite leads); --unclassified asks for those. Case and spaces are the server's to match.
 */
export function parseFilterClass(this: unknown, value: string): string {
  if (!value.trim()) throw refuse(this, value, 'a lead class needs a name (for dialogs without one: --unclassified)');
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

export const CSV_COLUMNS = [
  'dialog_id',
  'status',
  'created_at',
  'first_response_at',
  'first_response_seconds',
  'closed_at',
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

function csvRow(l: Lead): Array<string | number | null> {
  return [
    l.dialogId,
    l.status,
    l.createdAt,
    l.firstResponseAt,
    l.firstResponseSeconds === null ? null : Math.round(l.firstResponseSeconds),
    l.closedAt,
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

/**
 * The journal as a file. CSV is RFC 4180 with a header row; what visitors and operators typed
 * cannot run as a spreadsheet formula (a leading = + - @ gets an apostrophe).
 */
export function formatLeads(leads: Lead[], format: LeadFormat, opts: { bom?: boolean } = {}): string {
  if (format === 'json') return `${JSON.stringify(leads, null, 2)}\n`;
  if (format === 'ndjson') return leads.map((l) => `${JSON.stringify(l)}\n`).join('');
  const rows = leads.map((l) => csvRow(l).map((v) => (typeof v === 'string' ? neutralizeFormula(v) : v)));
  return `${opts.bom ? '\ufeff' : ''}${formatCsv([[...CSV_COLUMNS], ...rows])}`;
}
