import { Command } from 'commander';
import { sourceLabel } from '../../../core/leads.js';
import { type Ctx, withProject } from '../../context.js';
import { UsageError } from '../../errors.js';
import { print, result, writeData } from '../../io.js';
import { refuse } from '../../options.js';
import { projectClock } from '../../present.js';
import { allLeads, type FilterOpts, formatLeads, type LeadFormat, parseLeadFormat, withFilters } from './common.js';
import { formatDuration } from './report.js';

interface Opts extends FilterOpts {
  format?: LeadFormat;
  limit?: number;
}

function parseMax(this: unknown, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw refuse(this, value, 'the limit is a positive whole number');
  return n;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  if (opts.format && ctx.io.json && opts.format !== 'json') throw new UsageError(`--json and --format ${opts.format} disagree: give one`);
  const client = await ctx.client();
  const project = await ctx.project(client);
  const { leads, timezone } = await allLeads(client, project.id, opts, opts.limit);
  if (opts.format) {
    writeData(ctx.io, formatLeads(leads, opts.format, { timezone }), opts.format === 'csv' ? 'text' : 'json');
    return 0;
  }
  const { table, truncate } = await import('../../tables.js');
  // The project's times; its zone named in the heading when this terminal is in another.
  const clock = projectClock(timezone);
  result(ctx.io, leads, () =>
    leads.length
      ? table(
          ['ID', clock.heading('CREATED'), 'CLASS', 'OPERATOR', 'VISITOR', 'SOURCE', 'FIRST RESPONSE'],
          leads.map((l) => [
            l.dialogId,
            clock.time(l.createdAt),
            l.leadClass ?? '-',
            l.operator?.name || '-',
            truncate(l.visitor.realName ? `${l.visitor.name} (${l.visitor.realName})` : l.visitor.name, 40),
            sourceLabel(l),
            l.firstResponseSeconds === null ? '-' : formatDuration(l.firstResponseSeconds),
          ]),
        )
      : 'No leads in this range.',
  );
  if (!ctx.io.json && leads.length === opts.limit) print(ctx.io, `(the first ${opts.limit}; more with a higher --limit)`);
  return 0;
}

export default function leadsList(ctx: Ctx): Command {
  return withFilters(withProject(new Command('list')))
    .description('the lead journal: every dialog with its class, operator, visitor and source, oldest first')
    .option('--format <format>', 'print as csv, json or ndjson instead of a table', parseLeadFormat)
    .option('--limit <n>', 'at most this many leads', parseMax)
    .addHelpText(
      'after',
      '\nExamples:\n  $ parley leads list --since 2026-01-01 --class target\n  $ parley leads list --unclassified --json | jq -r \'.[].dialogId\'\n',
    )
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
