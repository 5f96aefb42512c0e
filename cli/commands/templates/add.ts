import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';
import { readStdinLines } from '../../prompt.js';
import { checkTemplateText, parseTemplateName, textArgument } from './common.js';

export async function run(name: string, words: string[], ctx: Ctx): Promise<number> {
  const text = await textArgument(words, () => readStdinLines(ctx.io));
  checkTemplateText(text, 'the text');
  const client = await ctx.client();
  const project = await ctx.project(client);
  const t = await client.createTemplate(project.id, { name, text });
  result(ctx.io, t, () => `Added the template "${t.name}" to "${project.name}" (id ${t.id}).`);
  return 0;
}

export default function templatesAdd(ctx: Ctx): Command {
  return withProject(new Command('add'))
    .description('add a reply template; placeholders {visitor.name} {operator.first_name} {operator.last_name} {project.name} are filled when it is inserted')
    .summary('add a reply template')
    .argument('<name>', 'a name operators recognise it by (unique in the project, at most 100 characters)', parseTemplateName)
    .argument('<text...>', 'the text, at most 10,000 characters; "-" reads it from stdin (keeps line breaks, drops the one newline ending the input)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ parley templates add Greeting "Hello, {visitor.name}! I am {operator.first_name}, how can I help?"',
        '  $ parley templates add Delivery - < delivery.txt',
        '',
      ].join('\n'),
    )
    .action((name: string, words: string[], _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(name, words, ctx)));
}
