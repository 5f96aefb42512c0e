// A visitor's daily upload budget is PARLEY_UPLOAD_VISITOR_BYTES_PER_DAY (100 MB by default), in
// bytes as PARLEY_UPLOAD_MAX_BYTES is; a value that is not one stops the start with one line that
// names it (the size parser named PARLEY_UPLOAD_MAX_BYTES whatever it parsed).
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../server/config.js';
import { killAllParley, spawnParley } from '../helpers/process.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';

let server: TestServer | undefined;
const peers: Peer[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await killAllParley();
  for (const peer of peers.splice(0)) await peer.close();
  await server?.close();
  server = undefined;
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const config = (env: NodeJS.ProcessEnv) => configFromEnv({ PARLEY_DATA_DIR: '/tmp/x', ...env });

describe('PARLEY_UPLOAD_VISITOR_BYTES_PER_DAY', () => {
  it('defaults to 100 MB and takes a number of bytes', () => {
    expect(config({}).uploadVisitorBytesPerDay).toBe(100 * 1024 * 1024);
    expect(config({ PARLEY_UPLOAD_VISITOR_BYTES_PER_DAY: '' }).uploadVisitorBytesPerDay).toBe(100 * 1024 * 1024);
    expect(config({ PARLEY_UPLOAD_VISITOR_BYTES_PER_DAY: '524288000' }).uploadVisitorBytesPerDay).toBe(524_288_000);
  });

  it('refuses what is not a number of bytes, naming itself (and PARLEY_UPLOAD_MAX_BYTES names itself)', () => {
    for (const bad of ['0', '-5', '1.5', '100MB', 'lots', '99999999999999999999']) {
      expect(() => config({ PARLEY_UPLOAD_VISITOR_BYTES_PER_DAY: bad }), bad).toThrow(
        `PARLEY_UPLOAD_VISITOR_BYTES_PER_DAY must be a number of bytes, got "${bad}"`,
      );
    }
    expect(() => config({ PARLEY_UPLOAD_MAX_BYTES: '10MB' })).toThrow('PARLEY_UPLOAD_MAX_BYTES must be a number of bytes, got "10MB"');
  });

  it('a server given one that is not a size refuses to start, with one line naming it', async () => {
    const dataDir = await tempDir('parley-s16-budget-');
    dirs.push(dataDir);
    const proc = spawnParley(['server', '--data-dir', dataDir, '--port', '0'], { env: { PARLEY_UPLOAD_VISITOR_BYTES_PER_DAY: '100MB' } });
    const exit = await proc.exited;
    expect(exit.code).toBe(1);
    expect(proc.stderr).toBe('parley: PARLEY_UPLOAD_VISITOR_BYTES_PER_DAY must be a number of bytes, got "100MB"\n');
    expect(proc.stdout).not.toContain('Parley is running');
  });

  /** A server with these limits, a project the widget may be on, and a visitor's upload. */
  async function site(env: NodeJS.ProcessEnv) {
    server = await startTestServer({ env });
    const { client: admin } = await signedInAdmin(server);
    const project = await admin.createProject('Shop');
    await admin.updateProject(project.id, { allowedOrigins: [ORIGIN] });
    const url = server.url;
    const hello = await visitorHello(url, project.widgetKey, ORIGIN);
    peers.push(hello.peer);
    return async (bytes: number) => {
      const fd = new FormData();
      fd.append('file', new Blob([Buffer.alloc(bytes, 7)]), 'file.bin');
      const res = await fetch(`${url}/widget/uploads?key=${project.widgetKey}`, {
        method: 'POST',
        headers: { origin: ORIGIN, 'x-parley-visitor': hello.welcome.token as string },
        body: fd,
      });
      return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
    };
  }

  it("is the budget a visitor's widget uploads are held to", async () => {
    const upload = await site({ PARLEY_UPLOAD_VISITOR_BYTES_PER_DAY: '3000', PARLEY_UPLOAD_MAX_BYTES: '1024' });
    expect((await upload(1000)).status).toBe(201);
    expect((await upload(1000)).status).toBe(201);
    expect((await upload(1000)).status).toBe(201);
    const over = await upload(1);
    expect(over.status).toBe(429);
    expect(over.body.error).toEqual({ code: 'rate_limited', message: 'a visitor may upload 2.9 KB of files a day; retry in 86400 s' });
  });

  it('is never less than one file of the largest size (that file would be refused for good)', async () => {
    const upload = await site({ PARLEY_UPLOAD_VISITOR_BYTES_PER_DAY: '10', PARLEY_UPLOAD_MAX_BYTES: '1024' });
    expect((await upload(1024)).status).toBe(201);
    expect((await upload(1)).status).toBe(429);
  });
});
