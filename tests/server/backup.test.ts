// Backups over the API (GET /api/v1/admin/backup) and their restore into a new data directory:
// what the archive holds, who may take one, and every way a restore refuses a bad archive
// without leaving anything behind. (The round trip under write load, through the real `parley`
// binary and a second server, is in tests/cli/backup.test.ts.)
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_FORMAT, type BackupManifest, backupReader, MANIFEST_FILE } from '../../core/backup-format.js';
import type { ParleyClient } from '../../core/client/api.js';
import { DATABASE_FILE } from '../../server/config.js';
import { migrations } from '../../server/db/migrations.js';
import { restoreBackup } from '../../server/services/backup.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const ORIGIN = 'https://shop.example.com';
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PHOTO = Buffer.concat([PNG_MAGIC, Buffer.alloc(3000, 7)]);
const AVATAR = Buffer.concat([PNG_MAGIC, Buffer.alloc(500, 3)]);

let server: TestServer;
let admin: ParleyClient;
let operator: ParleyClient;
let projectAdmin: ParleyClient;
let visitor: Peer;
let photoId: number;
/** A good archive of the server above, taken once; the restore tests change copies of it. */
let archive: string;
let work: string;

async function addMember(projectId: number, email: string, body: { operator?: boolean; access?: 'admin' }) {
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(projectId, { email, firstName: 'Test', lastName: 'Member', ...body });
  const mail = await outbox.waitFor((m) => m.to === email);
  outbox.close();
  return signIn(server.url, email, passwordFrom(mail), NEW_PASSWORD);
}

function getBackup(token?: string): Promise<Response> {
  return fetch(`${server.url}/api/v1/admin/backup`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** Reads a backup answer through the checking reader, keeping each file's bytes (and the archive in `save`). */
async function readArchive(res: Response, save?: string): Promise<{ manifest: BackupManifest; files: Map<string, Buffer> }> {
  const files = new Map<string, Buffer>();
  const reader = backupReader('the answer', (file) => {
    const parts: Buffer[] = [];
    return new Writable({
      write(chunk: Buffer, _enc, done) {
        parts.push(chunk);
        done();
      },
      final(done) {
        files.set(file.path, Buffer.concat(parts));
        done();
      },
    });
  });
  const out = save ? createWriteStream(save) : null;
  for await (const chunk of res.body!) {
    out?.write(chunk);
    await reader.write(chunk);
  }
  if (out) await new Promise((resolve) => out.end(resolve));
  return { manifest: await reader.end(), files };
}

const stagingLeftovers = async () => (await readdir(server.dataDir)).filter((n) => n.startsWith('.backup-'));

beforeAll(async () => {
  work = await tempDir('parley-backup-');
  server = await startTestServer({ rateLimits: { login: 1000 } });
  ({ client: admin } = await signedInAdmin(server));
  const project = await admin.createProject('Shop');
  await admin.updateProject(project.id, { allowedOrigins: [ORIGIN] });
  operator = await addMember(project.id, 'oli@example.com', { operator: true });
  projectAdmin = await addMember(project.id, 'pat@example.com', { access: 'admin' });
  await operator.setAvatar(AVATAR);

  const hello = await visitorHello(server.url, project.widgetKey, ORIGIN);
  visitor = hello.peer;
  const form = new FormData();
  form.append('file', new Blob([PHOTO]), 'photo.png');
  const uploaded = await fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
    method: 'POST',
    headers: { origin: ORIGIN, 'x-parley-visitor': hello.welcome.token },
    body: form,
  });
  photoId = ((await uploaded.json()) as { id: number }).id;
  visitor.send({ type: 'message.send', clientId: randomUUID(), body: 'a photo', attachmentIds: [photoId] });
  await visitor.next((f) => f.type === 'message.stored');
  const dialogId = (await operator.listDialogs(project.id)).dialogs[0].id;
  await operator.sendMessage(project.id, dialogId, randomUUID(), 'a nice photo');

  archive = join(work, 'good.tar');
  await readArchive(await getBackup(admin.token!), archive);
});

afterAll(async () => {
  await visitor?.close();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('GET /api/v1/admin/backup', () => {
  it('streams a tar of the database and every file it refers to, each checked against the manifest', async () => {
    // A file nothing refers to (an upload still being written, say) stays out.
    await writeFile(join(server.dataDir, 'uploads', '1-stray'), 'half an upload');
    const res = await getBackup(admin.token!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-tar');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="parley-backup-\d{8}T\d{6}\.tar"$/);
    const { manifest, files } = await readArchive(res);

    const live = new Database(join(server.dataDir, DATABASE_FILE), { readonly: true });
    const { file: photo } = live.prepare('SELECT file FROM attachments WHERE id = ?').get(photoId) as { file: string };
    const { avatar_file: avatar } = live.prepare("SELECT avatar_file FROM users WHERE email = 'oli@example.com'").get() as {
      avatar_file: string;
    };
    live.close();
    expect(manifest).toMatchObject({
      format: BACKUP_FORMAT,
      schemaVersion: migrations.length,
      counts: { projects: 1, dialogs: 1, messages: 2, attachments: 1 },
      missing: [],
    });
    expect(manifest.files.map((f) => f.path)).toEqual([DATABASE_FILE, `avatars/${avatar}`, `uploads/${photo}`]);
    expect(files.get(`uploads/${photo}`)).toEqual(PHOTO);
    expect(files.get(`avatars/${avatar}`)).toEqual(AVATAR);

    // The database in it is one whole SQLite file (no -wal needed) with both messages.
    const copy = join(work, 'copy.db');
    await writeFile(copy, files.get(DATABASE_FILE)!);
    const db = new Database(copy, { readonly: true });
    expect(db.prepare('SELECT body FROM messages ORDER BY seq').all()).toEqual([{ body: 'a photo' }, { body: 'a nice photo' }]);
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    db.close();

    // Plain tar: the system's tar lists the same entries, the manifest first.
    const { stdout } = await run('tar', ['-tf', archive]);
    expect(stdout.trim().split('\n')).toEqual([MANIFEST_FILE, ...manifest.files.map((f) => f.path)]);

    // The staging directory goes once the answer is sent.
    await expect.poll(stagingLeftovers).toEqual([]);
  });

  it('answers only server administrators: 401 without a token, 403 for operators and project admins', async () => {
    const anonymous = await getBackup();
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    for (const who of [operator, projectAdmin]) {
      const res = await getBackup(who.token!);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: { code: 'forbidden', message: expect.stringContaining('only server administrators') },
      });
    }
    expect(await stagingLeftovers()).toEqual([]);
  });

  it('removes the staging directory when the client goes away half-way', async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/api/v1/admin/backup`, {
      headers: { authorization: `Bearer ${admin.token}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    await res.body!.getReader().read();
    expect(await stagingLeftovers()).toHaveLength(1);
    controller.abort();
    await expect.poll(stagingLeftovers).toEqual([]);
  });
});

describe('restoreBackup', () => {
  /** The good archive unpacked by the system's tar, to be changed and packed again. */
  async function unpacked(): Promise<{ dir: string; manifest: BackupManifest }> {
    const dir = await tempDir('parley-unpacked-');
    await run('tar', ['-xf', archive, '-C', dir]);
    return { dir, manifest: JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as BackupManifest };
  }

  async function repack(
    dir: string,
    manifest: BackupManifest,
    name: string,
    entries = manifest.files.map((f) => f.path),
  ): Promise<string> {
    await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
    const file = join(work, name);
    await createTar({ cwd: dir, file, portable: true }, [MANIFEST_FILE, ...entries]);
    return file;
  }

  async function rehash(dir: string, manifest: BackupManifest): Promise<void> {
    for (const f of manifest.files) {
      const bytes = await readFile(join(dir, f.path));
      f.size = bytes.length;
      f.sha256 = createHash('sha256').update(bytes).digest('hex');
    }
  }

  /**
   * Restoring `file` into a new directory fails with `message` and leaves nothing behind: not
   * the directories made on the way to it either.
   */
  async function refused(file: string, message: RegExp): Promise<void> {
    const parent = await tempDir('parley-restore-');
    await expect(restoreBackup(file, join(parent, 'srv', 'parley', 'data'))).rejects.toThrow(message);
    expect(await readdir(parent)).toEqual([]);
  }

  it('restores into a new directory: every file byte for byte what the server had', async () => {
    const parent = await tempDir('parley-restore-');
    const target = join(parent, 'data');
    const { manifest, dataDir } = await restoreBackup(archive, target);
    expect(dataDir).toBe(target);
    expect(await readdir(parent)).toEqual(['data']);
    expect(manifest.files).toHaveLength(3);
    for (const f of manifest.files.slice(1)) {
      expect(await readFile(join(target, f.path))).toEqual(await readFile(join(server.dataDir, f.path)));
    }
    const db = new Database(join(target, DATABASE_FILE), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 2 });
    db.close();
  });

  it('restores into an empty directory, and refuses one that holds anything, or a file', async () => {
    const parent = await tempDir('parley-restore-');
    const empty = join(parent, 'empty');
    await mkdir(empty);
    await restoreBackup(archive, empty);
    expect((await readdir(empty)).sort()).toEqual(['avatars', DATABASE_FILE, 'uploads']);
    // As the server keeps them: its user's only (the umask of whoever restores does not matter).
    for (const dir of ['avatars', 'uploads']) expect((await stat(join(empty, dir))).mode & 0o077, dir).toBe(0);

    const full = join(parent, 'full');
    await mkdir(full);
    await writeFile(join(full, 'notes.txt'), 'mine');
    await expect(restoreBackup(archive, full)).rejects.toThrow(/full is not empty: restore into a new or empty directory/);
    expect(await readdir(full)).toEqual(['notes.txt']);
    await expect(restoreBackup(archive, join(full, 'notes.txt'))).rejects.toThrow(/notes\.txt is a file, not a directory/);
    expect((await readdir(parent)).sort()).toEqual(['empty', 'full']);
  });

  it('refuses a damaged archive: a flipped byte, a cut, a file that is not tar', async () => {
    const bytes = await readFile(archive);
    // The database's tar header follows the manifest; flip a byte 4 KB into its data.
    const dbHeader = bytes.indexOf(Buffer.from(`${DATABASE_FILE}\0`));
    expect(dbHeader % 512).toBe(0);
    const flipped = Buffer.from(bytes);
    flipped[dbHeader + 512 + 4096] ^= 0xff;
    await writeFile(join(work, 'flipped.tar'), flipped);
    await refused(join(work, 'flipped.tar'), /flipped\.tar is damaged or not a Parley backup: parley\.db does not match its checksum/);

    await writeFile(join(work, 'cut.tar'), bytes.subarray(0, dbHeader + 512 + 10_000));
    await refused(join(work, 'cut.tar'), /cut\.tar is damaged or not a Parley backup: truncated input/);
    // Cut at an entry boundary, with no end blocks: the manifest tells what is missing.
    await writeFile(join(work, 'short.tar'), bytes.subarray(0, dbHeader));
    await refused(join(work, 'short.tar'), /short\.tar is damaged or not a Parley backup: it ends before parley\.db/);

    await writeFile(join(work, 'notes.txt'), 'hello '.repeat(500));
    await refused(join(work, 'notes.txt'), /notes\.txt is damaged or not a Parley backup: it is not a tar archive/);
  });

  it('refuses an archive of a newer format, and a database of a newer schema', async () => {
    const newer = await unpacked();
    const newerFormat = await repack(newer.dir, { ...newer.manifest, format: BACKUP_FORMAT + 1, parleyVersion: '9.0.0' }, 'format.tar');
    await refused(
      newerFormat,
      /format\.tar was written by a newer Parley \(9\.0\.0, backup format 2; this Parley reads format 1\): upgrade Parley/,
    );

    const future = await unpacked();
    const db = new Database(join(future.dir, DATABASE_FILE));
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    await rehash(future.dir, future.manifest);
    future.manifest.schemaVersion = migrations.length + 1;
    await refused(
      await repack(future.dir, future.manifest, 'schema.tar'),
      new RegExp(`schema\\.tar was written by a newer Parley .*database schema ${migrations.length + 1}; this Parley knows up to ${migrations.length}`),
    );
  });

  it('refuses a database that fails the integrity check even when its checksum matches', async () => {
    const broken = await unpacked();
    const path = join(broken.dir, DATABASE_FILE);
    const sqlite = new Database(path, { readonly: true });
    const { rootpage } = sqlite.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'messages'").get() as { rootpage: number };
    const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
    sqlite.close();
    // Garbage over the messages table's page (past its header), as a failing disk leaves it.
    const bytes = await readFile(path);
    bytes.fill(0xa5, (rootpage - 1) * pageSize + 8, rootpage * pageSize);
    await writeFile(path, bytes);
    await rehash(broken.dir, broken.manifest);
    await refused(await repack(broken.dir, broken.manifest, 'broken.tar'), /the database in broken\.tar fails SQLite's integrity check/);
  });

  it('refuses entries the manifest does not list, and listed paths that leave the directory', async () => {
    const extra = await unpacked();
    await writeFile(join(extra.dir, 'extra.txt'), 'surprise');
    const withExtra = await repack(extra.dir, extra.manifest, 'extra.tar', [...extra.manifest.files.map((f) => f.path), 'extra.txt']);
    await refused(withExtra, /extra\.tar is damaged or not a Parley backup: it holds "extra\.txt", which its manifest does not list/);

    const escape = await unpacked();
    await writeFile(join(escape.dir, 'escaped'), 'outside');
    const listed = { ...escape.manifest, files: [...escape.manifest.files, { path: '../escaped', size: 7, sha256: '0'.repeat(64) }] };
    const escaping = await repack(escape.dir, listed, 'escape.tar', [...escape.manifest.files.map((f) => f.path), 'escaped']);
    await refused(escaping, /escape\.tar is damaged or not a Parley backup: its parley-backup\.json is incomplete/);
  });
});
