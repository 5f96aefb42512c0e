import { Command } from 'commander';
import type { AccessLevel, UpdateMemberBody } from '../../../core/protocol/index.js';
import { type Ctx, withProject } from '../../context.js';
import { UsageError } from '../../errors.js';
import { result } from '../../io.js';
import { parseAccess, parseEmail, parseName } from '../../options.js';
import { roleOf, withAbsoluteUrls } from '../../present.js';
import { personName } from '../../../core/person.js';

interface Opts {
  firstName?: string;
  lastName?: string;
  operator?: boolean;
  access?: AccessLevel | null;
}

export async function run(email: string, opts: Opts, ctx: Ctx): Promise<number> {
  const body: UpdateMemberBody = {};
  if (opts.firstName !== undefined) body.firstName = opts.firstName;
  if (opts.lastName !== undefined) body.lastName = opts.lastName;
  if (opts.operator !== undefined) body.operator = opts.operator;
  if (opts.access !== undefined) body.access = opts.access;
  if (Object.keys(body).length === 0) {
    throw new UsageError('nothing to change: give --first-name, --last-name, --operator/--no-operator or --access');
  }
  if (body.operator === false && 'access' in body && !body.access) {
    throw new UsageError('a member keeps the operator role, an access level, or both: to take all away, "parley team remove"');
  }
  const client = await ctx.client();
  const project = await ctx.project(client);
  const m = withAbsoluteUrls(await client.updateMember(project.id, email, body), client.url);
  // What the server did with what only an operator has.
  const noLongerOperator =
    body.operator === false
      ? ' Without the operator role they are offline, in no group and without working hours; any open dialogs of theirs ' +
        'went back to their groups (under round-robin, to the next online operator).'
      : '';
  result(ctx.io, m, () => `Updated ${m.email}: ${personName(m.firstName, m.lastName)}, ${roleOf(m)}.${noLongerOperator}`);
  return 0;
}

export default function teamUpdate(ctx: Ctx): Command {
  return withProject(new Command('update'))
    .description("change a member's name, operator role or access level")
    .argument('<email>', 'their email', parseEmail)
    .option('--first-name <name>', 'first name', parseName)
    .option('--last-name <name>', 'last name', parseName)
    .option('--operator', 'may answer chats')
    .option('--no-operator', 'may no longer answer chats (also goes offline, leaves the groups, clears the working hours, and gives back open dialogs)')
    .option('--access <level>', 'admin, settings or none', parseAccess)
    .addHelpText('after', '\nExample:\n  $ parley team update ann@example.com --access settings --no-operator\n')
    .action((email: string, opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(email, opts, ctx)));
}
