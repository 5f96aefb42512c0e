import { Command } from 'commander';
import type { Ctx } from '../context.js';
import { fields, result } from '../io.js';
import { roleOf, withAbsoluteUrls } from '../present.js';
import { personName } from '../../core/person.js';

export async function run(ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const me = withAbsoluteUrls(await client.me(), client.url);
  const u = me.user;
  result(ctx.io, { url: client.url, ...me }, () =>
    [
      fields([
        ['server', client.url],
        ['email', u.email],
        ['name', personName(u.firstName, u.lastName)],
        ['server admin', u.serverAdmin ? 'yes' : 'no'],
        ['password', u.mustChangePassword ? 'one-time: replace it with "parley password change"' : 'set'],
      ]),
      ...(me.projects.length ? ['', 'Projects:', ...me.projects.map((p) => `  ${p.id}  ${p.name} (${roleOf(p)})`)] : []),
    ].join('\n'),
  );
  return 0;
}

export default function whoamiCommand(ctx: Ctx): Command {
  return new Command('whoami')
    .description('show who you are signed in as, where, and your projects')
    .addHelpText('after', '\nExample:\n  $ parley whoami --json\n')
    .action((_opts: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
