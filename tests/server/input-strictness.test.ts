// Findings of the API's bad-input review: a body says what it means or is refused (no field
// dropped, no type coerced); text that is not Unicode (half of a surrogate pair) is refused on
// REST and on both sockets; a flood of a visitor's typing signals is not passed on; a widget
// socket gone while its hello was answered is not left registered; an error answer is JSON even
// where the route had set another type.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import { connectOperator, connectVisitor, type Peer, visitorHello, visitorWrites } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';

let server: TestServer;
let clock: ManualClock;
let admin: ParleyClient;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 10, 2, 10));
  server = await startTestServer({ clock });
  ({ client: admin } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
});

/** A raw JSON request as the admin: status and parsed answer. */
async function send(method: string, path: string, text: string) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
    body: text,
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } & Record<string, unknown> };
}

const site = () => ({ url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId: project.id, admin, peers });

describe('REST bodies are taken as written', () => {
  it('an unknown field is refused by name, and nothing changes (a misspelled dry run deleted templates)', async () => {
    for (const name of ['greeting', 'delivery', 'returns']) await admin.request('POST', `/api/v1/projects/${project.id}/templates`, { name, text: `About ${name}` });
    const res = await send(
      'POST',
      `/projects/${project.id}/templates/import`,
      JSON.stringify({ templates: [{ name: 'only-one', text: 'x' }], replace: true, dry_run: true }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'validation', message: 'invalid request: body has no field "dry_run"' });
    const names = (await admin.templates(project.id)).templates.map((t) => t.name);
    expect(names.sort()).toEqual(['delivery', 'greeting', 'returns']);

    const nested = await send('PATCH', `/projects/${project.id}`, JSON.stringify({ widget: { colr: '#ff0000' } }));
    expect(nested.status).toBe(400);
    expect(nested.body.error!.message).toBe('invalid request: body/widget has no field "colr"');
  });

  it('a value of the wrong type is refused, not turned into another (null took a role, 123 became a name)', async () => {
    const before = await admin.me();
    for (const body of [{ firstName: 123 }, { firstName: ['Oscar'] }, { firstName: true }]) {
      const res = await send('PATCH', '/me', JSON.stringify(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toEqual({ code: 'validation', message: 'invalid request: body/firstName must be string' });
    }
    expect((await admin.me()).firstName).toBe(before.firstName);

    const status = await send('PUT', `/projects/${project.id}/status`, JSON.stringify({ online: null }));
    expect(status.status).toBe(400);
    expect(status.body.error!.code).toBe('validation');
  });

  it('the URL still carries numbers as text: a query limit and a path id work', async () => {
    const { dialogId } = await visitorWrites(site(), 'Hello');
    await visitorWrites(site(), 'Hello again');
    const views = ['mine', 'shared', 'archive'].map((view) => `/api/v1/projects/${project.id}/dialogs?view=${view}&limit=1`);
    const pages = await Promise.all(views.map((path) => admin.request<{ dialogs: unknown[] }>('GET', path)));
    expect(pages.map((p) => p.dialogs.length)).toContain(1);
    expect(pages.every((p) => p.dialogs.length <= 1)).toBe(true);
    const { dialog } = await admin.request<{ dialog: { id: number } }>('GET', `/api/v1/projects/${project.id}/dialogs/${dialogId}`);
    expect(dialog.id).toBe(dialogId);
  });
});

describe('text that is not Unicode', () => {
  const LONE = '"lone \\ud800 half"';

  it('is refused on REST, naming where; a pair written as escapes is fine', async () => {
    const bad = await send('POST', `/projects/${project.id}/groups`, `{"name":${LONE}}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual({ code: 'validation', message: 'body/name is not valid Unicode text (it holds half of a surrogate pair)' });
    const good = await send('POST', `/projects/${project.id}/groups`, '{"name":"smile \\ud83d\\ude00"}');
    expect(good.status).toBe(201);
    const groups = await admin.request<Array<{ name: string }>>('GET', `/api/v1/projects/${project.id}/groups`);
    expect(groups.map((g) => g.name)).toEqual(['smile 😀']);
  });

  it('is refused on the widget socket and the operator socket, with the clientId, and nothing is stored', async () => {
    const { peer: visitor, dialogId } = await visitorWrites(site(), 'First');
    visitor.send(`{"type":"message.send","clientId":"v-lone","body":${LONE}}`);
    const refused = await visitor.next((f) => f.type === 'error');
    expect(refused).toMatchObject({ code: 'validation', ref: 'v-lone', message: 'frame/body is not valid Unicode text (it holds half of a surrogate pair)' });

    const op = await connectOperator(server.url, admin.token!, project.id);
    peers.push(op);
    op.send(`{"type":"message.send","dialogId":${dialogId},"clientId":"o-lone","body":${LONE}}`);
    expect(await op.next((f) => f.type === 'error')).toMatchObject({ code: 'validation', ref: 'o-lone' });

    const { messages } = await admin.getDialog(project.id, dialogId);
    expect(messages.map((m) => m.body)).toEqual(['First']);
  });
});

describe('the widget socket', () => {
  it("a visitor's typing reaches operators in a burst of five, then once a second, however often it is sent", async () => {
    const { peer: visitor } = await visitorWrites(site(), 'Hi');
    const op = await connectOperator(server.url, admin.token!, project.id);
    peers.push(op);
    const typed = async (times: number) => {
      for (let i = 0; i < times; i++) visitor.send({ type: 'typing' });
      // Frames are handled in order: the pong comes after every typing frame was.
      visitor.send({ type: 'ping' });
      await visitor.next((f) => f.type === 'pong');
      op.send({ type: 'ping' });
      await op.next((f) => f.type === 'pong');
      return op.frames.filter((f) => f.type === 'typing').length;
    };
    expect(await typed(50)).toBe(5);
    clock.advance(999);
    expect(await typed(5)).toBe(5);
    clock.advance(1);
    expect(await typed(5)).toBe(6);
    clock.advance(60_000);
    expect(await typed(50)).toBe(11);
  });

  it('a socket that closes while its hello is answered is not left registered (its visitor is not "online" for good)', async () => {
    const dialogs = server.app.services.dialogs;
    const hello = dialogs.visitorHello;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let asked!: () => void;
    const reached = new Promise<void>((resolve) => (asked = resolve));
    dialogs.visitorHello = async (...args: Parameters<typeof hello>) => {
      asked();
      await held;
      return hello(...args);
    };
    const sockets = server.app.websocketServer.clients;
    const peer = await connectVisitor(server.url, project.widgetKey, ORIGIN);
    peer.send({ type: 'hello' });
    await reached;
    peer.ws.terminate();
    await expect.poll(() => sockets.size).toBe(0);
    release();
    dialogs.visitorHello = hello;

    // A visitor after it is answered; by then the first hello's answer has long run its course.
    const { peer: next } = await visitorHello(server.url, project.widgetKey, ORIGIN);
    peers.push(next);
    expect(server.app.hub.counts().visitors).toBe(1);
  });
});

describe('error answers', () => {
  it("say what is wrong: a body's type (415), a prototype key, a plain GET of a socket's address (426), a URL part too long", async () => {
    const asText = await fetch(`${server.url}/api/v1/me`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ firstName: 'Ann' }),
    });
    expect(asText.status).toBe(415);
    expect(await asText.json()).toEqual({
      error: {
        code: 'unsupported_media_type',
        message: 'a body of type text/plain is not taken here: send JSON (application/json), or a file as multipart/form-data where a route takes one',
      },
    });

    const proto = await send('PATCH', '/me', '{"__proto__":{"admin":true}}');
    expect(proto.status).toBe(400);
    expect(proto.body.error).toEqual({ code: 'validation', message: 'the request body is not valid JSON (or holds a "__proto__" key)' });

    for (const path of [`/ws/visitor?key=${project.widgetKey}`, `/ws/operator?project=${project.id}`]) {
      const plain = await fetch(`${server.url}${path}`, { headers: { origin: ORIGIN, authorization: `Bearer ${admin.token}` } });
      expect(plain.status, path).toBe(426);
      expect(plain.headers.get('upgrade')).toBe('websocket');
      expect(((await plain.json()) as { error: { message: string } }).error.message).toBe(
        `${path.split('?')[0]} takes a WebSocket connection (a GET with Upgrade: websocket)`,
      );
    }

    const long = await fetch(`${server.url}/api/v1/projects/${project.id}/groups/${'g'.repeat(2501)}`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(long.status).toBe(400);
    expect(await long.json()).toEqual({ error: { code: 'validation', message: 'a part of the URL is too long' } });
  });

  it('a file gone from the disk: the error is JSON, not sent as the file type', async () => {
    const { peer: visitor, dialogId, welcome } = await visitorWrites(site(), 'A photo');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a5f20000000049454e44ae426082', 'hex');
    const form = new FormData();
    form.append('file', new Blob([png], { type: 'image/png' }), 'pic.png');
    const up = await fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'x-parley-visitor': welcome.token },
      body: form,
    });
    expect(up.status).toBe(201);
    const { id, url } = (await up.json()) as { id: number; url: string };
    visitor.send({ type: 'message.send', clientId: 'with-file', body: '', attachmentIds: [id] });
    await visitor.next((f) => f.type === 'message.stored');
    expect((await admin.getDialog(project.id, dialogId)).messages).toHaveLength(2);
    await rm(join(server.dataDir, 'uploads'), { recursive: true, force: true });
    const res = await fetch(`${server.url}${url}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toBeNull();
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(Object.keys(body)).toEqual(['error']);
  });
});
