// parley admin disable|enable EMAIL: a server administrator ends an account's access (every
// session and API token, its open sockets) or gives it back.
import { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { result } from '../../io.js';

export async function run(email: string, disabled: boolean, ctx: Ctx): Promise<number> {
  const state = await (await ctx.client()).setAccountDisabled(email, disabled);
  result(ctx.io, state, () =>
    state.disabled
      ? `${state.email} is disabled: every session and API token of the account has ended, and it cannot sign in.`
      : `${state.email} is enabled: it can sign in again with its password.`,
  );
  return 0;
}

export function adminDisable(ctx: Ctx): Command {
  return new Command('disable')
    .description('disable an account: ends its sessions, API tokens and open sockets; it cannot sign in (server administrators)')
    .argument('<email>', "the account's login email")
    .addHelpText('after', '\nExample:\n  $ parley admin disable bob@example.com\n')
    .action((email: string, _opts: unknown, cmd: Command) => ctx.begin(cmd).finish(run(email, true, ctx)));
}

export function adminEnable(ctx: Ctx): Command {
  return new Command('enable')
    .description('enable a disabled account again (server administrators)')
    .argument('<email>', "the account's login email")
    .addHelpText('after', '\nExample:\n  $ parley admin enable bob@example.com\n')
    .action((email: string, _opts: unknown, cmd: Command) => ctx.begin(cmd).finish(run(email, false, ctx)));
}
