import { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { parseProjectName } from '../../options.js';
import { fields, result } from '../../io.js';

export async function run(name: string, ctx: Ctx): Promise<number> {
  const project = await (await ctx.client()).createProject(name);
  result(ctx.io, project, () =>
    [
      `Project "${project.name}" created (id ${project.id}).`,
      fields([['widget key', project.widgetKey]]),
      `Make it the default: parley project use ${project.id}`,
    ].join('\n'),
  );
  return 0;
}

export default function projectCreate(ctx: Ctx): Command {
  return new Command('create')
    .description('create a project (server administrators only); you become its admin')
    .argument('<name>', 'project name, e.g. the site it serves', parseProjectName)
    .addHelpText('after', '\nExample:\n  $ parley project create "Acme shop"\n')
    .action((name: string, _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(name, ctx)));
}
