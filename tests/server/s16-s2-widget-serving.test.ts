// /widget.js is compressed once, at build time (widget.js.br, widget.js.gz), and served in the
// encoding the client takes (brotli, then gzip, then none), each with its own ETag and 304. The
// server holds the script in memory and notices a rebuild in place; the CSP hash it advises
// (`widgetCsp`, the demo page) is the one the build wrote for the script served, so a rebuild
// without a restart cannot leave the two disagreeing. /parley.tgz answers conditional GETs as
// /widget.js does (one helper).
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import errorsPlugin from '../../server/plugins/errors.js';
import { widgetCsp } from '../../server/plugins/security.js';
import widgetRoutes from '../../server/routes/widget.js';
import { widgetFiles } from '../../server/widget-bundle.js';
import { STYLE } from '../../widget/style.js';
import { writeWidgetFiles } from '../../scripts/widget-files.mjs';
import { signedInAdmin, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const DIST = join(import.meta.dirname, '../../dist/widget');
const cspSource = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describe('/widget.js of the installation', () => {
  let server: TestServer;
  let built: Buffer;

  beforeAll(async () => {
    server = await startTestServer();
    built = await readFile(join(DIST, 'widget.js'));
  });
  afterAll(async () => server?.close());

  const get = (headers: Record<string, string> = {}) => server.app.inject({ method: 'GET', url: '/widget.js', headers });

  it('is sent in the encoding the client takes best, brotli before gzip, with its length and Vary', async () => {
    const cases: Array<[string | undefined, 'br' | 'gzip' | undefined]> = [
      [undefined, undefined],
      ['identity', undefined],
      ['gzip', 'gzip'],
      ['x-gzip', 'gzip'],
      ['gzip, deflate, br', 'br'],
      ['br;q=0.5, gzip', 'gzip'],
      ['br;q=0, gzip;q=0.2', 'gzip'],
      ['gzip;q=0', undefined],
      ['deflate', undefined],
      ['*', 'br'],
      ['*;q=0.1, br;q=0', 'gzip'],
      ['identity, gzip;q=0.5', undefined],
    ];
    for (const [accept, expected] of cases) {
      const res = await get(accept === undefined ? {} : { 'accept-encoding': accept });
      const what = `Accept-Encoding: ${accept}`;
      expect(res.statusCode, what).toBe(200);
      expect(res.headers['content-encoding'], what).toBe(expected);
      expect(res.headers.vary, what).toMatch(/accept-encoding/i);
      expect(res.headers['content-type'], what).toMatch(/^application\/javascript/);
      expect(Number(res.headers['content-length']), what).toBe(res.rawPayload.length);
      const script = expected === 'br' ? brotliDecompressSync(res.rawPayload) : expected === 'gzip' ? gunzipSync(res.rawPayload) : res.rawPayload;
      expect(script.equals(built), what).toBe(true);
    }
    const br = (await get({ 'accept-encoding': 'br' })).rawPayload.length;
    expect(br).toBeLessThan(gzipSync(built).length);
    expect(br).toBeLessThan(built.length / 2);
  });

  it('has an ETag per encoding, and a 304 for the copy the client holds', async () => {
    const tags = new Map<string, string>();
    for (const accept of ['br', 'gzip', 'identity']) tags.set(accept, String((await get({ 'accept-encoding': accept })).headers.etag));
    expect(new Set(tags.values()).size).toBe(3);
    for (const [accept, etag] of tags) {
      const again = await get({ 'accept-encoding': accept, 'if-none-match': etag });
      expect(again.statusCode, accept).toBe(304);
      expect(again.rawPayload.length, accept).toBe(0);
      expect(again.headers.etag, accept).toBe(etag);
      expect(again.headers.vary, accept).toMatch(/accept-encoding/i);
    }
    // A tag weakened by a proxy, and one in a list, still name the copy held.
    expect((await get({ 'accept-encoding': 'br', 'if-none-match': `W/${tags.get('br')}` })).statusCode).toBe(304);
    expect((await get({ 'accept-encoding': 'gzip', 'if-none-match': `"other", ${tags.get('gzip')}` })).statusCode).toBe(304);
    // The gzip copy is not the brotli one: a client holding one and now taking the other gets it.
    const other = await get({ 'accept-encoding': 'gzip', 'if-none-match': String(tags.get('br')) });
    expect(other.statusCode).toBe(200);
    expect(other.headers['content-encoding']).toBe('gzip');
  });

  it("advises the style hash the build wrote for the script served, in the API and the demo page's CSP", async () => {
    const manifest = JSON.parse(await readFile(join(DIST, 'widget.json'), 'utf8')) as { script: string; styleSrc: string };
    expect(manifest.script).toBe(createHash('sha256').update(built).digest('base64'));
    // Built from these sources, it is the hash of their stylesheet.
    expect(manifest.styleSrc).toBe(cspSource(STYLE));
    const { client } = await signedInAdmin(server);
    const project = await client.createProject('Shop');
    expect(project.widgetCsp['style-src']).toEqual([manifest.styleSrc]);
    await server.app.services.admin.ensureDemo();
    const page = await server.app.inject({ method: 'GET', url: '/' });
    expect(page.headers['content-security-policy']).toContain(` ${manifest.styleSrc}`);
  });

  it('/parley.tgz answers conditional GETs as /widget.js does', async () => {
    const first = await server.app.inject({ method: 'GET', url: '/parley.tgz' });
    expect(first.statusCode).toBe(200);
    const etag = String(first.headers.etag);
    for (const held of [etag, `W/${etag}`, `"old", ${etag}`, '*']) {
      const again = await server.app.inject({ method: 'GET', url: '/parley.tgz', headers: { 'if-none-match': held } });
      expect(again.statusCode, held).toBe(304);
      expect(again.headers.etag, held).toBe(etag);
    }
    expect((await server.app.inject({ method: 'GET', url: '/parley.tgz', headers: { 'if-none-match': '"old"' } })).statusCode).toBe(200);
  });
});

describe('a widget rebuilt in place while the server runs', () => {
  let dir: string;
  let app: FastifyInstance;
  let widget: ReturnType<typeof widgetFiles>;

  beforeAll(async () => {
    dir = await tempDir('parley-s16-widget-');
    widget = widgetFiles(dir);
    app = Fastify();
    await app.register(errorsPlugin);
    await app.register(widgetRoutes, { widget });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const name of ['widget.js', 'widget.js.br', 'widget.js.gz', 'widget.json']) await rm(join(dir, name), { force: true });
  });

  const get = (headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: '/widget.js', headers });
  const styleAdvised = () => widgetCsp('https://chat.example.com', widget)['style-src'];

  it('is served at once, with the style hash of the new build', async () => {
    expect((await get()).statusCode).toBe(503);

    await writeWidgetFiles(dir, Buffer.from('console.log("one");'.repeat(50)), '.one{color:red}');
    const one = await get({ 'accept-encoding': 'br' });
    expect(brotliDecompressSync(one.rawPayload).toString()).toBe('console.log("one");'.repeat(50));
    expect(styleAdvised()).toEqual([cspSource('.one{color:red}')]);
    expect((await get({ 'accept-encoding': 'br', 'if-none-match': String(one.headers.etag) })).statusCode).toBe(304);

    await writeWidgetFiles(dir, Buffer.from('console.log("two");'.repeat(50)), '.two{color:blue}');
    // The copy the client holds is the old one: it gets the new one, not a 304.
    const two = await get({ 'accept-encoding': 'br', 'if-none-match': String(one.headers.etag) });
    expect(two.statusCode).toBe(200);
    expect(brotliDecompressSync(two.rawPayload).toString()).toBe('console.log("two");'.repeat(50));
    expect(gunzipSync((await get({ 'accept-encoding': 'gzip' })).rawPayload).toString()).toBe('console.log("two");'.repeat(50));
    expect((await get()).payload).toBe('console.log("two");'.repeat(50));
    expect(styleAdvised()).toEqual([cspSource('.two{color:blue}')]);
  });

  it('an older build without compressed copies or a style hash: the script as it is, and the compiled hash', async () => {
    await writeFile(join(dir, 'widget.js'), 'console.log("old");');
    const res = await get({ 'accept-encoding': 'gzip, deflate, br' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.payload).toBe('console.log("old");');
    expect(Number(res.headers['content-length'])).toBe('console.log("old");'.length);
    expect(styleAdvised()).toEqual([cspSource(STYLE)]);
  });

  it('copies and a style hash of another script (a build stopped halfway) are not used for this one', async () => {
    await writeWidgetFiles(dir, Buffer.from('console.log("built");'), '.built{}');
    await writeFile(join(dir, 'widget.js'), 'console.log("copied in by hand");');
    const res = await get({ 'accept-encoding': 'br, gzip' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.payload).toBe('console.log("copied in by hand");');
    expect(styleAdvised()).toEqual([cspSource(STYLE)]);
  });
});
