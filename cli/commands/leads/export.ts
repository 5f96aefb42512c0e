import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { cut, UsageError } from '../../errors.js';
import { notice, writeData } from '../../io.js';
import { writeLocalFile } from '../../local-files.js';
import { allLeads, extensionOf, type FilterOpts, formatLeads, type LeadFormat, leadFormatOfPath, parseLeadFormat, withFilters } from './common.js';

/** Spreadsheet files, which a CSV under their name is not: Excel refuses to open leads.xlsx holding CSV. */
const SPREADSHEETS = new Set(['xlsx', 'xlsm', 'xlsb', 'xls', 'ods', 'numbers']);

/**
 * The format -o's file asks for. An extension that names none of them is refused (a usage
 * error, before any request) rather than given CSV under a name that says otherwise; --format
 * overrides any but a spreadsheet's.
 */
function checkOutput(path: string, format: LeadFormat | undefined): void {
  const ext = extensionOf(path);
  if (ext === null || leadFormatOfPath(path)) return;
  const shown = cut(path, 200);
  if (SPREADSHEETS.has(ext)) {
    throw new UsageError(`cannot write ${shown}: leads export writes CSV, JSON or NDJSON, not .${ext}; name the file .csv (spreadsheets open it)`);
  }
  if (!format) throw new UsageError(`cannot tell the format from ${shown}: name the file .csv, .json or .ndjson, or pass --format`);
}

interface Opts extends FilterOpts {
  format?: LeadFormat;
  output?: string;
  bom?: boolean;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  // --format wins; else the output file's extension (as for templates export); else --json; else CSV.
  if (opts.output) checkOutput(opts.output, opts.format);
  const named = opts.output ? leadFormatOfPath(opts.output) : null;
  const format = opts.format ?? named ?? (ctx.io.json ? 'json' : 'csv');
  if (ctx.io.json && format !== 'json') {
    // What disagrees is the path's extension: the path is quoted whole unless it is absurdly long.
    throw new UsageError(`--json and ${opts.format ? `--format ${format}` : `--output ${cut(opts.output ?? '', 200)}`} disagree: give one`);
  }
  const client = await ctx.client();
  const project = await ctx.project(client);
  const { leads, timezone } = await allLeads(client, project.id, opts);
  const text = formatLeads(leads, format, { bom: opts.bom, timezone });
  if (opts.output) {
    await writeLocalFile(opts.output, text);
    notice(ctx.io, `Wrote ${leads.length} lead${leads.length === 1 ? '' : 's'} of "${project.name}" to ${opts.output}.`);
  } else {
    // Exactly to a file or a pipe; on a terminal, what visitors sent (page titles, referrers,
    // UTM tags, the client card) cannot act on it.
    writeData(ctx.io, text, format === 'csv' ? 'text' : 'json');
  }
  return 0;
}

export default function leadsExport(ctx: Ctx): Command {
  return withFilters(withProject(new Command('export')))
    .description(
      'export the lead journal (RFC 4180 CSV with a header row, JSON or NDJSON): dialog, times, class, operator, group, visitor and client card, landing page, referrer, UTM tags',
    )
    .summary('export the lead journal as CSV, JSON or NDJSON')
    .option('--format <format>', 'csv, json or ndjson (default: from --output\'s extension, else csv)', parseLeadFormat)
    .option('-o, --output <file>', 'write to this file instead of stdout (.csv, .json or .ndjson; another extension needs --format; never .xlsx)')
    .option('--bom', 'start the CSV with a UTF-8 byte-order mark (Excel then reads non-English text right)')
    .addHelpText(
      'after',
      [
        '',
        'Times are in UTC (created_at, …; createdAt, … in JSON) and on the project\'s clock, in its time zone',
        '(created_local "2026-11-01 23:30:00", created_date, the day leads report counts; in JSON "local",',
        'with the offset: "2026-11-01T23:30:00-05:00"); the timezone column names the zone.',
        '',
        'Examples:',
        '  $ parley leads export --since 2026-01-01 --until 2026-01-31 -o january.csv',
        '  $ parley leads export -o leads.json',
        '  $ parley leads export --format ndjson | jq -c \'select(.leadClass == "target")\'',
        '',
      ].join('\n'),
    )
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
