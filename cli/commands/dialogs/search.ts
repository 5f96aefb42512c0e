import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { UsageError } from '../../errors.js';
import { result } from '../../io.js';
import { refuse } from '../../options.js';
import { projectClock } from '../../present.js';

/** The server's bounds (core/protocol DialogSearchQuery), checked before any request. */
const MAX_LIMIT = 100;
const MAX_QUERY = 100;

/** `--limit N` for a search: 1 to 100 (the list commands allow 200; a search answers at most 100). */
function parseSearchLimit(this: unknown, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_LIMIT) throw refuse(this, value, `the limit is a number from 1 to ${MAX_LIMIT}`);
  return n;
}

interface Opts {
  limit?: number;
}

export async function run(words: string[], opts: Opts, ctx: Ctx): Promise<number> {
  const text = words.join(' ').trim();
  if (!text) throw new UsageError('search for some text');
  // Counted as the server counts it, by characters (code points): an emoji is one, not two.
  if ([...text].length > MAX_QUERY) throw new UsageError(`the search text is at most ${MAX_QUERY} characters`);
  const client = await ctx.client();
  const project = await ctx.project(client);
  const found = await client.searchDialogs(project.id, text, opts.limit);
  const { searchTable } = await import('../../tables.js');
  result(ctx.io, found, () => searchTable(found, projectClock(project.timezone)));
  return 0;
}

export default function dialogsSearch(ctx: Ctx): Command {
  return withProject(new Command('search'))
    .description(
      "find dialogs by the visitor's name, the client card (real name, email, phone by its digits, notes) or words from the conversation; any case, newest activity first",
    )
    .summary('find dialogs by visitor, client card or message text')
    .argument('<text...>', 'what to look for (the words are joined with spaces)')
    .option('--limit <n>', `at most this many dialogs (1-${MAX_LIMIT}, default 20)`, parseSearchLimit)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ parley dialogs search anna@example.com',
        '  $ parley dialogs search "order 4711"',
        '  $ parley dialogs search +46 70 123 --json',
        '',
      ].join('\n'),
    )
    .action((words: string[], opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(words, opts, ctx)));
}
