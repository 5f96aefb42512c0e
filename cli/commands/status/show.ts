import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';
import { parseEmail } from '../../options.js';
import { type StatusReply, statusPath, statusText } from './text.js';

export async function run(opts: { operator?: string }, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const q = opts.operator !== undefined ? `?operator=${encodeURIComponent(opts.operator)}` : '';
  const status = await client.request<StatusReply>('GET', `${statusPath(project.id)}${q}`);
  result(ctx.io, status, () => statusText(status, project.name, opts.operator));
  return 0;
}

export default function statusShow(ctx: Ctx): Command {
  return withProject(new Command('show'))
    .description('explain whether you (or an operator) are online, why, and until when; how many operators are online')
    .option('--operator <email>', 'explain this operator instead of you', parseEmail)
    .addHelpText(
      'after',
      '\nExamples:\n  $ parley status show\n  $ parley status show --operator ann@example.com\n  $ parley status show --json | jq .operatorsOnline\n',
    )
    .action((opts: { operator?: string }, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
