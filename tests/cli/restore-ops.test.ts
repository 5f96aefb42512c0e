// Restore and backup as operations meet them, with the real binary:
// - a fresh ext4 volume mounted as DIR holds an empty lost+found: `parley restore` accepts it and
//   leaves it in place (a lost+found that holds anything, or is a file, is still "not empty"); a
//   service user who may not even read root's lost+found can restore there too;
// - root restoring into a DIR made for a service account gives every restored file and directory
//   DIR's owner and group, so the service (here `nobody`) runs a server on it;
// - the server's backup staging (DATA_DIR/.backup-*) goes at a clean stop (SIGINT/SIGTERM in the
//   middle of a download), not only at the next start.
// Changing owners needs root: these tests run as root (as the container does), and say so when not.
import { execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PARLEY_BIN } from '../helpers/cli.js';
import { expectFailure, type Shell, shell } from '../helpers/cli-extra.js';
import { killAllParley, spawnParley } from '../helpers/process.js';
import { createAdmin, setUpProject, startServerProcess } from '../helpers/process-server.js';
import { visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const ORIGIN = 'https://shop.example.com';
/** The service account of these tests. */
const NOBODY = { uid: 65534, gid: 65534 };

let server: TestServer;
let admin: Shell;
let work: string;
/** A good archive of the server above: parley.db, avatars/ and uploads/. */
let archive: string;

beforeAll(async () => {
  expect(process.getuid?.(), 'these tests change owners, which needs root').toBe(0);
  // Readable by the service account too: it restores from here as well.
  work = await tempDir('parley-restore-ops-');
  await chmod(work, 0o755);
  server = await startTestServer();
  const { client } = await signedInAdmin(server);
  await client.setAvatar(Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(300, 1)]));
  const project = await client.createProject('Shop');
  await client.updateProject(project.id, { allowedOrigins: [ORIGIN] });
  const { peer, welcome } = await visitorHello(server.url, project.widgetKey, ORIGIN);
  const form = new FormData();
  form.append('file', new Blob([Buffer.alloc(2000, 7)]), 'photo.bin');
  const res = await fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
    method: 'POST',
    headers: { origin: ORIGIN, 'x-parley-visitor': welcome.token as string },
    body: form,
  });
  expect(res.status).toBe(201);
  await peer.close();
  admin = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: client.token! });
  archive = join(work, 'good.tar');
  expect((await admin.run(['backup', archive])).code).toBe(0);
  await chmod(archive, 0o644);
});

afterEach(async () => {
  await killAllParley();
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A new directory under `work`, as a volume's mount point would be, with an empty lost+found as mkfs makes it. */
async function freshVolume(name: string): Promise<string> {
  const dir = join(work, name);
  await mkdir(join(dir, 'lost+found'), { recursive: true });
  await chmod(join(dir, 'lost+found'), 0o700);
  return dir;
}

/** Every path under `dir` (lost+found aside) with its owner, directories and files alike. */
async function owners(dir: string, under = ''): Promise<Array<[string, number, number]>> {
  const found: Array<[string, number, number]> = [];
  for (const entry of await readdir(join(dir, under), { withFileTypes: true })) {
    const path = join(under, entry.name);
    if (path === 'lost+found') continue;
    const { uid, gid } = await stat(join(dir, path));
    found.push([path, uid, gid]);
    if (entry.isDirectory()) found.push(...(await owners(dir, path)));
  }
  return found;
}

/** `parley ARGS` as the service account. */
function runAsNobody(args: string[]) {
  const env = { PATH: process.env.PATH, HOME: work, PARLEY_CONFIG_DIR: join(work, 'nobody-config') };
  return run(process.execPath, [PARLEY_BIN, ...args], { env, ...NOBODY }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

/** `parley server` on `dataDir` as the service account: resolves once it answered /readyz, then stops it. */
async function serverAsNobodyStarts(dataDir: string): Promise<number> {
  const child = spawn(process.execPath, [PARLEY_BIN, 'server', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir], {
    env: { PATH: process.env.PATH, HOME: work, PARLEY_LOG_LEVEL: 'info' },
    ...NOBODY,
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const look = (chunk: Buffer) => {
        output += chunk.toString();
        const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (m) resolve(m[1]);
      };
      child.stdout.on('data', look);
      child.stderr.on('data', look);
      void exited.then((code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)));
    });
    return (await fetch(`${url}/readyz`)).status;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

describe('parley restore into a fresh volume (an empty lost+found)', () => {
  it('restores beside lost+found and leaves it as it was; a server starts on it', async () => {
    const dir = await freshVolume('volume');
    const lostFound = await stat(join(dir, 'lost+found'));
    const r = await admin.run(['restore', archive, '--data-dir', dir]);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect((await readdir(dir)).sort()).toEqual(['avatars', 'lost+found', 'parley.db', 'uploads']);
    const after = await stat(join(dir, 'lost+found'));
    expect({ ino: after.ino, mode: after.mode & 0o777, uid: after.uid }).toEqual({ ino: lostFound.ino, mode: 0o700, uid: 0 });
    expect(await readdir(join(dir, 'lost+found'))).toEqual([]);
    const started = spawnParley(['server', '--host', '127.0.0.1', '--port', '0', '--data-dir', dir]);
    const [, url] = await started.waitForStdout(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await started.stop()).code).toBe(0);
  });

  it('refuses a lost+found that holds anything, or that is a file, and touches nothing', async () => {
    const full = await freshVolume('full');
    await writeFile(join(full, 'lost+found', '#1234'), 'what fsck found');
    expectFailure(await admin.run(['restore', archive, '--data-dir', full]), 1, /full is not empty: restore into a new or empty directory/);
    expect(await readdir(full)).toEqual(['lost+found']);
    expect(await readdir(join(full, 'lost+found'))).toEqual(['#1234']);

    const file = join(work, 'file');
    await mkdir(file);
    await writeFile(join(file, 'lost+found'), '');
    expectFailure(await admin.run(['restore', archive, '--data-dir', file]), 1, /file is not empty/);
    expect(await readdir(file)).toEqual(['lost+found']);

    const more = await freshVolume('more');
    await writeFile(join(more, 'notes.txt'), 'mine');
    expectFailure(await admin.run(['restore', archive, '--data-dir', more]), 1, /more is not empty/);
    expect((await readdir(more)).sort()).toEqual(['lost+found', 'notes.txt']);
  });

  it('a service user who cannot read root\'s lost+found restores there too', async () => {
    const dir = await freshVolume('service-volume');
    await chown(dir, NOBODY.uid, NOBODY.gid);
    const r = await runAsNobody(['restore', archive, '--data-dir', dir]);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect((await readdir(dir)).sort()).toEqual(['avatars', 'lost+found', 'parley.db', 'uploads']);
    expect((await owners(dir)).every(([, uid]) => uid === NOBODY.uid)).toBe(true);
  });
});

describe('parley restore as root into a directory of a service account', () => {
  it('gives every restored file and directory DIR\'s owner and group, so the service runs on it; --help says so', async () => {
    const dir = join(work, 'srv-parley');
    await mkdir(dir, { mode: 0o750 });
    await chown(dir, NOBODY.uid, NOBODY.gid);
    const r = await admin.run(['restore', archive, '--data-dir', dir]);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const restored = await owners(dir);
    expect(restored.map(([path]) => path).sort()).toEqual(
      expect.arrayContaining(['avatars', 'parley.db', 'uploads', expect.stringMatching(/^avatars\//), expect.stringMatching(/^uploads\//)]),
    );
    expect(restored.filter(([, uid, gid]) => uid !== NOBODY.uid || gid !== NOBODY.gid)).toEqual([]);
    // DIR itself as it was made for the service.
    const own = await stat(dir);
    expect({ uid: own.uid, gid: own.gid, mode: own.mode & 0o777 }).toEqual({ ...NOBODY, mode: 0o750 });
    expect(await serverAsNobodyStarts(dir)).toBe(200);

    const help = await admin.run(['restore', '--help']);
    expect(help.stdout).toMatch(/root/);
    expect(help.stdout).toMatch(/owner and group of DIR/);
  });

  it('a new DIR stays root\'s: it is made by root, for root', async () => {
    const dir = join(work, 'new-dir');
    expect((await admin.run(['restore', archive, '--data-dir', dir])).code).toBe(0);
    expect((await owners(dir)).filter(([, uid, gid]) => uid !== 0 || gid !== 0)).toEqual([]);
  });
});

describe("the server's backup staging at a clean stop", () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s in the middle of a download removes it before the server exits', async (signal) => {
    const dataDir = await tempDir('parley-restore-ops-data-');
    try {
      const owner = await createAdmin(dataDir);
      const first = await startServerProcess(dataDir);
      const { token, project } = await setUpProject(first.url, owner, ORIGIN);
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
      const staging = async () => (await readdir(dataDir)).filter((n) => /^\.backup-[0-9a-f]{16}$/.test(n));
      expect(await staging()).toHaveLength(1);

      expect(await first.stop(signal)).toEqual({ code: 0, signal: null });
      client.destroy();
      expect(await staging()).toEqual([]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
