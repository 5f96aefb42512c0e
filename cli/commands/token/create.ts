import { Command } from 'commander';
import { type Ctx, findProject } from '../../context.js';
import { notice, result } from '../../io.js';
import { localClock } from '../../present.js';
import { refuse } from '../../options.js';

interface Opts {
  name: string;
  expiresInDays?: number;
  project?: string;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  // Only --project limits a token: PARLEY_PROJECT or the default project, set for other
  // commands, must not quietly make a token that works in one project alone.
  const project = opts.project === undefined ? undefined : await findProject(client, opts.project);
  const reply = await client.createToken(opts.name, opts.expiresInDays, project?.id);
  const { apiToken } = reply;
  // Without --json, the token alone on stdout, so `TOKEN=$(parley token create --name ci)` works.
  result(ctx.io, { ...apiToken, token: reply.token }, () => reply.token);
  // The token is its person's: its end on this computer's clock, as `token list` shows it.
  const { name, expiresAt } = apiToken;
  const ends = expiresAt ? `expires ${localClock().time(expiresAt)}` : 'does not expire';
  const where = apiToken.project ? ` works in the project "${apiToken.project.name}" only and` : '';
  notice(ctx.io, `Token "${name}"${where} ${ends}. It is shown only this once.`);
  return 0;
}

function days(this: unknown, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 3650) throw refuse(this, v, 'a number of days from 1 to 3650');
  return n;
}

/** The server's rule for token names (core/protocol CreateTokenBody), checked before any request. */
export function tokenName(this: unknown, v: string): string {
  if (!v) throw refuse(this, v, 'a token name must not be empty');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(v)) {
    throw refuse(this, v, 'a token name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  return v;
}

function projectValue(this: unknown, v: string): string {
  if (!v.trim()) throw refuse(this, v, 'a project id or name must not be empty');
  return v;
}

export default function tokenCreate(ctx: Ctx): Command {
  return new Command('create')
    .description('create an API token for scripts and CI; prints it once (signed in with parley login, not with a token)')
    .requiredOption('--name <name>', 'a name to recognise (and revoke) it by; an ended token\'s name may be used again', tokenName)
    .option('--expires-in-days <days>', 'lifetime in days, 1 to 3650 (default 365)', days)
    .option('-p, --project <project>', 'limit it to this project (id or name); without it, it works in all your projects', projectValue)
    .addHelpText(
      'after',
      '\nA token also ends when unused for 90 days. Creating or revoking tokens takes a' +
        '\nsession (parley login): an API token cannot make more tokens, only revoke' +
        '\nitself (parley logout).\n' +
        '\nWith --project, every other project answers it as one that does not exist, and' +
        '\nit has none of the server administrator\'s powers (creating projects, backups,' +
        '\ndisabling accounts); in the project it has your role there, as it stands. Only' +
        '\n--project limits a token: PARLEY_PROJECT and "parley project use" do not.\n' +
        '\nExamples:\n  $ export PARLEY_TOKEN=$(parley token create --name ci)' +
        '\n  $ parley token create --name shop-ci --project "Acme shop" --expires-in-days 90\n',
    )
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
