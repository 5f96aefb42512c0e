import { Command } from 'commander';
import { type Ctx, withProject } from '../../../context.js';
import { result } from '../../../io.js';

export async function run(ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const list = await client.leadClasses(project.id);
  result(ctx.io, list, () => (list.classes.length ? list.classes.map((c) => c.name).join('\n') : 'No lead classes.'));
  return 0;
}

export default function leadClassesList(ctx: Ctx): Command {
  return withProject(new Command('list'))
    .description('list the lead classes of the project, in the order operators see them')
    .addHelpText('after', '\nExample:\n  $ parley leads classes list --json | jq -r \'.classes[].name\'\n')
    .action((_o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
