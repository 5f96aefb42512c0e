import { Command } from 'commander';
import { normalizeEmail } from '../../../core/protocol/constants.js';
import type { RemoveMemberReply } from '../../../core/protocol/index.js';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';
import { parseEmail } from '../../options.js';

/** What became of their open dialogs, when they had some. */
function dialogsText({ dialogsUnassigned: unassigned, dialogsReassigned: reassigned }: RemoveMemberReply): string {
  const n = (count: number) => `${count} open dialog${count === 1 ? '' : 's'}`;
  const parts = [
    ...(unassigned ? [`${n(unassigned)} went back unassigned to ${unassigned === 1 ? 'its group' : 'their groups'}`] : []),
    ...(reassigned ? [`${n(reassigned)} went to the next online operator (round-robin)`] : []),
  ];
  return parts.length ? ` ${parts.join('; ')}.` : '';
}

export async function run(typed: string, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const released = await client.removeMember(project.id, typed);
  // The login as stored (lower case), as every other --json of a member has it: the reply has no member.
  const email = normalizeEmail(typed) ?? typed;
  result(ctx.io, { email, removed: true, projectId: project.id, ...released }, () =>
    `Removed ${email} from "${project.name}".${dialogsText(released)}`,
  );
  return 0;
}

export default function teamRemove(ctx: Ctx): Command {
  return withProject(new Command('remove'))
    .description('remove a member: their access to the project and its open connections end at once, and their open dialogs go back to their groups')
    .argument('<email>', 'their email', parseEmail)
    .addHelpText('after', '\nExample:\n  $ parley team remove ann@example.com\n')
    .action((email: string, _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(email, ctx)));
}
