// Private notes through the core client against a real server over real sockets:
// OperatorConnection.send(..., { private: true }) is stored as a note and is done (the 5 s pass,
// walked by hand, without failing it); written offline it fails like a message and goes out as a
// note when the connection is back; ParleyClient.sendMessage(..., { private: true }) stores one
// over REST. The visitor's widget, open all along, gets nothing of them.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { thread, upsertMessages } from '../../core/client/outbox.js';
import { OperatorConnection } from '../../core/client/realtime.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { ManualTime } from '../helpers/manual-time.js';
import { type Peer, visitorWrites } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';

let server: TestServer;
let admin: ParleyClient;
let operator: ParleyClient;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];
const conns: OperatorConnection[] = [];

beforeEach(async () => {
  server = await startTestServer({ rateLimits: { login: 1000, forgot: 1000 } });
  ({ client: admin } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(project.id, { email: 'oli@example.com', firstName: 'Oli', lastName: 'Op', operator: true });
  const mail = await outbox.waitFor((m) => m.to === 'oli@example.com');
  outbox.close();
  operator = await signIn(server.url, 'oli@example.com', passwordFrom(mail), NEW_PASSWORD);
});

afterEach(async () => {
  await Promise.all(conns.splice(0).map((c) => c.close()));
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
});

/** A connection on hand-walked time (not started: the test starts it). */
function connection(time: ManualTime) {
  const conn = new OperatorConnection({
    url: server.url,
    token: operator.token!,
    projectId: project.id,
    heartbeatMs: 0,
    now: time.now,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
  });
  conns.push(conn);
  return conn;
}

/** Resolves once `check` holds, looked at again whenever the connection reports anything. */
function until(conn: OperatorConnection, check: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const offs: Array<() => void> = [];
    const done = () => {
      clearTimeout(timer);
      offs.forEach((off) => off());
    };
    const test = () => {
      if (!check()) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for ${what}`));
    }, 10_000);
    for (const name of ['state', 'outbox', 'event'] as const) offs.push(conn.on(name, () => queueMicrotask(test)));
    test();
  });
}

/** A visitor who wrote, with every frame their widget receives from now on. */
async function visitorOnPage(body: string) {
  const v = await visitorWrites({ url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId: project.id, admin, peers }, body);
  const frames: string[] = [];
  v.peer.ws.on('message', (raw) => frames.push(raw.toString()));
  return { ...v, frames };
}

/** The widget's frames so far have all arrived once its pong has. */
async function settled(peer: Peer) {
  peer.send({ type: 'ping' });
  await peer.next((f) => f.type === 'pong');
}

describe('a note through the core client', () => {
  it('sent on the connection: stored private and done, still done after 5 s; the widget gets nothing of it', async () => {
    const time = new ManualTime();
    const conn = connection(time).start();
    await until(conn, () => conn.state === 'online', 'online');
    const visitor = await visitorOnPage('Do you have it in blue?');

    const { clientId, stored } = conn.send(visitor.dialogId, 'Check the blue stock first', [], { private: true });
    expect(conn.entry(clientId)).toMatchObject({ private: true, state: 'sending' });
    const note = await stored;
    expect(note).toMatchObject({ clientId, private: true, author: 'operator', deliveredAt: null });
    expect(conn.entry(clientId)!.state).toBe('stored');
    time.advance(60_000);
    expect(conn.entry(clientId)).toMatchObject({ state: 'stored', failure: null });
    expect(time.pending).toBe(0);
    const list = upsertMessages([], await operator.listMessages(project.id, visitor.dialogId));
    expect(thread(list, conn.outbox, visitor.dialogId).map((i) => [i.body, i.private, i.delivery])).toEqual([
      ['Do you have it in blue?', false, null],
      ['Check the blue stock first', true, 'stored'],
    ]);
    // A stored note is nothing to resend, this client's or another's.
    expect(conn.resend(clientId)).toBe(false);

    // Over REST, the same.
    const viaRest = await operator.sendMessage(project.id, visitor.dialogId, randomUUID(), 'Blue is back on Friday', undefined, { private: true });
    expect(viaRest).toMatchObject({ isNew: true, message: { private: true } });
    expect(conn.resend(viaRest.message)).toBe(false);

    // A message after them is what the widget receives, alone.
    const answer = await conn.send(visitor.dialogId, 'Blue comes back on Friday').stored;
    expect(answer.private).toBe(false);
    await visitor.peer.next((f) => f.type === 'message' && f.message.id === answer.id);
    await settled(visitor.peer);
    const pushed = visitor.frames.map((f) => JSON.parse(f)).filter((f) => f.type === 'message');
    expect(pushed.map((f) => f.message.body)).toEqual(['Blue comes back on Friday']);
    expect(visitor.frames.join('\n')).not.toMatch(/stock|Blue is back/);
  });

  it('written offline: failed at 5 s like a message; resent, it goes out as a note once the connection is up', async () => {
    const visitor = await visitorOnPage('Hello?');
    const time = new ManualTime();
    const conn = connection(time);
    const { clientId, stored } = conn.send(visitor.dialogId, 'Regular customer, be quick', [], { private: true });
    time.advance(5_000);
    expect(conn.entry(clientId)).toMatchObject({ private: true, state: 'failed', failure: { kind: 'offline' } });
    expect(thread([], conn.outbox, visitor.dialogId).map((i) => [i.private, i.delivery])).toEqual([[true, 'failed']]);
    expect(conn.resend(clientId)).toBe(true);
    expect(conn.entry(clientId)).toMatchObject({ state: 'sending', failure: null });

    conn.start();
    const note = await stored;
    expect(note).toMatchObject({ clientId, private: true });
    expect(conn.entry(clientId)!.state).toBe('stored');
    const onServer = await operator.listMessages(project.id, visitor.dialogId);
    expect(onServer.map((m) => [m.body, m.private])).toEqual([
      ['Hello?', false],
      ['Regular customer, be quick', true],
    ]);
    await settled(visitor.peer);
    expect(visitor.frames.join('\n')).not.toMatch(/Regular customer/);
  });
});
