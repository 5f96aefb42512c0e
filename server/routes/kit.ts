// The operator package at /parley.tgz (built by scripts/build.mjs into dist/parley.tgz): the
// parley command, CLI and TUI, with nothing to compile, of this server's very version. An
// operator installs it with `npm install -g https://chat.example.com/parley.tgz`, as the
// welcome mail says; and the JSON Schema of apply's files for editors. Public, like /widget.js: the
// same code and schema as the repository.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import { etagOf, followFile, sendCacheable } from '../http-cache.js';
import { packageRoot } from '../package-root.js';

const KIT_FILE = join(packageRoot(), 'dist', 'parley.tgz');
/** The JSON Schema of `parley apply`'s files, for editors: `$schema=https://chat.example.com/parley.schema.json`. */
const SCHEMA_FILE = join(packageRoot(), 'schema', 'parley.schema.json');

export interface KitRoutesOptions {
  /** Where the operator package is built (tests); this installation's dist/parley.tgz by default. */
  kitFile?: string;
}

export default async function kitRoutes(app: FastifyInstance, opts: KitRoutesOptions) {
  // Held in memory (a few hundred KB) and read again when a rebuild in place rewrites it, as
  // /widget.js is: after `npm run build` the package served is the new one, without a restart.
  const kit = followFile(opts.kitFile ?? KIT_FILE, (fd) => {
    const body = readFileSync(fd);
    return { body, etag: etagOf(body) };
  });

  app.get('/parley.tgz', async (request, reply) => {
    const found = kit.current();
    if (!found) throw new AppError(503, 'unavailable', 'the operator package is not built; run npm run build');
    reply.headers({
      'content-type': 'application/gzip',
      'content-disposition': 'attachment; filename="parley.tgz"',
      'x-content-type-options': 'nosniff',
      'cache-control': 'public, max-age=300',
    });
    return sendCacheable(request, reply, found);
  });

  app.get('/parley.schema.json', async (_request, reply) => {
    const schema = await readFile(SCHEMA_FILE);
    // Editors fetch it as a program does (no browser, no CORS).
    return reply.headers({ 'content-type': 'application/schema+json', 'cache-control': 'public, max-age=300' }).send(schema);
  });
}
