import { Command } from 'commander';
import { type Ctx, withProject } from '../../../context.js';
import { result } from '../../../io.js';
import { findClass } from './common.js';
import { plural } from '../../../present.js';

export async function run(name: string, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const found = await findClass(client, project.id, name);
  const removed = await client.removeLeadClass(project.id, found.id);
  result(ctx.io, { id: found.id, ...removed }, () =>
    `Removed the lead class "${removed.name}".${removed.dialogs ? ` ${plural(removed.dialogs, 'dialog')} ${removed.dialogs === 1 ? 'keeps' : 'keep'} it in the journal.` : ''}`,
  );
  return 0;
}

export default function leadClassesRm(ctx: Ctx): Command {
  return withProject(new Command('rm'))
    .description('remove a lead class from the list; dialogs that have it keep it (admin or settings access)')
    .argument('<name>', 'the class name')
    .addHelpText('after', '\nExample:\n  $ parley leads classes rm "existing client"\n')
    .action((name: string, _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(name, ctx)));
}
