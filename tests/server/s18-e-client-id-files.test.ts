// A clientId stores one message, with its text and its files: a retry with the same text and
// the same files (uploaded again, so under new attachment ids) is a repeat, and other files
// under a used clientId are a 409 conflict naming them, as other text is. Through REST, the
// operator socket and the visitor socket (whose retry after a reconnect stays a repeat).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type ParleyClient } from '../../core/client/api.js';
import type { Attachment } from '../../core/protocol/index.js';
import { connectOperator, type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const NOTE = Buffer.from('Bring the receipt.\n');

let server: TestServer;
let root: ParleyClient;
let project: { id: number; widgetKey: string };
let visitor: { peer: Peer; token: string };
let dialogId: number;

beforeAll(async () => {
  server = await startTestServer();
  root = (await signedInAdmin(server)).client;
  const p = await root.createProject('Shop');
  await root.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  await root.updateMember(p.id, 'root@example.com', { operator: true });
  project = { id: p.id, widgetKey: p.widgetKey };
  const hello = await visitorHello(server.url, p.widgetKey, ORIGIN);
  hello.peer.send({ type: 'message.send', clientId: 'v-hi', body: 'hi' });
  await hello.peer.next((f) => f.type === 'message.stored' && f.clientId === 'v-hi');
  visitor = { peer: hello.peer, token: hello.welcome.token };
  const { dialogs } = await root.listDialogs(p.id, { view: 'mine' });
  dialogId = dialogs[0].id;
});

afterAll(async () => {
  await visitor?.peer.close();
  await server?.close();
});

const upload = (name: string, data: Buffer) => root.uploadAttachment(project.id, dialogId, { name, data });
const send = async (clientId: string, body: string, files: Attachment[]) =>
  root.sendMessage(project.id, dialogId, clientId, body, files.map((a) => a.id));

/** The refusal of a send: its status, code and message. */
async function refusal(sending: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  const err = await sending.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  const { status, code, message } = err as ApiError;
  return { status, code, message };
}

const messagesWith = async (clientId: string) => (await root.getDialog(project.id, dialogId)).messages.filter((m) => m.clientId === clientId);

describe('REST: POST messages under a used clientId', () => {
  it('the same text and files uploaded again is a repeat; other files are a conflict naming both sides', async () => {
    const first = await send('kf2', 'Your photo', [await upload('me.png', PNG)]);
    expect(first.isNew).toBe(true);
    // A retry uploads again: a new attachment id for the same bytes, and still the same message.
    const again = await send('kf2', 'Your photo', [await upload('me.png', PNG)]);
    expect(again).toMatchObject({ isNew: false, message: { id: first.message.id, seq: first.message.seq } });
    expect(again.message.attachments).toEqual(first.message.attachments);

    const note = await upload('note.txt', NOTE);
    expect(await refusal(send('kf2', 'Your photo', [note]))).toEqual({
      status: 409,
      code: 'conflict',
      message: 'this clientId was already used for a message with other files: it has "me.png", this one "note.txt"',
    });
    expect((await refusal(send('kf2', 'Your photo', []))).message).toBe('this clientId was already used for a message with other files: it has "me.png", this one none');
    expect((await refusal(send('kf2', 'Your photo', [await upload('me.png', PNG), note]))).message).toMatch(/other files: it has "me\.png", this one "me\.png", "note\.txt"$/);
    // The same name with other bytes is another file.
    expect((await refusal(send('kf2', 'Your photo', [await upload('me.png', Buffer.concat([PNG, PNG]))]))).status).toBe(409);
    expect((await refusal(send('kf2', 'Something else', [await upload('me.png', PNG)]))).message).toBe('this clientId was already used for a message with a different text');
    expect((await refusal(send('kf2', 'Something else', [note]))).message).toMatch(/^this clientId was already used for a message with a different text and other files: it has "me\.png", this one "note\.txt"$/);

    const stored = await messagesWith('kf2');
    expect(stored.map((m) => m.attachments.map((a) => a.name))).toEqual([['me.png']]);
  });

  it('a text-only message takes no files under its clientId; files in another order are the same files', async () => {
    await send('kt1', 'Text only', []);
    expect(await send('kt1', 'Text only', [])).toMatchObject({ isNew: false });
    expect((await refusal(send('kt1', 'Text only', [await upload('note.txt', NOTE)]))).message).toBe(
      'this clientId was already used for a message with other files: it has none, this one "note.txt"',
    );

    const first = await send('kt2', '', [await upload('me.png', PNG), await upload('note.txt', NOTE)]);
    const again = await send('kt2', '', [await upload('note.txt', NOTE), await upload('me.png', PNG)]);
    expect(again).toMatchObject({ isNew: false, message: { id: first.message.id } });
  });
});

describe('the sockets under a used clientId', () => {
  it("the operator socket's message.send: a retry is stored once, other files are refused with the conflict", async () => {
    const op = await connectOperator(server.url, root.token!, project.id);
    try {
      const photo = await upload('me.png', PNG);
      op.send({ type: 'message.send', dialogId, clientId: 'ws1', body: 'From the socket', attachmentIds: [photo.id] });
      const stored = await op.next((f) => f.type === 'message.stored' && f.clientId === 'ws1');
      op.send({ type: 'message.send', dialogId, clientId: 'ws1', body: 'From the socket', attachmentIds: [(await upload('me.png', PNG)).id] });
      const repeat = await op.next((f) => f.type === 'message.stored' && f.clientId === 'ws1');
      expect(repeat.message.id).toBe(stored.message.id);
      op.send({ type: 'message.send', dialogId, clientId: 'ws1', body: 'From the socket', attachmentIds: [(await upload('note.txt', NOTE)).id] });
      const refused = await op.next((f) => f.type === 'error' && f.ref === 'ws1');
      expect(refused).toMatchObject({ code: 'conflict', message: 'this clientId was already used for a message with other files: it has "me.png", this one "note.txt"' });
      expect(await messagesWith('ws1')).toHaveLength(1);
    } finally {
      await op.close();
    }
  });

  it("the visitor socket's message.send: the widget's retry after a reconnect is a repeat; other files are refused", async () => {
    const widgetUpload = async (name: string, data: Buffer) => {
      const form = new FormData();
      form.append('file', new Blob([data]), name);
      const res = await fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
        method: 'POST',
        headers: { origin: ORIGIN, 'x-parley-visitor': visitor.token },
        body: form,
      });
      expect(res.status).toBe(201);
      return (await res.json()) as Attachment;
    };
    const photo = await widgetUpload('me.png', PNG);
    const frame = { type: 'message.send', clientId: 'vf1', body: 'Look', attachmentIds: [photo.id] };
    visitor.peer.send(frame);
    const stored = await visitor.peer.next((f) => f.type === 'message.stored' && f.clientId === 'vf1');

    // As the widget does after a reconnect: the pending message again, as it was.
    await visitor.peer.close();
    visitor.peer = (await visitorHello(server.url, project.widgetKey, ORIGIN, { token: visitor.token })).peer;
    visitor.peer.send(frame);
    const repeat = await visitor.peer.next((f) => f.type === 'message.stored' && f.clientId === 'vf1');
    expect(repeat.message).toMatchObject({ id: stored.message.id, attachments: stored.message.attachments });

    visitor.peer.send({ ...frame, attachmentIds: [(await widgetUpload('note.txt', NOTE)).id] });
    const refused = await visitor.peer.next((f) => f.type === 'error' && f.ref === 'vf1');
    expect(refused).toMatchObject({ code: 'conflict', message: 'this clientId was already used for a message with other files: it has "me.png", this one "note.txt"' });
    expect(await messagesWith('vf1')).toHaveLength(1);
  });
});
