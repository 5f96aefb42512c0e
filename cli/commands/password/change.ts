import { Command } from 'commander';
import { MIN_PASSWORD_LENGTH } from '../../../core/protocol/constants.js';
import type { Ctx } from '../../context.js';
import { CliError, UsageError } from '../../errors.js';
import { result } from '../../io.js';
import { checkNewPassword, promptNewPassword, promptSecret, readStdinLines } from '../../prompt.js';

/** The server's answer to an API token (server/services/accounts.ts assertSignedIn), word for word. */
const API_TOKEN_REFUSED = 'an API token cannot create tokens or change the password: sign in with parley login';

interface Opts {
  passwordStdin?: boolean;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const { io } = ctx;
  const client = await ctx.client();
  // The server refuses an API token (403) too; said before the passwords are typed for nothing.
  if (client.token?.startsWith('plt_')) throw new CliError(API_TOKEN_REFUSED);
  let current: string;
  let next: string;
  if (opts.passwordStdin) {
    const lines = await readStdinLines(io);
    [current, next] = [lines[0] ?? '', lines[1] ?? ''];
    if (!current || !next) throw new UsageError('--password-stdin needs two lines: the current password, then the new one');
    checkNewPassword(next, 2);
  } else if (io.stdinIsTTY) {
    current = await promptSecret(io, 'Current password: ');
    next = await promptNewPassword(io);
  } else {
    throw new UsageError('no terminal to ask on: pipe the current and the new password with --password-stdin');
  }
  const user = await client.changePassword(current, next);
  result(io, { email: user.email, changed: true }, () => 'Password changed. Your other sessions were signed out.');
  return 0;
}

export default function passwordChange(ctx: Ctx): Command {
  return new Command('change')
    .description('replace your password (also the one-time password of a new account); ends your other sessions; not with an API token')
    .option('--password-stdin', `read the current password (line 1) and the new one (line 2, at least ${MIN_PASSWORD_LENGTH} characters) from stdin`)
    .addHelpText(
      'after',
      '\nExamples:\n  $ parley password change\n  $ printf "%s\\n%s\\n" "$OLD" "$NEW" | parley password change --password-stdin\n',
    )
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
