import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { UsageError } from '../../errors.js';
import { result } from '../../io.js';
import { collectEmail } from '../../options.js';
import { callSchedules, DAYS, schedulesPath, weekGrid } from './common.js';

interface Opts {
  operator: string[];
  date: string;
  off?: boolean;
  from?: string;
  to?: string;
  add?: boolean;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  if (!opts.off && (opts.from === undefined || opts.to === undefined)) {
    throw new UsageError('give --off, or both --from and --to (see "parley schedule except --help")');
  }
  if (opts.off && (opts.from !== undefined || opts.to !== undefined || opts.add)) {
    throw new UsageError('--off is a whole day off: it takes no --from, --to or --add');
  }
  const client = await ctx.client();
  const project = await ctx.project(client);
  const views = await callSchedules(client, 'POST', `${schedulesPath(project.id)}/exceptions`, {
    operators: opts.operator,
    date: opts.date,
    ...(opts.off ? { off: true } : {}),
    ...(opts.from !== undefined ? { from: opts.from } : {}),
    ...(opts.to !== undefined ? { to: opts.to } : {}),
    ...(opts.add ? { add: true } : {}),
  });
  // Without weekly hours, an exception is the schedule of its date only.
  const dateOnly = views.filter((v) => DAYS.every((d) => v.weekly[d].length === 0)).map((v) => v.email);
  const dateOnlyText = dateOnly.length
    ? `\n${dateOnly.join(', ')} ${dateOnly.length === 1 ? 'has' : 'have'} no weekly hours: on ${opts.date} the exception decides ` +
      `(${opts.off ? 'offline all day' : 'online only in those hours'}); on other days the manual switch does, as before.`
    : '';
  result(ctx.io, { schedules: views }, () =>
    `${opts.date}: ${opts.off ? 'a day off' : `special hours ${opts.from}-${opts.to}`} for ${views.map((v) => v.email).join(', ')}.` +
      `${dateOnlyText}\n\n${weekGrid(views)}`,
  );
  return 0;
}

export default function scheduleExcept(ctx: Ctx): Command {
  return withProject(new Command('except'))
    .description('a date exception: a day off (--off) or special hours (--from/--to) instead of the weekly hours')
    .requiredOption('--operator <email>', 'an operator (repeat for several)', collectEmail)
    .requiredOption('--date <YYYY-MM-DD>', 'the date (project time)')
    .option('--off', 'a day off')
    .option('--from <HH:MM>', 'start of the special hours')
    .option('--to <HH:MM>', 'end of the special hours')
    .option('--add', 'add this interval to the special hours of that date')
    .addHelpText(
      'after',
      '\nExamples:\n  $ parley schedule except --operator ann@example.com --date 2026-12-31 --off\n' +
        '  $ parley schedule except --operator ann@example.com --date 2026-12-30 --from 10:00 --to 15:00\n',
    )
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
