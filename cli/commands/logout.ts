import { Command } from 'commander';
import { ApiError } from '../../core/client/api.js';
import type { Ctx } from '../context.js';
import { result } from '../io.js';

export async function run(ctx: Ctx): Promise<number> {
  const store = await ctx.store();
  const state = store.read();
  const login = state.login;
  if (login) {
    const { ParleyClient } = await import('../../core/client/api.js');
    try {
      await new ParleyClient({ url: login.url, token: login.token }).logout();
    } catch (err) {
      // An expired session or a server that is gone: forgetting it locally is all that is left to do.
      if (!(err instanceof ApiError)) throw err;
    }
    store.write({ ...state, login: undefined });
  }
  result(ctx.io, { signedOut: Boolean(login), url: login?.url ?? null }, () =>
    login ? `Signed out of ${login.url}.` : 'Not signed in.',
  );
  return 0;
}

export default function logoutCommand(ctx: Ctx): Command {
  return new Command('logout')
    .description('end the stored session (on the server too) and forget it')
    .addHelpText('after', '\nExample:\n  $ parley logout\n')
    .action((_opts: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
