import { Command } from 'commander';
import { DIALOG_CURSOR_RE, type View, VIEWS } from '../../../core/protocol/constants.js';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';
import { parseLimit, refuse } from '../../options.js';
import { projectClock } from '../../present.js';

function parseView(this: unknown, value: string): View {
  if (!(VIEWS as readonly string[]).includes(value)) throw refuse(this, value, `a view is one of: ${VIEWS.join(', ')}`);
  return value as View;
}

function parseCursor(this: unknown, value: string): string {
  if (!DIALOG_CURSOR_RE.test(value)) throw refuse(this, value, 'a cursor is the "next" value of a previous page ("More: …" below the list)');
  return value;
}

interface Opts {
  view: View;
  limit?: number;
  before?: string;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const list = await client.listDialogs(project.id, { view: opts.view, limit: opts.limit, before: opts.before });
  const { dialogsTable } = await import('../../tables.js');
  result(ctx.io, list, () => dialogsTable(list, { projectId: project.id, limit: opts.limit }, projectClock(project.timezone)));
  return 0;
}

export default function dialogsList(ctx: Ctx): Command {
  return withProject(new Command('list'))
    .description('list the dialogs of a view, newest activity first, with the count of each view')
    .option(
      '--view <view>',
      'mine (open: yours, unassigned in your groups, unassigned without a group), shared (every other open dialog: ' +
        "someone else's, or unassigned in a group you are not in) or archive (closed)",
      parseView,
      'mine',
    )
    .option('--limit <n>', 'at most this many dialogs (1-200, default 50)', parseLimit)
    .option('--before <cursor>', 'the next page: the "next" value of the previous page', parseCursor)
    .addHelpText(
      'after',
      '\nExamples:\n  $ parley dialogs list --view shared\n  $ parley dialogs list --json | jq -r \'.dialogs[] | "\\(.id) \\(.visitor.name)"\'\n',
    )
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
