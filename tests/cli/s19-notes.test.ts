// Private notes in the CLI: `parley send --note` stores an operator's words for the team (text,
// files, stdin, --client-id as for messages) and says that only operators see it; a client id
// used for the other kind is refused in the command's words; `dialogs show` marks notes, `events`
// prints them as they come, and every --json carries `private` as the server gives it. The real
// `parley` binary against a real server, with a real widget socket that never gets a note.
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pngBytes } from '../helpers/accounts-extra.js';
import { adminShell, expectFailure, type Shell } from '../helpers/cli-extra.js';
import { killAllParley, spawnParley } from '../helpers/process.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };

interface MessageJson {
  id: number;
  seq: number;
  author: string;
  body: string;
  clientId: string;
  private: boolean;
  deliveredAt: string | null;
  attachments: Array<{ name: string; url: string }>;
  isNew?: boolean;
}

let server: TestServer;
let operator: Shell;
let widgetKey: string;
let files: string;
const peers: Peer[] = [];

beforeAll(async () => {
  server = await startTestServer();
  operator = await adminShell(server, ADMIN, { PARLEY_PROJECT: 'Shop' });
  const shop = await operator.json<{ id: number; widgetKey: string }>(['project', 'create', 'Shop']);
  widgetKey = shop.widgetKey;
  expect((await operator.run(['project', 'set', 'Shop', '--allowed-origin', ORIGIN])).code).toBe(0);
  // The server administrator who created the project answers its chats too.
  expect((await operator.run(['team', 'update', ADMIN.email, '--operator'])).code).toBe(0);
  files = await tempDir('parley-s19-notes-');
  await writeFile(join(files, 'receipt.png'), pngBytes(300));
});

afterAll(async () => {
  for (const peer of peers) await peer.close();
  await server?.close();
});

afterEach(async () => {
  await killAllParley();
});

/** A visitor who wrote `text`: their socket and their dialog's id. */
async function visitorWrote(text: string): Promise<{ peer: Peer; dialogId: number }> {
  const { peer, welcome } = await visitorHello(server.url, widgetKey, ORIGIN);
  peers.push(peer);
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body: text });
  await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  const { dialogs } = await operator.json<{ dialogs: Array<{ id: number; visitor: { name: string } }> }>(['dialogs', 'list']);
  return { peer, dialogId: dialogs.find((d) => d.visitor.name === welcome.visitor.name)!.id };
}

/**
 * Sends an ordinary message and waits until the widget has it: every frame the server pushed
 * before it is in `peer.frames` by then, so what is not there was never pushed.
 */
async function widgetCaughtUp(peer: Peer, dialogId: number): Promise<void> {
  const marker = `marker ${randomUUID()}`;
  expect((await operator.run(['send', String(dialogId), marker])).code).toBe(0);
  await peer.next((f) => f.type === 'message' && f.message.body === marker);
}

const framesWith = (peer: Peer, text: string) => peer.frames.filter((f) => JSON.stringify(f).includes(text));

describe('parley send --note', () => {
  it('stores a private note, says only operators see it; --json has private: true; the visitor gets nothing of it', async () => {
    const { peer, dialogId } = await visitorWrote('Where is my refund?');
    const d = String(dialogId);
    const r = await operator.run(['send', '--note', d, 'Asked for a refund twice; check order 4711 first.']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const stored = /^Private note stored in dialog (\d+): note (\d+) \(seq (\d+)\); only operators see it\.\n$/.exec(r.stdout);
    expect(stored, r.stdout).not.toBeNull();
    expect(stored![1]).toBe(d);

    const json = await operator.json<MessageJson>(['send', d, '--note', 'Second thought: it was order 4712.']);
    expect(json).toMatchObject({ author: 'operator', private: true, deliveredAt: null, isNew: true, body: 'Second thought: it was order 4712.' });

    // A message afterwards is an ordinary one, in the ordinary words.
    const message = await operator.run(['send', d, 'We are looking into it.']);
    expect(message.stdout).toMatch(/^Sent to dialog \d+: message \d+ \(seq \d+\)\.\n$/);
    await peer.next((f) => f.type === 'message' && f.message.body === 'We are looking into it.');
    expect(framesWith(peer, 'order 4711')).toEqual([]);
    expect(framesWith(peer, 'order 4712')).toEqual([]);

    // Operators have both notes in the thread, marked private; the message is not.
    const shown = await operator.json<{ messages: MessageJson[] }>(['dialogs', 'show', d]);
    expect(shown.messages.map((m) => [m.author, m.private, m.body])).toEqual([
      ['visitor', false, 'Where is my refund?'],
      ['operator', true, 'Asked for a refund twice; check order 4711 first.'],
      ['operator', true, 'Second thought: it was order 4712.'],
      ['operator', false, 'We are looking into it.'],
    ]);
    expect(shown.messages[1].id).toBe(Number(stored![2]));
  });

  it('takes files and stdin as a message does; the files are named in the answer, and go to no visitor', async () => {
    const { peer, dialogId } = await visitorWrote('I mailed you the receipt');
    const d = String(dialogId);
    const withFile = await operator.run(['send', d, '--note', '-f', join(files, 'receipt.png'), 'The receipt they mailed us']);
    expect(withFile, withFile.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(withFile.stdout).toMatch(/^Private note stored in dialog \d+: note \d+ \(seq \d+\) with 1 file; only operators see it\.\n$/);

    const piped = await operator.json<MessageJson>(['send', '--note', d, '-'], { stdin: 'line one\nline two\n' });
    expect(piped).toMatchObject({ private: true, body: 'line one\nline two' });

    const fileOnly = await operator.json<MessageJson>(['send', '--note', d, '--file', join(files, 'receipt.png')]);
    expect(fileOnly).toMatchObject({ private: true, body: '' });
    expect(fileOnly.attachments.map((a) => a.name)).toEqual(['receipt.png']);
    // The file's address is absolute, as a message's is.
    expect(fileOnly.attachments[0].url.startsWith(`${server.url}/files/`)).toBe(true);

    await widgetCaughtUp(peer, dialogId);
    expect(framesWith(peer, 'receipt.png')).toEqual([]);
    expect(framesWith(peer, 'line one')).toEqual([]);
  });

  it('refuses a note without text or files, or too long, as a note (exit 2), and sends nothing', async () => {
    const { dialogId } = await visitorWrote('Hello?');
    const d = String(dialogId);
    expectFailure(await operator.run(['send', '--note', d]), 2, /^parley: a note needs some text or a file\n$/);
    expectFailure(await operator.run(['send', '--note', d, '-'], { stdin: '\n \n' }), 2, /a note needs some text or a file/);
    expectFailure(await operator.run(['send', '--note', d, 'x'.repeat(10_001)]), 2, /^parley: the note has 10001 characters; at most 10000 are allowed\n$/);
    const shown = await operator.json<{ messages: MessageJson[] }>(['dialogs', 'show', d]);
    expect(shown.messages.map((m) => m.body)).toEqual(['Hello?']);
  });

  it('--client-id: a repeat stores the note once; the id of a note refuses a message and the other way round, in the command\'s words', async () => {
    const { peer, dialogId } = await visitorWrote('Is it in stock?');
    const d = String(dialogId);
    const first = await operator.run(['send', d, '--note', '--client-id', 'stock-check', 'Ask the warehouse']);
    expect(first, first.stderr).toMatchObject({ code: 0, stderr: '' });
    const [, id, seq] = /note (\d+) \(seq (\d+)\)/.exec(first.stdout)!;

    const again = await operator.run(['send', d, '--note', '--client-id', 'stock-check', 'Ask the warehouse']);
    expect(again, again.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toBe(`Already stored with this client id: note ${id} (seq ${seq}); only operators see it.\n`);
    expect((await operator.json<MessageJson>(['send', d, '--note', '--client-id', 'stock-check', 'Ask the warehouse'])).isNew).toBe(false);

    const asMessage = await operator.run(['send', d, '--client-id', 'stock-check', 'Ask the warehouse']);
    expectFailure(asMessage, 1);
    expect(asMessage.stderr).toBe(
      `parley: --client-id stock-check was already used in dialog ${d} for a private note: this one is a message to the visitor; this message was not sent (another --client-id sends it as a new one)\n`,
    );

    expect((await operator.run(['send', d, '--client-id', 'in-stock', 'Yes, it is in stock.'])).code).toBe(0);
    const asNote = await operator.run(['send', d, '--note', '--client-id', 'in-stock', 'Yes, it is in stock.']);
    expectFailure(asNote, 1);
    expect(asNote.stderr).toBe(
      `parley: --client-id in-stock was already used in dialog ${d} for a message to the visitor: this one is a private note; this note was not stored (another --client-id stores it as a new one)\n`,
    );

    // One note and one message under the two ids; the visitor has the message alone.
    const shown = await operator.json<{ messages: MessageJson[] }>(['dialogs', 'show', d]);
    expect(shown.messages.filter((m) => m.author === 'operator').map((m) => [m.clientId, m.private])).toEqual([
      ['stock-check', true],
      ['in-stock', false],
    ]);
    await widgetCaughtUp(peer, dialogId);
    expect(framesWith(peer, 'Ask the warehouse')).toEqual([]);
  });

  it('help names --note with an example', async () => {
    const r = await operator.run(['send', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--note +a private note for the team/);
    expect(r.stdout).toContain('$ parley send 12 --note "');
  });
});

describe('notes where messages show', () => {
  it('dialogs show marks a note beside its author, without a delivery state; a message keeps its own', async () => {
    const { peer, dialogId } = await visitorWrote('Can I pay by invoice?');
    const d = String(dialogId);
    expect((await operator.run(['send', d, '--note', 'Only for business customers.\nCheck their VAT id.'])).code).toBe(0);
    expect((await operator.run(['send', d, 'Are you ordering as a business?'])).code).toBe(0);
    await peer.next((f) => f.type === 'message' && f.message.body === 'Are you ordering as a business?');

    const r = await operator.run(['dialogs', 'show', d]);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const transcript = r.stdout.split('\n\n')[1];
    expect(transcript).toMatch(
      /^\[\d\d:\d\d\] \S+ \S+: Can I pay by invoice\?\n\[\d\d:\d\d\] Root Admin \(private note\): Only for business customers\.\n {4}Check their VAT id\.\n\[\d\d:\d\d\] Root Admin: Are you ordering as a business\?  · not delivered\n$/,
    );

    // Search says where it found the words: in a private note, or in a message.
    const found = await operator.run(['dialogs', 'search', 'VAT id']);
    expect(found, found.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(found.stdout).toMatch(new RegExp(`^${d} .*private note: Only for business customers\\. Check their VAT id\\.`, 'm'));
    expect((await operator.run(['dialogs', 'search', 'ordering as'])).stdout).toMatch(new RegExp(`^${d} .*message: Are you ordering`, 'm'));
  });

  it('events prints a note as message.created with "private":true', async () => {
    const { dialogId } = await visitorWrote('Any discounts?');
    const connected = once(server.app.websocketServer, 'connection');
    const events = spawnParley(['events'], { env: { HOME: operator.configDir, PARLEY_CONFIG_DIR: operator.configDir, PARLEY_PROJECT: 'Shop' } });
    await connected;
    expect((await operator.run(['send', String(dialogId), '--note', 'Loyal customer: offer 10%'])).code).toBe(0);
    const [line] = await events.waitForStdout(/^.*"Loyal customer: offer 10%".*$/m);
    expect(JSON.parse(line)).toMatchObject({ type: 'message.created', message: { private: true, body: 'Loyal customer: offer 10%' } });
    expect(await events.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
