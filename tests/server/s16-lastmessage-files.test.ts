// A dialog's summary names the files of its last message (`lastMessage.files`), so that a list
// can show a message of files alone (`📎 me.png`) without fetching the message: in the REST
// list, in search results and in the dialog events operators' clients keep their lists with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { DialogSummary } from '../../core/protocol/index.js';
import { pngBytes } from '../helpers/accounts-extra.js';
import { connectOperator, type Peer, visitorHello } from '../helpers/realtime.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { shopWithOli } from '../helpers/shop.js';

const ORIGIN = 'https://shop.example.com';

let server: TestServer;
let oli: ParleyClient;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];

beforeAll(async () => {
  server = await startTestServer();
  ({ oli, project } = await shopWithOli(server, ORIGIN));
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server?.close();
});

/** A visitor's file, uploaded through the widget: its attachment id. */
async function visitorUpload(token: string, name: string): Promise<number> {
  const form = new FormData();
  form.append('file', new Blob([pngBytes(120)], { type: 'image/png' }), name);
  const res = await fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
    method: 'POST',
    headers: { origin: ORIGIN, 'x-parley-visitor': token },
    body: form,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

const summaryOf = async (dialogId: number): Promise<DialogSummary> =>
  (await oli.listDialogs(project.id, { view: 'mine' })).dialogs.find((d) => d.id === dialogId)!;

describe('lastMessage.files', () => {
  it('names the files of a last message of files alone, of one with text, and none for text alone; events carry them too', async () => {
    const watcher = await connectOperator(server.url, oli.token!, project.id);
    peers.push(watcher);
    await watcher.next((f) => f.type === 'ready');

    const { peer, welcome } = await visitorHello(server.url, project.widgetKey, ORIGIN);
    peers.push(peer);
    const photo = await visitorUpload(welcome.token, 'me.png');
    peer.send({ type: 'message.send', clientId: 'files-only', body: '', attachmentIds: [photo] });
    await peer.next((f) => f.type === 'message.stored' && f.clientId === 'files-only');

    // The dialog event that brought the message to operators names the file.
    const created = await watcher.next((f) => f.type === 'dialog.created');
    expect(created.dialog.lastMessage).toMatchObject({ author: 'visitor', body: '', files: [{ name: 'me.png' }] });
    const dialogId: number = created.dialog.id;
    expect((await summaryOf(dialogId)).lastMessage).toEqual({
      author: 'visitor',
      seq: 1,
      body: '',
      files: [{ name: 'me.png' }],
      createdAt: expect.any(String),
    });

    // An operator's text with two files: the text and both names, in order.
    const [a, b] = await Promise.all(
      ['invoice.png', 'label.png'].map((name) => oli.uploadAttachment(project.id, dialogId, { name, data: pngBytes(90) })),
    );
    await oli.sendMessage(project.id, dialogId, 'with-files', 'Here they are', [a.id, b.id]);
    const updated = await watcher.next((f) => f.type === 'dialog.updated' && f.dialog.lastMessage?.body === 'Here they are');
    expect(updated.dialog.lastMessage.files).toEqual([{ name: 'invoice.png' }, { name: 'label.png' }]);
    expect((await summaryOf(dialogId)).lastMessage?.files).toEqual([{ name: 'invoice.png' }, { name: 'label.png' }]);

    // Text alone: no files. Search results are summaries too.
    await oli.sendMessage(project.id, dialogId, 'text-only', 'Anything else?');
    expect((await summaryOf(dialogId)).lastMessage).toMatchObject({ body: 'Anything else?', files: [] });
    const found = await oli.searchDialogs(project.id, 'Anything else');
    expect(found.results.map((r) => [r.dialog.id, r.dialog.lastMessage?.files])).toEqual([[dialogId, []]]);
  });
});
