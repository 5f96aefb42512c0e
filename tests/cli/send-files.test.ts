// `parley send --file`: an operator sends files from the command line, through the real
// `parley` binary against a real server (with a small upload limit), to a real widget socket.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngBytes } from '../helpers/accounts-extra.js';
import { adminShell, expectFailure, type Shell, loginShell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const OPERATOR = 'olga@example.com';
const UPLOAD_LIMIT = 8 * 1024;

interface AttachmentJson {
  id: number;
  name: string;
  mime: string;
  size: number;
  url: string;
}
interface MessageJson {
  id: number;
  seq: number;
  body: string;
  clientId: string;
  attachments: AttachmentJson[];
  isNew?: boolean;
}

let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
let admin: Shell;
let operator: Shell;
let files: string;
let peer: Peer;
let dialogId: number;
const png = pngBytes(300);
const notes = Buffer.from('Order 4711\nTotal: 42.00 EUR\n');
const peers: Peer[] = [];

async function messagesOf(id: number): Promise<MessageJson[]> {
  return (await operator.json<{ messages: MessageJson[] }>(['dialogs', 'show', String(id)])).messages;
}

/** The files the server has stored, across all dialogs. */
async function storedUploads(): Promise<string[]> {
  return readdir(join(server.dataDir, 'uploads')).catch(() => []);
}

beforeAll(async () => {
  server = await startTestServer({ env: { PARLEY_UPLOAD_MAX_BYTES: String(UPLOAD_LIMIT) } });
  outbox = await watchOutbox(server.dataDir);
  admin = await adminShell(server, ADMIN);
  const alpha = await admin.json<{ id: number; widgetKey: string }>(['project', 'create', 'Alpha']);
  expect((await admin.run(['project', 'set', 'Alpha', '--allowed-origin', ORIGIN])).code).toBe(0);
  const add = await admin.run(['team', 'add', '-p', 'Alpha', '--email', OPERATOR, '--first-name', 'Olga', '--last-name', 'Ops', '--operator']);
  expect(add, add.stderr).toMatchObject({ code: 0, stderr: '' });
  operator = await shell();
  await loginShell(operator, server.url, OPERATOR, `${passwordFrom(await outbox.waitFor((m) => m.to === OPERATOR))}\n${NEW_PASSWORD}\n`);

  files = await tempDir('parley-send-files-');
  await writeFile(join(files, 'photo.png'), png);
  await writeFile(join(files, 'notes.txt'), notes);
  await writeFile(join(files, 'huge.bin'), Buffer.alloc(UPLOAD_LIMIT * 3, 7));
  await writeFile(join(files, 'empty.txt'), '');
  await mkdir(join(files, 'a-folder'));

  // A visitor writes: the dialog the operator answers with files.
  const v = await visitorHello(server.url, alpha.widgetKey, ORIGIN);
  peer = v.peer;
  peers.push(peer);
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body: 'Can you send me the invoice?' });
  await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  dialogId = (await operator.json<{ dialogs: Array<{ id: number }> }>(['dialogs', 'list'])).dialogs[0].id;
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  outbox?.close();
  await server?.close();
});

describe('parley send --file', () => {
  it('text and two files (--json): names and types in the reply, the widget gets both, the URLs serve the same bytes', async () => {
    const sent = await operator.json<MessageJson>([
      'send', String(dialogId), '--file', join(files, 'photo.png'), '-f', join(files, 'notes.txt'), 'Here', 'it', 'is.',
    ]);
    expect(sent).toMatchObject({ isNew: true, body: 'Here it is.' });
    expect(sent.attachments.map((a) => a.name)).toEqual(['photo.png', 'notes.txt']);
    const [photo, text] = sent.attachments;
    expect(photo).toMatchObject({ mime: 'image/png', size: png.length });
    expect(text).toMatchObject({ size: notes.length });
    expect(text.mime).not.toMatch(/^image\//);

    const pushed = await peer.next((f) => f.type === 'message' && f.message.id === sent.id);
    expect(pushed.message).toMatchObject({ author: 'operator', body: 'Here it is.', operator: { name: 'Olga Ops' } });
    // The socket gives paths; what the CLI prints is absolute at its server, ready to fetch.
    expect(pushed.message.attachments.map((a: AttachmentJson) => ({ ...a, url: `${server.url}${a.url}` }))).toEqual(sent.attachments);

    for (const [attachment, bytes] of [[photo, png], [text, notes]] as const) {
      const res = await fetch(attachment.url);
      expect(res.status, attachment.name).toBe(200);
      expect(res.headers.get('content-type')).toBe(attachment.mime);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes), attachment.name).toBe(true);
    }
    const stored = (await messagesOf(dialogId)).find((m) => m.id === sent.id);
    expect(stored?.attachments.map((a) => a.id)).toEqual([photo.id, text.id]);
    // The transcript lists each file under its message, with the address to open it.
    const shown = (await operator.run(['dialogs', 'show', String(dialogId)])).stdout;
    expect(shown).toContain(`Olga Ops: Here it is.  · not delivered\n    📎 photo.png (image/png, ${png.length} B) ${photo.url}\n`);
    expect(shown).toContain(`    📎 notes.txt (${text.mime}, ${notes.length} B) ${text.url}`);
  });

  it('a file alone, without text, is a message too; the line says how many files', async () => {
    const r = await operator.run(['send', String(dialogId), '-f', join(files, 'photo.png')]);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const m = /^Sent to dialog (\d+): message (\d+) \(seq (\d+)\) with 1 file\.\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![1])).toBe(dialogId);
    const pushed = await peer.next((f) => f.type === 'message' && f.message.id === Number(m![2]));
    expect(pushed.message.body).toBe('');
    expect(pushed.message.attachments.map((a: AttachmentJson) => [a.name, a.mime])).toEqual([['photo.png', 'image/png']]);

    const two = await operator.run(['send', String(dialogId), '-f', join(files, 'photo.png'), '-f', join(files, 'notes.txt'), 'Both', 'again']);
    expect(two, two.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(two.stdout).toMatch(/^Sent to dialog \d+: message \d+ \(seq \d+\) with 2 files\.\n$/);
  });

  it('a retry with the same --client-id uploads again but stores the message once, with its first files', async () => {
    const args = ['send', String(dialogId), '--client-id', 'invoice-4711', '-f', join(files, 'notes.txt'), 'Your invoice'];
    const first = await operator.json<MessageJson>(args);
    const again = await operator.json<MessageJson>(args);
    expect(first.isNew).toBe(true);
    expect(again).toMatchObject({ isNew: false, id: first.id, seq: first.seq });
    expect(again.attachments).toEqual(first.attachments);
    const human = await operator.run(args);
    expect(human, human.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(human.stdout).toBe(`Already sent with this client id: message ${first.id} (seq ${first.seq}) with 1 file, pushed to the visitor again.\n`);
    expect((await messagesOf(dialogId)).filter((m) => m.clientId === 'invoice-4711')).toHaveLength(1);
  });

  it('no text and no file, or more than 10 files, is a usage error (exit 2) before any request', async () => {
    const before = await messagesOf(dialogId);
    const uploads = await storedUploads();
    expectFailure(await operator.run(['send', String(dialogId)]), 2, /a message needs some text or a file/);
    expectFailure(await operator.run(['send', String(dialogId), '  ']), 2, /a message needs some text or a file/);
    const eleven = Array.from({ length: 11 }, () => ['-f', join(files, 'photo.png')]).flat();
    expectFailure(await operator.run(['send', String(dialogId), ...eleven, 'too many']), 2, /at most 10 files, got 11/);
    expect(await messagesOf(dialogId)).toEqual(before);
    expect(await storedUploads()).toEqual(uploads);
  });

  it('a missing path, a directory or an empty file: exit 1 naming the path, nothing uploaded or sent', async () => {
    const before = await messagesOf(dialogId);
    const uploads = await storedUploads();
    const missing = join(files, 'no-such-invoice.pdf');
    // The good file comes first: every file is read before the first upload.
    const r = await operator.run(['send', String(dialogId), '-f', join(files, 'photo.png'), '-f', missing, 'Invoice']);
    expectFailure(r, 1);
    expect(r.stderr).toBe(`parley: no such file: ${missing}\n`);
    expectFailure(
      await operator.run(['send', String(dialogId), '-f', join(files, 'a-folder'), 'Invoice']),
      1,
      new RegExp(`${join(files, 'a-folder').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a directory`),
    );
    expectFailure(await operator.run(['send', String(dialogId), '-f', join(files, 'empty.txt')]), 1, /empty\.txt is empty/);
    expect(await messagesOf(dialogId)).toEqual(before);
    expect(await storedUploads()).toEqual(uploads);
  });

  it('a file over the server limit is refused (413): one line naming the file and the limit, exit 1, no message', async () => {
    const before = await messagesOf(dialogId);
    const r = await operator.run(['send', String(dialogId), '-f', join(files, 'huge.bin'), 'The big one']);
    expectFailure(r, 1, /huge\.bin: a file may be at most 8\.0 KB/);
    expect(await messagesOf(dialogId)).toEqual(before);
  });

  it('an unknown dialog (404) and a non-operator (403) get one line and exit 1', async () => {
    const uploads = await storedUploads();
    expectFailure(await operator.run(['send', '99999', '-f', join(files, 'photo.png')]), 1, /no dialog with id 99999/);
    expectFailure(await admin.run(['send', String(dialogId), '-p', 'Alpha', '-f', join(files, 'photo.png')]), 1, /only operators/);
    expect(await storedUploads()).toEqual(uploads);
  });
});
