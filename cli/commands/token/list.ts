import { Command } from 'commander';
import type { Ctx } from '../../context.js';
import { result } from '../../io.js';

export async function run(ctx: Ctx): Promise<number> {
  const tokens = await (await ctx.client()).listTokens();
  const { table } = await import('../../tables.js');
  result(ctx.io, tokens, () =>
    tokens.length === 0
      ? 'No API tokens.'
      : table(
          ['NAME', 'CREATED', 'LAST USED', 'EXPIRES'],
          tokens.map((t) => [t.name, t.createdAt.slice(0, 16), t.lastUsedAt?.slice(0, 16) ?? '-', t.expiresAt?.slice(0, 10) ?? 'never']),
        ),
  );
  return 0;
}

export default function tokenList(ctx: Ctx): Command {
  return new Command('list')
    .description('list your API tokens (never their secrets)')
    .addHelpText('after', '\nExample:\n  $ parley token list --json\n')
    .action((_o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
