import { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { UsageError } from '../../errors.js';
import { result } from '../../io.js';
import { tokenName } from './create.js';

interface Opts {
  all?: boolean;
}

export async function run(name: string | undefined, opts: Opts, ctx: Ctx): Promise<number> {
  if (opts.all && name !== undefined) throw new UsageError(`give a token name or --all, not both`);
  if (!opts.all && name === undefined) throw new UsageError('name the token to revoke, or give --all for every one (parley token list shows them)');
  const client = await ctx.client();
  if (!opts.all) {
    await client.revokeToken(name!);
    result(ctx.io, { name, revoked: true }, () => `Token "${name}" revoked.`);
    return 0;
  }
  // One request: the server ends them together. Only a session may (an API token gets a 403),
  // so `kept` is null; it stays in --json for scripts that read it.
  const { revoked, kept } = await client.revokeAllTokens();
  result(ctx.io, { revoked, kept }, () =>
    revoked.length === 0 ? 'No API tokens to revoke.' : `Revoked ${revoked.length === 1 ? '1 token' : `${revoked.length} tokens`}: ${revoked.join(', ')}.`,
  );
  return 0;
}

export default function tokenRevoke(ctx: Ctx): Command {
  return new Command('revoke')
    .description('revoke an API token, or all of them: the next request with it is refused')
    .argument('[name]', 'the token name', tokenName)
    .option('--all', 'every API token of yours (signed in with parley login: an API token may revoke only itself)')
    .addHelpText('after', '\nExamples:\n  $ parley token revoke ci\n  $ parley token revoke --all\n')
    .action((name: string | undefined, opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(name, opts, ctx)));
}
