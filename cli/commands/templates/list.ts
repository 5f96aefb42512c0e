import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';

export async function run(ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const list = await client.templates(project.id);
  const { table, truncate } = await import('../../tables.js');
  result(ctx.io, list, () =>
    list.templates.length
      ? table(['ID', 'NAME', 'TEXT'], list.templates.map((t) => [t.id, t.name, truncate(t.text, 60)]))
      : 'No templates yet: "parley templates add NAME TEXT" or "parley templates import FILE".',
  );
  return 0;
}

export default function templatesList(ctx: Ctx): Command {
  return withProject(new Command('list'))
    .description('list the reply templates of the project, by name')
    .addHelpText('after', '\nExamples:\n  $ parley templates list\n  $ parley templates list --json | jq -r \'.templates[].name\'\n')
    .action((_o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
