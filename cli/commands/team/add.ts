import { Command } from 'commander';
import { personName } from '../../../core/person.js';
import type { AccessLevel, Member } from '../../../core/protocol/index.js';
import { type Ctx, withProject } from '../../context.js';
import { UsageError } from '../../errors.js';
import { shellWord } from '../../../core/shell.js';
import { result } from '../../io.js';
import { parseAccess, parseEmail, parseName } from '../../options.js';
import { roleOf, withAbsoluteUrls } from '../../present.js';

interface Opts {
  email: string;
  firstName: string;
  lastName: string;
  operator?: boolean;
  access?: AccessLevel | null;
}

/**
 * An account belongs to the person, not to the project: adding them keeps their password and
 * their names. Names other than the ones given are said, with the way to change them: while the
 * account is in no other project, `team update` here; else only the person (their profile) or a
 * server administrator (the server refuses a project's managers). Someone who never chose a
 * password gets a new one-time password by mail (`passwordMailed`).
 */
function existingAccount(member: Member, opts: Opts, projectId: number, passwordMailed: boolean): string {
  const firstName = opts.firstName.trim();
  const lastName = opts.lastName.trim();
  const signIn = passwordMailed
    ? 'they never chose a password, so a new one-time password is on its way (the one mailed before no longer works)'
    : 'they sign in with their password';
  if (member.firstName === firstName && member.lastName === lastName) {
    return `They already had an account: ${signIn}.`;
  }
  // With the project, so that it works whatever project is the default where it is pasted.
  const rename = `parley team update -p ${projectId} ${shellWord(member.email)} --first-name ${shellWord(firstName)} --last-name ${shellWord(lastName)}`;
  const kept = `They already had an account as "${personName(member.firstName, member.lastName)}": ${signIn}, and their names are kept`;
  return member.inOtherProjects
    ? `${kept}: their account is also in another project, so they change them in their profile (or a server administrator does: ${rename}).`
    : `${kept} (${rename} renames them, or they change them in their profile).`;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  if (!opts.operator && !opts.access) {
    throw new UsageError('give the member the operator role (--operator), an access level (--access admin|settings), or both');
  }
  const client = await ctx.client();
  const project = await ctx.project(client);
  const { member, newUser, passwordMailed } = await client.addMember(project.id, {
    email: opts.email,
    firstName: opts.firstName,
    lastName: opts.lastName,
    operator: Boolean(opts.operator),
    access: opts.access ?? null,
  });
  result(ctx.io, withAbsoluteUrls({ ...member, newUser, passwordMailed }, client.url), () =>
    `Added ${member.email} to "${project.name}" as ${roleOf(member)}. ` +
      (newUser
        ? 'A welcome mail with the login and a one-time password is on its way.'
        : existingAccount(member, opts, project.id, passwordMailed)),
  );
  return 0;
}

export default function teamAdd(ctx: Ctx): Command {
  return withProject(new Command('add'))
    .description('add a person to the project; a new user gets a mail with a one-time password')
    .requiredOption('--email <email>', 'their email, which becomes the login', parseEmail)
    .requiredOption('--first-name <name>', 'first name (someone who already has an account keeps theirs)', parseName)
    .requiredOption('--last-name <name>', 'last name ("-" when they prefer not to give one)', parseName)
    .option('--operator', 'may answer chats (Dialogs)')
    .option('--access <level>', 'admin-side access: admin, settings or none', parseAccess)
    .addHelpText(
      'after',
      '\nExample:\n  $ parley team add --email ann@example.com --first-name Ann --last-name Lee --operator\n',
    )
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
