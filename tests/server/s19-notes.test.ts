// Private notes (core/protocol/dialogs.ts Message.private): an operator's words for the team in a
// dialog's thread, over a real server, real sockets and a real SQLite file. Operators get them
// like messages (message.created/updated with private: true); the visitor's widget never does:
// no push, no hello history, no resume, no history page, no delivery by an ack. A note changes
// nothing of the dialog (first response, assignee, status, last activity). Also: the take's `{}`
// body, and a database from before notes.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import type { DialogDetail, DialogSummary, Message, VisitorMessage } from '../../core/protocol/index.js';
import { ManualClock } from '../../server/clock.js';
import { migrations } from '../../server/db/migrations.js';
import { sha256 } from '../../server/secrets.js';
import { addMember, expectApiError, raw } from '../helpers/accounts-extra.js';
import { watchOutbox } from '../helpers/mail.js';
import { connectOperator, type Peer, visitorHello, visitorWrites } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const EDIT_WINDOW_MS = 10 * 60_000;
/** The most changes a widget's reconnect is sent (services/dialogs.ts VISITOR_RESUME_MAX). */
const RESUME_MAX = 200;

let server: TestServer;
let clock: ManualClock;
let root: ParleyClient;
let oli: ParleyClient;
let ann: ParleyClient;
let shop: { id: number; widgetKey: string };
const peers: Peer[] = [];

beforeEach(async () => {
  clock = new ManualClock(Date.now());
  server = await startTestServer({ clock, rateLimits: { login: 1000, forgot: 1000 } });
  ({ client: root } = await signedInAdmin(server));
  const p = await root.createProject('Shop');
  await root.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  shop = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  oli = await (await addMember(server, root, shop.id, { email: 'oli@example.com', firstName: 'Oli', lastName: 'Op', operator: true }, outbox)).signIn();
  ann = await (await addMember(server, root, shop.id, { email: 'ann@example.com', firstName: 'Ann', lastName: 'Lee', operator: true }, outbox)).signIn();
  outbox.close();
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
});

const site = () => ({ url: server.url, widgetKey: shop.widgetKey, origin: ORIGIN, projectId: shop.id, admin: root, peers });
const messagesPath = (dialogId: number) => `/api/v1/projects/${shop.id}/dialogs/${dialogId}/messages`;

/** Every frame a socket receives, as sent (the helper's `frames` loses those a test awaited). */
function everything(peer: Peer): string[] {
  const seen: string[] = [];
  peer.ws.on('message', (raw) => seen.push(raw.toString()));
  return seen;
}

/** A barrier: the socket's frames so far have all arrived once its pong has (one socket, one order). */
async function settled(peer: Peer) {
  peer.send({ type: 'ping' });
  await peer.next((f) => f.type === 'pong');
}

async function operatorSocket(client: ParleyClient) {
  const peer = await connectOperator(server.url, client.token!, shop.id);
  peers.push(peer);
  await peer.next((f) => f.type === 'ready');
  return peer;
}

const note = (client: ParleyClient, dialogId: number, body: string, clientId = randomUUID()) =>
  client.sendMessage(shop.id, dialogId, clientId, body, undefined, { private: true });

const detail = (dialogId: number) => oli.getDialog(shop.id, dialogId);

/** What the dialog's notes must leave as it was. */
const untouched = (d: DialogSummary) => ({
  status: d.status,
  assignee: d.assignee,
  firstResponseAt: d.firstResponseAt,
  lastMessageAt: d.lastMessageAt,
  closedAt: d.closedAt,
});

describe('a note', () => {
  it('by REST: operators get message.created with private: true; the widget open then gets nothing of it; the dialog is as it was', async () => {
    const visitor = await visitorWrites(site(), 'Where is my parcel?');
    const widget = everything(visitor.peer);
    const annSocket = await operatorSocket(ann);
    const before = (await detail(visitor.dialogId)).dialog;
    clock.advance(60_000);

    const sent = await note(oli, visitor.dialogId, 'VIP customer: refund without asking');
    expect(sent.isNew).toBe(true);
    expect(sent.message).toMatchObject({ author: 'operator', private: true, deliveredAt: null, body: 'VIP customer: refund without asking' });
    const created = await annSocket.next((f) => f.type === 'message.created' && f.message.id === sent.message.id);
    expect(created.message).toMatchObject({ private: true, operator: { name: 'Oli Op' } });

    // Nothing of the dialog moved: no first response, nobody took it, its activity is the visitor's.
    const after = (await detail(visitor.dialogId)).dialog;
    expect(untouched(after)).toEqual(untouched(before));
    expect(after).toMatchObject({ lastSeq: before.lastSeq + 1, rev: before.rev + 1 });
    // The lists still show the visitor's message, so "the visitor wrote last" holds under the note.
    expect(after.lastMessage).toEqual(before.lastMessage);
    expect(after.lastMessage).toMatchObject({ author: 'visitor', seq: before.lastSeq });
    // Nor was it announced as changed.
    await settled(annSocket);
    expect(annSocket.frames.filter((f) => f.type === 'dialog.updated')).toEqual([]);

    // An answer after it is the one thing the widget receives; it is pushed after the note was.
    const answer = await oli.sendMessage(shop.id, visitor.dialogId, randomUUID(), 'It ships today');
    const pushed = await visitor.peer.next((f) => f.type === 'message' && f.message.id === answer.message.id);
    expect(pushed.message.body).toBe('It ships today');
    await settled(visitor.peer);
    expect(widget.filter((f) => f.includes('VIP'))).toEqual([]);
    expect(widget.map((f) => JSON.parse(f)).filter((f) => f.type === 'message').map((f) => f.message.id)).toEqual([answer.message.id]);
    // The answer is the first response, and its sender took the dialog.
    expect((await detail(visitor.dialogId)).dialog).toMatchObject({ assignee: { name: 'Oli Op' }, firstResponseAt: expect.any(String) });
  });

  it('by the operator socket: stored private, the widget open gets nothing, a closed dialog stays closed', async () => {
    const visitor = await visitorWrites(site(), 'Thanks, bye');
    const widget = everything(visitor.peer);
    const closed = await oli.closeDialog(shop.id, visitor.dialogId);
    const before = (await detail(visitor.dialogId)).dialog;
    expect(before.status).toBe('closed');
    const annSocket = await operatorSocket(ann);
    const oliSocket = await operatorSocket(oli);
    clock.advance(60_000);

    const clientId = randomUUID();
    oliSocket.send({ type: 'message.send', dialogId: visitor.dialogId, clientId, body: 'Closed: he got his refund', private: true });
    const stored = await oliSocket.next((f) => f.type === 'message.stored' && f.clientId === clientId);
    expect(stored.message).toMatchObject({ private: true, author: 'operator', deliveredAt: null });
    expect((await annSocket.next((f) => f.type === 'message.created' && f.message.clientId === clientId)).message.private).toBe(true);
    const after = (await detail(visitor.dialogId)).dialog;
    expect(untouched(after)).toEqual(untouched(before));
    expect(after.closedAt).toBe(closed.closedAt);
    await settled(annSocket);
    expect(annSocket.frames.filter((f) => f.type === 'dialog.updated')).toEqual([]);

    // An ordinary message on the same socket reaches the widget (and reopens), alone.
    const answerId = randomUUID();
    oliSocket.send({ type: 'message.send', dialogId: visitor.dialogId, clientId: answerId, body: 'Anything else?' });
    const answer = await oliSocket.next((f) => f.type === 'message.stored' && f.clientId === answerId);
    expect(answer.message.private).toBe(false);
    await visitor.peer.next((f) => f.type === 'message' && f.message.id === answer.message.id);
    await settled(visitor.peer);
    expect(widget.map((f) => JSON.parse(f)).filter((f) => f.type === 'message').map((f) => f.message.body)).toEqual(['Anything else?']);
    expect((await detail(visitor.dialogId)).dialog.status).toBe('open');
  });

  it('does not move its dialog in the lists', async () => {
    const older = await visitorWrites(site(), 'First visitor');
    clock.advance(1000);
    const newer = await visitorWrites(site(), 'Second visitor');
    clock.advance(1000);
    await note(oli, older.dialogId, 'Call him back tomorrow');
    const { dialogs } = await oli.listDialogs(shop.id, { view: 'mine' });
    expect(dialogs.map((d) => d.id)).toEqual([newer.dialogId, older.dialogId]);
    expect(dialogs[1].lastMessage).toMatchObject({ author: 'visitor', body: 'First visitor' });
    expect(dialogs[1].lastSeq).toBe(dialogs[1].lastMessage!.seq + 1);
  });

  it('is in the operators\' thread, resume and search, with private: true', async () => {
    const visitor = await visitorWrites(site(), 'Hello');
    const before = (await detail(visitor.dialogId)).dialog;
    const sent = await note(oli, visitor.dialogId, 'Looks like the reseller from last week');
    const thread = await oli.listMessages(shop.id, visitor.dialogId);
    expect(thread.map((m) => [m.body, m.private])).toEqual([
      ['Hello', false],
      ['Looks like the reseller from last week', true],
    ]);
    const socket = await operatorSocket(ann);
    socket.send({ type: 'resume', dialogs: { [visitor.dialogId]: before.rev } });
    const resumed = await socket.next((f) => f.type === 'messages');
    expect(resumed.messages.map((m: Message) => [m.id, m.private])).toEqual([[sent.message.id, true]]);
    const found = await ann.searchDialogs(shop.id, 'reseller');
    expect(found.results.map((r) => [r.dialog.id, r.match.field])).toEqual([[visitor.dialogId, 'privateNote']]);
    // The visitor's words are still found as a message.
    const hello = await ann.searchDialogs(shop.id, 'hello');
    expect(hello.results.map((r) => [r.dialog.id, r.match.field])).toEqual([[visitor.dialogId, 'message']]);
  });
});

describe("the visitor's widget", () => {
  it('never has a note: not in a new page\'s history, not in a resume, not in history pages, also once edited', async () => {
    const first = await visitorWrites(site(), 'Is it in stock?');
    const token = first.welcome.token as string;
    // What the widget holds: its own message (rev and seq as the server gave them).
    const held = (await detail(first.dialogId)).dialog;
    await first.peer.close();

    const hidden = await note(oli, first.dialogId, 'Stock system says 3, warehouse says 0');
    const answer = await oli.sendMessage(shop.id, first.dialogId, randomUUID(), 'Yes, 3 left');
    const edited = await note(oli, first.dialogId, 'ask the warehouse');
    await oli.editMessage(shop.id, edited.message.id, 'Asked the warehouse: 0 left');
    expect((await oli.listMessages(shop.id, first.dialogId)).filter((m) => m.private)).toHaveLength(2);

    // A reconnect from the rev it held: what changed since, without the notes.
    const back = await visitorHello(server.url, shop.widgetKey, ORIGIN, { token, rev: held.rev, seq: held.lastSeq });
    peers.push(back.peer);
    expect(back.welcome.resumed).toBe(true);
    expect(back.welcome.messages.map((m: VisitorMessage) => m.body)).toEqual(['Yes, 3 left']);

    // A new page: the newest page, without the notes.
    const page = await visitorHello(server.url, shop.widgetKey, ORIGIN, { token });
    peers.push(page.peer);
    expect(page.welcome.resumed).toBe(false);
    expect(page.welcome.messages.map((m: VisitorMessage) => m.body)).toEqual(['Is it in stock?', 'Yes, 3 left']);

    // History pages before any seq: the notes are not there either.
    for (const before of [1_000_000, edited.message.seq + 1, hidden.message.seq + 1]) {
      page.peer.send({ type: 'history', before });
      const h = await page.peer.next((f) => f.type === 'history' && f.before === before);
      expect(h.messages.map((m: VisitorMessage) => m.id)).not.toContain(hidden.message.id);
      expect(h.messages.map((m: VisitorMessage) => m.id)).not.toContain(edited.message.id);
    }
    expect(JSON.stringify([back.welcome, page.welcome])).not.toMatch(/warehouse|Stock system/);
    expect(answer.message.private).toBe(false);
  });

  it('gets its pages and resumes counted without notes: many notes crowd out no message', async () => {
    const first = await visitorWrites(site(), 'Are you there?');
    const token = first.welcome.token as string;
    const held = (await detail(first.dialogId)).dialog;
    await first.peer.close();
    // More notes than a resume sends (VISITOR_RESUME_MAX) and than a page holds (VISITOR_PAGE).
    for (let i = 0; i < RESUME_MAX + 1; i += 25) {
      await Promise.all(Array.from({ length: Math.min(25, RESUME_MAX + 1 - i) }, (_, k) => note(oli, first.dialogId, `Team chat ${i + k}`)));
    }
    const back = await visitorHello(server.url, shop.widgetKey, ORIGIN, { token, rev: held.rev, seq: held.lastSeq });
    peers.push(back.peer);
    expect(back.welcome).toMatchObject({ resumed: true, more: false, messages: [] });
    const page = await visitorHello(server.url, shop.widgetKey, ORIGIN, { token });
    peers.push(page.peer);
    expect(page.welcome).toMatchObject({ resumed: false, more: false });
    expect(page.welcome.messages.map((m: VisitorMessage) => m.body)).toEqual(['Are you there?']);
    page.peer.send({ type: 'history', before: page.welcome.messages[0].seq });
    expect(await page.peer.next((f) => f.type === 'history')).toMatchObject({ more: false, messages: [] });
  });

  it("an ack naming a note changes nothing: not delivered, no rev, no event; the answer beside it is delivered", async () => {
    const visitor = await visitorWrites(site(), 'Hi');
    const annSocket = await operatorSocket(ann);
    const hidden = await note(oli, visitor.dialogId, 'Second time he asks today');
    await annSocket.next((f) => f.type === 'message.created' && f.message.id === hidden.message.id);
    const before = (await detail(visitor.dialogId)).dialog;

    visitor.peer.send({ type: 'ack', messageIds: [hidden.message.id] });
    await settled(visitor.peer);
    await settled(annSocket);
    expect((await detail(visitor.dialogId)).dialog.rev).toBe(before.rev);
    expect((await oli.listMessages(shop.id, visitor.dialogId)).find((m) => m.id === hidden.message.id)).toMatchObject({
      deliveredAt: null,
      rev: hidden.message.rev,
    });
    expect(annSocket.frames.filter((f) => f.type === 'message.updated')).toEqual([]);

    // With an answer in the same ack: the answer is delivered, the note still is not.
    const answer = await oli.sendMessage(shop.id, visitor.dialogId, randomUUID(), 'Hello!');
    await visitor.peer.next((f) => f.type === 'message' && f.message.id === answer.message.id);
    visitor.peer.send({ type: 'ack', messageIds: [hidden.message.id, answer.message.id] });
    const delivered = await annSocket.next((f) => f.type === 'message.updated' && f.message.deliveredAt !== null);
    expect(delivered.message.id).toBe(answer.message.id);
    await settled(annSocket);
    expect(annSocket.frames.filter((f) => f.type === 'message.updated')).toEqual([]);
    expect((await oli.listMessages(shop.id, visitor.dialogId)).find((m) => m.id === hidden.message.id)!.deliveredAt).toBeNull();
  });

  it("cannot take a note's clientId for a message, and is not told there is a note", async () => {
    const visitor = await visitorWrites(site(), 'Hi');
    const clientId = randomUUID();
    await note(oli, visitor.dialogId, 'Same words', clientId);
    visitor.peer.send({ type: 'message.send', clientId, body: 'Same words' });
    const refused = await visitor.peer.next((f) => f.type === 'error' && f.ref === clientId);
    expect(refused).toMatchObject({ code: 'conflict', message: 'this clientId was already used for another message' });
    expect((await oli.listMessages(shop.id, visitor.dialogId)).map((m) => [m.author, m.private])).toEqual([
      ['visitor', false],
      ['operator', true],
    ]);
  });
});

describe('a repeat under a used clientId', () => {
  it('of a note returns it (200) with no event; as a message it is a 409, and a message\'s as a note too', async () => {
    const visitor = await visitorWrites(site(), 'Hi');
    const widget = everything(visitor.peer);
    const annSocket = await operatorSocket(ann);
    const clientId = randomUUID();
    const first = await note(oli, visitor.dialogId, 'Internal: check his order', clientId);
    await annSocket.next((f) => f.type === 'message.created' && f.message.id === first.message.id);

    const again = await note(oli, visitor.dialogId, 'Internal: check his order', clientId);
    expect(again).toEqual({ message: first.message, isNew: false });
    await settled(annSocket);
    // A resend reaches a visitor who may have missed a message; a note has none to reach.
    expect(annSocket.frames.filter((f) => f.type === 'message.updated' || f.type === 'message.created')).toEqual([]);

    const asMessage = await expectApiError(oli.sendMessage(shop.id, visitor.dialogId, clientId, 'Internal: check his order'), 409, 'conflict');
    expect(asMessage.message).toBe('this clientId was already used for a private note: this one is a message to the visitor');

    const answerId = randomUUID();
    const answer = await oli.sendMessage(shop.id, visitor.dialogId, answerId, 'We are checking your order');
    const asNote = await expectApiError(note(oli, visitor.dialogId, 'We are checking your order', answerId), 409, 'conflict');
    expect(asNote.message).toBe('this clientId was already used for a message to the visitor: this one is a private note');

    // A note under a note's clientId with other words is named a note; the visitor's clientId is theirs.
    const otherText = await expectApiError(note(oli, visitor.dialogId, 'Internal: he paid', clientId), 409, 'conflict');
    expect(otherText.message).toBe('this clientId was already used for a note with a different text');
    const visitorsId = (await oli.listMessages(shop.id, visitor.dialogId))[0].clientId!;
    const onVisitors = await expectApiError(note(oli, visitor.dialogId, 'Hi', visitorsId), 409, 'conflict');
    expect(onVisitors.message).toBe("this clientId was already used for the visitor's message: this one is a private note");

    // Over the socket, the same words.
    const oliSocket = await operatorSocket(oli);
    oliSocket.send({ type: 'message.send', dialogId: visitor.dialogId, clientId, body: 'Internal: check his order' });
    expect(await oliSocket.next((f) => f.type === 'error' && f.ref === clientId)).toMatchObject({
      code: 'conflict',
      message: 'this clientId was already used for a private note: this one is a message to the visitor',
    });

    // Nothing was stored twice or changed kind, and the widget saw the answer alone.
    expect((await oli.listMessages(shop.id, visitor.dialogId)).map((m) => [m.body, m.private])).toEqual([
      ['Hi', false],
      ['Internal: check his order', true],
      ['We are checking your order', false],
    ]);
    await visitor.peer.next((f) => f.type === 'message' && f.message.id === answer.message.id);
    await settled(visitor.peer);
    expect(widget.filter((f) => f.includes('Internal'))).toEqual([]);
  });
});

describe('a member who is no operator', () => {
  it('may not write a note, and is told how the role is given', async () => {
    const visitor = await visitorWrites(site(), 'Hi');
    await root.updateMember(shop.id, 'ann@example.com', { operator: false, access: 'settings' });
    const refused = await expectApiError(note(ann, visitor.dialogId, 'For the team'), 403, 'forbidden');
    expect(refused.message).toBe('only operators answer dialogs in this project; an admin gives the role with: parley team update EMAIL --operator');
    expect((await oli.listMessages(shop.id, visitor.dialogId)).map((m) => m.body)).toEqual(['Hi']);
  });
});

describe("editing one's note", () => {
  it('works as for a message, reaches operators as private, never the widget; others may not; 10 minutes', async () => {
    const visitor = await visitorWrites(site(), 'Hi');
    const widget = everything(visitor.peer);
    const annSocket = await operatorSocket(ann);
    const sent = await note(oli, visitor.dialogId, 'He is angyr');
    const edited = await oli.editMessage(shop.id, sent.message.id, 'He is angry');
    expect(edited).toMatchObject({ id: sent.message.id, private: true, body: 'He is angry', editedAt: expect.any(String) });
    const updated = await annSocket.next((f) => f.type === 'message.updated' && f.message.id === sent.message.id);
    expect(updated.message).toMatchObject({ private: true, body: 'He is angry' });

    await expectApiError(ann.editMessage(shop.id, sent.message.id, 'He is calm'), 403, 'forbidden');
    expect((await expectApiError(oli.editMessage(shop.id, sent.message.id, '  '), 400, 'validation')).message).toBe('a note needs some text');
    clock.advance(EDIT_WINDOW_MS + 1);
    await expectApiError(oli.editMessage(shop.id, sent.message.id, 'He was angry'), 403, 'edit_window_expired');

    const answer = await oli.sendMessage(shop.id, visitor.dialogId, randomUUID(), 'Sorry for the wait');
    await visitor.peer.next((f) => f.type === 'message' && f.message.id === answer.message.id);
    await settled(visitor.peer);
    expect(widget.filter((f) => f.includes('angry') || f.includes('angyr'))).toEqual([]);
    expect((await oli.listMessages(shop.id, visitor.dialogId)).find((m) => m.id === sent.message.id)).toMatchObject({ body: 'He is angry', private: true });
  });
});

describe('another project', () => {
  it("has no dialog of this one: a note to its dialog is a 404, by REST and by socket, and nothing is stored", async () => {
    const other = await root.createProject('Other');
    await root.updateProject(other.id, { allowedOrigins: [ORIGIN] });
    await root.addMember(other.id, { email: 'oli@example.com', firstName: 'Oli', lastName: 'Op', operator: true });
    const theirs = await visitorWrites({ ...site(), widgetKey: other.widgetKey, projectId: other.id }, 'In the other shop');
    const ours = await visitorWrites(site(), 'In our shop');

    const wrongProject = await expectApiError(note(oli, theirs.dialogId, 'Misplaced note'), 404, 'not_found');
    expect(wrongProject.message).toBe(`no dialog with id ${theirs.dialogId}`);
    const socket = await operatorSocket(oli);
    const clientId = randomUUID();
    socket.send({ type: 'message.send', dialogId: theirs.dialogId, clientId, body: 'Misplaced note', private: true });
    expect(await socket.next((f) => f.type === 'error' && f.ref === clientId)).toMatchObject({ code: 'not_found' });
    // Ann is not a member of Other: its dialog is unknown to her under either project.
    await expectApiError(ann.sendMessage(other.id, theirs.dialogId, randomUUID(), 'x', undefined, { private: true }), 404);
    await expectApiError(ann.sendMessage(shop.id, theirs.dialogId, randomUUID(), 'x', undefined, { private: true }), 404);

    expect((await root.listMessages(other.id, theirs.dialogId)).map((m) => m.body)).toEqual(['In the other shop']);
    expect((await root.listMessages(shop.id, ours.dialogId)).map((m) => m.body)).toEqual(['In our shop']);
  });

  it('a `private` that is not a boolean is refused (400), by REST and by socket', async () => {
    const visitor = await visitorWrites(site(), 'Hi');
    const reply = await raw(server.url, 'POST', messagesPath(visitor.dialogId), {
      token: oli.token,
      contentType: 'application/json',
      body: JSON.stringify({ clientId: randomUUID(), body: 'x', private: 'yes' }),
    });
    expect(reply.status).toBe(400);
    expect(reply.json.error.code).toBe('validation');
    const socket = await operatorSocket(oli);
    const clientId = randomUUID();
    socket.send({ type: 'message.send', dialogId: visitor.dialogId, clientId, body: 'x', private: 1 });
    expect(await socket.next((f) => f.type === 'error' && f.ref === clientId)).toMatchObject({ code: 'validation' });
    expect((await oli.listMessages(shop.id, visitor.dialogId)).map((m) => m.body)).toEqual(['Hi']);
  });

  it('a misspelt `private` is refused by the socket as by REST: the note never becomes a reply', async () => {
    const visitor = await visitorWrites(site(), 'Hi');
    const widget = everything(visitor.peer);
    const socket = await operatorSocket(oli);
    const clientId = randomUUID();
    socket.send({ type: 'message.send', dialogId: visitor.dialogId, clientId, body: 'For the team only', privat: true });
    expect(await socket.next((f) => f.type === 'error' && f.ref === clientId)).toMatchObject({
      code: 'validation',
      message: 'invalid "message.send" frame: it has no field "privat"',
    });
    const editRef = 'e1';
    socket.send({ type: 'message.edit', messageId: 1, body: 'x', ref: editRef, privat: true });
    expect(await socket.next((f) => f.type === 'error' && f.ref === editRef)).toMatchObject({ message: 'invalid "message.edit" frame: it has no field "privat"' });
    await settled(visitor.peer);
    expect(widget.filter((f) => f.includes('For the team'))).toEqual([]);
    expect((await oli.listMessages(shop.id, visitor.dialogId)).map((m) => m.body)).toEqual(['Hi']);
  });
});

describe("the take's body", () => {
  it('`{}` is a take as without a body, as is `{"from": null}`; a wrong `from` is still refused', async () => {
    const ids = await Promise.all(['One', 'Two', 'Three'].map(async (body) => (await visitorWrites(site(), body)).dialogId));
    const take = (dialogId: number, body?: string) =>
      raw(server.url, 'POST', `/api/v1/projects/${shop.id}/dialogs/${dialogId}/take`, {
        token: oli.token,
        ...(body === undefined ? {} : { contentType: 'application/json', body }),
      });
    for (const [dialogId, body] of [[ids[0], '{}'], [ids[1], undefined], [ids[2], '{"from":null}']] as const) {
      const reply = await take(dialogId, body);
      expect(reply.status, String(body)).toBe(200);
      expect(reply.json.assignee).toMatchObject({ name: 'Oli Op' });
    }
    // `{}` is unconditional, as no body is: taken over from Oli.
    const annTakes = await raw(server.url, 'POST', `/api/v1/projects/${shop.id}/dialogs/${ids[0]}/take`, {
      token: ann.token,
      contentType: 'application/json',
      body: '{}',
    });
    expect(annTakes.status).toBe(200);
    expect(annTakes.json.assignee).toMatchObject({ name: 'Ann Lee' });
    for (const body of ['{"from":"x"}', '{"from":0}', '{"whose":1}']) {
      const reply = await take(ids[1], body);
      expect(reply.status, body).toBe(400);
      expect(reply.json.error.code).toBe('validation');
    }
  });
});

describe('a database from before notes', () => {
  it('upgrades: its messages are ordinary ones, shown to the widget as before, and notes work', async () => {
    const dataDir = await tempDir('parley-notes-upgrade-');
    const upgrade = migrations.findIndex((m) => m.name === 'messages: private notes');
    expect(upgrade).toBeGreaterThan(0);
    const db = new Database(join(dataDir, 'parley.db'));
    db.pragma('foreign_keys = ON');
    for (const m of migrations.slice(0, upgrade)) db.exec(m.sql);
    db.pragma(`user_version = ${upgrade}`);
    const apiToken = 'plt_from-before-notes';
    const visitorToken = `pvt_${'a'.repeat(43)}`;
    const now = Date.now();
    db.prepare(
      `INSERT INTO users (id, email, first_name, last_name, password_hash, created_at, updated_at)
       VALUES (1, 'oli@example.com', 'Oli', 'Op', 'x', ?, ?)`,
    ).run(now, now);
    db.prepare(`INSERT INTO projects (id, name, widget_key, allowed_origins, timezone, created_at, updated_at) VALUES (1, 'Shop', 'wk1', ?, 'UTC', ?, ?)`).run(
      JSON.stringify([ORIGIN]),
      now,
      now,
    );
    db.prepare(`INSERT INTO memberships (project_id, user_id, access, operator, created_at) VALUES (1, 1, 'admin', 1, ?)`).run(now);
    db.prepare(`INSERT INTO credentials (user_id, kind, name, token_hash, created_at) VALUES (1, 'api', 'ci', ?, ?)`).run(sha256(apiToken), now);
    db.prepare(`INSERT INTO visitors (id, project_id, token_hash, name, created_at, last_seen_at) VALUES (1, 1, ?, 'Blue Fox', ?, ?)`).run(
      sha256(visitorToken),
      now,
      now,
    );
    db.prepare(
      `INSERT INTO dialogs (id, project_id, visitor_id, assignee_id, last_seq, rev, created_at, first_response_at, last_message_at)
       VALUES (1, 1, 1, 1, 2, 3, ?, ?, ?)`,
    ).run(now - 2000, now - 1000, now - 1000);
    const insert = db.prepare(
      `INSERT INTO messages (dialog_id, seq, rev, author, operator_id, body, client_id, created_at, delivered_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    insert.run(1, 1, 'visitor', null, 'Old question', 'v1', now - 2000, null);
    insert.run(2, 3, 'operator', 1, 'Old answer', 'o1', now - 1000, now - 500);
    db.close();

    const upgraded = await startTestServer({ dataDir });
    try {
      await fromBefore(upgraded, apiToken, visitorToken);
    } finally {
      await upgraded.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

/** The upgraded server: what was there reads as before, and a note is a note. */
async function fromBefore(upgraded: TestServer, apiToken: string, visitorToken: string) {
  const client = new ParleyClient({ url: upgraded.url, token: apiToken });
  const d: DialogDetail = await client.getDialog(1, 1);
  expect(d.messages.map((m) => [m.body, m.private])).toEqual([
    ['Old question', false],
    ['Old answer', false],
  ]);
  expect(d.dialog.lastMessage).toMatchObject({ body: 'Old answer', seq: 2 });
  const widget = await visitorHello(upgraded.url, 'wk1', ORIGIN, { token: visitorToken });
  peers.push(widget.peer);
  expect(widget.welcome.messages.map((m: VisitorMessage) => m.body)).toEqual(['Old question', 'Old answer']);

  const sent = await client.sendMessage(1, 1, randomUUID(), 'First note after the upgrade', undefined, { private: true });
  expect(sent.message).toMatchObject({ private: true, seq: 3 });
  const page = await visitorHello(upgraded.url, 'wk1', ORIGIN, { token: visitorToken });
  peers.push(page.peer);
  expect(page.welcome.messages.map((m: VisitorMessage) => m.body)).toEqual(['Old question', 'Old answer']);
  expect((await client.getDialog(1, 1)).dialog).toMatchObject({ lastSeq: 3, lastMessage: { body: 'Old answer', seq: 2 }, assignee: { id: 1 } });
  await Promise.all(peers.splice(0).map((p) => p.close()));
}
