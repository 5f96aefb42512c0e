// qa14: the server's backup staging (DATA_DIR/.backup-*) does not outlive the server (qa13-ops
// #4). A stop in the middle of a download, or a crash, left a copy of the database there until
// the next backup; now a start removes it, and only what is named exactly as the server names
// its staging directories.
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdmin, killAllParley, setUpProject, startServerProcess } from '../helpers/process-server.js';
import { visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, tempDir } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';

const dirs: string[] = [];
afterEach(async () => {
  await killAllParley();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const staging = async (dataDir: string) => (await readdir(dataDir)).filter((n) => /^\.backup-[0-9a-f]{16}$/.test(n));

describe('backup staging left in the data directory', () => {
  it('is removed when the server starts; other names, even close ones, stay, also through a backup', async () => {
    const dataDir = await tempDir('parley-qa14-data-');
    dirs.push(dataDir);
    await mkdir(join(dataDir, '.backup-0123456789abcdef', 'uploads'), { recursive: true });
    await writeFile(join(dataDir, '.backup-0123456789abcdef', 'parley.db'), 'a copy of the database');
    const others = ['.backup-mine', '.backup-0123456789abcdef0', '.backup-0123456789ABCDEF', 'backup-0123456789abcdef'];
    for (const name of others) await mkdir(join(dataDir, name));

    const server = await startTestServer({ dataDir });
    try {
      const has = (await readdir(dataDir)).filter((n) => n.includes('backup'));
      expect(has.sort()).toEqual([...others].sort());
      const { client } = await signedInAdmin(server);
      const res = await fetch(`${server.url}/api/v1/admin/backup`, { headers: { authorization: `Bearer ${client.token}` } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      await expect.poll(() => staging(dataDir)).toEqual([]);
      expect((await readdir(dataDir)).filter((n) => n.includes('backup')).sort()).toEqual([...others].sort());
    } finally {
      await server.close();
    }
  });

  it('after a SIGTERM in the middle of a download, none is left once the server is started again', async () => {
    const dataDir = await tempDir('parley-qa14-data-');
    dirs.push(dataDir);
    const admin = await createAdmin(dataDir);
    const first = await startServerProcess(dataDir);
    const { token, project } = await setUpProject(first.url, admin, ORIGIN);
    // Files far larger than what the sockets between the two sides buffer: the archive cannot
    // all leave the server while its client reads nothing.
    const { peer, welcome } = await visitorHello(first.url, project.widgetKey, ORIGIN);
    for (const n of [1, 2]) {
      const form = new FormData();
      form.append('file', new Blob([Buffer.alloc(9 * 1024 * 1024, n)]), `big-${n}.bin`);
      const res = await fetch(`${first.url}/widget/uploads?key=${project.widgetKey}`, {
        method: 'POST',
        headers: { origin: ORIGIN, 'x-parley-visitor': welcome.token as string },
        body: form,
      });
      expect(res.status).toBe(201);
    }
    await peer.close();

    // A client that reads the answer's first bytes and then nothing more.
    const client = connect(first.port, '127.0.0.1');
    client.on('error', () => undefined);
    client.write(`GET /api/v1/admin/backup HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    const head = await new Promise<string>((resolve) => client.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
    client.pause();
    expect(head).toMatch(/^HTTP\/1\.1 200 /);
    expect(await staging(dataDir)).toHaveLength(1);

    expect((await first.stop()).code).toBe(0);
    client.destroy();
    const second = await startServerProcess(dataDir);
    expect(await staging(dataDir)).toEqual([]);
    expect((await fetch(`${second.url}/readyz`)).status).toBe(200);
    expect((await second.stop()).code).toBe(0);
  });
});
