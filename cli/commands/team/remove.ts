import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';

export async function run(email: string, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  await client.removeMember(project.id, email);
  result(ctx.io, { email, removed: true, projectId: project.id }, () => `Removed ${email} from "${project.name}".`);
  return 0;
}

export default function teamRemove(ctx: Ctx): Command {
  return withProject(new Command('remove'))
    .description('remove a member: their access to the project and its open connections end at once')
    .argument('<email>', 'their email')
    .addHelpText('after', '\nExample:\n  $ parley team remove ann@example.com\n')
    .action((email: string, _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(email, ctx)));
}
