import { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { fields, result } from '../../io.js';
import { localClock } from '../../present.js';

export async function run(ctx: Ctx): Promise<number> {
  const link = await (await ctx.client()).telegramLink();
  // The link is the operator's, not a project's (one chat for all their projects), and is used
  // within minutes by the person at this terminal, phone in hand: their own clock, as the TUI's
  // Telegram window shows it. Same format as every other time the CLI prints.
  const clock = localClock();
  result(ctx.io, link, () =>
    [
      `Open this link on the phone with Telegram (or send "/start ${link.code}" to @${link.bot}):`,
      `  ${link.url}`,
      '',
      fields([
        ['code', link.code],
        ['valid until', clock.zoned(link.expiresAt)],
      ]),
    ].join('\n'),
  );
  return 0;
}

export default function telegramLink(ctx: Ctx): Command {
  return new Command('link')
    .description('link your Telegram chat: prints a one-time link to the bot, valid 15 minutes')
    .addHelpText('after', '\nExamples:\n  $ parley telegram link\n  $ parley telegram link --json | jq -r .url\n')
    .action((_opts: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
