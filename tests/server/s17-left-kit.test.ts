// /parley.tgz follows a rebuild in place as /widget.js does: the server holds the package in
// memory, a request costs a stat, and a package written since (or another file renamed into
// place) is served at once, with its own ETag; an unchanged one is not read again.
import { rename, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import errorsPlugin from '../../server/plugins/errors.js';
import kitRoutes from '../../server/routes/kit.js';
import { tempDir } from '../helpers/server.js';

describe('/parley.tgz rebuilt in place while the server runs', () => {
  let dir: string;
  let file: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = await tempDir('parley-s17-kit-');
    file = join(dir, 'parley.tgz');
    app = Fastify();
    await app.register(errorsPlugin);
    await app.register(kitRoutes, { kitFile: file });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: '/parley.tgz', headers });
  /** Some bytes standing for a package (the route serves whatever the build wrote). */
  const pkg = (label: string) => Buffer.from(`package ${label} `.repeat(100));
  const SOME_TIME = new Date('2026-01-05T09:41:00Z');

  it('is 503 until built, then served; a package written since is served at once, not a 304 of the old one', async () => {
    const none = await get();
    expect(none.statusCode).toBe(503);
    expect(none.json()).toMatchObject({ error: { code: 'unavailable', message: expect.stringContaining('npm run build') } });

    await writeFile(file, pkg('one'));
    const one = await get();
    expect(one.statusCode).toBe(200);
    expect(one.rawPayload.equals(pkg('one'))).toBe(true);
    expect(one.headers['content-type']).toBe('application/gzip');
    expect((await get({ 'if-none-match': String(one.headers.etag) })).statusCode).toBe(304);

    // Written over in place (same file, other bytes of another length).
    await writeFile(file, pkg('number two'));
    const two = await get({ 'if-none-match': String(one.headers.etag) });
    expect(two.statusCode).toBe(200);
    expect(two.rawPayload.equals(pkg('number two'))).toBe(true);
    expect(two.headers.etag).not.toBe(one.headers.etag);
    expect((await get({ 'if-none-match': String(two.headers.etag) })).statusCode).toBe(304);

    // Another file renamed into place, as an atomic build would.
    await writeFile(join(dir, 'next.tgz'), pkg('number three'));
    await rename(join(dir, 'next.tgz'), file);
    const three = await get({ 'if-none-match': String(two.headers.etag) });
    expect(three.statusCode).toBe(200);
    expect(three.rawPayload.equals(pkg('number three'))).toBe(true);

    // Gone (a build that starts by clearing dist/): not built, until it is back.
    await rm(file);
    expect((await get()).statusCode).toBe(503);
    await writeFile(file, pkg('four'));
    expect((await get()).rawPayload.equals(pkg('four'))).toBe(true);
  });

  it('an unchanged package is not read again: a request costs a stat', async () => {
    await writeFile(file, pkg('AAAA'));
    await utimes(file, SOME_TIME, SOME_TIME);
    expect((await get()).rawPayload.equals(pkg('AAAA'))).toBe(true);
    // Other bytes of the same length, and the same modification time, in the same file: to a stat it
    // is the file already held, so what is served is the copy in memory, which proves no re-read.
    await writeFile(file, pkg('BBBB'));
    await utimes(file, SOME_TIME, SOME_TIME);
    expect((await get()).rawPayload.equals(pkg('AAAA'))).toBe(true);
    // Touched, it is read again.
    await utimes(file, SOME_TIME, new Date(SOME_TIME.getTime() + 1000));
    expect((await get()).rawPayload.equals(pkg('BBBB'))).toBe(true);
  });
});
