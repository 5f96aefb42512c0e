import { Command } from 'commander';
import type { User } from '../../../core/protocol/index.js';
import type { Ctx } from '../../context.js';
import { fields, result } from '../../io.js';
import { withAbsoluteUrls } from '../../present.js';

/** The profile of `u`, whose avatarUrl was made absolute (withAbsoluteUrls). */
export function renderProfile(u: User): string {
  return fields([
    ['email', u.email],
    ['first name', u.firstName],
    ['last name', u.lastName],
    ['phone', u.phone],
    ['avatar', u.avatarUrl],
  ]);
}

export async function run(ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const user = withAbsoluteUrls((await client.me()).user, client.url);
  result(ctx.io, user, () => renderProfile(user));
  return 0;
}

export default function profileShow(ctx: Ctx): Command {
  return new Command('show')
    .description('show your profile (name, phone, avatar); the avatar is its URL at the server')
    .addHelpText('after', '\nExamples:\n  $ parley profile show --json\n  $ curl -o avatar "$(parley profile show --json | jq -r .avatarUrl)"\n')
    .action((_o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
