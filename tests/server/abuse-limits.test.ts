// What one client may take (security QA 15, findings 3 and 6). One address holds at most so many
// widget sockets and starts at most so many visitors a minute; a visitor's messages are limited
// over all their sockets, not per socket. A request whose body trickles in is cut off, while a
// WebSocket (no longer a request once upgraded) is not.
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { DATABASE_FILE } from '../../server/config.js';
import { launchChromium } from '../helpers/browser.js';
import { connectVisitor, type Peer, stillOpen, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';

let server: TestServer;
let browser: Browser | undefined;
const peers: Peer[] = [];
const raw: WebSocket[] = [];

afterEach(async () => {
  for (const ws of raw.splice(0)) ws.terminate();
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await browser?.close();
  browser = undefined;
  await server?.close();
});

async function shop(opts: Parameters<typeof startTestServer>[0] = {}) {
  server = await startTestServer(opts);
  const { client: admin } = await signedInAdmin(server);
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  return { id: p.id, widgetKey: p.widgetKey };
}

/** A widget's connection as the widget opens it (refusal=close): whether it opened, and how it closed. */
function widgetConnection(key: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/visitor?key=${encodeURIComponent(key)}&refusal=close`, { origin: ORIGIN, headers });
  raw.push(ws);
  let opened = false;
  ws.on('open', () => (opened = true));
  return new Promise<{ opened: boolean; code: number; reason: string }>((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.on('close', (code, reason) => resolve({ opened, code, reason: reason.toString() }));
  });
}

/** A widget socket (refusal=close) that was let in: resolves once it is welcomed. */
function widgetSocket(key: string, headers: Record<string, string>): Promise<WebSocket> {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/visitor?key=${encodeURIComponent(key)}&refusal=close`, { origin: ORIGIN, headers });
  raw.push(ws);
  return new Promise((resolve, reject) => {
    ws.on('close', (code) => reject(new Error(`closed with ${code}`)));
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello' })));
    ws.once('message', () => resolve(ws));
  });
}

/** A widget socket that said hello, closed after the test. */
async function welcomed(key: string, hello: Record<string, unknown> = {}) {
  const { peer, welcome } = await visitorHello(server.url, key, ORIGIN, hello);
  peers.push(peer);
  return { peer, welcome };
}

const warnings = (budget: string) =>
  server.logs.map((l) => JSON.parse(l) as { level: number; msg: string; budget?: string; address?: string }).filter((l) => l.budget === budget);

function count(table: 'visitors' | 'dialogs' | 'messages'): number {
  const db = new Database(join(server.dataDir, DATABASE_FILE), { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Sends a message; resolves with what answered it: `message.stored` or the error frame. */
async function send(peer: Peer, body: string, clientId: string = randomUUID()) {
  peer.send({ type: 'message.send', clientId, body });
  return peer.next((f) => (f.type === 'message.stored' && f.clientId === clientId) || (f.type === 'error' && f.ref === clientId));
}

describe('widget sockets per address (PARLEY_WIDGET_SOCKETS_PER_ADDRESS)', () => {
  it('past the budget a widget is closed with 4429 (try later), another client gets 429; one closing lets the next in; the server says why once', async () => {
    const project = await shop({ env: { PARLEY_WIDGET_SOCKETS_PER_ADDRESS: '3' } });
    // Said hello or not, each socket counts.
    const open = [await connectVisitor(server.url, project.widgetKey, ORIGIN)];
    peers.push(open[0]);
    for (let i = 0; i < 2; i++) open.push((await welcomed(project.widgetKey)).peer);

    for (let i = 0; i < 3; i++) {
      expect(await widgetConnection(project.widgetKey)).toEqual({ opened: true, code: 4429, reason: 'too many connections from this address; try later' });
    }
    await expect(connectVisitor(server.url, project.widgetKey, ORIGIN)).rejects.toThrow(/429/);
    // Refusals for good still come first: the widget must stop for those, not try later.
    expect((await widgetConnection('pk_nope')).code).toBe(4404);
    expect(open[0].ws.readyState).toBe(WebSocket.OPEN);
    for (const peer of open.slice(1)) await stillOpen(peer);

    const said = warnings('sockets');
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ level: 40, address: '127.0.0.1' });
    expect(said[0].msg).toBe(
      'widget limit: address 127.0.0.1 has 3 widget connections open; more are told to try later ' +
        '(if 127.0.0.1 is a reverse proxy, set PARLEY_TRUST_PROXY=1 so that visitors are counted by their own address; ' +
        'if it is many real visitors, raise PARLEY_WIDGET_SOCKETS_PER_ADDRESS, now 3)',
    );

    await open[0].close();
    expect((await welcomed(project.widgetKey)).welcome.type).toBe('welcome');
  });

  it('holds when sockets arrive all at once: exactly the budget is let in', async () => {
    const project = await shop({ env: { PARLEY_WIDGET_SOCKETS_PER_ADDRESS: '4' } });
    const results = await Promise.all(
      Array.from({ length: 40 }, () => {
        const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/visitor?key=${project.widgetKey}&refusal=close`, { origin: ORIGIN });
        raw.push(ws);
        // Open and not closed within the moment a closed one takes (its close frame follows the open at once).
        return new Promise<'open' | number>((resolve) => {
          ws.on('close', (code) => resolve(code));
          ws.on('open', () => {
            ws.send(JSON.stringify({ type: 'hello' }));
            ws.once('message', () => resolve('open'));
          });
        });
      }),
    );
    expect(results.filter((r) => r === 'open')).toHaveLength(4);
    expect(results.filter((r) => r === 4429)).toHaveLength(36);
  });

  it('behind a trusted proxy each visitor address has its own budget, and the advice is only to raise it', async () => {
    const project = await shop({ env: { PARLEY_WIDGET_SOCKETS_PER_ADDRESS: '2', PARLEY_TRUST_PROXY: '1' } });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    const stay = await Promise.all([1, 2].map(() => widgetSocket(project.widgetKey, from('203.0.113.7'))));
    expect((await widgetConnection(project.widgetKey, from('203.0.113.7'))).code).toBe(4429);
    const other = await widgetSocket(project.widgetKey, from('198.51.100.1'));
    expect(other.readyState).toBe(WebSocket.OPEN);
    expect(stay.every((ws) => ws.readyState === WebSocket.OPEN)).toBe(true);
    const said = warnings('sockets');
    expect(said).toHaveLength(1);
    expect(said[0].address).toBe('203.0.113.7');
    expect(said[0].msg).not.toContain('PARLEY_TRUST_PROXY');
    expect(said[0].msg).toContain('raise PARLEY_WIDGET_SOCKETS_PER_ADDRESS, now 2');
  });

  it('the widget in a browser, refused with 4429, tries again with its backoff and connects once a socket is free', async () => {
    server = await startTestServer({ env: { PARLEY_WIDGET_SOCKETS_PER_ADDRESS: '1' } });
    const demo = await server.app.services.admin.ensureDemo();
    // The one socket this address may hold.
    const blocker = await new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/visitor?key=${demo.widgetKey}`, { origin: server.url });
      raw.push(ws);
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
    browser = await launchChromium();
    const page = await (await browser.newContext()).newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const warnings: string[] = [];
    page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    let attempts = 0;
    const refusedThrice = new Promise<void>((resolve) =>
      page.on('websocket', (ws) => {
        if (!ws.url().includes('/ws/visitor')) return;
        ws.on('close', () => ++attempts === 3 && resolve());
      }),
    );
    await page.goto(server.url);
    await refusedThrice;
    expect(await page.locator('[data-parley][data-connection="open"]').count()).toBe(0);
    // The server is up and asked this address to wait: the site's console is not told it is down.
    expect(warnings.filter((w) => w.includes('cannot connect'))).toEqual([]);

    blocker.close();
    await page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached', timeout: 20_000 });
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(pageErrors).toEqual([]);
  }, 40_000);
});

describe('new visitors per address (PARLEY_WIDGET_VISITORS_PER_MINUTE)', () => {
  it('a first message past the budget gets the rate-limit error and stores nothing; a visitor already stored still writes; the budget refills', async () => {
    const clock = new ManualClock();
    const project = await shop({ clock, env: { PARLEY_WIDGET_VISITORS_PER_MINUTE: '3' } });
    const stored: Array<{ peer: Peer; answer: Record<string, any> }> = [];
    for (let i = 0; i < 3; i++) {
      const { peer } = await welcomed(project.widgetKey);
      stored.push({ peer, answer: await send(peer, `question ${i}`) });
    }
    expect(stored.map((s) => s.answer.type)).toEqual(['message.stored', 'message.stored', 'message.stored']);

    // Page views are free: a fourth hello is welcomed, only its first message waits.
    const { peer: fourth } = await welcomed(project.widgetKey);
    const clientId = randomUUID();
    const refused = await send(fourth, 'question 4', clientId);
    expect(refused).toEqual({ type: 'error', code: 'rate_limited', message: 'too many new visitors from this address; wait a moment', ref: clientId });
    expect([count('visitors'), count('dialogs'), count('messages')]).toEqual([3, 3, 3]);

    // Visitors already stored are not new.
    expect((await send(stored[0].peer, 'and another thing')).type).toBe('message.stored');

    // A third of a minute later, one more (the widget sends the same clientId again).
    clock.advance(20_000);
    expect((await send(fourth, 'question 4', clientId)).type).toBe('message.stored');
    expect((await send(stored[1].peer, 'still here')).type).toBe('message.stored');
    expect(count('visitors')).toBe(4);

    const { peer: fifth } = await welcomed(project.widgetKey);
    expect((await send(fifth, 'question 5')).type).toBe('error');
    const said = warnings('visitors');
    expect(said).toHaveLength(1);
    expect(said[0].msg).toContain('address 127.0.0.1 starts visitors faster than 3 a minute');
    expect(said[0].msg).toContain('set PARLEY_TRUST_PROXY=1');
    expect(said[0].msg).toContain('raise PARLEY_WIDGET_VISITORS_PER_MINUTE, now 3');
  });
});

describe("a visitor's messages over all their sockets", () => {
  it('five sockets of one token share one budget: ten at once, then three a second', async () => {
    const clock = new ManualClock();
    const project = await shop({ clock });
    const { peer: first, welcome } = await welcomed(project.widgetKey);
    expect((await send(first, 'hello')).type).toBe('message.stored');
    const tabs = await Promise.all(
      Array.from({ length: 5 }, async () => (await welcomed(project.widgetKey, { token: welcome.token })).peer),
    );
    const answers = await Promise.all(tabs.flatMap((peer, t) => [0, 1, 2].map((i) => send(peer, `tab ${t} line ${i}`))));
    expect(answers.filter((a) => a.type === 'message.stored')).toHaveLength(10);
    const limited = answers.filter((a) => a.type === 'error');
    expect(limited).toHaveLength(5);
    expect(limited.every((a) => a.code === 'rate_limited' && a.message === 'too many messages; wait a moment')).toBe(true);

    clock.advance(1000);
    const later = await Promise.all(tabs.slice(0, 4).map((peer) => send(peer, 'a second later')));
    expect(later.map((a) => a.type).sort()).toEqual(['error', 'message.stored', 'message.stored', 'message.stored']);
    expect(count('messages')).toBe(14);
  });
});

describe('request timeout (slowloris)', () => {
  it('a body that trickles in is cut off with 408 after the timeout, an honest one within it is answered, and an open WebSocket is not cut', async () => {
    const project = await shop({ requestTimeoutMs: 1000 });
    const { peer } = await welcomed(project.widgetKey);
    const { port } = new URL(server.url);

    // 100,000 bytes announced, one byte every 100 ms.
    const slow = connect(Number(port), '127.0.0.1');
    let answer = '';
    slow.on('data', (d) => (answer += d));
    const started = performance.now();
    const ended = new Promise<number>((resolve) => slow.on('close', () => resolve(performance.now() - started)));
    slow.write('POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
    const drip = setInterval(() => slow.writable && slow.write(' '), 100);
    let timer: NodeJS.Timeout | undefined;
    const ms = await Promise.race([
      ended,
      new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error('the slow request was still open 10 s later')), 10_000))),
    ]).finally(() => {
      clearInterval(drip);
      clearTimeout(timer);
      slow.destroy();
    });
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);

    // A body that takes half the timeout is answered as usual.
    const body = JSON.stringify({ email: 'nobody@example.com', password: 'wrong-password' });
    const honest = connect(Number(port), '127.0.0.1');
    let reply = '';
    honest.on('data', (d) => (reply += d));
    const replied = new Promise<void>((resolve) => honest.on('data', () => reply.includes('\r\n\r\n') && resolve()));
    honest.write(`POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    // Its three parts go out a tick of the drip apart (0.45 s in all), as a slow client sends.
    const parts = [body.slice(0, 10), body.slice(10, 20), body.slice(20)];
    const steady = setInterval(() => parts.length && honest.write(parts.shift()!), 150);
    await replied.finally(() => clearInterval(steady));
    expect(parts).toEqual([]);
    honest.destroy();
    expect(reply).toMatch(/^HTTP\/1\.1 401 /);

    // The widget's socket has been open for longer than the timeout, and is still served.
    await stillOpen(peer);
  });

  it('by default waits long enough for the largest upload over a slow link, and never less than Node\'s 300 s', async () => {
    server = await startTestServer();
    expect(server.app.server.requestTimeout).toBe(320_000);
    expect(server.app.server.headersTimeout).toBe(60_000);
    await server.close();
    server = await startTestServer({ env: { PARLEY_UPLOAD_MAX_BYTES: String(100 * 1024 * 1024) } });
    expect(server.app.server.requestTimeout).toBe(3_200_000);
    await server.close();
    server = await startTestServer({ env: { PARLEY_UPLOAD_MAX_BYTES: '1000' } });
    expect(server.app.server.requestTimeout).toBe(300_000);
  });
});
