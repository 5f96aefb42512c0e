import { Command } from 'commander';
import { type Ctx, withProject } from '../../../context.js';
import { result } from '../../../io.js';
import { findClass, parseClassName } from './common.js';
import { plural } from '../../../present.js';

export async function run(from: string, to: string, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const found = await findClass(client, project.id, from);
  const renamed = await client.renameLeadClass(project.id, found.id, to);
  result(ctx.io, renamed, () =>
    `Renamed the lead class "${found.name}" to "${renamed.name}"${renamed.dialogs ? `, on ${plural(renamed.dialogs, 'dialog')} too` : ''}.`,
  );
  return 0;
}

export default function leadClassesRename(ctx: Ctx): Command {
  return withProject(new Command('rename'))
    .description('rename a lead class, and with it every dialog that has it (admin or settings access)')
    .argument('<old>', 'the current name')
    .argument('<new>', 'the new name', parseClassName)
    .addHelpText('after', '\nExample:\n  $ parley leads classes rename "not target" "not a lead"\n')
    .action((from: string, to: string, _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(from, to, ctx)));
}
