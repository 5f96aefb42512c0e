import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { UsageError } from '../../errors.js';
import { result } from '../../io.js';
import { readStdinLines } from '../../prompt.js';
import { checkTemplateText, findTemplate, parseTemplateName, textArgument } from './common.js';

interface Opts {
  name?: string;
  text?: string;
}

export async function run(wanted: string, opts: Opts, ctx: Ctx): Promise<number> {
  if (opts.name === undefined && opts.text === undefined) throw new UsageError('nothing to change: give --name or --text');
  const text = opts.text === undefined ? undefined : await textArgument([opts.text], () => readStdinLines(ctx.io));
  if (text !== undefined) checkTemplateText(text, '--text');
  const client = await ctx.client();
  const project = await ctx.project(client);
  const current = await findTemplate(client, project.id, wanted);
  const t = await client.updateTemplate(project.id, current.id, {
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(text !== undefined ? { text } : {}),
  });
  result(ctx.io, t, () => `Updated the template "${t.name}".`);
  return 0;
}

export default function templatesEdit(ctx: Ctx): Command {
  return withProject(new Command('edit'))
    .description('rename a template or replace its text (operators: their own; admins: any)')
    .argument('<name>', 'template name (or id)')
    .option('--name <new-name>', 'the new name (at most 100 characters)', parseTemplateName)
    .option('--text <text>', 'the new text (at most 10,000 characters); "-" reads it from stdin')
    .addHelpText(
      'after',
      '\nExamples:\n  $ parley templates edit Greeting --text "Hi {visitor.name}, {operator.first_name} here."\n  $ parley templates edit Greeting --name Hello --text - < hello.txt\n',
    )
    .action((name: string, opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(name, opts, ctx)));
}
