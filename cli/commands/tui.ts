import { Command } from 'commander';
import type { Ctx } from '../context.js';

export default function tuiCommand(ctx: Ctx): Command {
  return new Command('tui')
    .description('open the operator terminal UI (uses the stored login)')
    .addHelpText('after', '\nExample:\n  $ parley login --email operator@example.com && parley tui\n')
    .action(async (_o: unknown, cmd: Command) => {
      ctx.begin(cmd);
      const client = await ctx.client();
      const me = await client.me();
      const { startTui } = await import('../../tui/main.js');
      ctx.keepAlive = true;
      await startTui({ client, me });
    });
}
