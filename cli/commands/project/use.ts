import { Command } from 'commander';
import { findProject, type Ctx } from '../../context.js';
import { result } from '../../io.js';

export async function run(projectArg: string, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await findProject(client, projectArg);
  const store = await ctx.store();
  const state = store.read();
  store.write({ ...state, projects: { ...state.projects, [client.url]: project.id } });
  result(ctx.io, { id: project.id, name: project.name, url: client.url }, () =>
    `Commands now work on "${project.name}" (id ${project.id}) by default.`,
  );
  return 0;
}

export default function projectUse(ctx: Ctx): Command {
  return new Command('use')
    .description('make a project the default for later commands (per server)')
    .argument('<project>', 'project id or name')
    .addHelpText('after', '\nExample:\n  $ parley project use 1\n')
    .action((p: string, _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(p, ctx)));
}
