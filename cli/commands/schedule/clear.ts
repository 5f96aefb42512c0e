import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';
import { collectEmail } from '../../options.js';
import { schedulesPath } from './common.js';

export async function run(opts: { operator: string[] }, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  await client.request<void>('POST', `${schedulesPath(project.id)}/clear`, { operators: opts.operator });
  result(ctx.io, { cleared: opts.operator }, () =>
    `Cleared the schedule of ${opts.operator.join(', ')}: the manual switch decides from now on (they keep their current state).`,
  );
  return 0;
}

export default function scheduleClear(ctx: Ctx): Command {
  return withProject(new Command('clear'))
    .description("remove operators' schedules (weekly hours and exceptions)")
    .requiredOption('--operator <email>', 'an operator (repeat for several)', collectEmail)
    .addHelpText('after', '\nExample:\n  $ parley schedule clear --operator ann@example.com\n')
    .action((opts: { operator: string[] }, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
