import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { Command } from 'commander';
import { ApiError } from '../../core/client/api.js';
import { MAX_ATTACHMENTS as MAX_FILES, MAX_BODY } from '../../core/protocol/constants.js';
import type { Message } from '../../core/protocol/index.js';
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
  note?: boolean;
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
 * never conflicts), and the server says what differs (the text, the files, or both, or that one
 * is a private note and the other a message).
 */
function aboutClientId(err: unknown, clientId: string, dialogId: number, kind: 'message' | 'note'): unknown {
  const used = /^this clientId was already used (.*)$/s;
  if (!(err instanceof ApiError && err.status === 409 && used.test(err.message))) return err;
  const why = err.message.replace(used, '$1');
  const [done, does] = kind === 'note' ? ['stored', 'stores'] : ['sent', 'sends'];
  return new CliError(`--client-id ${clientId} was already used in dialog ${dialogId} ${why}; this ${kind} was not ${done} (another --client-id ${does} it as a new one)`);
}

/** What the command did, in words: a note is for operators, so nothing of it is "sent to" the visitor. */
function said(message: Message, isNew: boolean, dialogId: number): string {
  const count = message.attachments.length;
  const withFiles = count ? ` with ${count} file${count === 1 ? '' : 's'}` : '';
  const which = `${message.id} (seq ${message.seq})${withFiles}`;
  if (message.private) {
    return isNew
      ? `Private note stored in dialog ${dialogId}: note ${which}; only operators see it.`
      : `Already stored with this client id: note ${which}; only operators see it.`;
  }
  return isNew
    ? `Sent to dialog ${dialogId}: message ${which}.`
    : `Already sent with this client id: message ${which}, pushed to the visitor again.`;
}

export async function run(dialogId: number, words: string[], opts: Opts, ctx: Ctx): Promise<number> {
  const paths = opts.file ?? [];
  if (paths.length > MAX_FILES) {
    throw new UsageError(`a message carries at most ${MAX_FILES} files, got ${paths.length}`);
  }
  const kind = opts.note ? 'note' : 'message';
  const fromStdin = words.length === 1 && words[0] === '-';
  const text = (fromStdin ? (await readStdinLines(ctx.io)).join('\n') : words.join(' ')).trim();
  if (!text && paths.length === 0) throw new UsageError(`a ${kind} needs some text or a file`);
  checkLength(text, MAX_BODY, `the ${kind}`);
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
  const { message, isNew } = await client
    .sendMessage(project.id, dialogId, clientId, text, attachmentIds, opts.note ? { private: true } : undefined)
    .catch((err: unknown) => {
      throw aboutClientId(err, clientId, dialogId, kind);
    });
  result(ctx.io, withAbsoluteUrls({ ...message, isNew }, client.url), () => said(message, isNew, dialogId));
  return 0;
}

export default function sendCommand(ctx: Ctx): Command {
  return withProject(new Command('send'))
    .description(
      'send an operator message, with files if you like, to a dialog, or with --note a private note that only operators see ' +
        '(for scripts; stored once per client id)',
    )
    .summary('send an operator message (or a private note) to a dialog')
    .argument('<dialog-id>', 'dialog id (see "parley dialogs list")', parseId)
    .argument('[text...]', 'the message; "-" reads it from stdin; optional with --file')
    .option(
      '--note',
      "a private note for the team in the dialog's thread: operators see it, the visitor never does; it changes nothing of the dialog (no first response, no assignee, no reopening)",
    )
    .option(
      '-f, --file <path>',
      `attach a file (repeat for more, at most ${MAX_FILES}); every file is read before anything is sent; the visitor sees its file name, unless it is a note's`,
      collectFile,
    )
    .option(
      '--client-id <id>',
      'idempotency key: a retry with the same id, text and files stores the message once (default: a new UUID); a retry with --file uploads the files again; other text, other files, or a note under the id of a message (or the other way round) are refused',
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
        '  $ parley send 12 --note "Asked for a refund twice; check order 4711 first."   # operators only',
        '  $ parley send 12 --note -f receipt.png "The receipt they mailed us"',
        '',
      ].join('\n'),
    )
    .action((id: number, words: string[], opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(id, words, opts, ctx)));
}
