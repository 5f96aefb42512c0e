// `parley logout` ends the credentials the other commands would use, and nothing else: the
// token of --token (or PARLEY_TOKEN), else the stored login, but only for the server of --url
// (or PARLEY_URL) when one is named. `--url B logout` with a login on A leaves A signed in.
import { Command } from 'commander';
import { ApiError, ParleyClient } from '../../core/client/api.js';
import type { Ctx } from '../context.js';
import { result } from '../io.js';

export async function run(ctx: Ctx): Promise<number> {
  const store = await ctx.store();
  const state = store.read();
  const login = state.login;
  const url = await ctx.serverUrl();
  const token = ctx.flags.token ?? ctx.io.env.PARLEY_TOKEN;

  if (token) {
    // A token that the server refuses is reported as for any command (exit 4): it may be a typo.
    await new ParleyClient({ url, token }).logout();
    // It may have been the stored login's own session, which is now of no use.
    if (login?.url === url && login.token === token) store.write({ ...state, login: undefined });
    result(ctx.io, { signedOut: true, url }, () => `Signed out of ${url}: that token no longer works.`);
    return 0;
  }

  // Named a server (or the stored login's, by default): is that where the stored login is?
  const named = ctx.flags.url !== undefined || ctx.io.env.PARLEY_URL !== undefined;
  if (!login || login.url !== url) {
    result(ctx.io, { signedOut: false, url: named ? url : null }, () => (named ? `Not signed in to ${url}.` : 'Not signed in.'));
    return 0;
  }
  try {
    await new ParleyClient({ url: login.url, token: login.token }).logout();
  } catch (err) {
    // An expired session or a server that is gone: forgetting it locally is all that is left to do.
    if (!(err instanceof ApiError)) throw err;
  }
  store.write({ ...state, login: undefined });
  result(ctx.io, { signedOut: true, url: login.url }, () => `Signed out of ${login.url}.`);
  return 0;
}

export default function logoutCommand(ctx: Ctx): Command {
  return new Command('logout')
    .description(
      'end the stored session (on the server too) and forget it; with --url, only if it is for that server; with --token, end that token instead',
    )
    .summary('end the stored session (on the server too) and forget it')
    .addHelpText('after', '\nExamples:\n  $ parley logout\n  $ parley logout --token "$SESSION"\n')
    .action((_opts: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
