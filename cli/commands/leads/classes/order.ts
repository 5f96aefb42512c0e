import { Command } from 'commander';
import { type Ctx, withProject } from '../../../context.js';
import { result } from '../../../io.js';
import { parseClassRef } from './common.js';

/** Each name as `add` measures a name (commander hands a variadic argument's words over one by one). */
function parseNames(this: unknown, value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), parseClassRef.call(this, value)];
}

export async function run(names: string[], ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const list = await client.orderLeadClasses(project.id, names);
  result(ctx.io, list, () => `The lead classes of "${project.name}", in order:\n${list.classes.map((c) => `  ${c.name}`).join('\n')}`);
  return 0;
}

export default function leadClassesOrder(ctx: Ctx): Command {
  return withProject(new Command('order'))
    .description('set the order operators see the lead classes in: the named ones first, in the order given, the others after them as they were (admin or settings access)')
    .argument('<name...>', 'class names, in the order wanted (any case)', parseNames)
    .addHelpText('after', '\nExamples:\n  $ parley leads classes order wholesale          # wholesale first, the rest as they were\n  $ parley leads classes order target "existing client" "not target" spam\n')
    .action((names: string[], _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(names, ctx)));
}
