import { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { result } from '../../io.js';
import { flagOrPrompt } from '../../prompt.js';
import { parseEmail } from '../../options.js';

export async function run(opts: { email?: string }, ctx: Ctx): Promise<number> {
  const email = await flagOrPrompt(ctx.io, opts.email, '--email', 'Email: ');
  const client = await ctx.anonymousClient();
  const reply = await client.forgotPassword(email);
  result(ctx.io, reply, () =>
    [
      'If this email belongs to an account, a reset code is on its way (valid 10 minutes, single use).',
      `Then: parley password reset --url ${client.url} --email ${email} --code CODE`,
    ].join('\n'),
  );
  return 0;
}

export default function passwordForgot(ctx: Ctx): Command {
  return new Command('forgot')
    .description('mail a one-time code for choosing a new password')
    .option('--email <email>', 'the account email (asked on a terminal when missing)', parseEmail)
    .addHelpText('after', '\nExample:\n  $ parley password forgot --url http://127.0.0.1:8080 --email operator@example.com\n')
    .action((opts: { email?: string }, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
