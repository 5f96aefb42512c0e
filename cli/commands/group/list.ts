import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';

export async function run(ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const groups = await client.listGroups(project.id);
  const { groupsTable } = await import('../../tables.js');
  result(ctx.io, groups, () => groupsTable(groups));
  return 0;
}

export default function groupList(ctx: Ctx): Command {
  return withProject(new Command('list'))
    .description('list the groups with their operators (ONLINE: online now / in the group)')
    .addHelpText('after', "\nExample:\n  $ parley group list --json | jq -r '.[] | .name + \": \" + ([.members[].email] | join(\", \"))'\n")
    .action((_o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
