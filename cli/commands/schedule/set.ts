import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';
import { collectEmail, refuse } from '../../options.js';
import { callSchedules, schedulesPath, weekGrid } from './common.js';

interface Opts {
  operator: string[];
  days: string;
  from: string;
  to: string;
  tz?: string;
  add?: boolean;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const views = await callSchedules(client, 'PUT', schedulesPath(project.id), {
    operators: opts.operator,
    days: opts.days,
    from: opts.from,
    to: opts.to,
    ...(opts.tz !== undefined ? { timezone: opts.tz } : {}),
    ...(opts.add ? { add: true } : {}),
  });
  result(ctx.io, { schedules: views }, () => `Schedule set for ${views.length} operator${views.length === 1 ? '' : 's'}.\n\n${weekGrid(views)}`);
  return 0;
}

function parseDaysOption(this: unknown, value: string): string {
  if (!value.trim()) throw refuse(this, value, 'the days must not be empty: mon-fri, sat,sun, mon,wed-fri or all');
  return value;
}

export default function scheduleSet(ctx: Ctx): Command {
  return withProject(new Command('set'))
    .description('set the same working hours for one or more operators (replaces those days unless --add)')
    .requiredOption('--operator <email>', 'an operator (repeat for several)', collectEmail)
    .requiredOption('--days <days>', 'weekdays: mon-fri, sat,sun, mon,wed-fri or all', parseDaysOption)
    .requiredOption('--from <HH:MM>', 'start of the interval (project time)')
    .requiredOption('--to <HH:MM>', 'end of the interval (24:00 = end of day)')
    .option('--tz <zone>', "also set the project's timezone (IANA name, e.g. Europe/Moscow)")
    .option('--add', 'add this interval to those days instead of replacing them')
    .addHelpText(
      'after',
      '\nExamples:\n  $ parley schedule set --operator ann@example.com --operator bob@example.com --days mon-fri --from 09:00 --to 13:00\n' +
        '  $ parley schedule set --operator ann@example.com --days mon-fri --from 14:00 --to 18:00 --add\n',
    )
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
