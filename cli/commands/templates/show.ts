import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { fields, result } from '../../io.js';
import { projectClock } from '../../present.js';
import { findTemplate } from './common.js';

export async function run(wanted: string, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const t = await findTemplate(client, project.id, wanted);
  const clock = projectClock(project.timezone);
  result(ctx.io, t, () =>
    [
      fields([
        ['name', t.name],
        ['id', t.id],
        ['created', clock.zoned(t.createdAt)],
        ['updated', clock.zoned(t.updatedAt)],
      ]),
      '',
      t.text,
    ].join('\n'),
  );
  return 0;
}

export default function templatesShow(ctx: Ctx): Command {
  return withProject(new Command('show'))
    .description('show a template with its whole text')
    .argument('<name>', 'template name (or id)')
    .addHelpText('after', '\nExamples:\n  $ parley templates show Greeting\n  $ parley templates show Greeting --json | jq -r .text\n')
    .action((name: string, _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(name, ctx)));
}
