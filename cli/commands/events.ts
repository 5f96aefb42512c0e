import { Command } from 'commander';
import type { StateChange } from '../../core/client/realtime.js';
import { type Ctx, withProject } from '../context.js';
import { jsonTerminalSafe } from '../../core/terminal-text.js';
import { notice } from '../io.js';
import { withAbsoluteUrls } from '../present.js';

function describe(s: StateChange, project: string): string {
  switch (s.state) {
    case 'connecting':
      return s.attempt > 1 ? `Reconnecting (attempt ${s.attempt})…` : `Connecting to the events of "${project}"…`;
    case 'online':
      return `Listening to "${project}". Ctrl+C stops.`;
    case 'offline':
      return s.retryInMs === undefined
        ? `Disconnected: ${s.reason ?? 'closed'}.`
        : `Connection lost (${s.reason ?? 'unknown reason'}); retrying in ${(s.retryInMs / 1000).toFixed(1)} s.`;
  }
}

/**
 * Prints the project's live events as NDJSON until SIGINT/SIGTERM. Reconnects with backoff and
 * resumes after network loss, so every message event arrives once and in order.
 */
export async function run(ctx: Ctx): Promise<number> {
  const { io } = ctx;
  const client = await ctx.client();
  const project = await ctx.project(client);
  const { OperatorConnection, dialogListing } = await import('../../core/client/realtime.js');
  const conn = new OperatorConnection({
    url: client.url,
    token: client.token!,
    projectId: project.id,
    discover: dialogListing(client, project.id),
  });
  return new Promise<number>((resolve, reject) => {
    const signals = ['SIGINT', 'SIGTERM'] as const;
    const finish = (outcome: () => void) => {
      signals.forEach((s) => process.off(s, stop));
      conn.close().then(outcome, outcome);
    };
    const stop = () => finish(() => resolve(0));
    signals.forEach((s) => process.once(s, stop));
    // The reader went away (`parley events | head -1`): that is the end, not an error.
    io.stdout.on('error', (err: NodeJS.ErrnoException) => finish(() => (err.code === 'EPIPE' ? resolve(0) : reject(err))));
    conn.on('event', (event) => io.stdout.write(`${jsonTerminalSafe(JSON.stringify(withAbsoluteUrls(event, client.url)))}\n`));
    conn.on('state', (s) => notice(io, describe(s, project.name)));
    conn.on('fatal', (err) => finish(() => reject(err)));
    conn.start();
  });
}

export default function eventsCommand(ctx: Ctx): Command {
  return withProject(new Command('events'))
    .summary("the project's live events as NDJSON, one per line, for jq")
    .description(
      "print the project's live events as NDJSON (one JSON object per line) until Ctrl+C; it " +
        'reconnects and resumes after network loss, so no message event is lost or repeated',
    )
    .addHelpText(
      'after',
      [
        '',
        'Each line is one event: dialog.created, dialog.updated, message.created, message.updated,',
        'typing, operator.status_changed, operator.schedule_changed, visitor.updated, visitor.presence,',
        'groups.changed; after a reconnect, the messages missed meanwhile arrive as',
        'message.created/message.updated, in order and once. A private note (for operators, never',
        'shown to the visitor) is a message event whose message has "private": true.',
        'Connection notices go to stderr, and only on a terminal.',
        '',
        'Examples:',
        "  $ parley events | jq -r 'select(.type == \"message.created\") | .message.body'",
        "  $ parley events | jq -r 'select(.type == \"message.created\" and .message.private) | .message.body'   # notes",
        '  $ parley events --project "Acme shop" >> events.ndjson',
        '',
      ].join('\n'),
    )
    .action((_o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
