// The delivery contract over real sockets: visitor and operator clients against a real server.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiError, ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, type TestServer } from '../helpers/server.js';
import { watchOutbox, passwordFrom } from '../helpers/mail.js';
import { connectOperator, connectVisitor, type Peer, visitorHello } from '../helpers/realtime.js';

const ORIGIN = 'https://shop.example.com';

let server: TestServer;
let clock: ManualClock;
let admin: ParleyClient;
let operator: ParleyClient;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];

async function track<T extends { peer: Peer } | Peer>(p: Promise<T>): Promise<T> {
  const v = await p;
  peers.push('peer' in v ? v.peer : v);
  return v;
}

async function addOperator(email: string): Promise<ParleyClient> {
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(project.id, { email, firstName: 'Oli', lastName: 'Op', operator: true });
  const mail = await outbox.waitFor((m) => m.to === email);
  outbox.close();
  return signIn(server.url, email, passwordFrom(mail), NEW_PASSWORD);
}

/** The id of the project's newest dialog, as the operator lists it. */
async function firstDialogId(): Promise<number> {
  return (await operator.request<{ dialogs: Array<{ id: number }> }>('GET', `/api/v1/projects/${project.id}/dialogs`)).dialogs[0].id;
}

/** Oli's operator socket, once the server said ready. */
async function readyOperator(): Promise<Peer> {
  const op = await track(connectOperator(server.url, operator.token!, project.id));
  await op.next((f) => f.type === 'ready');
  return op;
}

beforeEach(async () => {
  clock = new ManualClock(Date.now());
  server = await startTestServer({ clock, rateLimits: { login: 1000, forgot: 1000 } });
  ({ client: admin } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.request('PATCH', `/api/v1/projects/${p.id}`, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
  operator = await addOperator('oli@example.com');
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
});

describe('visitors', () => {
  it('get a generated name and a secret token; the token brings the same visitor back', async () => {
    const { peer, welcome } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    expect(welcome.token).toMatch(/^pvt_/);
    expect(welcome.visitor.name).toMatch(/^\S+ \S+$/);
    expect(welcome.dialog).toBeNull();
    peer.send({ type: 'message.send', clientId: randomUUID(), body: 'Hello?' });
    await peer.next((f) => f.type === 'message.stored');
    const again = await track(visitorHello(server.url, project.widgetKey, ORIGIN, { token: welcome.token }));
    expect(again.welcome.visitor.name).toBe(welcome.visitor.name);
    expect(again.welcome.messages.map((m: { body: string }) => m.body)).toEqual(['Hello?']);
  });

  it("are welcomed with the project's widget colour and greeting; bad values are refused and change nothing", async () => {
    const fresh = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    expect(fresh.welcome.widget).toEqual({ color: null, greeting: null });
    const updated = await admin.updateProject(project.id, { widget: { color: '#0A84FF', greeting: '  Hello there!  ' } });
    expect(updated.widget).toEqual({ color: '#0a84ff', greeting: 'Hello there!' });
    for (const color of ['blue', '#0a84f', '#0a84ffff', 'rgb(1,2,3)']) {
      const err = await admin.updateProject(project.id, { widget: { color } }).catch((e: ApiError) => e);
      expect(err, color).toMatchObject({ status: 400, code: 'validation' });
    }
    const tooLong = await admin.updateProject(project.id, { widget: { greeting: 'x'.repeat(501) } }).catch((e: ApiError) => e);
    expect(tooLong).toMatchObject({ status: 400 });
    const { welcome } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    expect(welcome.widget).toEqual({ color: '#0a84ff', greeting: 'Hello there!' });
    // Only the greeting changes; "" means none.
    expect((await admin.updateProject(project.id, { widget: { greeting: '' } })).widget).toEqual({ color: '#0a84ff', greeting: null });
  });

  it('names visitors in Russian for a Russian project', async () => {
    await admin.request('PATCH', `/api/v1/projects/${project.id}`, { language: 'ru' });
    const { welcome } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    expect(welcome.visitor.name).toMatch(/^[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+$/);
  });

  it('are refused from an origin the project does not allow, and with an unknown key', async () => {
    await expect(connectVisitor(server.url, project.widgetKey, 'https://evil.example')).rejects.toThrow(/403/);
    await expect(connectVisitor(server.url, 'pk_nope', ORIGIN)).rejects.toThrow(/404/);
    // The browser tells the site's owner only "403": the server's log says why and what to run.
    const logged = server.logs.map((l) => JSON.parse(l) as { msg: string; level: number; origin?: string });
    expect(logged.find((l) => l.origin === 'https://evil.example')).toMatchObject({
      level: 40,
      msg: `widget refused: origin https://evil.example is not allowed for project ${project.id} (allow it with: parley project set ${project.id} --add-origin https://evil.example)`,
    });
  });

  it('a refused origin is logged once in ten minutes, then with how many were refused since: every visitor of the site retries', async () => {
    const refusals = () =>
      server.logs.map((l) => JSON.parse(l) as { msg: string; origin?: string; refusedSince?: number }).filter((l) => l.origin === 'https://other.example');
    for (let i = 0; i < 4; i++) await expect(connectVisitor(server.url, project.widgetKey, 'https://other.example')).rejects.toThrow(/403/);
    expect(refusals()).toHaveLength(1);
    clock.advance(10 * 60_000);
    await expect(connectVisitor(server.url, project.widgetKey, 'https://other.example')).rejects.toThrow(/403/);
    const [, again] = refusals();
    expect(refusals()).toHaveLength(2);
    expect(again.refusedSince).toBe(3);
    expect(again.msg).toMatch(/--add-origin https:\/\/other\.example\); 3 more refused since the last note$/);
  });

  it('with a token of another project become a new visitor of this one', async () => {
    const other = await admin.createProject('Other');
    await admin.request('PATCH', `/api/v1/projects/${other.id}`, { allowedOrigins: [ORIGIN] });
    const a = await track(visitorHello(server.url, other.widgetKey, ORIGIN));
    a.peer.send({ type: 'message.send', clientId: randomUUID(), body: 'secret of project two' });
    await a.peer.next((f) => f.type === 'message.stored');
    const b = await track(visitorHello(server.url, project.widgetKey, ORIGIN, { token: a.welcome.token }));
    expect(b.welcome.token).not.toBe(a.welcome.token);
    expect(b.welcome.messages).toEqual([]);
  });

  it('cannot reach another visitor\'s dialog: frames naming one are answered with their own', async () => {
    const a = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    a.peer.send({ type: 'message.send', clientId: 'a1', body: 'private to A' });
    await a.peer.next((f) => f.type === 'message.stored');
    const dialogOfA = await firstDialogId();
    const b = await track(visitorHello(server.url, project.widgetKey, ORIGIN, { dialogId: dialogOfA, visitorId: 1 }));
    expect(b.welcome.dialog).toBeNull();
    expect(b.welcome.messages).toEqual([]);
    b.peer.send({ type: 'message.send', clientId: 'b1', body: 'from B', dialogId: dialogOfA });
    await b.peer.next((f) => f.type === 'message.stored');
    const detail = await operator.request<{ messages: Array<{ body: string }> }>('GET', `/api/v1/projects/${project.id}/dialogs/${dialogOfA}`);
    expect(detail.messages.map((m) => m.body)).toEqual(['private to A']);
    expect(a.peer.frames.some((f) => f.type === 'message' && f.message.body === 'from B')).toBe(false);
  });

  it('get an error frame for bad frames and stay connected', async () => {
    const { peer } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    peer.send('not json');
    expect((await peer.next((f) => f.type === 'error')).code).toBe('validation');
    peer.send({ type: 'launch.missiles' });
    expect((await peer.next((f) => f.type === 'error')).message).toMatch(/launch\.missiles/);
    peer.send({ type: 'message.send', clientId: 'x y', body: 'hi' });
    expect((await peer.next((f) => f.type === 'error')).code).toBe('validation');
    // A message the schema refuses (too long) is refused by its clientId: the sender can mark
    // that message not sent instead of waiting for an answer that never comes.
    peer.send({ type: 'message.send', clientId: 'long-one', body: 'x'.repeat(10_001) });
    const refused = await peer.next((f) => f.type === 'error' && f.ref === 'long-one');
    expect(refused).toMatchObject({ code: 'validation', ref: 'long-one' });
    // ...and the reason is about this frame's own fields, not another frame type's.
    expect(refused.message).toBe('invalid "message.send" frame: /body must not have more than 10000 characters');
    peer.send({ type: 'ping' });
    await peer.next((f) => f.type === 'pong');
  });

  it('lose the connection for a frame over 64 KB', async () => {
    const { peer } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    peer.send({ type: 'message.send', clientId: 'big', body: 'x'.repeat(70 * 1024) });
    expect((await peer.closed).code).toBe(1009);
    // The peer's fault, logged at info with the socket's request id (the upgrade request itself
    // is let go once the socket is open), never as a server error.
    const logged = server.logs.map((l) => JSON.parse(l) as { msg: string; level: number; reqId?: string; code?: string });
    const line = logged.find((l) => l.msg === 'websocket: a bad frame from the peer; closed');
    expect(line).toMatchObject({ level: 30, code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' });
    expect(line?.reqId).toBeTruthy();
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('are rate-limited when flooding, without affecting other visitors', async () => {
    const flood = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    const calm = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    for (let i = 0; i < 50; i++) flood.peer.send({ type: 'message.send', clientId: `f${i}`, body: `spam ${i}` });
    const limited = await flood.peer.next((f) => f.type === 'error' && f.code === 'rate_limited');
    expect(limited.ref).toMatch(/^f\d+$/);
    calm.peer.send({ type: 'message.send', clientId: 'c1', body: 'a real question' });
    expect((await calm.peer.next((f) => f.type === 'message.stored')).message.body).toBe('a real question');
  });
});

describe('delivery', () => {
  it('a visitor message reaches operators with the generated name and page context', async () => {
    const op = await readyOperator();
    const { peer, welcome } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    peer.send({
      type: 'message.send',
      clientId: randomUUID(),
      body: 'Do you ship to Berlin?',
      page: { url: `${ORIGIN}/shoes?utm_source=news&utm_campaign=fall`, title: 'Shoes', referrer: 'https://search.example/' },
    });
    const created = await op.next((f) => f.type === 'dialog.created');
    expect(created.dialog.visitor.name).toBe(welcome.visitor.name);
    const visitor = await op.next((f) => f.type === 'visitor.updated');
    expect(visitor.visitor.page).toEqual({ url: `${ORIGIN}/shoes?utm_source=news&utm_campaign=fall`, title: 'Shoes', referrer: 'https://search.example/' });
    expect(visitor.visitor.utm).toEqual({ source: 'news', campaign: 'fall' });
    const message = await op.next((f) => f.type === 'message.created');
    expect(message.message).toMatchObject({ author: 'visitor', body: 'Do you ship to Berlin?', seq: 1 });
  });

  it('an operator reply reaches the widget, and the ack marks it delivered for operators', async () => {
    const { peer } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    peer.send({ type: 'message.send', clientId: randomUUID(), body: 'hi' });
    await peer.next((f) => f.type === 'message.stored');
    const dialogId = await firstDialogId();

    const op = await readyOperator();
    const clientId = randomUUID();
    op.send({ type: 'message.send', dialogId, clientId, body: 'Hello! How can I help?' });
    const stored = await op.next((f) => f.type === 'message.stored');
    expect(stored.message).toMatchObject({ clientId, seq: 2, deliveredAt: null, operator: { name: 'Oli Op' } });

    const pushed = await peer.next((f) => f.type === 'message' && f.message.author === 'operator');
    expect(pushed.message).toMatchObject({ id: stored.message.id, body: 'Hello! How can I help?', operator: { name: 'Oli Op' } });
    expect(pushed.message.operator.id).toBeUndefined();
    peer.send({ type: 'ack', messageIds: [pushed.message.id] });
    const delivered = await op.next((f) => f.type === 'message.updated' && f.message.id === stored.message.id);
    expect(delivered.message.deliveredAt).not.toBeNull();
  });

  it("an operator's messages sent at once are stored and answered in order, sharing commits", async () => {
    const { peer } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    peer.send({ type: 'message.send', clientId: randomUUID(), body: 'hi' });
    await peer.next((f) => f.type === 'message.stored');
    const dialogId = await firstDialogId();
    const op = await readyOperator();

    // What each write saw committed when it ran: a write that waited for the commit of the one
    // before it sees one more message than that one did.
    const db = server.app.db;
    const write = db.write.bind(db);
    const committedSeen: number[] = [];
    db.write = (fn, queued) =>
      write(async (tx) => {
        const row = await db.get<{ n: number }>('SELECT count(*) AS n FROM messages WHERE dialog_id = ?', [dialogId]);
        committedSeen.push(row!.n);
        return fn(tx);
      }, queued);

    const clientIds = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
    for (const [i, clientId] of clientIds.entries()) op.send({ type: 'message.send', dialogId, clientId, body: `Part ${i + 1}` });
    const last = await op.next((f) => f.type === 'message.stored' && f.clientId === clientIds[19]);
    const answered = [...op.frames.filter((f) => f.type === 'message.stored'), last];
    db.write = write;

    expect(answered.map((f) => f.clientId)).toEqual(clientIds);
    expect(answered.map((f) => f.message.seq)).toEqual(clientIds.map((_, i) => i + 2));
    expect(committedSeen).toHaveLength(20);
    // One socket's frames used to wait each for the previous commit: twenty commits.
    expect(new Set(committedSeen).size).toBeLessThan(5);
  });

  it('the delivery event carries the message as it is now (edited before the ack), and acks of other ids change nothing', async () => {
    const { peer } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    peer.send({ type: 'message.send', clientId: randomUUID(), body: 'hi' });
    const own = await peer.next((f) => f.type === 'message.stored');
    const dialogId = await firstDialogId();
    const op = await readyOperator();
    op.send({ type: 'message.send', dialogId, clientId: randomUUID(), body: 'Helo' });
    const stored = await op.next((f) => f.type === 'message.stored');
    const id = stored.message.id;
    await operator.request('PATCH', `/api/v1/projects/${project.id}/messages/${id}`, { body: 'Hello' });
    await peer.next((f) => f.type === 'message' && f.message.id === id && f.message.body === 'Hello');

    // The visitor's own message and an id of nothing are not operator messages of this dialog.
    peer.send({ type: 'ack', messageIds: [own.message.id, id + 1000, id] });
    const delivered = await op.next((f) => f.type === 'message.updated' && f.message.deliveredAt);
    expect(delivered.message).toMatchObject({ id, body: 'Hello', operator: { name: 'Oli Op' } });
    expect(delivered.message.editedAt).not.toBeNull();
    const messages = await operator.request<Array<{ id: number; deliveredAt: string | null; rev: number }>>(
      'GET',
      `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`,
    );
    expect(messages.map((m) => [m.id, m.deliveredAt !== null])).toEqual([
      [own.message.id, false],
      [id, true],
    ]);
    expect(messages[1].rev).toBe(delivered.message.rev);
    // A second ack of the same message announces nothing more: the next event is another one.
    peer.send({ type: 'ack', messageIds: [id] });
    peer.send({ type: 'typing' });
    const next = await op.next((f) => (f.type === 'message.updated' && f.message.deliveredAt) || f.type === 'typing');
    expect(next.type).toBe('typing');
  });

  it('a resend with the same clientId is stored once and pushed again; another body is a conflict', async () => {
    const { peer } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    peer.send({ type: 'message.send', clientId: 'v1', body: 'hi' });
    await peer.next((f) => f.type === 'message.stored');
    const dialogId = await firstDialogId();
    const path = `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`;
    const first = await operator.request<{ id: number; seq: number }>('POST', path, { clientId: 'op-1', body: 'Answer' });
    const repeat = await operator.request<{ id: number; seq: number }>('POST', path, { clientId: 'op-1', body: 'Answer' });
    expect(repeat).toMatchObject({ id: first.id, seq: first.seq });
    const pushes = [
      await peer.next((f) => f.type === 'message' && f.message.id === first.id),
      await peer.next((f) => f.type === 'message' && f.message.id === first.id),
    ];
    expect(pushes).toHaveLength(2);
    await expect(operator.request('POST', path, { clientId: 'op-1', body: 'Other text' })).rejects.toMatchObject({ status: 409 });
    const all = await operator.request<Array<{ seq: number }>>('GET', `${path}`);
    expect(all.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('a reconnecting widget resumes from its rev: missed messages once, in order', async () => {
    const { peer, welcome } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    peer.send({ type: 'message.send', clientId: 'v1', body: 'hi' });
    const stored = await peer.next((f) => f.type === 'message.stored');
    const held = stored.message.rev;
    await peer.close();
    const dialogId = await firstDialogId();
    const path = `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`;
    for (const body of ['one', 'two', 'three']) await operator.request('POST', path, { clientId: randomUUID(), body });
    const back = await track(visitorHello(server.url, project.widgetKey, ORIGIN, { token: welcome.token, rev: held }));
    expect(back.welcome.messages.map((m: { body: string; seq: number }) => [m.seq, m.body])).toEqual([
      [2, 'one'],
      [3, 'two'],
      [4, 'three'],
    ]);
  });

  it('operators resume per dialog with the rev they hold, including edits and deliveries', async () => {
    const { peer } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    peer.send({ type: 'message.send', clientId: 'v1', body: 'hi' });
    const held = (await peer.next((f) => f.type === 'message.stored')).message.rev;
    const dialogId = await firstDialogId();
    const reply = await operator.request<{ id: number }>('POST', `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`, {
      clientId: 'o1',
      body: 'Hello',
    });
    await peer.next((f) => f.type === 'message' && f.message.id === reply.id);
    peer.send({ type: 'ack', messageIds: [reply.id] });
    const op = await readyOperator();
    // The ack may land before or after the resume; either way the final state is delivered.
    op.send({ type: 'resume', dialogs: { [dialogId]: held } });
    const resumed = await op.next((f) => f.type === 'messages');
    expect(resumed.messages.map((m: { seq: number }) => m.seq)).toEqual([2]);
    await op.next((f) => f.type === 'resumed');
  });
});

describe('edits', () => {
  async function dialogWithReply() {
    const { peer } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    peer.send({ type: 'message.send', clientId: 'v1', body: 'hi' });
    await peer.next((f) => f.type === 'message.stored');
    const dialogId = await firstDialogId();
    const reply = await operator.request<{ id: number }>('POST', `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`, {
      clientId: 'o1',
      body: 'We ship on Mondya',
    });
    await peer.next((f) => f.type === 'message' && f.message.id === reply.id);
    return { peer, dialogId, messageId: reply.id };
  }

  it('within 10 minutes the author edits, and the widget shows the new text marked edited', async () => {
    const { peer, messageId } = await dialogWithReply();
    clock.advance(9 * 60_000);
    const edited = await operator.request<{ body: string; editedAt: string }>('PATCH', `/api/v1/projects/${project.id}/messages/${messageId}`, {
      body: 'We ship on Monday',
    });
    expect(edited.editedAt).not.toBeNull();
    const pushed = await peer.next((f) => f.type === 'message' && f.message.id === messageId && f.message.editedAt);
    expect(pushed.message.body).toBe('We ship on Monday');
  });

  it('after 10 minutes by the server clock the edit is refused with edit_window_expired', async () => {
    const { messageId } = await dialogWithReply();
    clock.advance(10 * 60_000 + 1);
    await expect(
      operator.request('PATCH', `/api/v1/projects/${project.id}/messages/${messageId}`, { body: 'late' }),
    ).rejects.toMatchObject({ status: 403, code: 'edit_window_expired' });
  });

  it('only the author edits, and visitor messages cannot be edited', async () => {
    const { dialogId, messageId } = await dialogWithReply();
    const other = await addOperator('ann@example.com');
    await expect(
      other.request('PATCH', `/api/v1/projects/${project.id}/messages/${messageId}`, { body: 'mine now' }),
    ).rejects.toMatchObject({ status: 403 });
    const visitorMsg = (await operator.request<Array<{ id: number; author: string }>>('GET', `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`)).find(
      (m) => m.author === 'visitor',
    )!;
    await expect(
      operator.request('PATCH', `/api/v1/projects/${project.id}/messages/${visitorMsg.id}`, { body: 'changed' }),
    ).rejects.toMatchObject({ status: 403 });
  });
});

describe('presence and identity', () => {
  it('visitors learn live when the first operator goes online and the last goes offline', async () => {
    const { peer, welcome } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    expect(welcome.operatorsOnline).toBe(false);
    await operator.request('PUT', `/api/v1/projects/${project.id}/status`, { online: true });
    expect((await peer.next((f) => f.type === 'operators')).online).toBe(true);
    await operator.request('PUT', `/api/v1/projects/${project.id}/status`, { online: false });
    expect((await peer.next((f) => f.type === 'operators')).online).toBe(false);
  });

  it('operators see a visitor come online with the first tab and leave with the last', async () => {
    const op = await readyOperator();
    const tab1 = await visitorHello(server.url, project.widgetKey, ORIGIN);
    // A visitor is stored (and so seen by operators) at their first message.
    tab1.peer.send({ type: 'message.send', clientId: 'v1', body: 'hi' });
    await tab1.peer.next((f) => f.type === 'message.stored');
    const came = await op.next((f) => f.type === 'visitor.presence');
    expect(came.online).toBe(true);
    const tab2 = await visitorHello(server.url, project.widgetKey, ORIGIN, { token: tab1.welcome.token });
    const dialogId = await firstDialogId();
    const detail = await operator.request<{ visitorOnline: boolean }>('GET', `/api/v1/projects/${project.id}/dialogs/${dialogId}`);
    expect(detail.visitorOnline).toBe(true);
    await tab1.peer.close();
    await tab2.peer.close();
    const left = await op.next((f) => f.type === 'visitor.presence');
    expect(left).toMatchObject({ visitorId: came.visitorId, online: false });
    expect(op.frames.filter((f) => f.type === 'visitor.presence')).toEqual([]);
    const after = await operator.request<{ visitorOnline: boolean }>('GET', `/api/v1/projects/${project.id}/dialogs/${dialogId}`);
    expect(after.visitorOnline).toBe(false);
  });

  it('ignores author fields supplied in frames: identity comes from the connection', async () => {
    const { peer } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    peer.send({ type: 'message.send', clientId: 'v1', body: 'hi', author: 'operator', operatorId: 1 });
    const stored = await peer.next((f) => f.type === 'message.stored');
    expect(stored.message.author).toBe('visitor');
    expect(stored.message.operator).toBeNull();
  });

  it('operators of another project get 404 for this project, and removed members lose their socket', async () => {
    const other = await addOperator('zed@example.com');
    const op = await track(connectOperator(server.url, other.token!, project.id));
    await op.next((f) => f.type === 'ready');
    await admin.removeMember(project.id, 'zed@example.com');
    expect((await op.closed).code).toBe(4003);
    await expect(connectOperator(server.url, other.token!, project.id)).rejects.toThrow(/401|404/);
  });

  it('an operator whose role is taken away cannot answer from a socket already open; given back, they can', async () => {
    const { peer } = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    peer.send({ type: 'message.send', clientId: randomUUID(), body: 'hi' });
    await peer.next((f) => f.type === 'message.stored');
    const dialogId = await firstDialogId();
    const op = await readyOperator();
    op.send({ type: 'message.send', dialogId, clientId: 'first', body: 'One moment' });
    await op.next((f) => f.type === 'message.stored' && f.clientId === 'first');

    await admin.updateMember(project.id, 'oli@example.com', { operator: false, access: 'settings' });
    op.send({ type: 'message.send', dialogId, clientId: 'second', body: 'Still me?' });
    expect(await op.next((f) => f.type === 'error' && f.ref === 'second')).toMatchObject({ code: 'forbidden' });

    await admin.updateMember(project.id, 'oli@example.com', { operator: true });
    op.send({ type: 'message.send', dialogId, clientId: 'third', body: 'Back again' });
    await op.next((f) => f.type === 'message.stored' && f.clientId === 'third');
    const detail = await operator.request<{ messages: Array<{ body: string }> }>('GET', `/api/v1/projects/${project.id}/dialogs/${dialogId}`);
    expect(detail.messages.map((m) => m.body)).toEqual(['hi', 'One moment', 'Back again']);
  });

  it("a visitor's ack of another visitor's message marks nothing", async () => {
    const a = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    a.peer.send({ type: 'message.send', clientId: randomUUID(), body: 'hi from A' });
    await a.peer.next((f) => f.type === 'message.stored');
    const dialogId = await firstDialogId();
    const b = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    const op = await readyOperator();
    op.send({ type: 'message.send', dialogId, clientId: randomUUID(), body: 'For A only' });
    const { message } = await op.next((f) => f.type === 'message.stored');
    await a.peer.next((f) => f.type === 'message' && f.message.id === message.id);

    b.peer.send({ type: 'ack', messageIds: [message.id] });
    b.peer.send({ type: 'message.send', clientId: randomUUID(), body: 'B writes after acking' });
    await op.next((f) => f.type === 'message.created' && f.message.body === 'B writes after acking');
    expect(op.frames.some((f) => f.type === 'message.updated' && f.message.deliveredAt)).toBe(false);
    const messages = await operator.request<Array<{ id: number; deliveredAt: string | null }>>(
      'GET',
      `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`,
    );
    expect(messages.find((m) => m.id === message.id)?.deliveredAt).toBeNull();
    // A's own ack marks it.
    a.peer.send({ type: 'ack', messageIds: [message.id] });
    expect((await op.next((f) => f.type === 'message.updated' && f.message.deliveredAt)).message.id).toBe(message.id);
  });

  it('unauthenticated operator sockets are refused', async () => {
    await expect(connectOperator(server.url, 'pls_nope', project.id)).rejects.toThrow(/401/);
  });
});
