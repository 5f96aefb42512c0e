import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { result } from '../../io.js';
import { type StatusReply, statusPath, statusText } from './text.js';

export async function run(online: boolean, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const status = await client.request<StatusReply>('PUT', statusPath(project.id), { online });
  result(ctx.io, status, () => statusText(status, project.name));
  return 0;
}

/** `parley status online` and `parley status offline`: the manual switch (until the schedule's next boundary). */
export default function statusSwitch(ctx: Ctx, online: boolean): Command {
  const name = online ? 'online' : 'offline';
  return withProject(new Command(name))
    .description(
      (online
        ? 'go online: visitors see the chat tab while at least one operator is online'
        : 'go offline: the chat tab disappears when the last operator goes offline') +
        '; with a schedule this lasts until its next start or end',
    )
    .addHelpText('after', `\nExample:\n  $ parley status ${name} --project "Acme shop"\n`)
    .action((_o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(online, ctx)));
}
