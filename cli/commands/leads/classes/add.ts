import { Command } from 'commander';
import { type Ctx, withProject } from '../../../context.js';
import { result } from '../../../io.js';
import { parseClassName } from './common.js';

export async function run(name: string, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const added = await client.addLeadClass(project.id, name);
  result(ctx.io, added, () => `Added the lead class "${added.name}" to "${project.name}".`);
  return 0;
}

export default function leadClassesAdd(ctx: Ctx): Command {
  return withProject(new Command('add'))
    .description('add a lead class at the end of the list; dialogs that kept a removed class of that name, in any case, have it again (admin or settings access)')
    .argument('<name>', 'the class name', parseClassName)
    .addHelpText('after', '\nExample:\n  $ parley leads classes add wholesale\n')
    .action((name: string, _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(name, ctx)));
}
