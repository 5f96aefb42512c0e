// Random and malformed input against a real server for a bounded number of tries: request bodies
// of every shape on every route (the route list comes from the app itself), and frames of every
// shape on both WebSockets. The server must answer each with a client error or success, never a
// 500; keep the {error:{code,message}} shape; never log an error; keep its memory bounded; and
// still work afterwards. The seed is printed, and PARLEY_FUZZ_SEED replays a run.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ParleyClient } from '../../core/client/api.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { connectOperator, type Peer, visitorHello } from '../helpers/realtime.js';
import { type RouteInfo, withRoutes } from '../helpers/routes.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, type TestServer } from '../helpers/server.js';

const SEED = Number(process.env.PARLEY_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const HTTP_TRIES = 1500;
const FRAME_TRIES = 1500;
const ORIGIN = 'https://shop.example.com';

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T,>(items: readonly T[]): T => items[int(items.length)];
  return { next, int, pick };
}
const rnd = generator(SEED);

const FIELDS = [
  'email', 'password', 'newPassword', 'code', 'firstName', 'lastName', 'name', 'text', 'body', 'clientId', 'token',
  'type', 'dialogId', 'messageId', 'messageIds', 'rev', 'online', 'operator', 'access', 'allowedOrigins', 'timezone',
  'routing', 'group', 'leadClass', 'templates', 'week', 'dates', 'attachmentIds', 'page', 'card', '__proto__',
  'constructor', 'prototype',
] as const;
const STRINGS = [
  '', ' ', 'a', 'oli@example.com', 'not-an-email', '<img src=x onerror=alert(1)>', "'; DROP TABLE users; --", '../../../etc/passwd',
  '\u0000', '\ud800', '🙂'.repeat(50), '=HYPERLINK("x")', '{visitor.name}', '${7*7}', 'null', 'Europe/Berlin', 'Mars/Olympus',
  'mon 09:00-18:00', '#ff00ff', 'https://shop.example.com', 'null-origin', '-1', '1e309', 'true',
] as const;
const NUMBERS = [0, -1, 1, 2, 3, 2 ** 31, 2 ** 53, -(2 ** 53), 1.5, Number.MAX_VALUE, 1e-9] as const;

function value(depth = 0): unknown {
  switch (rnd.int(depth > 2 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return rnd.next() < 0.5;
    case 2:
      return rnd.pick(NUMBERS);
    case 3:
      return rnd.pick(STRINGS);
    case 4:
      return 'x'.repeat(rnd.pick([100, 5000, 70_000]));
    case 5:
      return Array.from({ length: rnd.int(5) }, () => value(depth + 1));
    default:
      return object(depth + 1);
  }
}

function object(depth = 0): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = rnd.int(5); i > 0; i--) o[rnd.pick(FIELDS)] = value(depth);
  return o;
}

/** A request body and its content type: JSON of any shape, broken JSON, or not JSON at all. */
function body(): { payload?: string | Buffer; type?: string } {
  switch (rnd.int(7)) {
    case 0:
      return {};
    case 1:
      return { payload: rnd.pick(['{', '{"a":', '[1,2', '"', '}{', '{"email":"a@b.c",}', '\u0000']), type: 'application/json' };
    case 2:
      return { payload: Buffer.from(Array.from({ length: 64 }, () => rnd.int(256))), type: rnd.pick(['application/json', 'application/octet-stream']) };
    case 3:
      return { payload: 'file=abc', type: rnd.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=zz']) };
    default:
      return { payload: JSON.stringify(rnd.next() < 0.8 ? object() : value()), type: 'application/json' };
  }
}

/** A route's URL with its parameters filled with ids that exist, ids that do not, and junk. */
function urlFor(route: RouteInfo, ids: number[]): string {
  const filled = route.url.replace(/:[A-Za-z]+/g, () =>
    encodeURIComponent(String(rnd.pick<unknown>([...ids, ...ids, 0, -1, 99_999_999, 'abc', '1e3', '..%2f..', '%00', 'x'.repeat(300)]))),
  );
  const query = rnd.next() < 0.3 ? `?${rnd.pick(['view=mine', 'view=junk', 'limit=-5', 'limit=99999', 'before=x', 'key=', 'key=%ff', 'q=' + 'y'.repeat(3000)])}` : '';
  return filled + query;
}

let server: TestServer;
let routes: RouteInfo[];
let admin: ParleyClient;
let operator: ParleyClient;
let project: { id: number; widgetKey: string };
let dialogId: number;
const peers: Peer[] = [];

/**
 * A fresh admin, project, operator and dialog: the HTTP fuzzing may well have logged out, disabled
 * or deleted the ones before (it has their tokens), so each part starts with its own.
 */
async function freshTeam(n: number) {
  ({ client: admin } = await signedInAdmin(server, { email: `root${n}@example.com`, firstName: 'Root', lastName: 'Admin' }));
  const p = await admin.createProject(`Shop ${n}`);
  await admin.request('PATCH', `/api/v1/projects/${p.id}`, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  const email = `oli${n}@example.com`;
  await admin.addMember(p.id, { email, firstName: 'Oli', lastName: 'Op', operator: true });
  operator = await signIn(server.url, email, passwordFrom(await outbox.waitFor((m) => m.to === email)), NEW_PASSWORD);
  outbox.close();
  const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN);
  peers.push(peer);
  peer.send({ type: 'message.send', clientId: randomUUID(), body: 'hello' });
  await peer.next((f) => f.type === 'message.stored');
  dialogId = (await operator.request<{ dialogs: Array<{ id: number }> }>('GET', `/api/v1/projects/${project.id}/dialogs`)).dialogs[0].id;
}

beforeAll(async () => {
  ({ value: server, routes } = await withRoutes(() => startTestServer({ rateLimits: { login: 100_000, forgot: 100_000 } })));
  console.log(`fuzz seed ${SEED} (PARLEY_FUZZ_SEED=${SEED} replays it)`);
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server?.close();
});

describe(`fuzz (seed ${SEED})`, () => {
  it('random request bodies on every route: never a 500, errors always {error:{code,message}}', async () => {
    await freshTeam(1);
    const http = routes.filter((r) => !r.websocket && r.method !== 'HEAD' && r.method !== 'OPTIONS');
    expect(http.length).toBeGreaterThan(40);
    const ids = [project.id, dialogId, 1, 2];
    const tokens = [undefined, operator.token!, admin.token!, 'garbage-token', `${operator.token}x`];
    const rssBefore = process.memoryUsage().rss;
    const broken: string[] = [];
    for (let i = 0; i < HTTP_TRIES; i++) {
      const route = rnd.pick(http);
      const url = urlFor(route, ids);
      const { payload, type } = route.method === 'GET' || route.method === 'DELETE' ? (rnd.next() < 0.2 ? body() : {}) : body();
      const token = rnd.pick(tokens);
      const headers: Record<string, string> = {};
      if (type) headers['content-type'] = type;
      if (token) headers.authorization = `Bearer ${token}`;
      if (rnd.next() < 0.3) headers.origin = rnd.pick([ORIGIN, 'null', 'https://evil.example', '']);
      if (rnd.next() < 0.2) headers['x-parley-visitor'] = rnd.pick(['', 'junk', 'x'.repeat(500)]);
      const res = await server.app.inject({ method: route.method as 'GET', url, headers, payload });
      const what = `${route.method} ${url.slice(0, 120)} ${String(payload ?? '').slice(0, 80)}`;
      if (res.statusCode >= 500 && res.statusCode !== 503) broken.push(`${res.statusCode} ${what}`);
      if (res.statusCode >= 400 && (res.headers['content-type'] ?? '').toString().includes('json')) {
        const answer = res.json() as { error?: { code?: unknown; message?: unknown } };
        if (typeof answer.error?.code !== 'string' || typeof answer.error?.message !== 'string') broken.push(`shape ${what}: ${res.body.slice(0, 100)}`);
      }
    }
    if (broken.length) console.log(`fuzz: ${broken.length} bad answers, the first ones:\n${broken.slice(0, 40).join('\n')}`);
    expect(broken).toEqual([]);
    // Bounded: thousands of requests with bodies up to 1 MB leave no lasting growth of that order.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(300 * 1024 * 1024);
  });

  it('random frames on both sockets: refused with error frames or a close, never a crash; the server still works', async () => {
    await freshTeam(2);
    const unanswered: string[] = [];
    const open = async (kind: 'visitor' | 'operator') => {
      const peer =
        kind === 'operator'
          ? await connectOperator(server.url, operator.token!, project.id)
          : (await visitorHello(server.url, project.widgetKey, ORIGIN)).peer;
      peers.push(peer);
      return peer;
    };
    let visitor = await open('visitor');
    let op = await open('operator');
    const types = ['hello', 'message.send', 'message.edit', 'ack', 'typing', 'resume', 'ping', 'junk', '', '__proto__'];
    for (let i = 0; i < FRAME_TRIES; i++) {
      const toOperator = rnd.next() < 0.5;
      const peer = toOperator ? op : visitor;
      const { ws } = peer;
      if (ws.readyState !== WebSocket.OPEN) {
        if (toOperator) op = await open('operator');
        else visitor = await open('visitor');
        continue;
      }
      const roll = rnd.int(10);
      if (roll === 0) ws.send(Buffer.from(Array.from({ length: rnd.int(200) + 1 }, () => rnd.int(256))));
      else if (roll === 1) ws.send(rnd.pick(['{', '[]', 'null', '"x"', '42', '{"type":', 'x'.repeat(70_000)]));
      else ws.send(JSON.stringify({ ...object(), type: rnd.pick(types) }));
      // Every few frames, a ping proves the socket is still served (or has been closed).
      if (i % 25 === 24 && ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify({ type: 'ping' }));
        const pong = peer.next((f) => f.type === 'pong').then(
          () => 'pong',
          () => 'no pong',
        );
        const outcome = await Promise.race([pong, peer.closed.then(() => 'closed')]);
        if (outcome === 'no pong') unanswered.push(`${toOperator ? 'operator' : 'visitor'} socket, frame ${i}`);
      }
    }
    expect(unanswered).toEqual([]);
    // The server still does its job: a new visitor's message reaches a fresh operator socket.
    const watcher = await open('operator');
    const { peer: fresh } = await visitorHello(server.url, project.widgetKey, ORIGIN);
    peers.push(fresh);
    fresh.send({ type: 'message.send', clientId: randomUUID(), body: 'still here?' });
    await watcher.next((f) => f.type === 'message.created' && f.message.body === 'still here?');
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    // Nothing the fuzzing did was an error on the server's side.
    const errors = server.logs.filter((l) => JSON.parse(l).level >= 50);
    expect(errors).toEqual([]);
  });
});
