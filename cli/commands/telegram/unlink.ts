import { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { result } from '../../io.js';

export async function run(ctx: Ctx): Promise<number> {
  const reply = await (await ctx.client()).telegramUnlink();
  result(ctx.io, reply, () => (reply.unlinked ? 'Your Telegram chat is unlinked: chats no longer arrive there.' : 'No Telegram chat was linked.'));
  return 0;
}

export default function telegramUnlink(ctx: Ctx): Command {
  return new Command('unlink')
    .description('unlink your Telegram chat (the bot tells the chat)')
    .addHelpText('after', '\nExample:\n  $ parley telegram unlink\n')
    .action((_opts: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
