// A client that goes away mid-request (a visitor cancelling an upload: the browser aborts it; a
// tab closed while a body was on its way) is not a failure of the server: it is logged at info,
// in one line without a stack, never as an error. Checked with real sockets cut mid-body.
import { type AddressInfo, connect } from 'node:net';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import errorsPlugin from '../../server/plugins/errors.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const BOUNDARY = 'parley-s16-boundary';

let server: TestServer;
let operator: ParleyClient;
let project: { id: number; widgetKey: string };
let visitor: { peer: Peer; token: string; dialogId: number };

beforeAll(async () => {
  server = await startTestServer();
  const { client: admin } = await signedInAdmin(server);
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(p.id, { email: 'oli@example.com', firstName: 'Oli', lastName: 'Op', operator: true });
  operator = await signIn(server.url, 'oli@example.com', passwordFrom(await outbox.waitFor((m) => m.to === 'oli@example.com')), NEW_PASSWORD);
  outbox.close();
  const hello = await visitorHello(server.url, p.widgetKey, ORIGIN);
  hello.peer.send({ type: 'message.send', clientId: 'v1', body: 'hi' });
  await hello.peer.next((f) => f.type === 'message.stored');
  const list = await operator.listDialogs(p.id);
  visitor = { peer: hello.peer, token: hello.welcome.token, dialogId: list.dialogs[0].id };
});

afterAll(async () => {
  await visitor?.peer.close();
  await server?.close();
});

const GONE = 'request aborted: the client went away';
type LogLine = { level: number; reqId?: string; msg: string; req?: { url: string }; err?: unknown; [k: string]: unknown };
const logLines = () => server.logs.map((l) => JSON.parse(l) as LogLine);

let requests = 0;
/**
 * Sends a request's headers and the start of its body on a raw socket, waits until the server is
 * reading it (`reading`: a log message of the request), then cuts the connection: `reset` as a
 * browser aborting a fetch does (RST), else a plain close. Returns the request's log lines once
 * the server has dealt with it (no answer reaches a closed connection: Fastify logs no
 * "request completed" then).
 */
async function cutMidBody(opts: {
  path: string;
  headers: Record<string, string>;
  start: Buffer | string;
  reading: string;
  reset: boolean;
}): Promise<LogLine[]> {
  // A query no other request has, to find this one's id in the log.
  const marker = `cut=${++requests}`;
  const url = `${opts.path}${opts.path.includes('?') ? '&' : '?'}${marker}`;
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const head = Object.entries({ host: 'localhost', 'content-length': '1000000', ...opts.headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.write(`POST ${url} HTTP/1.1\r\n${head}\r\n`);
  socket.write(opts.start);
  let reqId: string | undefined;
  await expect
    .poll(() => {
      reqId ??= logLines().find((l) => l.msg === 'incoming request' && l.req?.url.includes(marker))?.reqId;
      return reqId !== undefined && logLines().some((l) => l.reqId === reqId && l.msg === opts.reading);
    })
    .toBe(true);
  if (opts.reset) socket.resetAndDestroy();
  else socket.destroy();
  // Dealt with: logged as gone, or as a failure.
  const outcome = (l: LogLine) => l.reqId === reqId && (l.level >= 40 || l.msg === GONE);
  await expect.poll(() => logLines().some(outcome)).toBe(true);
  return logLines().filter((l) => l.reqId === reqId);
}

/** The start of a multipart body: one file part, its bytes still coming. */
const fileStart = () => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n${'x'.repeat(20_000)}`;
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

function expectLoggedAsGone(lines: LogLine[]) {
  const loud = lines.filter((l) => l.level >= 40);
  expect(loud, JSON.stringify(loud)).toEqual([]);
  const gone = lines.filter((l) => l.msg === GONE);
  expect(gone).toHaveLength(1);
  expect(gone[0].level).toBe(30);
  expect(gone[0].err).toBeUndefined();
  expect(JSON.stringify(gone[0])).not.toMatch(/stack|    at /);
}

describe('a client that goes away mid-request', () => {
  it("a visitor's upload cancelled (the browser resets the connection): info, no stack", async () => {
    const lines = await cutMidBody({
      path: `/widget/uploads?key=${project.widgetKey}`,
      headers: { origin: ORIGIN, 'x-parley-visitor': visitor.token, 'content-type': MULTIPART },
      start: fileStart(),
      reading: 'starting multipart parsing',
      reset: true,
    });
    expectLoggedAsGone(lines);
    // Nothing of it is kept, and the visitor's next upload goes through.
    expect(await readdir(join(server.dataDir, 'incoming')).catch(() => [])).toEqual([]);
    const fd = new FormData();
    fd.append('file', new Blob([Buffer.alloc(100, 7)]), 'small.bin');
    const res = await fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'x-parley-visitor': visitor.token },
      body: fd,
    });
    expect(res.status).toBe(201);
  });

  it("an operator's upload whose connection closes: info, no stack", async () => {
    const lines = await cutMidBody({
      path: `/api/v1/projects/${project.id}/dialogs/${visitor.dialogId}/attachments`,
      headers: { authorization: `Bearer ${operator.token}`, 'content-type': MULTIPART },
      start: fileStart(),
      reading: 'starting multipart parsing',
      reset: false,
    });
    expectLoggedAsGone(lines);
  });

  it('a JSON body cut off: the same', async () => {
    const lines = await cutMidBody({
      path: `/api/v1/projects/${project.id}/templates`,
      headers: { authorization: `Bearer ${operator.token}`, 'content-type': 'application/json' },
      start: `{"name":"greeting","text":"${'x'.repeat(20_000)}`,
      reading: 'incoming request',
      reset: true,
    });
    expectLoggedAsGone(lines);
  });

  it('a connection error of the server while its client is still there stays an error, with its stack', async () => {
    // As a route whose own outgoing connection (SMTP, the Bot API) was reset would fail.
    const logs: string[] = [];
    const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => void logs.push(line) } } });
    await app.register(errorsPlugin);
    app.get('/upstream', async () => {
      throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/upstream`);
      expect(res.status).toBe(500);
      const failed = logs.map((l) => JSON.parse(l) as LogLine).filter((l) => l.msg === 'request failed');
      expect(failed).toHaveLength(1);
      expect(failed[0].level).toBe(50);
      expect(JSON.stringify(failed[0].err)).toContain('stack');
    } finally {
      await app.close();
    }
  });
});
