import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';
import { findTemplate } from './common.js';

export async function run(wanted: string, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const t = await findTemplate(client, project.id, wanted);
  await client.deleteTemplate(project.id, t.id);
  result(ctx.io, { id: t.id, name: t.name, removed: true }, () => `Removed the template "${t.name}".`);
  return 0;
}

export default function templatesRm(ctx: Ctx): Command {
  return withProject(new Command('rm'))
    .description('delete a template (operators: their own; admins: any)')
    .argument('<name>', 'template name (or id)')
    .addHelpText('after', '\nExample:\n  $ parley templates rm "Old greeting"\n')
    .action((name: string, _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(name, ctx)));
}
