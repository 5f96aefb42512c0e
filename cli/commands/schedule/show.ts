import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';
import { type ScheduleView, schedulesPath, weekGrid } from './common.js';

export async function run(opts: { operator?: string }, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const q = opts.operator !== undefined ? `?operator=${encodeURIComponent(opts.operator)}` : '';
  const { schedules } = await client.request<{ schedules: ScheduleView[] }>('GET', `${schedulesPath(project.id)}${q}`);
  result(ctx.io, { schedules }, () => weekGrid(schedules));
  return 0;
}

export default function scheduleShow(ctx: Ctx): Command {
  return withProject(new Command('show'))
    .description('the working hours of every operator (or of one) as a week grid; --json for scripts')
    .option('--operator <email>', 'only this operator')
    .addHelpText('after', '\nExamples:\n  $ parley schedule show\n  $ parley schedule show --operator ann@example.com --json\n')
    .action((opts: { operator?: string }, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
