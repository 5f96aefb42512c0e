import { Command } from 'commander';
import type { ApiToken } from '../../../core/protocol/index.js';
import type { Ctx } from '../../context.js';
import { result } from '../../io.js';
import { localClock, type ProjectClock } from '../../present.js';

/** The idle limit it had (the server's rule when it was made): from its last use to its idle end. */
const idleDays = (t: ApiToken) => Math.round((Date.parse(t.idleExpiresAt!) - Date.parse(t.lastUsedAt ?? t.createdAt)) / 86_400_000);

/**
 * When it ends: its expiry, and the earlier day it ends if it is not used until then. An ended
 * one says so, and why: a CI job that started failing with exit 4 finds the reason here.
 */
function ends(t: ApiToken, clock: ProjectClock): string {
  const day = (at: string | null) => (at ? clock.day(at) : 'never');
  if (t.state === 'expired') return `expired ${day(t.expiresAt)}`;
  if (t.state === 'idle-expired') return `expired ${day(t.idleExpiresAt)} (unused for ${idleDays(t)} days)`;
  const idleFirst = t.idleExpiresAt !== null && (t.expiresAt === null || t.idleExpiresAt < t.expiresAt);
  return idleFirst ? `${day(t.expiresAt)} (${day(t.idleExpiresAt)} if unused)` : day(t.expiresAt);
}

export async function run(ctx: Ctx): Promise<number> {
  const tokens = await (await ctx.client()).listTokens();
  const { table } = await import('../../tables.js');
  // Tokens are their person's, even one limited to a project: on this computer's clock.
  const clock = localClock();
  result(ctx.io, tokens, () =>
    tokens.length === 0
      ? 'No API tokens.'
      : table(
          ['NAME', 'PROJECT', 'CREATED', 'LAST USED', 'EXPIRES'],
          tokens.map((t) => [t.name, t.project?.name ?? '-', clock.time(t.createdAt), clock.time(t.lastUsedAt), ends(t, clock)]),
        ),
  );
  return 0;
}

export default function tokenList(ctx: Ctx): Command {
  return new Command('list')
    .description('list your API tokens (never their secrets), and which no longer work')
    .addHelpText(
      'after',
      '\nA token ends at its expiry, or earlier when unused for 90 days; an ended one' +
        '\nis listed as "expired" until revoked, or replaced by "token create" with its' +
        '\nname. PROJECT is the one project a token works in ("-": all your projects).' +
        '\n--json: [{name, project, createdAt, lastUsedAt, expiresAt, idleExpiresAt,' +
        '\nstate}], project {id, name} or null, state "active", "expired" or "idle-expired".' +
        '\nRun with a token limited to a project, it lists the tokens of that project.\n' +
        '\nExample:\n  $ parley token list --json\n',
    )
    .action((_o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
