import { Command } from 'commander';
import { MIN_PASSWORD_LENGTH } from '../../../core/protocol/constants.js';
import type { Ctx } from '../../context.js';
import { UsageError } from '../../errors.js';
import { result } from '../../io.js';
import { checkNewPassword, flagOrPrompt, promptNewPassword, readStdinLines } from '../../prompt.js';
import { parseEmail } from '../../options.js';
import { localClock } from '../../present.js';

interface Opts {
  email?: string;
  code?: string;
  passwordStdin?: boolean;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const { io } = ctx;
  const email = await flagOrPrompt(io, opts.email, '--email', 'Email: ');
  const code = await flagOrPrompt(io, opts.code, '--code', 'Code from the mail: ');
  let password: string;
  if (opts.passwordStdin) {
    password = (await readStdinLines(io))[0] ?? '';
    if (!password) throw new UsageError('--password-stdin: standard input is empty');
    checkNewPassword(password, 1);
  } else if (io.stdinIsTTY) {
    password = await promptNewPassword(io);
  } else {
    throw new UsageError('no terminal to ask on: pipe the new password with --password-stdin');
  }
  const client = await ctx.anonymousClient();
  const reply = await client.resetPassword(email, code, password);
  const done = `Password changed; all sessions of ${email} were signed out. Sign in with "parley login".`;
  if (reply.apiTokens.length === 0) {
    result(io, { email, reset: true, apiTokens: [], revokeCommand: null }, () => done);
    return 0;
  }
  const { table } = await import('../../tables.js');
  // The tokens are the person's, not a project's: on the clock of the computer they reset from.
  const clock = localClock();
  result(io, { email, reset: true, apiTokens: reply.apiTokens, revokeCommand: reply.revokeCommand }, () =>
    [
      done,
      '',
      // The reset ends sessions, not the tokens scripts and CI run on; one minted with a stolen
      // session would outlive it, so they are named here, with how to end them.
      `These API tokens still work${reply.apiTokens.some((t) => t.new) ? ' (new: created in the 24 hours before the reset)' : ''}:`,
      // PROJECT as in "token list": the one project a token works in, "-" for all the account's.
      table(
        ['NAME', 'PROJECT', 'CREATED', 'LAST USED', ''],
        reply.apiTokens.map((t) => [
          t.name,
          t.project ?? '-',
          clock.time(t.createdAt),
          t.lastUsedAt ? clock.time(t.lastUsedAt) : 'never',
          t.new ? 'new' : '',
        ]),
      ),
      '',
      'Any you do not know, or all of them if someone else may have used the account, end at once:',
      `  ${reply.revokeCommand}`,
    ].join('\n'),
  );
  return 0;
}

export default function passwordReset(ctx: Ctx): Command {
  return new Command('reset')
    .description('choose a new password with the code from the "forgot" mail; ends all your sessions, and names the API tokens that stay')
    .option('--email <email>', 'the account email', parseEmail)
    .option('--code <code>', 'the code from the mail, e.g. K7QX-M2PD')
    .option('--password-stdin', `read the new password (at least ${MIN_PASSWORD_LENGTH} characters) from stdin`)
    .addHelpText('after', '\nExample:\n  $ parley password reset --email operator@example.com --code K7QX-M2PD\n')
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
