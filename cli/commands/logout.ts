// `parley logout` ends the credentials the other commands would use, and nothing else: the
// token of --token (or PARLEY_TOKEN), else the stored login, but only for the server of --url
// (or PARLEY_URL) when one is named. `--url B logout` with a login on A leaves A signed in.
// Signing out does not take an operator offline: where they switched themselves online, visitors
// go on writing to "an operator online" with nobody at the terminal. So logout says where, and
// with --offline goes offline there first.
import { Command } from 'commander';
import { ApiError, ParleyClient } from '../../core/client/api.js';
import type { Ctx } from '../context.js';
import { result, warn } from '../io.js';

interface Opts {
  offline?: boolean;
}

type ProjectRef = { id: number; name: string };

/**
 * What signing out did to the operator's status: `stillOnline` is null when the server could not
 * tell (`failure` says why).
 */
interface Leaving {
  wentOffline: ProjectRef[];
  stillOnline: ProjectRef[] | null;
  failure?: string;
}

/**
 * The projects where the operator is online by their own switch, as the TUI's quit confirmation
 * decides it: online, and not by a schedule (a schedule switches them off by itself).
 */
async function onlineByHand(client: ParleyClient): Promise<ProjectRef[]> {
  const projects = (await client.listProjects()).filter((p) => p.operator);
  const statuses = await Promise.all(projects.map((p) => client.getStatus(p.id)));
  return projects.filter((_, i) => statuses[i].online && statuses[i].source === 'manual').map(({ id, name }) => ({ id, name }));
}

/**
 * With `offline`, goes offline where online by hand; then ends the session, also when the status
 * could not be read or switched (`leaving` says so): the session is what was asked to end.
 */
async function signOut(client: ParleyClient, offline: boolean, leaving: Leaving): Promise<void> {
  try {
    const online = await onlineByHand(client);
    leaving.stillOnline = [...online];
    for (const p of offline ? online : []) {
      await client.setStatus(p.id, false);
      leaving.wentOffline.push(p);
      leaving.stillOnline.shift();
    }
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    leaving.failure = err.message;
  }
  await client.logout();
}

const statusOf = ({ wentOffline, stillOnline }: Leaving) => ({ wentOffline, stillOnline });

const quoted = (projects: ProjectRef[]) => projects.map((p) => `"${p.name}"`).join(', ');

const wentOffline = (leaving: Leaving) => (leaving.wentOffline.length ? ` Went offline in ${quoted(leaving.wentOffline)} first.` : '');

/** One line on stderr, scripts included, when visitors are left with an operator who is gone. */
function warnIfStillOnline(ctx: Ctx, leaving: Leaving, offline: boolean): void {
  const again = 'sign in again and run "parley status offline"';
  if (offline && leaving.stillOnline === null) {
    warn(ctx.io, `could not go offline (${leaving.failure}): visitors may still see you online; ${again}`);
  } else if (offline && leaving.stillOnline?.length) {
    warn(ctx.io, `could not go offline in ${quoted(leaving.stillOnline)} (${leaving.failure}): visitors there still see you online; ${again}`);
  } else if (leaving.stillOnline?.length) {
    warn(
      ctx.io,
      `you stay online in ${quoted(leaving.stillOnline)} (switched on by hand): visitors there see an operator online; "parley logout --offline" goes offline first`,
    );
  }
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const store = await ctx.store();
  const state = store.read();
  const login = state.login;
  const url = await ctx.serverUrl();
  const token = ctx.flags.token ?? ctx.io.env.PARLEY_TOKEN;
  const offline = Boolean(opts.offline);
  const leaving: Leaving = { wentOffline: [], stillOnline: null };

  if (token) {
    // A token that the server refuses is reported as for any command (exit 4): it may be a typo.
    await signOut(new ParleyClient({ url, token }), offline, leaving);
    // It may have been the stored login's own session, which is now of no use.
    if (login?.url === url && login.token === token) store.write({ ...state, login: undefined });
    result(ctx.io, { signedOut: true, url, ...statusOf(leaving) }, () => `Signed out of ${url}: that token no longer works.${wentOffline(leaving)}`);
    warnIfStillOnline(ctx, leaving, offline);
    return 0;
  }

  // Named a server (or the stored login's, by default): is that where the stored login is?
  const named = ctx.flags.url !== undefined || ctx.io.env.PARLEY_URL !== undefined;
  if (!login || login.url !== url) {
    result(ctx.io, { signedOut: false, url: named ? url : null }, () => (named ? `Not signed in to ${url}.` : 'Not signed in.'));
    return 0;
  }
  try {
    await signOut(new ParleyClient({ url: login.url, token: login.token }), offline, leaving);
  } catch (err) {
    // An expired session or a server that is gone: forgetting it locally is all that is left to do.
    if (!(err instanceof ApiError)) throw err;
  }
  store.write({ ...state, login: undefined });
  result(ctx.io, { signedOut: true, url: login.url, ...statusOf(leaving) }, () => `Signed out of ${login.url}.${wentOffline(leaving)}`);
  warnIfStillOnline(ctx, leaving, offline);
  return 0;
}

export default function logoutCommand(ctx: Ctx): Command {
  return new Command('logout')
    .description(
      'end the stored session (on the server too) and forget it; with --url, only if it is for that server; with --token, end that token instead. ' +
        'Where you are online by your own switch (not by a schedule) you stay online, with a warning; --offline goes offline there first',
    )
    .summary('end the stored session (on the server too) and forget it')
    .option('--offline', 'first go offline in every project where you switched yourself online')
    .addHelpText('after', '\nExamples:\n  $ parley logout --offline\n  $ parley logout --token "$SESSION"\n')
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
