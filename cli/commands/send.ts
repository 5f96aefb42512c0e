import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { Command } from 'commander';
import { ApiError } from '../../core/client/api.js';
import { MAX_ATTACHMENTS as MAX_FILES, MAX_BODY } from '../../core/protocol/constants.js';
import { type Ctx, withProject } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { notice, result } from '../io.js';
import { readLocalFile } from '../local-files.js';
import { checkLength, parseId, refuse } from '../options.js';
import { withAbsoluteUrls } from '../present.js';
import { readStdinLines } from '../prompt.js';

interface Opts {
  clientId?: string;
  file?: string[];
}


/** The server's rule for clientIds (core/protocol ClientId), checked before any request. */
function parseClientId(this: unknown, value: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
    throw refuse(this, value, 'a client id is 1-64 letters, digits, "-" or "_"');
  }
  return value;
}

/** `--file` may be given again and again; every path is kept, in order. */
function collectFile(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

interface LocalFile {
  path: string;
  name: string;
  data: Buffer;
}

/** Reads one file before anything goes to the server: any problem is one line naming the path. */
async function readAttachment(path: string): Promise<LocalFile> {
  const data = await readLocalFile(path);
  if (data.length === 0) throw new CliError(`${path} is empty: there is nothing to send`);
  return { path, name: basename(path), data };
}

/** A refusal of one file (too large, say) names it: with several files, which one matters. */
function aboutFile(err: unknown, path: string): unknown {
  if (err instanceof ApiError && (err.status === 413 || err.status === 400)) {
    return new ApiError(err.status, err.code, `${path}: ${err.message}`, err.retryAfter);
  }
  return err;
}

/**
 * The server's conflict in the command's words: the id is the --client-id given (a new UUID
 * never conflicts), and the server says what differs (the text, the files, or both).
 */
function aboutClientId(err: unknown, clientId: string, dialogId: number): unknown {
  const used = /^this clientId was already used (.*)$/s;
  if (!(err instanceof ApiError && err.status === 409 && used.test(err.message))) return err;
  const why = err.message.replace(used, '$1');
  return new CliError(`--client-id ${clientId} was already used in dialog ${dialogId} ${why}; this message was not sent (another --client-id sends it as a new one)`);
}

export async function run(dialogId: number, words: string[], opts: Opts, ctx: Ctx): Promise<number> {
  const paths = opts.file ?? [];
  if (paths.length > MAX_FILES) {
    throw new UsageError(`a message carries at most ${MAX_FILES} files, got ${paths.length}`);
  }
  const fromStdin = words.length === 1 && words[0] === '-';
  const text = (fromStdin ? (await readStdinLines(ctx.io)).join('\n') : words.join(' ')).trim();
  if (!text && paths.length === 0) throw new UsageError('a message needs some text or a file');
  checkLength(text, MAX_BODY, 'the message');
  // Every file is read before the first request: a wrong path sends nothing.
  const files: LocalFile[] = [];
  for (const path of paths) files.push(await readAttachment(path));

  const client = await ctx.client();
  const project = await ctx.project(client);
  // One after another, so a refusal stops before the rest are uploaded.
  const attachmentIds: number[] = [];
  for (const [i, file] of files.entries()) {
    if (files.length > 1) notice(ctx.io, `uploading ${file.name} (${i + 1}/${files.length})…`);
    try {
      const attachment = await client.uploadAttachment(project.id, dialogId, { name: file.name, data: file.data });
      attachmentIds.push(attachment.id);
    } catch (err) {
      throw aboutFile(err, file.path);
    }
  }
  const clientId = opts.clientId ?? randomUUID();
  const { message, isNew } = await client.sendMessage(project.id, dialogId, clientId, text, attachmentIds).catch((err: unknown) => {
    throw aboutClientId(err, clientId, dialogId);
  });
  const count = message.attachments.length;
  const withFiles = count ? ` with ${count} file${count === 1 ? '' : 's'}` : '';
  result(ctx.io, withAbsoluteUrls({ ...message, isNew }, client.url), () =>
    isNew
      ? `Sent to dialog ${dialogId}: message ${message.id} (seq ${message.seq})${withFiles}.`
      : `Already sent with this client id: message ${message.id} (seq ${message.seq})${withFiles}, pushed to the visitor again.`,
  );
  return 0;
}

export default function sendCommand(ctx: Ctx): Command {
  return withProject(new Command('send'))
    .description('send an operator message, with files if you like, to a dialog (for scripts; stored once per client id)')
    .summary('send an operator message to a dialog')
    .argument('<dialog-id>', 'dialog id (see "parley dialogs list")', parseId)
    .argument('[text...]', 'the message; "-" reads it from stdin; optional with --file')
    .option(
      '-f, --file <path>',
      `attach a file (repeat for more, at most ${MAX_FILES}); every file is read before anything is sent; the visitor sees its file name`,
      collectFile,
    )
    .option(
      '--client-id <id>',
      'idempotency key: a retry with the same id, text and files stores the message once (default: a new UUID); a retry with --file uploads the files again; other text or other files under a used id are refused',
      parseClientId,
    )
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ parley send 12 "Your order has shipped."',
        '  $ parley send 12 --client-id order-4711-shipped "Your order has shipped."   # safe to retry',
        '  $ fortune | parley send 12 -',
        '  $ parley send 12 --file invoice.pdf "Your invoice"',
        '  $ parley send 12 -f a.png -f b.png',
        '',
      ].join('\n'),
    )
    .action((id: number, words: string[], opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(id, words, opts, ctx)));
}
