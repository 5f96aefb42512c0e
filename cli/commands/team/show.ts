import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { fields, result } from '../../io.js';
import { parseEmail } from '../../options.js';
import { projectClock, roleOf, withAbsoluteUrls } from '../../present.js';
import { personName } from '../../../core/person.js';

export async function run(email: string, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const m = withAbsoluteUrls(await client.getMember(project.id, email), client.url);
  const clock = projectClock(project.timezone);
  result(ctx.io, m, () =>
    fields([
      ['email', m.email],
      ['name', personName(m.firstName, m.lastName)],
      ['phone', m.phone],
      ['role', roleOf(m)],
      ['member since', clock.zoned(m.createdAt)],
    ]),
  );
  return 0;
}

export default function teamShow(ctx: Ctx): Command {
  return withProject(new Command('show'))
    .description('show one member')
    .argument('<email>', 'their email', parseEmail)
    .addHelpText('after', '\nExample:\n  $ parley team show ann@example.com\n')
    .action((email: string, _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(email, ctx)));
}
