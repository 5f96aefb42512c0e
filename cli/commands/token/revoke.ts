import { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { result } from '../../io.js';
import { tokenName } from './create.js';

export async function run(name: string, ctx: Ctx): Promise<number> {
  await (await ctx.client()).revokeToken(name);
  result(ctx.io, { name, revoked: true }, () => `Token "${name}" revoked.`);
  return 0;
}

export default function tokenRevoke(ctx: Ctx): Command {
  return new Command('revoke')
    .description('revoke an API token: the next request with it is refused')
    .argument('<name>', 'the token name', tokenName)
    .addHelpText('after', '\nExample:\n  $ parley token revoke ci\n')
    .action((name: string, _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(name, ctx)));
}
