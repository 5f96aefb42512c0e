import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';
import { statusText } from '../../present.js';

export async function run(ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const status = await client.getStatus(project.id);
  result(ctx.io, status, () => statusText(status, project.name));
  return 0;
}

export default function statusShow(ctx: Ctx): Command {
  return withProject(new Command('show'))
    .description('show whether you are online, why, since when, and how many operators are online')
    .addHelpText('after', '\nExample:\n  $ parley status show --json | jq .operatorsOnline\n')
    .action((_o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
