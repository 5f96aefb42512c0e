import { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { fields, result } from '../../io.js';
import { parseName } from '../../options.js';

interface Opts {
  email: string;
  firstName: string;
  lastName: string;
  dataDir?: string;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const { withOfflineServices } = await import('../../../server/offline.js');
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
  return new Command('create')
    .description('create a server administrator directly in the database (bootstraps an empty server)')
    .requiredOption('--email <email>', 'login email')
    .requiredOption('--first-name <name>', 'first name', parseName)
    .requiredOption('--last-name <name>', 'last name ("-" when not given)', parseName)
    .option('--data-dir <dir>', 'data directory of the server (env PARLEY_DATA_DIR, default ./.parley)')
    .addHelpText('after', '\nExample:\n  $ parley admin create --email ada@example.com --first-name Ada --last-name Lovelace\n')
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
