import { readdir } from 'node:fs/promises';
import { Command } from 'commander';
import { CliError } from '../../errors.js';
import type { Ctx } from '../../context.js';
import { fields, result } from '../../io.js';
import { parseEmail, parseName, withJsonInHelp } from '../../options.js';

interface Opts {
  email: string;
  firstName: string;
  lastName: string;
  dataDir?: string;
}

/**
 * The data directory must be a server's: one holding its database, or an empty directory made
 * for a new server (the documented bootstrap: create the first admin, then start the server).
 * Anything else is most likely a typo, and creating a fresh database there would report success
 * for an admin the real server never sees.
 */
async function checkDataDir(dir: string): Promise<void> {
  const { DATABASE_FILE } = await import('../../../server/config.js');
  const howTo = `start the server on it once ("parley server --data-dir ${dir}"), or give an empty directory to set up a new server`;
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A file in its place was refused with the rest of the configuration (configFromEnv).
    if (code === 'ENOENT') throw new CliError(`the data directory ${dir} does not exist: ${howTo}`);
    throw new CliError(`cannot read the data directory ${dir}: ${(err as Error).message}`);
  }
  if (entries.length && !entries.includes(DATABASE_FILE)) throw new CliError(`no Parley database in ${dir}: ${howTo}`);
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const { configFromEnv } = await import('../../../server/config.js');
  const { withOfflineServices } = await import('../../../server/offline.js');
  await checkDataDir(configFromEnv(ctx.io.env, { dataDir: opts.dataDir }).dataDir);
  const created = await withOfflineServices(ctx.io.env, opts.dataDir, (services) =>
    services.admin.createServerAdmin(opts),
  );
  result(ctx.io, created, () =>
    [
      'Server administrator created.',
      fields([
        ['login', created.email],
        ['one-time password', created.password],
      ]),
      '',
      'Sign in with "parley login --email ' + created.email + '"; the password must be replaced at first sign-in.',
    ].join('\n'),
  );
  return 0;
}

export default function adminCreate(ctx: Ctx): Command {
  return withJsonInHelp(new Command('create'))
    .description('create a server administrator directly in the database of a server (running or not), or bootstrap a new one in an empty directory')
    .requiredOption('--email <email>', 'login email', parseEmail)
    .requiredOption('--first-name <name>', 'first name', parseName)
    .requiredOption('--last-name <name>', 'last name ("-" when not given)', parseName)
    .option('--data-dir <dir>', 'data directory of the server: it holds its database, or is empty for a new server (env PARLEY_DATA_DIR, default ./.parley)')
    .addHelpText('after', '\nExample:\n  $ parley admin create --email ada@example.com --first-name Ada --last-name Lovelace\n')
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
