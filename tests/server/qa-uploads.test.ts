// Uploads that are not one well-formed file, files gone from the disk, and long file names.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const BOUNDARY = 'parley-test-boundary';
const ONE_FILE = 'an upload must be one file in a form field named "file", and nothing else';
const NOT_MULTIPART = 'the upload is not a valid multipart/form-data body';

let server: TestServer;
let operator: ParleyClient;
let project: { id: number; widgetKey: string };
let visitor: { peer: Peer; token: string; dialogId: number };

beforeEach(async () => {
  server = await startTestServer({ env: { PARLEY_UPLOAD_MAX_BYTES: String(1024 * 1024) }, rateLimits: { login: 1000 } });
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

afterEach(async () => {
  await visitor.peer.close();
  await server.close();
});

/** Both upload endpoints, each with the credentials it takes. */
const ROUTES = {
  operator: () => ({
    url: `${server.url}/api/v1/projects/${project.id}/dialogs/${visitor.dialogId}/attachments`,
    headers: { authorization: `Bearer ${operator.token}` },
  }),
  widget: () => ({
    url: `${server.url}/widget/uploads?key=${project.widgetKey}`,
    headers: { origin: ORIGIN, 'x-parley-visitor': visitor.token },
  }),
};

/** A multipart body written by hand: parts as given, closed unless `open`. */
function multipart(parts: Array<{ field: string; filename?: string; data: string | Buffer }>, opts: { open?: boolean } = {}) {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const file = part.filename === undefined ? '' : `; filename="${part.filename}"\r\nContent-Type: application/octet-stream`;
    chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.field}"${file}\r\n\r\n`), Buffer.from(part.data), Buffer.from('\r\n'));
  }
  if (!opts.open) chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

/** The attachments' files on disk. */
const storedFiles = async () => readdir(join(server.dataDir, 'uploads')).catch(() => [] as string[]);

describe.each(Object.keys(ROUTES) as Array<keyof typeof ROUTES>)('the %s upload', (route) => {
  // One connection for every request of a test: a refused body left unread would hold it, and
  // the good upload after the bad ones would never get through.
  let dispatcher: Agent;
  beforeEach(() => {
    dispatcher = new Agent({ connections: 1 });
  });
  afterEach(() => dispatcher.close());

  async function upload(body: Buffer, contentType = `multipart/form-data; boundary=${BOUNDARY}`) {
    const { url, headers } = ROUTES[route]();
    const res = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': contentType }, body, dispatcher } as RequestInit);
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string }; name?: string } };
  }

  const refused = (message: string) => ({ status: 400, body: { error: { code: 'validation', message } } });

  it('refuses a body that is not valid multipart/form-data with a 400 that says so', async () => {
    const file = { field: 'file', filename: 'a.txt', data: 'hello' };
    expect(await upload(multipart([file]), 'multipart/form-data')).toEqual(refused(NOT_MULTIPART));
    expect(await upload(multipart([file], { open: true }))).toEqual(refused(NOT_MULTIPART));
    expect(await upload(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhel`))).toEqual(
      refused(NOT_MULTIPART),
    );
    expect(await storedFiles()).toEqual([]);
    expect(await upload(multipart([file]))).toMatchObject({ status: 201, body: { name: 'a.txt' } });
  });

  it('refuses anything but one file in the field "file", storing nothing', async () => {
    const file = { field: 'file', filename: 'a.txt', data: 'hello' };
    expect(await upload(multipart([file, { field: 'file', filename: 'b.txt', data: 'world' }]))).toEqual(refused(ONE_FILE));
    expect(await upload(multipart([{ ...file, field: 'upload' }]))).toEqual(refused(ONE_FILE));
    // Refused at its first bytes: the rest, more than the connection buffers, is still on its way.
    expect(await upload(multipart([{ ...file, field: 'upload', data: Buffer.alloc(900 * 1024, 1) }]))).toEqual(refused(ONE_FILE));
    expect(await upload(multipart([{ field: 'note', data: 'see the file' }, file]))).toEqual(refused(ONE_FILE));
    expect(await upload(multipart([file, { field: 'note', data: 'see the file' }]))).toEqual(refused(ONE_FILE));
    expect(await upload(multipart([{ field: 'file', data: 'text, not a file' }]))).toEqual(refused(ONE_FILE));
    const fields = Array.from({ length: 7 }, (_, i) => ({ field: `f${i}`, data: 'x' }));
    expect(await upload(multipart([...fields, file]))).toEqual(refused(ONE_FILE));
    expect(await upload(multipart([]))).toEqual(refused('the form has no file'));
    expect(await storedFiles()).toEqual([]);
    expect(await upload(multipart([file]))).toMatchObject({ status: 201, body: { name: 'a.txt' } });
    expect(await storedFiles()).toHaveLength(1);
  });
});

describe('a file missing on disk', () => {
  const GONE = { error: { code: 'not_found', message: 'the file is gone from the server' } };

  it('answers 404 for an attachment, and serves the others whole', async () => {
    const upload = (bytes: Buffer, name: string) => operator.uploadAttachment(project.id, visitor.dialogId, { name, data: bytes });
    const lost = await upload(PNG, 'lost.png');
    // Large enough to take many reads from the disk.
    const big = Buffer.alloc(1024 * 1024, 0).map((_, i) => (i * 7919) % 251);
    const kept = await upload(big, 'kept.bin');
    await rm(join(server.dataDir, 'uploads', await fileOf(lost.id)));
    const res = await fetch(`${server.url}${lost.url}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(GONE);
    const whole = await fetch(`${server.url}${kept.url}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(big.length));
    expect(Buffer.from(await whole.arrayBuffer()).equals(big)).toBe(true);
  });

  it('answers 404 for an avatar', async () => {
    const user = await operator.setAvatar(PNG);
    const shown = await fetch(`${server.url}${user.avatarUrl}`);
    expect(shown.status).toBe(200);
    expect(Buffer.from(await shown.arrayBuffer())).toEqual(PNG);
    for (const file of await readdir(join(server.dataDir, 'avatars'))) await rm(join(server.dataDir, 'avatars', file));
    const res = await fetch(`${server.url}${user.avatarUrl}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(GONE);
  });
});

/** The name on disk of an attachment. */
async function fileOf(id: number): Promise<string> {
  const row = await server.app.db.get<{ file: string }>('SELECT file FROM attachments WHERE id = ?', [id]);
  return row!.file;
}

describe('long file names', () => {
  const upload = (name: string, data = Buffer.from(`contents of ${name}`)) =>
    operator.uploadAttachment(project.id, visitor.dialogId, { name, data });

  it('keeps up to 200 characters, never cutting one in half', async () => {
    const emoji = `${'n'.repeat(198)}😀`;
    expect((await upload(emoji)).name).toBe(emoji);
    // 200 characters, 201 UTF-16 units: the old cut left half the emoji, which no URL can hold.
    const edge = `${'n'.repeat(199)}😀`;
    expect((await upload(edge)).name).toBe(edge);
    expect((await upload(`${edge}and more`)).name).toBe(edge);
    expect((await upload('😀'.repeat(250))).name).toBe('😀'.repeat(200));
  });

  // Needs the server's maxParamLength raised (Fastify's default refuses a URL part over 100
  // characters with "a part of the URL is too long").
  it('serves a file by the URL of its long name', async () => {
    for (const name of [`${'x'.repeat(146)}.txt`, `${'n'.repeat(198)}😀`, '😀'.repeat(200)]) {
      const data = Buffer.from(`contents of ${name}`);
      const att = await upload(name, data);
      expect(att.name).toBe(name);
      const res = await fetch(`${server.url}${att.url}`);
      expect(res.status, name).toBe(200);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(data);
      expect(res.headers.get('content-disposition')).toContain(`filename*=UTF-8''${encodeURIComponent(name)}`);
    }
  });
});
