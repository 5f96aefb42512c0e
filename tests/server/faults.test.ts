// When the storage or the mail server fails: requests answer 503 with Retry-After, socket
// senders get an `unavailable` error for their clientId and keep the message pending, nothing
// is stored half, and the same send succeeds once when the fault is gone. Mail waits in its
// queue while SMTP is down and goes out when it is back; the request that asked for it has long
// been answered.
//
// Faults, all real (the tests may run as root, where chmod stops nothing):
// - database busy: another connection to the same file holds the write lock (BEGIN IMMEDIATE);
// - disk full: SQLite's page limit (PRAGMA max_page_count) set on the server's own writer, so
//   SQLite fails the write with SQLITE_FULL exactly as on a full disk;
// - SMTP down: nothing listens on the configured port, then a real SMTP server starts there.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { emptyOutbox, reduceOutbox, unsent } from '../../core/client/outbox.js';
import { FrameError, OperatorConnection } from '../../core/client/realtime.js';
import type { Message } from '../../core/protocol/index.js';
import { ManualClock } from '../../server/clock.js';
import { DATABASE_FILE } from '../../server/config.js';
import type { MailRow } from '../../server/db/mail.js';
import { storageFault } from '../../server/errors.js';
import { addMember, raw, type RawReply } from '../helpers/accounts-extra.js';
import { codeFrom, startSmtpSink, watchOutbox } from '../helpers/mail.js';
import { connectOperator, type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

describe('database faults', () => {
  let server: TestServer;
  let operator: ParleyClient;
  let projectId: number;
  let dialogId: number;
  let opSocket: Peer;
  let widget: Peer;

  beforeEach(async () => {
    server = await startTestServer();
    cleanups.push(() => server.close());
    const outbox = await watchOutbox(server.dataDir);
    cleanups.push(() => outbox.close());
    const { client: root } = await signedInAdmin(server);
    const project = await root.createProject('Shop');
    projectId = project.id;
    await root.updateProject(projectId, { allowedOrigins: [ORIGIN] });
    const ann = await addMember(server, root, projectId, { email: 'ann@example.com', firstName: 'Ann', lastName: 'Lee', operator: true }, outbox);
    operator = await ann.signIn();

    const hello = await visitorHello(server.url, project.widgetKey, ORIGIN);
    widget = hello.peer;
    cleanups.push(() => widget.close());
    widget.send({ type: 'message.send', clientId: 'v-first', body: 'Hello?' });
    await widget.next((f) => f.type === 'message.stored');
    dialogId = (await operator.listDialogs(projectId)).dialogs[0].id;
    opSocket = await connectOperator(server.url, operator.token!, projectId);
    cleanups.push(() => opSocket.close());
    await opSocket.next((f) => f.type === 'ready');
  });

  const sendOverRest = (clientId: string, body: string) =>
    raw(server.url, 'POST', `/api/v1/projects/${projectId}/dialogs/${dialogId}/messages`, {
      token: operator.token,
      contentType: 'application/json',
      body: JSON.stringify({ clientId, body }),
    });

  const storedCount = async (clientIds: string[]) =>
    (await server.app.db.get<{ n: number }>(
      `SELECT count(*) AS n FROM messages WHERE client_id IN (${clientIds.map(() => '?').join(',')})`,
      clientIds,
    ))!.n;

  const dialogState = () =>
    server.app.db.get<{ rev: number; last_seq: number; last_message_at: number }>(
      'SELECT rev, last_seq, last_message_at FROM dialogs WHERE id = ?',
      [dialogId],
    );

  function expect503(reply: RawReply, retryAfter: string) {
    expect(reply.status).toBe(503);
    expect(reply.json).toEqual({ error: { code: 'unavailable', message: expect.stringMatching(/try again/) } });
    expect(reply.headers.get('retry-after')).toBe(retryAfter);
  }

  /** After the fault: the same clientIds are stored, once each, over all three ways of sending. */
  async function sendAgainOnce(ids: { rest: string; socket: string; widget: string }, bodies: { rest: string; socket: string; widget: string }) {
    opSocket.send({ type: 'message.send', dialogId, clientId: ids.socket, body: bodies.socket });
    widget.send({ type: 'message.send', clientId: ids.widget, body: bodies.widget });
    const [first, bySocket, byWidget] = await Promise.all([
      sendOverRest(ids.rest, bodies.rest),
      opSocket.next((f) => f.type === 'message.stored' && f.clientId === ids.socket),
      widget.next((f) => f.type === 'message.stored' && f.clientId === ids.widget),
    ]);
    expect(first.status).toBe(201);
    expect(bySocket.message.body).toBe(bodies.socket);
    expect(byWidget.message.body).toBe(bodies.widget);
    // A repeat is the stored message again, not a second one.
    const repeat = await sendOverRest(ids.rest, bodies.rest);
    expect(repeat.status).toBe(200);
    expect(repeat.json.id).toBe(first.json.id);
    for (const id of Object.values(ids)) expect(await storedCount([id])).toBe(1);
  }

  it('database busy (another process holds the write lock): 503 and `unavailable`, the server stays responsive, the same sends succeed once after', async () => {
    const client = new OperatorConnection({
      url: server.url,
      token: operator.token!,
      projectId,
      heartbeatMs: 0,
      deliveryTimeoutMs: 60_000,
    });
    cleanups.push(() => client.close());
    await new Promise<void>((resolve) => {
      const off = client.on('state', (s) => s.state === 'online' && (off(), resolve()));
      client.start();
    });
    const before = await dialogState();

    const holder = new Database(join(server.dataDir, DATABASE_FILE));
    cleanups.push(() => holder.open && holder.close());
    holder.exec('BEGIN IMMEDIATE');

    const ids = { rest: randomUUID(), socket: randomUUID(), widget: randomUUID() };
    const bodies = { rest: 'Over REST', socket: 'Over the socket', widget: 'From the widget' };
    opSocket.send({ type: 'message.send', dialogId, clientId: ids.socket, body: bodies.socket });
    widget.send({ type: 'message.send', clientId: ids.widget, body: bodies.widget });
    const viaClient = client.send(dialogId, 'Through the operator client');
    const at = () => performance.now();
    const [rest, socketError, widgetError, ready, probe] = await Promise.all([
      sendOverRest(ids.rest, bodies.rest).then((reply) => ({ reply, at: at() })),
      opSocket.next((f) => f.type === 'error' && f.ref === ids.socket, 15_000),
      widget.next((f) => f.type === 'error' && f.ref === ids.widget, 15_000),
      raw(server.url, 'GET', '/readyz').then((reply) => ({ reply, at: at() })),
      // Frames of one socket are answered in order: once this edit is refused, the client has
      // handled the answer to its send that went before it.
      client.edit(999_999, 'nothing').then(
        () => null,
        (err: unknown) => err,
      ),
    ]);

    expect503(rest.reply, '1');
    expect(socketError).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/busy/) });
    expect(widgetError).toMatchObject({ code: 'unavailable' });
    // The wait for the lock did not hold the event loop: other requests were answered meanwhile.
    expect(ready.reply.status).toBe(200);
    expect(rest.at - ready.at).toBeGreaterThan(1000);
    // The operator client keeps its message pending (not refused), ready to go out again.
    expect(probe).toBeInstanceOf(FrameError);
    expect((probe as FrameError).code).toBe('not_found');
    expect(client.entry(viaClient.clientId)).toMatchObject({ state: 'sending', message: null, failure: null });
    expect(unsent(client.outbox).map((e) => e.clientId)).toContain(viaClient.clientId);
    // Nothing of any of them was stored.
    expect(await storedCount([...Object.values(ids), viaClient.clientId])).toBe(0);
    expect(await dialogState()).toEqual(before);
    expect(server.logs.some((l) => /storage unavailable/.test(l) && /SQLITE_BUSY/.test(l))).toBe(true);

    holder.exec('ROLLBACK');
    holder.close();

    await sendAgainOnce(ids, bodies);
    // The operator client sends it again by itself (no keypress): stored once.
    const stored: Message = await viaClient.stored;
    expect(stored).toMatchObject({ clientId: viaClient.clientId, body: 'Through the operator client' });
    expect(await storedCount([viaClient.clientId])).toBe(1);
    // Lock waits of 5 s each: generous on a loaded machine.
  }, 90_000);

  it('disk full: 503 and `unavailable`, nothing stored half, the same sends succeed once when space is back', async () => {
    // The file may not grow by a single page: SQLite answers SQLITE_FULL, as on a full disk.
    const setPageLimit = (limit: number | 'current') =>
      server.app.db.write(async (tx) => {
        const max = limit === 'current' ? (await tx.get<{ page_count: number }>('PRAGMA page_count'))!.page_count : limit;
        await tx.get(`PRAGMA max_page_count = ${max}`);
      });
    const before = await dialogState();
    await setPageLimit('current');

    // Long bodies need new pages (a page is 4 KB).
    const long = (what: string) => `${what}: ${'я'.repeat(9000)}`;
    const ids = { rest: randomUUID(), socket: randomUUID(), widget: randomUUID() };
    const bodies = { rest: long('rest'), socket: long('socket'), widget: long('widget') };
    const rest = await sendOverRest(ids.rest, bodies.rest);
    expect503(rest, '5');
    opSocket.send({ type: 'message.send', dialogId, clientId: ids.socket, body: bodies.socket });
    expect(await opSocket.next((f) => f.type === 'error' && f.ref === ids.socket)).toMatchObject({ code: 'unavailable' });
    widget.send({ type: 'message.send', clientId: ids.widget, body: bodies.widget });
    expect(await widget.next((f) => f.type === 'error' && f.ref === ids.widget)).toMatchObject({ code: 'unavailable' });

    expect(await storedCount(Object.values(ids))).toBe(0);
    expect(await dialogState()).toEqual(before);
    expect(server.logs.some((l) => /storage unavailable/.test(l) && /SQLITE_FULL/.test(l))).toBe(true);

    await setPageLimit(1_073_741_823);
    await sendAgainOnce(ids, bodies);
  });

  it('maps every storage fault to 503 and nothing else', async () => {
    // A real SQLITE_READONLY from the driver: a write through a read-only connection.
    const readOnly = new Database(join(server.dataDir, DATABASE_FILE), { readonly: true });
    cleanups.push(() => readOnly.close());
    let error: unknown;
    try {
      readOnly.exec("INSERT INTO server_settings (key, value) VALUES ('x', 'y')");
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'SQLITE_READONLY' });
    expect(storageFault(error)).toMatchObject({ status: 503, code: 'unavailable' });
    for (const code of ['SQLITE_IOERR_WRITE', 'SQLITE_FULL', 'SQLITE_BUSY_SNAPSHOT', 'ENOSPC', 'EROFS', 'EACCES']) {
      expect(storageFault(Object.assign(new Error(code), { code })), code).toMatchObject({ status: 503 });
    }
    for (const code of ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR', 'ENOENT', undefined]) {
      expect(storageFault(Object.assign(new Error('x'), { code })), String(code)).toBeNull();
    }
  });
});

describe('the operator outbox', () => {
  it('keeps a send refused as `unavailable` pending and among the unsent; other refusals are final', () => {
    const queued = reduceOutbox(emptyOutbox, { type: 'queued', clientId: 'a', dialogId: 7, body: 'Hi', at: 0 });
    const sent = reduceOutbox(queued, { type: 'sent', clientId: 'a', at: 1 });
    const busy = reduceOutbox(sent, { type: 'rejected', clientId: 'a', code: 'unavailable', message: 'busy' });
    expect(busy.entries.a).toMatchObject({ state: 'sending', failure: null });
    expect(unsent(busy).map((e) => e.clientId)).toEqual(['a']);
    const refused = reduceOutbox(sent, { type: 'rejected', clientId: 'a', code: 'conflict', message: 'other text' });
    expect(refused.entries.a).toMatchObject({ state: 'failed', failure: { kind: 'rejected', code: 'conflict' } });
    expect(unsent(refused)).toEqual([]);
  });
});

describe('SMTP down', () => {
  /** A loopback port where nothing listens (yet). */
  async function freePort(): Promise<number> {
    const srv = createServer();
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const { port } = srv.address() as { port: number };
    await new Promise<void>((resolve) => srv.close(() => resolve()));
    return port;
  }

  it('forgot-password answers its generic 202 while SMTP is down; the mail is retried with backoff and arrives once SMTP is back', async () => {
    const clock = new ManualClock(Date.now());
    const port = await freePort();
    const dataDir = await tempDir();
    const server = await startTestServer({
      clock,
      dataDir,
      env: { PARLEY_SMTP_URL: `smtp://127.0.0.1:${port}` },
      rateLimits: { forgot: 1000 },
    });
    cleanups.push(async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    });
    await signedInAdmin(server);
    const email = 'root@example.com';
    const rows = () => server.app.db.all<MailRow>('SELECT * FROM mail_queue ORDER BY id');

    const forgot = (who: string) =>
      raw(server.url, 'POST', '/api/v1/auth/password/forgot', { contentType: 'application/json', body: JSON.stringify({ email: who }) });
    const answer = await forgot(email);
    const unknown = await forgot('nobody@example.com');
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual(unknown.json);

    // The first attempt fails (connection refused) and is kept for a retry 30 s later.
    await vi.waitFor(async () => expect((await rows())[0]).toMatchObject({ status: 'pending', attempts: 1 }), { timeout: 10_000, interval: 20 });
    const first = (await rows())[0];
    expect(first.last_error).toMatch(/ECONNREFUSED|connect/i);
    expect(first.next_attempt_at).toBe(clock.now() + 30_000);

    // Still down at the retry: the next wait doubles.
    clock.set(first.next_attempt_at);
    await server.app.mailer.flush();
    const second = (await rows())[0];
    expect(second).toMatchObject({ status: 'pending', attempts: 2, next_attempt_at: clock.now() + 60_000 });

    // SMTP is back on the same port: the next retry delivers it, once.
    const smtp = await startSmtpSink(port);
    cleanups.push(() => smtp.close());
    await server.app.mailer.flush();
    expect(smtp.mails).toHaveLength(0); // not due yet
    clock.set(second.next_attempt_at);
    await server.app.mailer.flush();
    const mail = await smtp.waitFor((m) => m.to === email);
    expect((await rows())[0]).toMatchObject({ status: 'sent', body: '', attempts: 3 });
    expect(smtp.mails).toHaveLength(1);

    // The code in the late mail still works (10 minutes from the request, by the server clock).
    const reset = await raw(server.url, 'POST', '/api/v1/auth/password/reset', {
      contentType: 'application/json',
      body: JSON.stringify({ email, code: codeFrom(mail), newPassword: 'a-fresh-password-9' }),
    });
    expect(reset.status).toBe(200);
  });
});
