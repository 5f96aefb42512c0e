import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';
import { parseGroupName } from './common.js';

export async function run(name: string, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const group = await client.createGroup(project.id, name);
  result(ctx.io, group, () =>
    `Created the group "${group.name}" in "${project.name}". Add operators: parley group add "${group.name}" --operator EMAIL`,
  );
  return 0;
}

export default function groupCreate(ctx: Ctx): Command {
  return withProject(new Command('create'))
    .description('create an operator group (admin or settings access)')
    .argument('<name>', 'group name, unique in the project (case-insensitive)', parseGroupName)
    .addHelpText('after', '\nExample:\n  $ parley group create wholesale\n')
    .action((name: string, _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(name, ctx)));
}
