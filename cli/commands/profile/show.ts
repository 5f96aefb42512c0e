import { Command } from 'commander';
import type { User } from '../../../core/protocol/index.js';
import type { Ctx } from '../../context.js';
import { fields, result } from '../../io.js';

export function renderProfile(u: User, server: string): string {
  return fields([
    ['email', u.email],
    ['first name', u.firstName],
    ['last name', u.lastName],
    ['phone', u.phone],
    ['avatar', u.avatarUrl ? `${server}${u.avatarUrl}` : null],
  ]);
}

export async function run(ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const { user } = await client.me();
  result(ctx.io, user, () => renderProfile(user, client.url));
  return 0;
}

export default function profileShow(ctx: Ctx): Command {
  return new Command('show')
    .description('show your profile (name, phone, avatar)')
    .addHelpText('after', '\nExample:\n  $ parley profile show --json\n')
    .action((_o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
