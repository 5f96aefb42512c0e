import { Command } from 'commander';
import { shellWord } from '../../../core/shell.js';
import type { Ctx } from '../../context.js';
import { fields, result } from '../../io.js';
import { parseEmail, parseName, withJsonInHelp } from '../../options.js';
import { onDataDir } from './data-dir.js';

interface Opts {
  email: string;
  firstName: string;
  lastName: string;
  dataDir?: string;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const { created, publicUrl } = await onDataDir(ctx, opts.dataDir, true, async (services, url) => ({
    created: await services.admin.createServerAdmin(opts),
    publicUrl: url,
  }));
  // With the server's address as configured here: without --url, login goes to the default
  // address, where this server may well not be.
  const login = `parley login --url ${shellWord(publicUrl)} --email ${shellWord(created.email)}`;
  result(ctx.io, created, () =>
    [
      'Server administrator created.',
      fields([
        ['login', created.email],
        ['one-time password', created.password],
      ]),
      '',
      `Sign in with "${login}"; the password must be replaced at first sign-in.`,
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
    .addHelpText(
      'after',
      [
        '',
        'The sign-in command it prints has the server\'s address, as a server started with this',
        'environment would have it: PARLEY_PUBLIC_URL, else PARLEY_HOST and PARLEY_PORT',
        '(http://127.0.0.1:8080 by default).',
        'An account that exists already is made an administrator with "parley admin promote EMAIL".',
        '',
        'Example:',
        '  $ parley admin create --email ada@example.com --first-name Ada --last-name Lovelace',
        '',
      ].join('\n'),
    )
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
