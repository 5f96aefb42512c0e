import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';
import { withAbsoluteUrls } from '../../present.js';

export async function run(ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const members = withAbsoluteUrls(await client.listMembers(project.id), client.url);
  const { membersTable } = await import('../../tables.js');
  result(ctx.io, members, () => membersTable(members));
  return 0;
}

export default function teamList(ctx: Ctx): Command {
  return withProject(new Command('list'))
    .description('list the members of the project')
    .addHelpText('after', '\nExample:\n  $ parley team list --json | jq -r \'.[] | select(.operator) | .email\'\n')
    .action((_o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
