import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';
import { collectEmail } from '../../options.js';
import { membersAdded, parseGroupName } from './common.js';

export async function run(name: string, opts: { operator: string[] }, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const before = await client.getGroup(project.id, name);
  const group = await client.updateGroup(project.id, name, { add: opts.operator });
  result(ctx.io, group, () => membersAdded(opts.operator, before, group));
  return 0;
}

export default function groupAdd(ctx: Ctx): Command {
  return withProject(new Command('add'))
    .description('add operators to a group (already there: no change)')
    .argument('<name>', 'group name', parseGroupName)
    .requiredOption('--operator <email>', 'an operator of the project (repeat for several)', collectEmail)
    .addHelpText('after', '\nExample:\n  $ parley group add wholesale --operator ann@example.com --operator bob@example.com\n')
    .action((name: string, opts: { operator: string[] }, cmd: Command) => ctx.begin(cmd).finish(run(name, opts, ctx)));
}
