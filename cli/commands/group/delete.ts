import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';
import { plural } from '../../present.js';
import { parseGroupName } from './common.js';


export async function run(name: string, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const gone = await client.deleteGroup(project.id, name);
  result(ctx.io, gone, () =>
    [
      `Deleted the group "${gone.name}".`,
      gone.dialogsUngrouped ? `${plural(gone.dialogsUngrouped, 'open dialog has', 'open dialogs have')} no group now.` : '',
      gone.rulesRemoved ? `${plural(gone.rulesRemoved, 'URL rule', 'URL rules')} routing to it removed.` : '',
    ]
      .filter(Boolean)
      .join(' '),
  );
  return 0;
}

export default function groupDelete(ctx: Ctx): Command {
  return withProject(new Command('delete'))
    .description('delete a group: its dialogs lose the group, the URL rules naming it go too')
    .argument('<name>', 'group name', parseGroupName)
    .addHelpText('after', '\nExample:\n  $ parley group delete wholesale\n')
    .action((name: string, _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(name, ctx)));
}
