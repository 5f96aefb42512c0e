// Errors Node meets before there is a request to route (a request over its time, headers too
// large, bytes that are not HTTP) answer `{error:{code,message}}` like every other failure, with
// the headers every answer carries, and close the connection. Before, a request timeout was
// answered with Fastify's `{"error":"Request Timeout","message":"Client Timeout","statusCode":408}`.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from the first byte sent to the server closing the connection. */
  closedAfterMs: number;
}

/**
 * Sends `parts` over one connection (each after `everyMs`, then `drip` every `everyMs` until the
 * server closes it) and reads everything the server says until it closes the connection.
 */
async function exchange(url: string, parts: string[], opts: { everyMs?: number; drip?: string } = {}): Promise<RawAnswer> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (d) => chunks.push(d));
  socket.on('error', () => undefined);
  const started = performance.now();
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - started)));
  const queue = [...parts];
  socket.write(queue.shift()!);
  const sender = setInterval(() => {
    if (!socket.writable) return;
    const next = queue.shift() ?? opts.drip;
    if (next !== undefined) socket.write(next);
  }, opts.everyMs ?? 50);
  let timer: NodeJS.Timeout | undefined;
  const closedAfterMs = await Promise.race([
    closed,
    new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error('the server kept the connection open for 10 s')), 10_000))),
  ]).finally(() => {
    clearInterval(sender);
    clearTimeout(timer);
    socket.destroy();
  });
  const text = Buffer.concat(chunks).toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1]), headers, body: text.slice(split + 4), closedAfterMs };
}

/** Our error shape, with the headers every answer carries, and a body whose length is announced. */
function expectOurError(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(JSON.parse(answer.body)).toEqual({ error: { code, message: expect.any(String) } });
  expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
  expect(answer.headers).toMatchObject({
    'content-type': 'application/json; charset=utf-8',
    connection: 'close',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': expect.stringContaining("default-src 'none'"),
  });
}

describe('client errors answer {error:{code,message}} and close the connection', () => {
  it('a body that trickles in past the request timeout: 408 request_timeout', async () => {
    server = await startTestServer({ requestTimeoutMs: 1000 });
    const answer = await exchange(
      server.url,
      ['POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{'],
      { everyMs: 100, drip: ' ' },
    );
    expect(answer.closedAfterMs).toBeGreaterThanOrEqual(950);
    expectOurError(answer, 408, 'request_timeout');
    expect(JSON.parse(answer.body).error.message).toMatch(/took too long/);
  });

  it('headers that never end: 408 request_timeout too', async () => {
    server = await startTestServer({ requestTimeoutMs: 1000 });
    const answer = await exchange(server.url, ['GET /healthz HTTP/1.1\r\nHost: x\r\n'], { everyMs: 100, drip: 'X-Slow: 1\r\n' });
    expectOurError(answer, 408, 'request_timeout');
  });

  it('headers over the size limit: 431 too_large', async () => {
    server = await startTestServer();
    const answer = await exchange(server.url, [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`]);
    expectOurError(answer, 431, 'too_large');
    expect(JSON.parse(answer.body).error.message).toBe('the request headers are too large');
  });

  it('bytes that are not HTTP: 400 validation', async () => {
    server = await startTestServer();
    const answer = await exchange(server.url, ['HELLO THERE\r\n\r\n']);
    expectOurError(answer, 400, 'validation');
    expect(JSON.parse(answer.body).error.message).toBe('the request is not valid HTTP');
  });

  it('a malformed request after an answered one on a kept-alive connection gets our 400 after the first answer', async () => {
    server = await startTestServer();
    const answer = await exchange(server.url, ['GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n']);
    // The first answer is whole; ours follows it.
    expect(answer.status).toBe(200);
    const second = answer.body.slice(answer.body.indexOf('HTTP/1.1 400 '));
    expect(second).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4))).toEqual({
      error: { code: 'validation', message: 'the request is not valid HTTP' },
    });
  });
});
