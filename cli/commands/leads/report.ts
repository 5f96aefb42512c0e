import { Command } from 'commander';
import type { LeadsReport } from '../../../core/protocol/index.js';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';
import { type FilterOpts, withRange } from './common.js';

type Opts = Pick<FilterOpts, 'since' | 'until'>;

/** 45s, 3m 20s, 1h 5m, 2d 3h. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)}m` : ''}`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600) ? ` ${Math.floor((s % 86_400) / 3600)}h` : ''}`;
}

const BAR_WIDTH = 40;

/** A titled chart: one line per entry, labels aligned, bars scaled to the biggest count. */
export function barChart(title: string, entries: Array<[label: string, count: number]>, block: string): string {
  if (!entries.length) return `${title}\n  (none)`;
  const max = Math.max(...entries.map(([, n]) => n));
  const width = Math.max(...entries.map(([l]) => [...l].length));
  const lines = entries.map(([label, n]) => {
    const bar = max ? block.repeat(n ? Math.max(1, Math.round((n / max) * BAR_WIDTH)) : 0) : '';
    return `  ${label}${' '.repeat(width - [...label].length)}  ${bar}${bar ? ' ' : ''}${n}`.trimEnd();
  });
  return [title, ...lines].join('\n');
}

export function renderReport(r: LeadsReport, projectName: string, opts: Opts, block: string): string {
  const range = opts.since || opts.until ? `, ${opts.since ?? 'the start'} to ${opts.until ?? 'now'}` : '';
  const fr = r.firstResponse;
  return [
    `Leads of "${projectName}"${range} (${r.timezone}): ${r.total}`,
    `Median first response: ${fr.medianSeconds === null ? '-' : formatDuration(fr.medianSeconds)} (${fr.answered} answered, ${fr.unanswered} not answered)`,
    '',
    barChart('By class', r.byClass.map((e) => [e.class ?? '(unclassified)', e.count]), block),
    '',
    barChart('By source', r.bySource.map((e) => [e.source ?? '(direct)', e.count]), block),
    '',
    barChart('By operator', r.byOperator.map((e) => [e.operator ? e.operator.name || e.operator.email : '(unassigned)', e.count]), block),
    '',
    barChart('By day', r.byDay.map((e) => [e.day, e.count]), block),
  ].join('\n');
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const report = await client.leadsReport(project.id, { since: opts.since, until: opts.until });
  result(ctx.io, report, () => renderReport(report, project.name, opts, ctx.io.stdoutIsTTY ? '█' : '#'));
  return 0;
}

export default function leadsReport(ctx: Ctx): Command {
  return withRange(withProject(new Command('report')))
    .description('totals of the lead journal by class, source (UTM source or referrer), operator and day, with the median first response time')
    .summary('lead totals by class, source, operator and day')
    .addHelpText(
      'after',
      '\nExamples:\n  $ parley leads report --since 2026-01-01 --until 2026-01-31\n  $ parley leads report --json | jq .byClass\n',
    )
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
