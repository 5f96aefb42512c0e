import { Command } from 'commander';
import { classNameTooLong } from '../../../core/name-length.js';
import { normalizeClassName } from '../../../core/protocol/constants.js';
import { type Ctx, withProject } from '../../context.js';
import { UsageError } from '../../errors.js';
import { result } from '../../io.js';
import { parseId, refuse } from '../../options.js';

interface Opts {
  clear?: boolean;
}

/**
 * A blank class is refused (exit 2): clearing is said with --clear, never by an empty variable.
 * So is one longer than any class can be, measured as the server stores it (trimmed, runs of
 * spaces squeezed) and in its words. Sent as written: the server squeezes it.
 */
function parseLeadClass(this: unknown, value: string): string {
  if (!normalizeClassName(value)) throw refuse(this, value, 'a lead class needs a name (to remove the class: --clear)');
  const tooLong = classNameTooLong(value);
  if (tooLong) throw refuse(this, value, tooLong);
  return value;
}

export async function run(dialogId: number, leadClass: string | undefined, opts: Opts, ctx: Ctx): Promise<number> {
  if (leadClass === undefined && !opts.clear) throw new UsageError('give a lead class, or --clear');
  if (leadClass !== undefined && opts.clear) throw new UsageError('give a lead class or --clear, not both');
  const client = await ctx.client();
  const project = await ctx.project(client);
  const dialog = await client.updateDialog(project.id, dialogId, { leadClass: opts.clear ? null : leadClass });
  result(ctx.io, dialog, () =>
    dialog.leadClass ? `Dialog ${dialog.id} is now "${dialog.leadClass}".` : `Dialog ${dialog.id} has no lead class now.`,
  );
  return 0;
}

export default function dialogsClass(ctx: Ctx): Command {
  return withProject(new Command('class'))
    .description("set a dialog's lead class (one of \"parley leads classes list\"), or clear it")
    .argument('<dialog-id>', 'dialog id (see "parley dialogs list")', parseId)
    .argument('[class]', 'the lead class', parseLeadClass)
    .option('--clear', 'remove the class from the dialog')
    .addHelpText('after', '\nExamples:\n  $ parley dialogs class 12 target\n  $ parley dialogs class 12 --clear\n')
    .action((id: number, leadClass: string | undefined, opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(id, leadClass, opts, ctx)));
}
