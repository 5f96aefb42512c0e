import { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { result } from '../../io.js';

export async function run(ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const projects = await client.listProjects();
  const { projectsTable } = await import('../../tables.js');
  const defaultId = (await ctx.store()).read().projects?.[client.url];
  result(ctx.io, projects, () => projectsTable(projects, defaultId));
  return 0;
}

export default function projectList(ctx: Ctx): Command {
  return new Command('list')
    .description('list the projects you belong to (* marks the default)')
    .addHelpText('after', '\nExample:\n  $ parley project list --json\n')
    .action((_o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
