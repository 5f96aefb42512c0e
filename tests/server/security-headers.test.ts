// Response headers of every kind of answer: nosniff, no framing, a CSP (nothing allowed, or
// the precise one of the demo page, files and avatars), no referrer; CORS only on the widget's
// endpoints and only for a project's allowed origins, never for `null`.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { Attachment } from '../../core/protocol/index.js';
import { STYLE as WIDGET_STYLE } from '../../widget/style.js';
import { expectErrorBody, raw } from '../helpers/accounts-extra.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, signIn, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const NOTHING_ALLOWED = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

let server: TestServer;
let admin: ParleyClient;
let operator: ParleyClient;
let project: { id: number; widgetKey: string };
let visitor: { peer: Peer; token: string };

beforeAll(async () => {
  server = await startTestServer();
  const demo = await server.app.services.admin.ensureDemo();
  project = { id: demo.projectId, widgetKey: demo.widgetKey };
  admin = await signIn(server.url, demo.admin.email, demo.admin.password!, NEW_PASSWORD);
  operator = await signIn(server.url, demo.operator.email, demo.operator.password!, NEW_PASSWORD);
  await admin.updateProject(project.id, { allowedOrigins: [server.url, ORIGIN] });
  await operator.setAvatar(PNG);
  const hello = await visitorHello(server.url, project.widgetKey, ORIGIN);
  visitor = { peer: hello.peer, token: hello.welcome.token };
});

afterAll(async () => {
  await visitor?.peer.close();
  await server?.close();
});

/** The headers every answer carries, whatever it is. */
function expectBaseline(headers: Headers) {
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  expect(headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
}

const corsHeaders = (headers: Headers) => [...headers.keys()].filter((k) => k.startsWith('access-control-'));

/** A Content-Security-Policy header as directive -> sources. */
function parseCsp(header: string | null): Record<string, string[]> {
  return Object.fromEntries(
    (header ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name, sources]),
  );
}

const sha256Source = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('every answer', () => {
  it('JSON answers, errors, 404s and rate limits: nosniff, no framing, a CSP that allows nothing', async () => {
    const answers = await Promise.all([
      raw(server.url, 'GET', '/healthz'),
      raw(server.url, 'GET', '/api/v1/me', { token: operator.token }),
      raw(server.url, 'GET', '/api/v1/me'),
      raw(server.url, 'GET', '/no/such/route'),
      raw(server.url, 'POST', '/api/v1/auth/login', { body: '{"email": 1', contentType: 'application/json' }),
      // A URL the router cannot parse is refused before any hook runs: the headers still go.
      raw(server.url, 'GET', '/%'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 401, 404, 400, 400]);
    for (const a of answers) {
      expectBaseline(a.headers);
      expect(a.headers.get('content-security-policy')).toBe(NOTHING_ALLOWED);
      expect(corsHeaders(a.headers)).toEqual([]);
    }
    expectErrorBody(answers[3], 404, 'not_found');
    expectErrorBody(answers[4], 400, 'validation');
    expectErrorBody(answers[5], 400, 'validation');
  });

  it('the widget script: JavaScript, nosniff, loadable from other origins', async () => {
    const res = await fetch(`${server.url}/widget.js`);
    expect(res.status).toBe(200);
    expectBaseline(res.headers);
    expect(res.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });
});

describe('the demo page', () => {
  it('has a CSP that allows exactly what the widget needs', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expectBaseline(res.headers);
    const html = await res.text();
    const csp = parseCsp(res.headers.get('content-security-policy'));
    const host = new URL(server.url).host;
    const pageStyle = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
    expect(csp).toEqual({
      'default-src': ["'none'"],
      'script-src': ["'self'"],
      'connect-src': ["'self'", `ws://${host}`],
      'img-src': ["'self'"],
      'style-src': [sha256Source(pageStyle), sha256Source(WIDGET_STYLE)],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-ancestors': ["'none'"],
    });
    // No inline script and no style attribute the policy would have to allow.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
  });

  it('echoes only a plain host into connect-src', async () => {
    const { request } = await import('undici');
    const res = await request(`${server.url}/`, { headers: { host: "evil.example; script-src 'unsafe-inline'" } });
    await res.body.dump();
    const csp = parseCsp(String(res.headers['content-security-policy']));
    expect(csp['connect-src']).toEqual(["'self'"]);
    expect(csp['script-src']).toEqual(["'self'"]);
  });
});

describe('files and avatars', () => {
  async function widgetUpload(bytes: Buffer, name: string): Promise<Attachment> {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'text/html' }), name);
    const res = await fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'x-parley-visitor': visitor.token },
      body: form,
    });
    expect(res.status).toBe(201);
    return (await res.json()) as Attachment;
  }

  it('an uploaded page is an inert download: opaque type, attachment, sandboxed CSP, nosniff', async () => {
    const file = await widgetUpload(Buffer.from('<!doctype html><script>alert(document.domain)</script>'), 'page.html');
    const res = await fetch(`${server.url}${file.url}`);
    expect(res.status).toBe(200);
    expectBaseline(res.headers);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="page\.html"/);
    expect(parseCsp(res.headers.get('content-security-policy'))).toMatchObject({ 'default-src': ["'none'"], sandbox: [] });
    expect(corsHeaders(res.headers)).toEqual([]);
  });

  it('an image shows inline, still sandboxed; avatars alike, loadable from other origins', async () => {
    const image = await widgetUpload(PNG, 'photo.png');
    const avatarUrl = (await operator.me()).user.avatarUrl!;
    const [file, avatar] = await Promise.all([fetch(`${server.url}${image.url}`), fetch(`${server.url}${avatarUrl}`)]);
    for (const res of [file, avatar]) {
      expect(res.status).toBe(200);
      expectBaseline(res.headers);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.headers.get('content-disposition')).toMatch(/^inline/);
      expect(parseCsp(res.headers.get('content-security-policy'))).toMatchObject({ 'default-src': ["'none'"], sandbox: [] });
      expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    }
  });
});

describe('CORS', () => {
  const preflight = (path: string, origin: string, headers = 'content-type, x-parley-visitor') =>
    fetch(`${server.url}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers },
    });

  it("the widget's upload endpoint answers an allowed origin, and only it", async () => {
    const ok = await preflight(`/widget/uploads?key=${project.widgetKey}`, ORIGIN);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/x-parley-visitor/);
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    expect(ok.headers.get('vary')).toMatch(/Origin/i);

    for (const origin of ['https://evil.example', 'null', 'https://shop.example.com.evil.example', 'http://shop.example.com']) {
      const res = await preflight(`/widget/uploads?key=${project.widgetKey}`, origin);
      expect(res.status, origin).toBe(403);
      expect(corsHeaders(res.headers), origin).toEqual([]);
      expect(await res.json()).toEqual({ error: { code: 'forbidden', message: `origin ${origin} is not allowed for this project` } });
    }
  });

  it('an error of an allowed request keeps its CORS headers, so the widget can read why', async () => {
    const form = new FormData();
    form.append('file', new Blob([PNG]), 'photo.png');
    const res = await fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'x-parley-visitor': 'pvt_not-a-visitor' },
      body: form,
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });

  it('`null` can never become an allowed origin', async () => {
    const res = await raw(server.url, 'PATCH', `/api/v1/projects/${project.id}`, {
      token: admin.token,
      body: JSON.stringify({ allowedOrigins: ['null'] }),
      contentType: 'application/json',
    });
    expectErrorBody(res, 400, 'validation');
    expect((await admin.getProject(project.id)).allowedOrigins).not.toContain('null');
  });

  it('operator endpoints answer no CORS at all, not even to an allowed origin', async () => {
    const answers = await Promise.all([
      preflight('/api/v1/auth/login', ORIGIN, 'content-type'),
      preflight(`/api/v1/projects/${project.id}/dialogs`, ORIGIN, 'authorization'),
      raw(server.url, 'GET', '/api/v1/me', { token: operator.token, headers: { origin: ORIGIN } }),
      raw(server.url, 'GET', '/api/v1/me', { headers: { origin: 'null' } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([404, 404, 200, 401]);
    for (const a of answers) expect(corsHeaders(a.headers)).toEqual([]);
  });
});
