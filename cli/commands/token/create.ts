import { Command, InvalidArgumentError } from 'commander';
import type { Ctx } from '../../context.js';
import { notice, print } from '../../io.js';

interface Opts {
  name: string;
  expiresInDays?: number;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const reply = await client.createToken(opts.name, opts.expiresInDays);
  if (ctx.io.json) print(ctx.io, JSON.stringify({ ...reply.apiToken, token: reply.token }, null, 2));
  else {
    // The token alone on stdout, so `TOKEN=$(parley token create --name ci)` works.
    print(ctx.io, reply.token);
    notice(ctx.io, `Token "${reply.apiToken.name}" expires ${reply.apiToken.expiresAt}. It is shown only this once.`);
  }
  return 0;
}

const days = (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 3650) throw new InvalidArgumentError('a number of days from 1 to 3650');
  return n;
};

/** The server's rule for token names (core/protocol CreateTokenBody), checked before any request. */
const tokenName = (v: string) => {
  if (!v) throw new InvalidArgumentError('a token name must not be empty');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(v)) {
    throw new InvalidArgumentError('a token name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  return v;
};

export default function tokenCreate(ctx: Ctx): Command {
  return new Command('create')
    .description('create an API token for scripts and CI; prints it once')
    .requiredOption('--name <name>', 'a name to recognise (and revoke) it by', tokenName)
    .option('--expires-in-days <days>', 'lifetime in days (default 365)', days)
    .addHelpText('after', '\nExample:\n  $ export PARLEY_TOKEN=$(parley token create --name ci)\n')
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
