import { Command } from 'commander';
import { normalizeUrl, type Ctx } from '../context.js';
import { ApiError } from '../../core/client/api.js';
import { MIN_PASSWORD_LENGTH } from '../../core/protocol/constants.js';
import { AuthError, UsageError } from '../errors.js';
import { notice, result } from '../io.js';
import { parseEmail } from '../options.js';
import { checkNewPassword, flagOrPrompt, promptNewPassword, promptSecret, readStdinLines } from '../prompt.js';

interface Opts {
  email?: string;
  passwordStdin?: boolean;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const { io } = ctx;
  const email = await flagOrPrompt(io, opts.email, '--email', 'Email: ');
  let password: string;
  let newPassword: string | undefined;
  if (opts.passwordStdin) {
    const lines = await readStdinLines(io);
    password = lines[0] ?? '';
    newPassword = lines[1] || undefined;
    if (!password) throw new UsageError('--password-stdin: standard input is empty');
    // Refused by the server after the sign-in, it would have cost the one-time password.
    if (newPassword !== undefined) checkNewPassword(newPassword, 2);
  } else if (io.stdinIsTTY) {
    password = await promptSecret(io, 'Password: ');
  } else {
    throw new UsageError('missing password: pipe it with --password-stdin (no terminal to ask on)');
  }

  const client = await ctx.anonymousClient();
  // Any refusal of the sign-in (a disabled account too) is the exit of not being signed in.
  const reply = await client.login(email, password).catch((err: unknown) => {
    throw err instanceof ApiError && err.status === 403 ? new AuthError(err.message) : err;
  });
  client.token = reply.token;
  if (reply.mustChangePassword) {
    if (!opts.passwordStdin) {
      notice(io, 'This one-time password must be replaced now.');
      newPassword = await promptNewPassword(io);
    }
    if (!newPassword) {
      // A session that can do nothing but change its password is no login: end it on the
      // server and keep whatever login was stored before.
      await client.logout().catch(() => undefined);
      throw new UsageError(
        `the one-time password of ${reply.user.email} must be replaced: give the new password on the second line of standard input`,
      );
    }
    await client.changePassword(password, newPassword).catch(async (err: unknown) => {
      await client.logout().catch(() => undefined);
      throw err;
    });
  }
  const store = await ctx.store();
  const state = store.read();
  store.write({ ...state, login: { url: client.url, token: reply.token, email: reply.user.email } });
  result(io, { url: client.url, email: reply.user.email, userId: reply.user.id, mustChangePassword: false }, () =>
    `Signed in to ${client.url} as ${reply.user.email}.`,
  );
  return 0;
}

export default function loginCommand(ctx: Ctx): Command {
  return new Command('login')
    .description('sign in to a Parley server and remember the session')
    .option('--email <email>', 'login email (asked on a terminal when missing)', parseEmail)
    .option(
      '--password-stdin',
      `read the password from the first line of stdin; when it is a one-time password, the second line must be the new one (at least ${MIN_PASSWORD_LENGTH} characters)`,
    )
    .addHelpText(
      'after',
      [
        '',
        'The server URL comes from --url, PARLEY_URL, the last login, or http://127.0.0.1:8080.',
        '',
        'Examples:',
        '  $ parley login --url http://127.0.0.1:8080 --email operator@example.com',
        '  $ printf "%s\\n" "$PASSWORD" | parley login --email ci@example.com --password-stdin',
        '',
      ].join('\n'),
    )
    .action((opts: Opts, cmd: Command) => {
      ctx.begin(cmd);
      if (ctx.flags.url) normalizeUrl(ctx.flags.url);
      return ctx.finish(run(opts, ctx));
    });
}
