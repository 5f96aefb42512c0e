// qa14: `parley restore` into an existing empty directory whatever its parent (qa13-ops #2), and
// what an interrupted `parley backup` / `parley restore` leaves behind (qa13-ops #4), with the
// real binary against a real server.
//
// - An existing empty DIR is restored into in place: DIR stays the same directory (a mount point
//   cannot be renamed over; that is what failed with EBUSY/EXDEV, and no test can mount one), and
//   nothing is created beside it, so a parent the user cannot write does not matter. Modes stop
//   nothing for root: as root the parent is made immutable instead (chattr +i); a machine where
//   neither stops writes fails the test, which then could not show anything.
// - Ctrl-C (SIGINT) or SIGTERM in the middle of a backup download or of a restore removes the
//   partial file or staging directory, and the process still ends by that signal (what a shell
//   reports as 130/143), promptly, even with a read pending. The download is held half-way by a
//   proxy and the restore reads its archive from a named pipe the test stops feeding, so the
//   signal always lands mid-way; the tests wait for the partial copy to appear, never for fixed
//   times.
import { execFile } from 'node:child_process';
import { chmod, mkdir, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import { expectFailure, type Shell, shell } from '../helpers/cli-extra.js';
import { killAllParley, spawnParley } from '../helpers/process.js';
import { visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const ORIGIN = 'https://shop.example.com';
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const isRoot = process.getuid?.() === 0;

let server: TestServer;
let admin: Shell;
let token: string;
let work: string;
/** A good archive of the server above. */
let archive: string;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  work = await tempDir('parley-qa14-');
  server = await startTestServer();
  const { client } = await signedInAdmin(server);
  token = client.token!;
  // An avatar and an upload, so the archive holds directories (avatars/, uploads/) as well as parley.db.
  await client.setAvatar(Buffer.concat([PNG_MAGIC, Buffer.alloc(500, 3)]));
  const project = await client.createProject('Shop');
  await client.updateProject(project.id, { allowedOrigins: [ORIGIN] });
  const { peer, welcome } = await visitorHello(server.url, project.widgetKey, ORIGIN);
  const form = new FormData();
  form.append('file', new Blob([Buffer.alloc(3000, 7)]), 'photo.bin');
  const uploaded = await fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
    method: 'POST',
    headers: { origin: ORIGIN, 'x-parley-visitor': welcome.token as string },
    body: form,
  });
  expect(uploaded.status).toBe(201);
  await peer.close();
  admin = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: token });
  archive = join(work, 'good.tar');
  expect((await admin.run(['backup', archive])).code).toBe(0);
});

afterEach(async () => {
  await killAllParley();
  // Every one runs (the temp directories last, once no longer immutable); the first failure is reported.
  const failures: unknown[] = [];
  for (const undo of cleanups.splice(0).reverse()) await undo().catch((err: unknown) => failures.push(err));
  if (failures.length > 0) throw failures[0];
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/**
 * Makes `dir` refuse new entries for this user, as a root-owned /srv does for a service user:
 * mode 0555, or for root (whom modes do not stop) the immutable attribute. False when neither
 * holds here (checked by trying to create a file in it).
 */
async function readOnly(dir: string): Promise<boolean> {
  try {
    if (isRoot) await run('chattr', ['+i', dir]);
    else await chmod(dir, 0o555);
  } catch {
    return false;
  }
  cleanups.push(() => (isRoot ? run('chattr', ['-i', dir]) : chmod(dir, 0o755)));
  const probe = join(dir, 'probe');
  const refused = await writeFile(probe, '').then(
    () => false,
    () => true,
  );
  if (!refused) await rm(probe);
  return refused;
}

/** A temp directory removed after the test. */
async function scratch(prefix = 'parley-qa14-'): Promise<string> {
  const dir = await tempDir(prefix);
  cleanups.unshift(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const readOnlyNote = `${isRoot ? 'chattr +i' : 'chmod 0555'} does not stop writes into a directory here`;

/** What `parley restore` leaves as DIR: the restored tree, its directories and files for its user only. */
async function expectRestored(dir: string): Promise<void> {
  expect((await readdir(dir)).sort()).toEqual(['avatars', 'parley.db', 'uploads']);
  expect((await stat(join(dir, 'parley.db'))).mode & 0o777).toBe(0o600);
  for (const sub of ['avatars', 'uploads']) expect((await stat(join(dir, sub))).mode & 0o777, sub).toBe(0o700);
}

describe('parley restore into an existing empty directory', () => {
  it('restores in place when the parent cannot be written, and a server starts on it', async () => {
    const parent = await scratch('parley-qa14-srv-');
    const dir = join(parent, 'parley');
    await mkdir(dir, { mode: 0o750 });
    const before = await stat(dir);
    expect(await readOnly(parent), readOnlyNote).toBe(true);

    const restored = await admin.run(['restore', archive, '--data-dir', dir]);
    expect(restored, restored.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(restored.stdout).toContain(`Start the server on it:\n  parley server --data-dir ${dir}\n`);
    await expectRestored(dir);
    // The very directory the administrator made (a mount point cannot be replaced), as they made it.
    const after = await stat(dir);
    expect({ ino: after.ino, mode: after.mode & 0o777 }).toEqual({ ino: before.ino, mode: 0o750 });
    expect(await readdir(parent)).toEqual(['parley']);

    // A server runs on it, and knows the administrator's session from the backup.
    const second = spawnParley(['server', '--port', '0', '--data-dir', dir]);
    const [, url] = await second.waitForStdout(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
    expect((await new ParleyClient({ url, token }).me()).user).toMatchObject({ email: 'root@example.com' });
    expect((await second.stop()).code).toBe(0);
  });

  it('names the directory that cannot be written: the parent when DIR is to be made in it, else DIR', async () => {
    const parent = await scratch('parley-qa14-srv-');
    const dir = join(parent, 'parley');
    await mkdir(dir);
    expect(await readOnly(parent), readOnlyNote).toBe(true);
    expect(await readOnly(dir), readOnlyNote).toBe(true);

    const intoDir = await admin.run(['restore', archive, '--data-dir', dir]);
    expectFailure(intoDir, 1);
    expect(intoDir.stderr).toBe(`parley: cannot write ${dir}: permission denied\n`);
    const beside = await admin.run(['restore', archive, '--data-dir', join(parent, 'new')]);
    expectFailure(beside, 1);
    expect(beside.stderr).toBe(`parley: cannot write ${parent}: permission denied\n`);
    expect(await readdir(dir)).toEqual([]);
    expect(await readdir(parent)).toEqual(['parley']);
  });

  it('restores into the directory itself; a refused archive leaves it there, the same one, and empty', async () => {
    const bytes = await readFile(archive);
    bytes[bytes.indexOf(Buffer.from('parley.db\0')) + 512 + 4096] ^= 0x01;
    const damaged = join(work, 'damaged.tar');
    await writeFile(damaged, bytes);
    const parent = await scratch();
    const dir = join(parent, 'data');
    await mkdir(dir);
    const { ino } = await stat(dir);

    expectFailure(await admin.run(['restore', damaged, '--data-dir', dir]), 1, /damaged\.tar is damaged or not a Parley backup: parley\.db does not match its checksum/);
    expect(await readdir(parent)).toEqual(['data']);
    expect(await readdir(dir)).toEqual([]);
    expect((await stat(dir)).ino).toBe(ino);

    // Not replaced by a directory made elsewhere and renamed over it (impossible on a mount point).
    expect((await admin.run(['restore', archive, '--data-dir', dir])).code).toBe(0);
    await expectRestored(dir);
    expect((await stat(dir)).ino).toBe(ino);
    expect(await readdir(parent)).toEqual(['data']);
  });

  it('removes what a killed restore left, named exactly as it names them, and nothing else', async () => {
    // Inside DIR: a staging directory of a killed restore does not make DIR "not empty".
    const parent = await scratch();
    const dir = join(parent, 'data');
    await mkdir(join(dir, '.restoring-Ab3dE9'), { recursive: true });
    await writeFile(join(dir, '.restoring-Ab3dE9', 'parley.db'), 'half a copy');
    expect((await admin.run(['restore', archive, '--data-dir', dir])).code).toBe(0);
    await expectRestored(dir);

    // Beside a new DIR: the killed restore's staging for that DIR goes; other names stay.
    const ours = '.fresh.restoring-Zz09aB';
    const others = ['.other.restoring-Zz09aB', '.fresh.restoring-toolong1', 'fresh.restoring-Zz09aB'];
    for (const name of [ours, ...others]) await mkdir(join(parent, name));
    expect((await admin.run(['restore', archive, '--data-dir', join(parent, 'fresh')])).code).toBe(0);
    expect((await readdir(parent)).sort()).toEqual([...others, 'data', 'fresh'].sort());

    // Anything else in DIR, even named almost like ours, is the owner's: refused, untouched.
    const kept = join(parent, 'kept');
    await mkdir(join(kept, '.restoring-mine'), { recursive: true });
    expectFailure(await admin.run(['restore', archive, '--data-dir', kept]), 1, /kept is not empty: restore into a new or empty directory/);
    expect(await readdir(kept)).toEqual(['.restoring-mine']);
  });
});

/** A proxy to `target` that passes each answer's first `bytes` and then holds the rest: a download stalled half-way. */
async function stallingProxy(target: string, bytes: number): Promise<string> {
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = connect(Number(new URL(target).port), '127.0.0.1');
    let left = bytes;
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => (client.destroy(), upstream.destroy()));
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (left > 0) client.write(chunk.subarray(0, left));
      left -= chunk.length;
      if (left <= 0) upstream.pause();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  });
  return `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
}

/** Names in `dir` matching `pattern` whose file (or directory's `inside` file) has some bytes already. */
async function partialCopies(dir: string, pattern: RegExp, inside = ''): Promise<string[]> {
  const found: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!pattern.test(name)) continue;
    const size = await stat(join(dir, name, inside)).then((s) => s.size, () => 0);
    if (size > 0) found.push(name);
  }
  return found;
}

describe('interrupted', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('parley backup: %s mid-download removes the partial file, and parley ends by the signal', async (signal) => {
    const proxy = await stallingProxy(server.url, 8192);
    const dir = await scratch('parley-qa14-backups-');
    const backup = spawnParley(['backup', join(dir, 'b.tar')], { env: { PARLEY_URL: proxy, PARLEY_TOKEN: token, HOME: dir, PARLEY_CONFIG_DIR: dir } });
    // Half the archive arrived and went into the partial file.
    await expect.poll(() => partialCopies(dir, /^\.b\.tar\.[0-9a-f]{8}\.partial$/), { timeout: 20_000, interval: 20 }).toHaveLength(1);

    const exit = await backup.stop(signal);
    expect(exit, backup.stderr).toEqual({ code: null, signal });
    expect(backup.stderr).toBe('');
    expect(await readdir(dir)).toEqual([]);
  });

  /**
   * A named pipe holding the archive's first 32 KB (less than a pipe holds), kept open: `parley
   * restore` reading it unpacks those and waits for the rest.
   */
  async function stalledArchive(bytes: Buffer): Promise<string> {
    const fifo = join(await scratch(), 'archive.tar');
    await run('mkfifo', [fifo]);
    // Read and write (Linux): it opens at once, and stays open while parley opens and reopens it.
    const pipe = await open(fifo, 'r+');
    cleanups.push(() => pipe.close());
    await pipe.write(bytes.subarray(0, 32 * 1024));
    return fifo;
  }

  it.each([
    ['SIGINT', 'a new DIR (staged beside it, in parents it made)', false],
    ['SIGTERM', 'an existing empty DIR (staged inside it)', true],
  ] as const)('parley restore: %s while unpacking into %s removes the staging, and parley ends by the signal', async (signal, _into, existing) => {
    const bytes = await readFile(archive);
    const parent = await scratch();
    const dir = existing ? join(parent, 'data') : join(parent, 'srv', 'data');
    if (existing) await mkdir(dir);
    const [where, pattern] = existing ? [dir, /^\.restoring-[A-Za-z0-9]{6}$/] : [join(parent, 'srv'), /^\.data\.restoring-[A-Za-z0-9]{6}$/];

    const restore = spawnParley(['restore', await stalledArchive(bytes), '--data-dir', dir]);
    await expect.poll(() => partialCopies(where, pattern, 'parley.db'), { timeout: 20_000, interval: 20 }).toHaveLength(1);

    const exit = await restore.stop(signal);
    expect(exit, restore.stderr).toEqual({ code: null, signal });
    expect(restore.stderr).toBe('');
    expect(await readdir(parent)).toEqual(existing ? ['data'] : []);
    if (existing) expect(await readdir(dir)).toEqual([]);
  });
});
