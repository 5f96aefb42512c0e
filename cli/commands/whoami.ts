import { Command } from 'commander';
import type { Me } from '../../core/protocol/index.js';
import type { Ctx } from '../context.js';
import { fields, result } from '../io.js';
import { roleOf, withAbsoluteUrls } from '../present.js';
import { personName } from '../../core/person.js';

/** What the command runs with: a token limited to a project is what a CI job's script needs to know. */
function tokenText({ kind, project }: Me['token']): string {
  if (kind === 'session') return 'session (parley login)';
  return project ? `API token limited to "${project.name}"` : 'API token (all your projects)';
}

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
        ['token', tokenText(me.token)],
        // Through a token limited to a project the person is still an administrator; the token is not.
        ['server admin', u.serverAdmin ? 'yes' : me.token.serverAdminWithheld ? 'yes (not through this token)' : 'no'],
        ['password', u.mustChangePassword ? 'one-time: replace it with "parley password change"' : 'set'],
      ]),
      ...(me.projects.length ? ['', 'Projects:', ...me.projects.map((p) => `  ${p.id}  ${p.name} (${roleOf(p)})`)] : []),
    ].join('\n'),
  );
  return 0;
}

export default function whoamiCommand(ctx: Ctx): Command {
  return new Command('whoami')
    .description('show who you are signed in as, where, with what (a session or an API token), and your projects')
    .addHelpText(
      'after',
      '\n--json: {url, user, projects, token}, token {kind: "session" or "api", project:' +
        '\n{id, name} of the one project an API token works in, or null, serverAdminWithheld:' +
        '\ntrue when you are a server administrator but this token is limited to a project}.\n' +
        '\nExample:\n  $ parley whoami --json\n',
    )
    .action((_opts: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
