// From the security QA pass of session 15: input any client may send before signing in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeFileName } from '../../core/filetype.js';
import { nameProblem } from '../../core/names.js';
import { malformedText } from '../../server/unicode.js';
import { connectVisitor } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

const nested = (depth: number, inner: string) => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

describe('deeply nested JSON', () => {
  it('is walked without the call stack: a 200,000-deep body is a 400 naming a short path, not a 500 with a stack trace', async () => {
    for (const inner of ['"\\ud800"', '"fine"']) {
      const r = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: nested(200_000, inner),
      });
      expect(r.status).toBe(400);
      const { error } = (await r.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('validation');
      expect(error.message.length).toBeLessThan(300);
    }
    expect(server.logs.filter((l) => l.includes('Maximum call stack'))).toEqual([]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('on the widget socket, before hello: an error frame that says why, and the socket goes on', async () => {
    const demo = await server.app.services.admin.ensureDemo();
    const peer = await connectVisitor(server.url, demo.widgetKey, server.url);
    try {
      peer.send(nested(30_000, '"\\ud800"'));
      const refused = await peer.next((f) => f.type === 'error');
      expect(refused.code).toBe('validation');
      peer.send({ type: 'hello' });
      await peer.next((f) => f.type === 'welcome');
    } finally {
      await peer.close();
    }
    expect(server.logs.filter((l) => l.includes('Maximum call stack'))).toEqual([]);
  });

  it('names where the broken string is, in document order, keys included', () => {
    expect(malformedText({ a: 'ok', b: ['x', { c: '\ud800' }] }, 'body')).toBe('body/b/1/c');
    expect(malformedText({ a: ['\ud800'], b: '\udc00' }, 'body')).toBe('body/a/0');
    expect(malformedText({ ['k\ud800']: 1 }, 'body')).toBe('body');
    expect(malformedText('\ud800', 'frame')).toBe('frame');
    expect(malformedText({ a: 1, b: [true, null, 'fine'] }, 'body')).toBeNull();
    expect(malformedText(JSON.parse(nested(50, '"\\ud800"')), 'body')).toMatch(/^body\/0\/0\/0\/…\(43 more\)…\/0\/0\/0\/0$/);
  });
});

describe('text direction controls', () => {
  it('are stripped from file names, with C1 controls: "invoice\\u202Efdp.exe" no longer shows as "invoiceexe.pdf"', () => {
    expect(safeFileName('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(safeFileName('a\u2066b\u2069c\u0085d\u009f.txt')).toBe('abcd.txt');
    // The marks that only say a direction stay: names in Arabic or Hebrew use them.
    expect(safeFileName('\u05E9\u05DC\u05D5\u05DD\u200F.txt')).toBe('\u05E9\u05DC\u05D5\u05DD\u200F.txt');
  });

  it('are refused in names, quoted escaped so the message reads as it is; the API says so', async () => {
    expect(nameProblem('the first name', 'Ann\u202Eevil')).toBe('the first name "Ann\\u202eevil" has a text direction control (U+202A-U+202E, U+2066-U+2069)');
    expect(nameProblem('the first name', '\u05D0\u200F')).toBeNull();
    const { client } = await signedInAdmin(server, { email: 'bidi@example.com', firstName: 'Bi', lastName: 'Di' });
    const r = await client.request('PATCH', '/api/v1/me', { firstName: 'Support\u202Eyap' }).catch((e: { status: number; message: string }) => e);
    expect(r).toMatchObject({ status: 400 });
    expect((r as { message: string }).message).toContain('text direction control');
  });
});
