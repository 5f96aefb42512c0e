// Files in dialogs: upload limits, typing by bytes, safe names, who can read them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const HTML = Buffer.from('<html><script>alert(1)</script></html>');

let server: TestServer;
let operator: ParleyClient;
let project: { id: number; widgetKey: string };
let visitor: { peer: Peer; token: string; dialogId: number };

function form(bytes: Buffer, name: string, type = 'application/octet-stream'): FormData {
  const fd = new FormData();
  fd.append('file', new Blob([bytes], { type }), name);
  return fd;
}

async function widgetUpload(bytes: Buffer, name: string, opts: { origin?: string; token?: string } = {}) {
  return fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
    method: 'POST',
    headers: { origin: opts.origin ?? ORIGIN, 'x-parley-visitor': opts.token ?? visitor.token },
    body: form(bytes, name),
  });
}

async function operatorUpload(bytes: Buffer, name: string, dialogId = visitor.dialogId) {
  return fetch(`${server.url}/api/v1/projects/${project.id}/dialogs/${dialogId}/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operator.token}` },
    body: form(bytes, name),
  });
}

beforeEach(async () => {
  server = await startTestServer({ env: { PARLEY_UPLOAD_MAX_BYTES: String(1024 * 1024) }, rateLimits: { login: 1000 } });
  const { client: admin } = await signedInAdmin(server);
  const p = await admin.createProject('Shop');
  await admin.request('PATCH', `/api/v1/projects/${p.id}`, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(p.id, { email: 'oli@example.com', firstName: 'Oli', lastName: 'Op', operator: true });
  operator = await signIn(server.url, 'oli@example.com', passwordFrom(await outbox.waitFor((m) => m.to === 'oli@example.com')), NEW_PASSWORD);
  outbox.close();
  const hello = await visitorHello(server.url, p.widgetKey, ORIGIN);
  hello.peer.send({ type: 'message.send', clientId: 'v1', body: 'hi' });
  await hello.peer.next((f) => f.type === 'message.stored');
  const list = await operator.request<{ dialogs: Array<{ id: number }> }>('GET', `/api/v1/projects/${p.id}/dialogs`);
  visitor = { peer: hello.peer, token: hello.welcome.token, dialogId: list.dialogs[0].id };
});

afterEach(async () => {
  await visitor.peer.close();
  await server.close();
});

describe('attachments', () => {
  it('a visitor uploads an image, sends it, and the operator gets a readable URL', async () => {
    const res = await widgetUpload(PNG, 'photo.png');
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    // The site's script may read Retry-After, to wait out a refusal for now as the server says.
    expect(res.headers.get('access-control-expose-headers')).toBe('retry-after');
    const att = (await res.json()) as { id: number; mime: string; url: string; name: string };
    expect(att).toMatchObject({ mime: 'image/png', name: 'photo.png', size: PNG.length });
    visitor.peer.send({ type: 'message.send', clientId: 'v2', body: '', attachmentIds: [att.id] });
    const stored = await visitor.peer.next((f) => f.type === 'message.stored' && f.clientId === 'v2');
    expect(stored.message.attachments).toEqual([att]);
    const file = await fetch(`${server.url}${att.url}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await file.arrayBuffer())).toEqual(PNG);
  });

  it('an operator attaches a file to a reply; the widget receives it', async () => {
    const res = await operatorUpload(Buffer.from('%PDF-1.4 tiny'), 'price list.pdf');
    expect(res.status).toBe(201);
    const att = (await res.json()) as { id: number; url: string };
    const sent = await operator.request<{ id: number; attachments: unknown[] }>(
      'POST',
      `/api/v1/projects/${project.id}/dialogs/${visitor.dialogId}/messages`,
      { clientId: 'o1', body: 'Here you go', attachmentIds: [att.id] },
    );
    expect(sent.attachments).toHaveLength(1);
    const pushed = await visitor.peer.next((f) => f.type === 'message' && f.message.id === sent.id);
    expect(pushed.message.attachments[0]).toMatchObject({ mime: 'application/pdf', name: 'price list.pdf' });
    const file = await fetch(`${server.url}${att.url}`);
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="price list.pdf"/);
  });

  it('refuses a file over the limit (413) and an empty file (400)', async () => {
    expect((await widgetUpload(Buffer.alloc(1024 * 1024 + 1, 7), 'big.bin')).status).toBe(413);
    const empty = await widgetUpload(Buffer.alloc(0), 'empty.txt');
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { code: string } }).error.code).toBe('validation');
  });

  it('types files by their bytes: HTML named .png is an opaque download, never an image or a page', async () => {
    const res = await widgetUpload(HTML, 'cute-cat.png');
    const att = (await res.json()) as { mime: string; url: string };
    expect(att.mime).toBe('application/octet-stream');
    const file = await fetch(`${server.url}${att.url}`);
    expect(file.headers.get('content-type')).toBe('application/octet-stream');
    expect(file.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('strips paths and control characters from names', async () => {
    // Browsers percent-encode quotes, CR and LF in multipart file names; other control characters pass.
    const att = (await (await widgetUpload(Buffer.from('data'), '../../etc/pass\r\nwd\u0007.txt')).json()) as { name: string; url: string };
    expect(att.name).toBe('passwd.txt');
    const quoted = (await (await widgetUpload(Buffer.from('data'), 'invoice "final" 100%.txt')).json()) as { name: string };
    expect(quoted.name).toBe('invoice final 100%.txt');
    const file = await fetch(`${server.url}${att.url}`);
    expect(file.headers.get('content-disposition')).not.toMatch(/[\r\n]/);
  });

  it('refuses other origins, unknown visitors, and files of another visitor in a message', async () => {
    expect((await widgetUpload(PNG, 'a.png', { origin: 'https://evil.example' })).status).toBe(403);
    expect((await widgetUpload(PNG, 'a.png', { token: 'pvt_nope' })).status).toBe(401);
    const mine = (await (await widgetUpload(PNG, 'a.png')).json()) as { id: number };
    const other = await visitorHello(server.url, project.widgetKey, ORIGIN);
    other.peer.send({ type: 'message.send', clientId: 'x', body: 'look', attachmentIds: [mine.id] });
    const err = await other.peer.next((f) => f.type === 'error');
    expect(err).toMatchObject({ code: 'not_found', ref: 'x' });
    await other.peer.close();
  });

  it("refuses a visitor's message naming an operator's upload: a note's file, or one not sent yet; its address never reaches the widget", async () => {
    const seen: string[] = [];
    visitor.peer.ws.on('message', (raw) => seen.push(raw.toString()));
    const secret = (await (await operatorUpload(Buffer.from('%PDF-1.4 internal'), 'refund policy.pdf')).json()) as { id: number; url: string };
    const note = await operator.request<{ id: number; private: boolean }>('POST', `/api/v1/projects/${project.id}/dialogs/${visitor.dialogId}/messages`, {
      clientId: 'n1',
      body: 'for the team',
      attachmentIds: [secret.id],
      private: true,
    });
    expect(note.private).toBe(true);
    const unsent = (await (await operatorUpload(PNG, 'draft.png')).json()) as { id: number; url: string };
    const own = (await (await widgetUpload(PNG, 'mine.png')).json()) as { id: number };

    for (const [clientId, ids] of [['t1', [secret.id]], ['t2', [unsent.id]], ['t3', [own.id, unsent.id]]] as const) {
      visitor.peer.send({ type: 'message.send', clientId, body: 'mine now', attachmentIds: [...ids] });
      const err = await visitor.peer.next((f) => f.type === 'error' && f.ref === clientId);
      expect(err).toMatchObject({ code: 'not_found', message: 'an attachment of this message does not exist in this dialog' });
    }
    // The visitor's own file still goes, and nothing of the refused sends was stored.
    visitor.peer.send({ type: 'message.send', clientId: 't4', body: 'mine', attachmentIds: [own.id] });
    await visitor.peer.next((f) => f.type === 'message.stored' && f.clientId === 't4');
    const thread = await operator.request<{ messages: Array<{ clientId: string | null; body: string }> }>(
      'GET',
      `/api/v1/projects/${project.id}/dialogs/${visitor.dialogId}`,
    );
    expect(thread.messages.map((m) => m.body)).toEqual(['hi', 'for the team', 'mine']);
    for (const url of [secret.url, unsent.url]) expect(seen.some((f) => f.includes(url.split('/')[3]))).toBe(false);
    // An operator may still send the unsent file to the visitor: then, and only then, the widget has it.
    const reply = await operator.request<{ id: number }>('POST', `/api/v1/projects/${project.id}/dialogs/${visitor.dialogId}/messages`, {
      clientId: 'o2',
      body: 'the draft',
      attachmentIds: [unsent.id],
    });
    const pushed = await visitor.peer.next((f) => f.type === 'message' && f.message.id === reply.id);
    expect(pushed.message.attachments[0].url).toBe(unsent.url);
  });

  it('keeps files unreadable without the exact URL', async () => {
    const att = (await (await widgetUpload(PNG, 'a.png')).json()) as { id: number; url: string };
    const wrongKey = att.url.replace(/\/files\/(\d+)\/[^/]+\//, '/files/$1/AAAAAAAAAAAAAAAAAAAAAA/');
    expect((await fetch(`${server.url}${wrongKey}`)).status).toBe(404);
  });

  it('with the default limit, refuses 10 MB + 1 byte and accepts 10 MB', async () => {
    const plain = await startTestServer();
    try {
      const { client } = await signedInAdmin(plain);
      const p = await client.createProject('Big files');
      await client.request('PATCH', `/api/v1/projects/${p.id}`, { allowedOrigins: [ORIGIN] });
      const hello = await visitorHello(plain.url, p.widgetKey, ORIGIN);
      const send = (size: number) =>
        fetch(`${plain.url}/widget/uploads?key=${p.widgetKey}`, {
          method: 'POST',
          headers: { origin: ORIGIN, 'x-parley-visitor': hello.welcome.token },
          body: form(Buffer.alloc(size, 1), 'big.bin'),
        });
      expect((await send(10 * 1024 * 1024 + 1)).status).toBe(413);
      expect((await send(10 * 1024 * 1024)).status).toBe(201);
      await hello.peer.close();
    } finally {
      await plain.close();
    }
  });

  it('answers the CORS preflight only for allowed origins', async () => {
    const ok = await fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, { method: 'OPTIONS', headers: { origin: ORIGIN } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/x-parley-visitor/);
    const bad = await fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, { method: 'OPTIONS', headers: { origin: 'null' } });
    expect(bad.status).toBe(403);
    expect(bad.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a rate-limited upload (429) carries the CORS headers, so the widget can read why; other origins get none', async () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    let answer = await widgetUpload(png, 'a.png');
    for (let i = 0; answer.status === 201 && i < 40; i++) answer = await widgetUpload(png, 'a.png');
    expect(answer.status).toBe(429);
    expect(answer.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    const other = await widgetUpload(png, 'a.png', { origin: 'https://evil.example.com' });
    expect(other.status).toBe(429);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
