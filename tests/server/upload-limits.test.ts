// Uploads that would fill the disk or the memory: files no message carries are removed an hour
// on (also across a restart, and never one a send is about to carry), a visitor's widget uploads
// have a daily byte budget, and an upload streams to a temporary file instead of into memory.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import { UPLOAD_RULES } from '../../server/services/attachments.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const MB = 1024 * 1024;
const MINUTE = 60_000;

interface Uploaded {
  id: number;
  url: string;
  mime: string;
  size: number;
}

let clock: ManualClock;
let dataDir: string;
let server: TestServer;
let operator: ParleyClient;
let project: { id: number; widgetKey: string };
let visitor: { peer: Peer; token: string; dialogId: number };
const peers: Peer[] = [];

async function start() {
  server = await startTestServer({ clock, dataDir, rateLimits: { login: 1000 } });
}

beforeEach(async () => {
  clock = new ManualClock();
  dataDir = await tempDir();
  await start();
  const { client: admin } = await signedInAdmin(server);
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(p.id, { email: 'oli@example.com', firstName: 'Oli', lastName: 'Op', operator: true });
  operator = await signIn(server.url, 'oli@example.com', passwordFrom(await outbox.waitFor((m) => m.to === 'oli@example.com')), NEW_PASSWORD);
  outbox.close();
  const hello = await visitorHello(server.url, p.widgetKey, ORIGIN);
  peers.push(hello.peer);
  hello.peer.send({ type: 'message.send', clientId: 'v1', body: 'hi' });
  await hello.peer.next((f) => f.type === 'message.stored');
  const list = await operator.listDialogs(p.id);
  visitor = { peer: hello.peer, token: hello.welcome.token, dialogId: list.dialogs[0].id };
});

afterEach(async () => {
  for (const peer of peers.splice(0)) await peer.close();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

function form(bytes: Buffer, name: string): FormData {
  const fd = new FormData();
  fd.append('file', new Blob([bytes]), name);
  return fd;
}

const widgetUpload = (bytes: Buffer, name = 'file.bin', token = visitor.token) =>
  fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
    method: 'POST',
    headers: { origin: ORIGIN, 'x-parley-visitor': token },
    body: form(bytes, name),
  });

async function uploaded(res: Response): Promise<Uploaded> {
  expect(res.status).toBe(201);
  return (await res.json()) as Uploaded;
}

const operatorUpload = (bytes: Buffer, name: string) =>
  operator.uploadAttachment(project.id, visitor.dialogId, { name, data: bytes }) as Promise<Uploaded>;

/** Sends a visitor message carrying `ids`; the stored message, or the error frame. */
async function visitorSends(clientId: string, ids: number[]) {
  visitor.peer.send({ type: 'message.send', clientId, body: '', attachmentIds: ids });
  return visitor.peer.next((f) => (f.type === 'message.stored' || f.type === 'error') && (f.clientId ?? f.ref) === clientId);
}

const served = async (att: Uploaded) => (await fetch(`${server.url}${att.url}`)).status;
const filesIn = async (dir: string) => readdir(join(server.dataDir, dir)).catch(() => [] as string[]);
const sweep = () => server.app.services.attachments.sweep();

describe('files no message carries', () => {
  it('are removed an hour after their upload, rows and files; those messages carry stay', async () => {
    const sent = await uploaded(await widgetUpload(PNG, 'sent.png'));
    const dropped = await uploaded(await widgetUpload(PNG, 'dropped.png'));
    const opSent = await operatorUpload(Buffer.from('%PDF-1.4 price list'), 'prices.pdf');
    const opDropped = await operatorUpload(Buffer.from('draft'), 'draft.txt');
    expect((await visitorSends('with-file', [sent.id])).type).toBe('message.stored');
    await operator.request('POST', `/api/v1/projects/${project.id}/dialogs/${visitor.dialogId}/messages`, {
      clientId: 'o1',
      body: 'Here',
      attachmentIds: [opSent.id],
    });
    expect(await filesIn('uploads')).toHaveLength(4);

    clock.advance(UPLOAD_RULES.unusedTtlMs - MINUTE);
    expect(await sweep()).toBe(0);
    expect(await served(dropped)).toBe(200);

    clock.advance(2 * MINUTE);
    expect(await sweep()).toBe(2);
    for (const gone of [dropped, opDropped]) expect(await served(gone)).toBe(404);
    const rows = await server.app.db.all<{ id: number }>('SELECT id FROM attachments ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual([sent.id, opSent.id]);
    expect(await filesIn('uploads')).toHaveLength(2);

    // Kept for good: the dialog shows them.
    clock.advance(30 * 24 * 3600_000);
    expect(await sweep()).toBe(0);
    for (const kept of [sent, opSent]) expect(await served(kept)).toBe(200);
  });

  it('a send that asked for a file keeps it from the sweep until the message is stored', async () => {
    const late = await uploaded(await widgetUpload(PNG, 'late.png'));
    clock.advance(UPLOAD_RULES.unusedTtlMs - MINUTE);
    // What a send does first: it takes the files it will carry, then stores the message in a
    // later write. The sweep may run in between, after the file's hour is over.
    const visitorId = (await server.app.db.get<{ visitor_id: number }>('SELECT visitor_id FROM attachments WHERE id = ?', [late.id]))!.visitor_id;
    await server.app.services.attachments.forMessage(visitorId, [late.id]);
    clock.advance(2 * MINUTE);
    expect(await sweep()).toBe(0);
    expect(await served(late)).toBe(200);
    // The message carries it now, whenever the sweep looks again.
    expect((await visitorSends('late', [late.id])).type).toBe('message.stored');
    clock.advance(UPLOAD_RULES.unusedTtlMs + MINUTE);
    expect(await sweep()).toBe(0);
    expect(await served(late)).toBe(200);
  });

  it('a send after the sweep took its file is refused (not_found), never stored without it', async () => {
    const gone = await uploaded(await widgetUpload(PNG, 'gone.png'));
    clock.advance(UPLOAD_RULES.unusedTtlMs + MINUTE);
    expect(await sweep()).toBe(1);
    expect(await visitorSends('too-late', [gone.id])).toMatchObject({ type: 'error', code: 'not_found' });
    expect(await server.app.db.get('SELECT id FROM messages WHERE client_id = ?', ['too-late'])).toBeUndefined();
  });

  it('are removed as the server starts when their hour ran out while it was down, with uploads a crash cut off', async () => {
    const dropped = await uploaded(await widgetUpload(PNG, 'dropped.png'));
    const sent = await uploaded(await widgetUpload(PNG, 'sent.png'));
    expect((await visitorSends('sent', [sent.id])).type).toBe('message.stored');
    await visitor.peer.close();
    await server.close();
    // Half an upload, as a crash leaves it.
    await mkdir(join(dataDir, 'incoming'), { recursive: true });
    await writeFile(join(dataDir, 'incoming', 'cut-off'), randomBytes(1000));

    clock.advance(UPLOAD_RULES.unusedTtlMs + MINUTE);
    await start();
    expect(await served(dropped)).toBe(404);
    expect(await served(sent)).toBe(200);
    expect(await filesIn('uploads')).toHaveLength(1);
    expect(await filesIn('incoming')).toEqual([]);
  });
});

describe("a visitor's upload budget", () => {
  const BIG = Buffer.alloc(10 * MB, 7);

  it('allows 100 MB a day, refuses more with 429, Retry-After and the CORS headers, and gives nothing back when files are removed', async () => {
    // In parallel, as a script would: the write that stores each file checks the budget.
    const statuses = await Promise.all(Array.from({ length: 12 }, async () => (await widgetUpload(BIG)).status));
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(await filesIn('uploads')).toHaveLength(10);
    expect(await filesIn('incoming')).toEqual([]);

    const refused = await widgetUpload(Buffer.from('one byte more'));
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe(String(24 * 3600));
    expect(refused.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(refused.headers.get('access-control-expose-headers')).toBe('retry-after');
    expect(await refused.json()).toEqual({
      error: { code: 'rate_limited', message: 'a visitor may upload 100 MB of files a day; retry in 86400 s' },
    });

    // Another visitor has a budget of their own; operators have none.
    const other = await visitorHello(server.url, project.widgetKey, ORIGIN);
    peers.push(other.peer);
    await uploaded(await widgetUpload(PNG, 'mine.png', other.welcome.token));
    await operatorUpload(BIG, 'big.bin');

    // The unused files are removed, and the budget stays spent until the day is over.
    clock.advance(2 * 3600_000);
    expect(await sweep()).toBe(12);
    const still = await widgetUpload(PNG);
    expect(still.status).toBe(429);
    expect(still.headers.get('retry-after')).toBe(String(22 * 3600));
    clock.advance(22 * 3600_000);
    await uploaded(await widgetUpload(PNG));
  });
});

describe('an upload on its way', () => {
  const BOUNDARY = 'parley-stream-test';

  /** A widget upload whose body the test writes piece by piece. */
  function streamedUpload() {
    const url = new URL(`${server.url}/widget/uploads?key=${project.widgetKey}`);
    const req = httpRequest(url, {
      method: 'POST',
      headers: {
        origin: ORIGIN,
        'x-parley-visitor': visitor.token,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'transfer-encoding': 'chunked',
      },
    });
    const answer = new Promise<{ status: number; body: Record<string, any> }>((resolve, reject) => {
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }));
      });
      req.on('error', reject);
    });
    const write = (data: string | Buffer) => new Promise<void>((resolve) => req.write(data, () => resolve()));
    req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="shot.png"\r\nContent-Type: image/png\r\n\r\n`);
    return { req, answer, write, end: () => req.end(`\r\n--${BOUNDARY}--\r\n`) };
  }

  /** Waits until the server's temporary file of the upload holds at least `bytes`. */
  async function onDisk(bytes: number): Promise<void> {
    for (;;) {
      const [name] = await filesIn('incoming');
      const size = name ? (await stat(join(server.dataDir, 'incoming', name)).catch(() => null))?.size ?? 0 : 0;
      if (size >= bytes) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('is written to a temporary file as it arrives, and typed by its first bytes', async () => {
    const upload = streamedUpload();
    // The PNG signature in pieces: the type is told from the first bytes, however they arrive.
    for (const byte of PNG.subarray(0, 8)) await upload.write(Buffer.from([byte]));
    await upload.write(Buffer.alloc(4 * MB, 1));
    await onDisk(3 * MB);
    expect(await filesIn('uploads')).toEqual([]);
    upload.end();
    const { status, body } = await upload.answer;
    expect(status).toBe(201);
    expect(body).toMatchObject({ mime: 'image/png', name: 'shot.png', size: 8 + 4 * MB });
    expect(await filesIn('incoming')).toEqual([]);
    expect(await filesIn('uploads')).toHaveLength(1);
  });

  it('leaves nothing behind when the client goes away, or the file passes the limit', async () => {
    const cut = streamedUpload();
    await cut.write(Buffer.alloc(2 * MB, 1));
    await onDisk(MB);
    cut.req.destroy();
    await expect(cut.answer).rejects.toThrow();
    while ((await filesIn('incoming')).length > 0) await new Promise((resolve) => setImmediate(resolve));

    const big = await widgetUpload(Buffer.alloc(10 * MB + 1, 1));
    expect(big.status).toBe(413);
    expect(await filesIn('incoming')).toEqual([]);
    expect(await filesIn('uploads')).toEqual([]);
    await uploaded(await widgetUpload(PNG));
  });
});
