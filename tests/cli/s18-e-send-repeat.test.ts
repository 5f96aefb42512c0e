// `parley send --client-id`: a retry (the same text and files, uploaded again) is reported as a
// repeat; other files under the used id are refused as other text is, in one line naming the
// files, and the visitor keeps the one message. The real `parley` binary against a real server
// and a real widget socket.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngBytes } from '../helpers/accounts-extra.js';
import { adminShell, expectFailure, type Shell } from '../helpers/cli-extra.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };

interface MessageJson {
  id: number;
  seq: number;
  clientId: string;
  attachments: Array<{ name: string }>;
}

let server: TestServer;
let operator: Shell;
let peer: Peer;
let dialogId: number;
let files: string;

beforeAll(async () => {
  server = await startTestServer();
  operator = await adminShell(server, ADMIN, { PARLEY_PROJECT: 'Shop' });
  const shop = await operator.json<{ id: number; widgetKey: string }>(['project', 'create', 'Shop']);
  expect((await operator.run(['project', 'set', 'Shop', '--allowed-origin', ORIGIN])).code).toBe(0);
  // The server administrator who created the project answers its chats too.
  expect((await operator.run(['team', 'update', ADMIN.email, '--operator'])).code).toBe(0);

  files = await tempDir('parley-s18-e-send-');
  await writeFile(join(files, 'me.png'), pngBytes(300));
  await writeFile(join(files, 'note.txt'), 'Bring the receipt.\n');

  ({ peer } = await visitorHello(server.url, shop.widgetKey, ORIGIN));
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body: 'Can I see it?' });
  await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  dialogId = (await operator.json<{ dialogs: Array<{ id: number }> }>(['dialogs', 'list'])).dialogs[0].id;
});

afterAll(async () => {
  await peer?.close();
  await server?.close();
});

const messagesWith = async (clientId: string) =>
  (await operator.json<{ messages: MessageJson[] }>(['dialogs', 'show', String(dialogId)])).messages.filter((m) => m.clientId === clientId);

describe('parley send --client-id with files', () => {
  it('another file under a used client id is refused naming the files; the same file again is a repeat', async () => {
    const d = String(dialogId);
    const first = await operator.run(['send', d, '--file', join(files, 'me.png'), '--client-id', 'kf2']);
    expect(first, first.stderr).toMatchObject({ code: 0, stderr: '' });
    const sent = /^Sent to dialog \d+: message (\d+) \(seq (\d+)\) with 1 file\.\n$/.exec(first.stdout);
    expect(sent, first.stdout).not.toBeNull();
    await peer.next((f) => f.type === 'message' && f.message.id === Number(sent![1]));

    const other = await operator.run(['send', d, '--file', join(files, 'note.txt'), '--client-id', 'kf2']);
    expectFailure(other, 1);
    expect(other.stderr).toBe(
      `parley: --client-id kf2 was already used in dialog ${d} for a message with other files: it has "me.png", this one "note.txt"; this message was not sent (another --client-id sends it as a new one)\n`,
    );
    // Other text, with or without files, is refused in the same words.
    expectFailure(
      await operator.run(['send', d, '--client-id', 'kf2', 'A caption']),
      1,
      /^parley: --client-id kf2 was already used in dialog \d+ for a message with a different text and other files: it has "me\.png", this one none; this message was not sent/,
    );

    const again = await operator.run(['send', d, '--file', join(files, 'me.png'), '--client-id', 'kf2']);
    expect(again, again.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toBe(`Already sent with this client id: message ${sent![1]} (seq ${sent![2]}) with 1 file, pushed to the visitor again.\n`);

    // The visitor has the one message, with me.png; note.txt never reached them.
    expect((await messagesWith('kf2')).map((m) => m.attachments.map((a) => a.name))).toEqual([['me.png']]);
    const pushed = await peer.next((f) => f.type === 'message' && f.message.id === Number(sent![1]));
    expect(pushed.message.attachments.map((a: { name: string }) => a.name)).toEqual(['me.png']);
    expect(peer.frames.filter((f) => f.message?.attachments?.some((a: { name: string }) => a.name === 'note.txt'))).toEqual([]);
  });
});
