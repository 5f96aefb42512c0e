import { randomUUID } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { type Ctx, withProject } from '../context.js';
import { UsageError } from '../errors.js';
import { result } from '../io.js';
import { parseId } from '../options.js';
import { readStdinLines } from '../prompt.js';

interface Opts {
  clientId?: string;
}

/** The server's rule for clientIds (core/protocol ClientId), checked before any request. */
function parseClientId(value: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
    throw new InvalidArgumentError('a client id is 1-64 letters, digits, "-" or "_"');
  }
  return value;
}

export async function run(dialogId: number, words: string[], opts: Opts, ctx: Ctx): Promise<number> {
  const fromStdin = words.length === 1 && words[0] === '-';
  const text = fromStdin ? (await readStdinLines(ctx.io)).join('\n') : words.join(' ');
  if (!text.trim()) throw new UsageError('a message needs some text');
  const client = await ctx.client();
  const project = await ctx.project(client);
  const { message, isNew } = await client.sendMessage(project.id, dialogId, opts.clientId ?? randomUUID(), text.trim());
  result(ctx.io, { ...message, isNew }, () =>
    isNew
      ? `Sent to dialog ${dialogId}: message ${message.id} (seq ${message.seq}).`
      : `Already sent with this client id: message ${message.id} (seq ${message.seq}), pushed to the visitor again.`,
  );
  return 0;
}

export default function sendCommand(ctx: Ctx): Command {
  return withProject(new Command('send'))
    .description('send an operator message to a dialog (for scripts; stored once per client id)')
    .summary('send an operator message to a dialog')
    .argument('<dialog-id>', 'dialog id (see "parley dialogs list")', parseId)
    .argument('<text...>', 'the message; "-" reads it from stdin')
    .option('--client-id <id>', 'idempotency key: a retry with the same id stores the message once (default: a new UUID)', parseClientId)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ parley send 12 "Your order has shipped."',
        '  $ parley send 12 --client-id order-4711-shipped "Your order has shipped."   # safe to retry',
        '  $ fortune | parley send 12 -',
        '',
      ].join('\n'),
    )
    .action((id: number, words: string[], opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(id, words, opts, ctx)));
}
