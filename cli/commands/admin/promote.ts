// parley admin promote|demote EMAIL: makes an existing account a server administrator (who
// creates projects and takes backups), or an ordinary account again. Like `admin create`, on the
// data directory of the server, running or not: it is how the first administrator of an
// existing database is made, and it needs no administrator to sign in.
import { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { result } from '../../io.js';
import { parseEmail, withJsonInHelp } from '../../options.js';
import { DATA_DIR_HELP, onDataDir } from './data-dir.js';

interface Opts {
  dataDir?: string;
}

function describe(state: { email: string; serverAdmin: boolean; changed: boolean }): string {
  if (!state.changed) return `${state.email} ${state.serverAdmin ? 'was already' : 'was not'} a server administrator: nothing changed.`;
  return state.serverAdmin
    ? `${state.email} is a server administrator: it may create projects and take backups, from its next request on.`
    : `${state.email} is no longer a server administrator; its memberships in projects stay as they were.`;
}

export async function run(email: string, serverAdmin: boolean, opts: Opts, ctx: Ctx): Promise<number> {
  const state = await onDataDir(ctx, opts.dataDir, false, (services) => services.admin.setServerAdmin(email, serverAdmin));
  result(ctx.io, state, () => describe(state));
  return 0;
}

export function adminPromote(ctx: Ctx): Command {
  return withJsonInHelp(new Command('promote'))
    .description('make an existing account a server administrator, directly in the database of a server (running or not)')
    .argument('<email>', "the account's login email", parseEmail)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .addHelpText('after', '\nExample:\n  $ parley admin promote ann@example.com --data-dir /srv/parley\n')
    .action((email: string, opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(email, true, opts, ctx)));
}

export function adminDemote(ctx: Ctx): Command {
  return withJsonInHelp(new Command('demote'))
    .description('make a server administrator an ordinary account again (never the last one), directly in the database of a server')
    .argument('<email>', "the account's login email", parseEmail)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .addHelpText('after', '\nExample:\n  $ parley admin demote ann@example.com --data-dir /srv/parley\n')
    .action((email: string, opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(email, false, opts, ctx)));
}
