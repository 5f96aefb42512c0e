// OperatorConnection (core/client/realtime.ts) against a real server over real sockets, with a
// real widget-side socket that acks: send -> stored -> delivered; 5 s without delivery -> failed
// (time walked by hand) and a late ack or a resend -> delivered; network loss and a server
// restart -> reconnect and resume, every missed message once and in order.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiError, ParleyClient } from '../../core/client/api.js';
import {
  type ConnectionEvents,
  dialogListing,
  FrameError,
  OperatorConnection,
  PROBE_MS,
  type OperatorConnectionOptions,
  type StateChange,
} from '../../core/client/realtime.js';
import type { Message, OperatorEvent } from '../../core/protocol/dialogs.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { type NetCut, netCut } from '../helpers/netcut.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { ManualTime } from '../helpers/manual-time.js';

const ORIGIN = 'https://shop.example.com';

let dataDir: string;
let servers: TestServer[];
let server: TestServer;
let admin: ParleyClient;
let operator: ParleyClient;
let project: { id: number; widgetKey: string };
let cut: NetCut | null;
const peers: Peer[] = [];
const conns: OperatorConnection[] = [];

beforeEach(async () => {
  dataDir = await tempDir();
  servers = [];
  server = await startTestServer({ dataDir, rateLimits: { login: 1000, forgot: 1000 } });
  servers.push(server);
  ({ client: admin } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(project.id, { email: 'oli@example.com', firstName: 'Oli', lastName: 'Op', operator: true });
  const mail = await outbox.waitFor((m) => m.to === 'oli@example.com');
  outbox.close();
  operator = await signIn(server.url, 'oli@example.com', passwordFrom(mail), NEW_PASSWORD);
  cut = null;
});

afterEach(async () => {
  await Promise.all(conns.splice(0).map((c) => c.close()));
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await cut?.close();
  for (const s of servers) await s.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Watched {
  conn: OperatorConnection;
  events: OperatorEvent[];
  states: StateChange[];
  fatal: ApiError[];
  /** Resolves with the first truthy value of `check`, re-checked whenever the connection reports anything. */
  until<T>(check: () => T | undefined | null | false, what: string, timeoutMs?: number): Promise<T>;
}

function connect(opts: Partial<OperatorConnectionOptions> = {}): Watched {
  const conn = new OperatorConnection({
    url: server.url,
    token: operator.token!,
    projectId: project.id,
    heartbeatMs: 0,
    ...opts,
  });
  conns.push(conn);
  const w: Watched = {
    conn,
    events: [],
    states: [],
    fatal: [],
    until(check, what, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const offs: Array<() => void> = [];
        const done = () => {
          clearTimeout(timer);
          offs.forEach((off) => off());
        };
        const test = () => {
          const v = check();
          if (v) {
            done();
            resolve(v as never);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${what}; events: ${w.events.map((e) => e.type).join(', ')}`));
        }, timeoutMs);
        const names: Array<keyof ConnectionEvents> = ['event', 'state', 'outbox', 'fatal'];
        // Checked after the recorder below has stored what arrived.
        for (const n of names) offs.push(conn.on(n, () => queueMicrotask(test)));
        test();
      });
    },
  };
  conn.on('event', (e) => w.events.push(e));
  conn.on('state', (s) => w.states.push(s));
  conn.on('fatal', (e) => w.fatal.push(e));
  conn.start();
  return w;
}

async function visitor(hello: Record<string, unknown> = {}) {
  const v = await visitorHello(server.url, project.widgetKey, ORIGIN, hello);
  peers.push(v.peer);
  return v;
}

/** A visitor's message, stored (the widget got message.stored). */
async function visitorSays(peer: Peer, body: string): Promise<Record<string, any>> {
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body });
  return (await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId)).message;
}

const messagesOf = (events: OperatorEvent[], dialogId: number, type?: 'message.created' | 'message.updated') =>
  events
    .filter((e): e is Extract<OperatorEvent, { message: Message }> => e.type === 'message.created' || e.type === 'message.updated')
    .filter((e) => e.message.dialogId === dialogId && (!type || e.type === type))
    .map((e) => e.message);

const onlineCount = (w: Watched) => w.states.filter((s) => s.state === 'online').length;

describe('sending and delivery', () => {
  it('send: sending -> stored -> delivered when the widget acks; every event once, in order', async () => {
    const w = connect();
    await w.until(() => w.conn.state === 'online', 'online');
    expect(w.states.map((s) => s.state)).toEqual(['connecting', 'online']);

    const { peer } = await visitor();
    await visitorSays(peer, 'Is it in stock?');
    const created = await w.until(() => w.events.find((e) => e.type === 'dialog.created'), 'dialog.created');
    const dialogId = created.type === 'dialog.created' ? created.dialog.id : 0;

    const { clientId, stored } = w.conn.send(dialogId, 'Yes, size 42 too');
    expect(w.conn.entry(clientId)).toMatchObject({ state: 'sending', dialogId, body: 'Yes, size 42 too' });
    const message = await stored;
    expect(message).toMatchObject({ clientId, seq: 2, author: 'operator', deliveredAt: null });
    expect(w.conn.entry(clientId)!.state).toBe('sending');

    const pushed = await peer.next((f) => f.type === 'message' && f.message.id === message.id);
    expect(pushed.message.body).toBe('Yes, size 42 too');
    peer.send({ type: 'ack', messageIds: [message.id] });
    await w.until(() => w.conn.entry(clientId)!.state === 'delivered', 'delivered');

    const seen = messagesOf(w.events, dialogId);
    expect(seen.map((m) => [m.seq, m.author, m.deliveredAt === null])).toEqual([
      [1, 'visitor', true],
      [2, 'operator', true],
      [2, 'operator', false],
    ]);
    expect(w.events.filter((e) => e.type === 'dialog.created')).toHaveLength(1);
  });

  it('not delivered within 5 s -> failed; a late ack -> delivered (time walked by hand)', async () => {
    const time = new ManualTime();
    const w = connect({ now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout });
    await w.until(() => w.conn.state === 'online', 'online');
    const { peer } = await visitor();
    const first = await visitorSays(peer, 'hello?');
    const dialogId = (await operator.listDialogs(project.id)).dialogs[0].id;
    expect(first.seq).toBe(1);

    const { clientId, stored } = w.conn.send(dialogId, 'Here is the link');
    const message = await stored;
    await peer.next((f) => f.type === 'message' && f.message.id === message.id); // rendered, not acked yet
    time.advance(4_999);
    expect(w.conn.entry(clientId)!.state).toBe('sending');
    time.advance(1);
    expect(w.conn.entry(clientId)).toMatchObject({ state: 'failed', failure: { kind: 'undelivered' } });

    peer.send({ type: 'ack', messageIds: [message.id] });
    await w.until(() => w.conn.entry(clientId)!.state === 'delivered', 'late delivery');
    expect(w.conn.entry(clientId)!.failure).toBeNull();
    expect(time.pending).toBe(0);
  });

  it('the visitor left the page: failed; back on the page, a resend is stored once, pushed again, delivered', async () => {
    const time = new ManualTime();
    const w = connect({ now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout });
    await w.until(() => w.conn.state === 'online', 'online');
    const { peer, welcome } = await visitor();
    const held = (await visitorSays(peer, 'I will be right back')).rev;
    const dialogId = (await operator.listDialogs(project.id)).dialogs[0].id;
    await peer.close();

    const { clientId, stored } = w.conn.send(dialogId, 'Take your time');
    const message = await stored;
    time.advance(5_000);
    expect(w.conn.entry(clientId)).toMatchObject({ state: 'failed', failure: { kind: 'undelivered' } });

    // The page is open again; the test holds the widget's ack until after the resend.
    const back = await visitor({ token: welcome.token, rev: held });
    expect(back.welcome.messages.map((m: { id: number }) => m.id)).toEqual([message.id]);
    expect(w.conn.resend(clientId)).toBe(true);
    expect(w.conn.entry(clientId)).toMatchObject({ state: 'sending', attempts: 2 });
    const again = await back.peer.next((f) => f.type === 'message' && f.message.id === message.id);
    expect(again.message).toMatchObject({ id: message.id, seq: message.seq, body: 'Take your time' });
    back.peer.send({ type: 'ack', messageIds: [message.id] });
    await w.until(() => w.conn.entry(clientId)!.state === 'delivered', 'delivered after resend');

    const stored2 = await operator.listMessages(project.id, dialogId);
    expect(stored2.filter((m) => m.clientId === clientId)).toHaveLength(1);
    expect(stored2.map((m) => m.seq)).toEqual([1, 2]);
    // Delivered is final: nothing to resend.
    expect(w.conn.resend(clientId)).toBe(false);
    // Operators saw the message created once, whatever was pushed to the widget.
    expect(messagesOf(w.events, dialogId, 'message.created').filter((m) => m.id === message.id)).toHaveLength(1);
  });

  it('edit: the author edits over the socket; others get a typed refusal', async () => {
    const w = connect();
    await w.until(() => w.conn.state === 'online', 'online');
    const { peer } = await visitor();
    const visitorMessage = await visitorSays(peer, 'Do you ship to Oslo?');
    const dialogId = (await operator.listDialogs(project.id)).dialogs[0].id;
    const message = await w.conn.send(dialogId, 'We ship on Mondya').stored;

    const edited = await w.conn.edit(message.id, 'We ship on Monday');
    expect(edited).toMatchObject({ id: message.id, body: 'We ship on Monday', editedAt: expect.any(String) });
    const pushed = await peer.next((f) => f.type === 'message' && f.message.id === message.id && f.message.editedAt);
    expect(pushed.message.body).toBe('We ship on Monday');
    await w.until(() => messagesOf(w.events, dialogId, 'message.updated').find((m) => m.editedAt), 'the edit event');

    const refused = await w.conn.edit(visitorMessage.id, 'not mine').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FrameError);
    expect((refused as FrameError).code).toBe('forbidden');
  });

  it('a message the server refuses fails at once with its reason', async () => {
    const w = connect();
    await w.until(() => w.conn.state === 'online', 'online');
    const { peer } = await visitor();
    await visitorSays(peer, 'hi');
    const dialogId = (await operator.listDialogs(project.id)).dialogs[0].id;
    const { clientId, stored } = w.conn.send(dialogId, '   ');
    await expect(stored).rejects.toMatchObject({ code: 'validation' });
    expect(w.conn.entry(clientId)).toMatchObject({ state: 'failed', failure: { kind: 'rejected', code: 'validation' } });
  });
});

describe('reconnect and resume', () => {
  it('after network loss: backs off, reconnects, and shows what was missed once, in order', async () => {
    cut = await netCut(server.url);
    const viaCut = new ParleyClient({ url: cut.url, token: operator.token });
    // One dialog per resume frame, so the reconnect's resume takes several frames.
    const w = connect({
      url: cut.url,
      backoff: { initialMs: 20, maxMs: 100 },
      discover: dialogListing(viaCut, project.id),
      resumeChunk: 1,
    });
    await w.until(() => w.conn.state === 'online', 'online');

    const { peer } = await visitor();
    await visitorSays(peer, 'first');
    const dialogId = (await operator.listDialogs(project.id)).dialogs[0].id;
    const answered = await w.conn.send(dialogId, 'answer before the cut').stored;
    await w.until(() => messagesOf(w.events, dialogId).find((m) => m.id === answered.id), 'own message event');

    cut.block();
    await w.until(() => w.states.at(-1)?.state === 'offline', 'offline');
    const offline = w.states.at(-1)!;
    expect(offline.retryInMs).toBeGreaterThanOrEqual(10);
    expect(offline.retryInMs).toBeLessThanOrEqual(20);

    // While it is away: the visitor writes twice, the operator answers from another client,
    // a new visitor starts a dialog, and the operator writes in this client (queued).
    await visitorSays(peer, 'second');
    await visitorSays(peer, 'third');
    await operator.sendMessage(project.id, dialogId, randomUUID(), 'answer from the CLI');
    const newcomer = await visitor();
    await visitorSays(newcomer.peer, 'I am new here');
    const queued = w.conn.send(dialogId, 'written while offline');
    expect(w.conn.entry(queued.clientId)!.state).toBe('sending');
    // Attempts keep failing while the network is gone, each waiting longer (up to the cap).
    await w.until(() => w.states.filter((s) => s.state === 'offline').length >= 4, 'several failed attempts');
    const waits = w.states.filter((s) => s.state === 'offline').map((s) => s.retryInMs!);
    expect(Math.max(...waits)).toBeLessThanOrEqual(100);
    expect(waits[3]).toBeGreaterThan(waits[0]);

    cut.unblock();
    await w.until(() => onlineCount(w) === 2, 'back online');
    const late = await queued.stored;
    await visitorSays(peer, 'after the cut');
    await w.until(() => messagesOf(w.events, dialogId).find((m) => m.body === 'after the cut'), 'a live message after resuming');

    const created = messagesOf(w.events, dialogId, 'message.created');
    expect(created.map((m) => [m.seq, m.body])).toEqual([
      [1, 'first'],
      [2, 'answer before the cut'],
      [3, 'second'],
      [4, 'third'],
      [5, 'answer from the CLI'],
      [6, 'written while offline'],
      [7, 'after the cut'],
    ]);
    expect(late.seq).toBe(6);
    // The dialog that started while away: announced once, its message shown once.
    const newDialog = w.events.filter((e) => e.type === 'dialog.created' && e.dialog.id !== dialogId);
    expect(newDialog).toHaveLength(1);
    const newId = newDialog[0].type === 'dialog.created' ? newDialog[0].dialog.id : 0;
    expect(messagesOf(w.events, newId, 'message.created').map((m) => m.body)).toEqual(['I am new here']);
    // Nothing twice: each message revision at most once.
    const revs = w.events.flatMap((e) => ('message' in e ? [`${e.message.id}@${e.message.rev}`] : []));
    expect(new Set(revs).size).toBe(revs.length);
  });

  it('a live event that comes before the resume answer waits for it: missed and live stay in order', async () => {
    cut = await netCut(server.url);
    // The second listing (the reconnect) waits for the test: the socket is open, the resume not sent yet.
    let calls = 0;
    let release!: () => void;
    let reconnecting!: () => void;
    const reconnected = new Promise<void>((resolve) => (reconnecting = resolve));
    const discover = async () => {
      calls += 1;
      if (calls === 2) {
        reconnecting();
        await new Promise<void>((resolve) => (release = resolve));
      }
      return [];
    };
    const w = connect({ url: cut.url, backoff: { initialMs: 20, maxMs: 100 }, discover });
    await w.until(() => w.conn.state === 'online', 'online');
    const { peer } = await visitor();
    await visitorSays(peer, 'one');
    const dialogId = (await operator.listDialogs(project.id)).dialogs[0].id;
    await w.until(() => messagesOf(w.events, dialogId).length === 1, 'the first message');

    cut.block();
    await w.until(() => w.states.at(-1)?.state === 'offline', 'offline');
    await visitorSays(peer, 'missed');
    cut.unblock();
    await reconnected;
    // Published to the new socket before the client asks to resume: it arrives first.
    await visitorSays(peer, 'live');
    release();
    await w.until(() => messagesOf(w.events, dialogId, 'message.created').length === 3, 'three messages');
    expect(messagesOf(w.events, dialogId, 'message.created').map((m) => [m.seq, m.body])).toEqual([
      [1, 'one'],
      [2, 'missed'],
      [3, 'live'],
    ]);
  });

  it('sockets terminated by the server: reconnects at once; a send in flight is stored once; all in order', async () => {
    const w = connect({ backoff: { initialMs: 20, maxMs: 100 } });
    await w.until(() => w.conn.state === 'online', 'online');
    const { peer } = await visitor();
    await visitorSays(peer, 'one');
    const dialogId = (await operator.listDialogs(project.id)).dialogs[0].id;
    await w.until(() => messagesOf(w.events, dialogId).length === 1, 'the first message');

    // Written to the socket; whether the server got it before the drop is left to chance.
    const inFlight = w.conn.send(dialogId, 'in flight');
    server.app.websocketServer.clients.forEach((s) => s.terminate());
    await operator.sendMessage(project.id, dialogId, randomUUID(), 'from another client meanwhile');
    await w.until(() => onlineCount(w) === 2, 'online again');
    const stored = await inFlight.stored;
    await w.until(() => messagesOf(w.events, dialogId, 'message.created').length === 3, 'three messages');

    const created = messagesOf(w.events, dialogId, 'message.created');
    expect(created.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(created.map((m) => m.body).sort()).toEqual(['from another client meanwhile', 'in flight', 'one']);
    const onServer = await operator.listMessages(project.id, dialogId);
    expect(onServer.filter((m) => m.clientId === inFlight.clientId).map((m) => m.id)).toEqual([stored.id]);
    expect(onServer).toHaveLength(3);
  });

  it('after a server restart: reconnects to the new process and resumes from the rev it held', async () => {
    cut = await netCut(server.url);
    const w = connect({ url: cut.url, backoff: { initialMs: 20, maxMs: 100 } });
    await w.until(() => w.conn.state === 'online', 'online');
    const { peer, welcome } = await visitor();
    const hello = await visitorSays(peer, 'before the restart');
    const dialogId = (await operator.listDialogs(project.id)).dialogs[0].id;
    await w.until(() => messagesOf(w.events, dialogId).length === 1, 'the first message');

    cut.block(); // keep the client away until the test has written what it must catch up on
    await server.app.close();
    servers.splice(servers.indexOf(server), 1);
    await w.until(() => w.states.some((s) => s.state === 'offline'), 'offline');
    server = await startTestServer({ dataDir });
    servers.push(server);
    cut.retarget(Number(new URL(server.url).port));

    const back = await visitor({ token: welcome.token, rev: hello.rev });
    await visitorSays(back.peer, 'during the restart');
    const op = new ParleyClient({ url: server.url, token: operator.token });
    await op.sendMessage(project.id, dialogId, 'cli-1', 'answered meanwhile');
    cut.unblock();

    await w.until(() => onlineCount(w) === 2, 'online again');
    await w.until(() => messagesOf(w.events, dialogId).length >= 3, 'the missed messages');
    await visitorSays(back.peer, 'after');
    await w.until(() => messagesOf(w.events, dialogId).length === 4, 'a live message');
    expect(messagesOf(w.events, dialogId).map((m) => [m.seq, m.body])).toEqual([
      [1, 'before the restart'],
      [2, 'during the restart'],
      [3, 'answered meanwhile'],
      [4, 'after'],
    ]);
  });

  it('a frozen network (no TCP error) is noticed by the heartbeat and the connection comes back', async () => {
    const time = new ManualTime();
    const w = connect({ heartbeatMs: 1_000, now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout, random: () => 0 });
    await w.until(() => w.conn.state === 'online', 'online');
    const sockets = [...server.app.websocketServer.clients];
    expect(sockets).toHaveLength(1);
    // The server stops reading: pings go unanswered, and no TCP error ever comes.
    sockets[0].pause();
    time.advance(1_000); // ping, unanswered
    time.advance(1_000); // no pong: drop
    await w.until(() => w.states.at(-1)?.state === 'offline', 'offline after a missing pong');
    expect(w.states.at(-1)!.retryInMs).toBe(250);
    sockets[0].terminate(); // the server's end of the dead connection
    time.advance(250);
    await w.until(() => onlineCount(w) === 2, 'online again');
  });

  it('a message the server does not confirm in 5 s makes the client check the connection at once: dropped, back, sent', async () => {
    const time = new ManualTime();
    // A heartbeat far away: only the unconfirmed message can notice the frozen network soon.
    const w = connect({ heartbeatMs: 60_000, now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout, random: () => 0 });
    await w.until(() => w.conn.state === 'online', 'online');
    const { peer } = await visitor();
    await visitorSays(peer, 'anyone?');
    const dialogId = (await operator.listDialogs(project.id)).dialogs[0].id;
    // The server's end of the operator's connection: the first open (a Set keeps the order).
    const clients = [...server.app.websocketServer.clients];
    expect(clients).toHaveLength(2);
    const socket = clients[0];
    socket.pause();
    const { clientId, stored } = w.conn.send(dialogId, 'Yes, here');
    time.advance(5_000);
    expect(w.conn.entry(clientId)).toMatchObject({ state: 'failed', failure: { kind: 'unconfirmed' } });
    expect(w.conn.state).toBe('online');
    time.advance(PROBE_MS); // the ping sent at the deadline got no pong
    await w.until(() => w.states.at(-1)?.state === 'offline', 'offline after the unanswered probe');
    socket.terminate();
    time.advance(250);
    await w.until(() => onlineCount(w) === 2, 'online again');
    // Sent again by itself on the new connection, and stored once.
    expect((await stored).body).toBe('Yes, here');
    const bodies = (await operator.request<Array<{ body: string }>>('GET', `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`)).map((m) => m.body);
    expect(bodies.filter((b) => b === 'Yes, here')).toHaveLength(1);
  });
});

describe('refusals end the connection for good', () => {
  it('a token the server does not know: fatal 401, no retry', async () => {
    const time = new ManualTime();
    const w = connect({ token: 'pls_not-a-token', now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout });
    const [err] = await w.until(() => (w.fatal.length ? w.fatal : null), 'fatal');
    expect(err.status).toBe(401);
    expect(w.conn.state).toBe('offline');
    expect(time.pending).toBe(0);
  });

  it('removed from the project while connected: fatal, no retry', async () => {
    const time = new ManualTime();
    const w = connect({ now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout });
    await w.until(() => w.conn.state === 'online', 'online');
    await admin.removeMember(project.id, 'oli@example.com');
    const [err] = await w.until(() => (w.fatal.length ? w.fatal : null), 'fatal');
    expect(err.message).toMatch(/no longer a member/);
    expect(time.pending).toBe(0);
  });
});
