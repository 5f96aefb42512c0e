// Backups of a live server and their restore into a new data directory (the archive's layout
// is core/backup-format.ts).
//
// Taking one: the database is copied with SQLite's online backup API from a connection that
// holds one read transaction for the whole copy, so the copy is the state of one moment. In WAL
// mode the writer goes on committing meanwhile and the copy neither blocks it nor starts over
// (without that transaction every commit would restart the copy, which under steady writes
// never ends). The files that state refers to (attachments, avatars) are hard-linked into a
// staging directory beside the database, so a file replaced or removed during the backup still
// reaches the archive; every file was written before the row naming it committed, so each is
// whole. Files nothing refers to (an upload still arriving, a replaced avatar) stay out. The
// staging directory is hashed into the manifest and then streamed as tar: nothing is held in
// memory, on either side.
//
// Restoring: the archive is unpacked into a staging directory while every file is checked
// against the manifest, the database passes PRAGMA integrity_check and a schema version this
// Parley knows, and only then does it become the data directory: a new one is staged beside
// the target and renamed into place; an existing empty one (a mount point, or a directory made
// for the service user in a parent it cannot write; a fresh volume's empty lost+found may be
// there) is staged inside itself, and the checked entries move up into it, the database last,
// given DIR's owner and group when root restores (DIR is the service user's).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type Dirent, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { chmod, copyFile, lchown, link, mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { create as createTar } from 'tar';
import {
  BACKUP_FORMAT,
  BackupError,
  type BackupFile,
  type BackupManifest,
  backupReader,
  isSafeArchivePath,
  MANIFEST_FILE,
} from '../../core/backup-format.js';
import { DATABASE_FILE } from '../config.js';
import { migrations } from '../db/migrations.js';
import type { ServiceDeps } from './context.js';

/** Where each kind of file lives in the data directory, and which rows name them. */
const FILE_SOURCES = [
  { dir: 'uploads', sql: 'SELECT file AS name FROM attachments' },
  { dir: 'avatars', sql: 'SELECT avatar_file AS name FROM users WHERE avatar_file IS NOT NULL' },
] as const;

const STAGING_PREFIX = '.backup-';
/** Exactly the names create() gives its staging directories: nothing else in the data directory is ever removed. */
const STAGING_NAME = /^\.backup-[0-9a-f]{16}$/;

export interface BackupArchive {
  manifest: BackupManifest;
  /** The tar stream; the staging directory is removed once it ends or is abandoned. */
  stream: Readable;
}

export type BackupService = ReturnType<typeof backupService>;

export function backupService(deps: Pick<ServiceDeps, 'db' | 'clock' | 'config'>) {
  const { db, clock, config } = deps;
  const active = new Set<string>();

  /** Staging directories of this process are in use; any other one is left from a crash or a stop mid-download. */
  async function removeLeftovers(): Promise<void> {
    const names = await readdir(config.dataDir).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(config.dataDir, name);
      if (STAGING_NAME.test(name) && !active.has(path)) await rm(path, { recursive: true, force: true });
    }
  }

  // Made while the server starts, under its lock on the data directory: no other server uses
  // this one, so every staging directory in it is left over (a stop or a crash in the middle of
  // a download), and each holds a copy of the database. Removed now, before anything is served,
  // rather than whenever the next backup happens to be taken.
  for (const entry of readdirSync(config.dataDir, { withFileTypes: true })) {
    if (entry.isDirectory() && STAGING_NAME.test(entry.name)) rmSync(join(config.dataDir, entry.name), { recursive: true, force: true });
  }

  return {
    /**
     * At a clean stop (SIGINT/SIGTERM), once the server has closed its connections: a download
     * cut off then drops its staging directory without waiting for it, and the process would
     * exit before the removal is done, leaving a copy of the database until the next start.
     */
    async close(): Promise<void> {
      await Promise.all([...active].map((path) => rm(path, { recursive: true, force: true })));
      active.clear();
    },

    /** A consistent backup of the database and the files it refers to, as a tar stream. */
    async create(): Promise<BackupArchive> {
      // Named and marked in use before it exists, so a backup starting meanwhile never takes it for a leftover.
      const staging = join(config.dataDir, `${STAGING_PREFIX}${randomBytes(8).toString('hex')}`);
      active.add(staging);
      await removeLeftovers();
      const dispose = async () => {
        await rm(staging, { recursive: true, force: true });
        active.delete(staging);
      };
      try {
        await mkdir(staging, { mode: 0o700 });
        // Files present now are linked before the snapshot, so one the snapshot still names but
        // that is replaced right after it (an avatar) is kept; the rest are linked after it.
        const early = new Set<string>();
        for (const { dir } of FILE_SOURCES) {
          for (const name of await readdir(join(config.dataDir, dir)).catch(() => [] as string[])) {
            const path = `${dir}/${name}`;
            if (isSafeArchivePath(name) && (await linkInto(config.dataDir, staging, path, { copy: false }))) early.add(path);
          }
        }
        const createdAt = new Date(clock.now()).toISOString();
        const dbPath = join(staging, DATABASE_FILE);
        await snapshotDatabase(db.path, dbPath);
        const facts = databaseFacts(dbPath);

        const wanted = new Set(facts.files);
        const missing: string[] = [];
        for (const path of wanted) {
          if (!early.has(path) && !(await linkInto(config.dataDir, staging, path, { copy: true }))) missing.push(path);
        }
        for (const path of early) if (!wanted.has(path)) await rm(join(staging, path), { force: true });

        const files: BackupFile[] = [await describe(staging, DATABASE_FILE)];
        const gone = new Set(missing);
        for (const path of [...wanted].filter((p) => !gone.has(p)).sort()) files.push(await describe(staging, path));
        const manifest: BackupManifest = {
          format: BACKUP_FORMAT,
          parleyVersion: parleyVersion(),
          createdAt,
          schemaVersion: facts.schemaVersion,
          counts: facts.counts,
          files,
          missing,
        };
        await writeFile(join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);

        const tar = createTar({ cwd: staging, portable: true, noDirRecurse: true }, [MANIFEST_FILE, ...files.map((f) => f.path)]);
        const stream = Readable.from(tar, { objectMode: false });
        let disposed = false;
        const once = () => {
          if (!disposed) {
            disposed = true;
            void dispose();
          }
        };
        stream.once('close', once);
        stream.once('error', once);
        return { manifest, stream };
      } catch (err) {
        await dispose();
        throw err;
      }
    },
  };
}

/**
 * A read transaction pins one WAL snapshot on this connection; the backup API then copies that
 * state page by page between turns of the event loop. Writes by the server's own writer
 * connection neither wait for it nor make it start over.
 */
async function snapshotDatabase(source: string, target: string): Promise<void> {
  const conn = new Database(source, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    conn.exec('BEGIN');
    conn.prepare('SELECT count(*) FROM sqlite_master').get();
    await conn.backup(target);
    conn.exec('COMMIT');
  } finally {
    conn.close();
  }
}

/** What the copied database says about itself; it also becomes one self-contained file. */
function databaseFacts(path: string) {
  const conn = new Database(path, { fileMustExist: true });
  try {
    // The live database is in WAL mode; the copy carries no -wal file and the server switches
    // it back to WAL when it opens it.
    conn.pragma('journal_mode = DELETE');
    const count = (table: string) => (conn.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    const files: string[] = [];
    for (const { dir, sql } of FILE_SOURCES) {
      for (const { name } of conn.prepare(sql).all() as Array<{ name: string }>) {
        // Names are generated by the server; anything else is never followed out of the directory.
        if (isSafeArchivePath(name) && !name.includes('/')) files.push(`${dir}/${name}`);
      }
    }
    return {
      schemaVersion: conn.pragma('user_version', { simple: true }) as number,
      counts: { projects: count('projects'), dialogs: count('dialogs'), messages: count('messages'), attachments: count('attachments') },
      files,
    };
  } finally {
    conn.close();
  }
}

/**
 * Hard-links `path` from the data dir into the staging dir; false when it is gone. Where a link
 * is impossible (another file system) it copies when `copy`: only after the snapshot, when a
 * file it names is whole, while a link taken earlier shares the inode and so sees it completed.
 */
async function linkInto(dataDir: string, staging: string, path: string, opts: { copy: boolean }): Promise<boolean> {
  const from = join(dataDir, path);
  const to = join(staging, path);
  await mkdir(dirname(to), { recursive: true });
  try {
    if (!(await stat(from)).isFile()) return false;
    await link(from, to);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'EEXIST') return true;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw err;
    if (!opts.copy) return false;
  }
  try {
    await copyFile(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function describe(root: string, path: string): Promise<BackupFile> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(join(root, path))) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { path, size, sha256: hash.digest('hex') };
}

let version: string | null = null;
/** Found by walking up: this file runs from server/services (tests) and dist/server/services. */
function parleyVersion(): string {
  if (version) return version;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}

export interface RestoreResult {
  dataDir: string;
  manifest: BackupManifest;
  /** Size of the archive in bytes. */
  bytes: number;
}

export interface RestoreOptions {
  /**
   * Kept up to date with what the restore has written and would take away if it failed (its
   * staging directory, parent directories it made, entries already moved into DIR), and emptied
   * once DIR is whole. A process ended by a signal never gets to the cleanup below (its pending
   * promises never settle); it removes these instead (`parley restore`).
   */
  unfinished?: Set<string>;
}

/** A file-system failure of a restore, and where: reading the archive, or writing in a directory that exists. */
export class RestoreFileError extends Error {
  constructor(
    readonly path: string,
    readonly access: 'read' | 'write',
    override readonly cause: NodeJS.ErrnoException,
  ) {
    super(`cannot ${access} ${path}: ${cause.message}`, { cause });
  }
}

/**
 * Restores `archive` into `dataDir`, which must not exist or be empty. All or nothing: on any
 * failure nothing is left behind, and `dataDir` stays as it was.
 */
export async function restoreBackup(archive: string, dataDir: string, opts: RestoreOptions = {}): Promise<RestoreResult> {
  const target = resolve(dataDir);
  const label = basename(archive);
  const unfinished = opts.unfinished ?? new Set<string>();
  const { size: bytes } = await stat(archive).catch(failed(archive, 'read'));
  try {
    const staging = await stage(target, dataDir, unfinished);
    const reader = backupReader(label, (file) => {
      const path = join(staging.dir, file.path);
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      return createWriteStream(path, { flags: 'wx', mode: 0o600 });
    });
    // A failure to read is the archive's; one to write is the directory's it is unpacked in.
    const input = createReadStream(archive);
    const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      for (;;) {
        const next = await chunks.next().catch(failed(archive, 'read'));
        if (next.done) break;
        await reader.write(next.value).catch(failed(staging.in, 'write'));
      }
    } finally {
      input.destroy();
    }
    const manifest = await reader.end().catch(failed(staging.in, 'write'));
    checkDatabase(join(staging.dir, DATABASE_FILE), manifest, label);
    await staging.place();
    return { dataDir: target, manifest, bytes };
  } catch (err) {
    for (const path of [...unfinished].reverse()) await rm(path, { recursive: true, force: true });
    unfinished.clear();
    throw err;
  }
}

/** Where the archive is unpacked and checked before DIR holds it. */
interface Staging {
  dir: string;
  /** The existing directory `dir` is in (DIR as given, or the absolute one a new DIR is made in): named when writing there fails. */
  in: string;
  /** Makes the checked files DIR's. */
  place(): Promise<void>;
}

/** Staging directories are PREFIX and six letters or digits (mkdtemp's, as earlier versions named them). */
const RESTORING = '.restoring-';
const LETTERS_AND_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A new DIR is unpacked beside it and renamed into place. An existing DIR (an empty volume
 * mounted there, or one made for the service user in a directory it cannot write) is unpacked
 * inside itself: a mount point cannot be renamed over, and its parent may not be writable.
 */
async function stage(target: string, dataDir: string, unfinished: Set<string>): Promise<Staging> {
  const entries = await readdir(target, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    if (err.code === 'ENOTDIR') throw new BackupError(`${dataDir} is a file, not a directory`);
    return failed(dataDir, 'read')(err);
  });
  return entries ? stageInside(target, dataDir, entries, unfinished) : stageBeside(target, dataDir, unfinished);
}

async function stageBeside(target: string, dataDir: string, unfinished: Set<string>): Promise<Staging> {
  const parent = dirname(target);
  const prefix = `.${basename(target)}${RESTORING}`;
  // The first directory made on the way (none when the parent was there), to take away on failure.
  const made = await mkdir(parent, { recursive: true }).catch((err: unknown) => failed(existingAncestor(parent), 'write')(err));
  if (made) unfinished.add(made);
  // What a killed restore into this same DIR left; one that cannot be removed is no reason to stop.
  for (const entry of made ? [] : await readdir(parent, { withFileTypes: true }).catch(() => [] as Dirent[])) {
    if (isLeftover(entry, prefix)) await rm(join(parent, entry.name), { recursive: true, force: true }).catch(() => undefined);
  }
  const dir = await makeStaging(parent, prefix, unfinished);
  return {
    dir,
    in: parent,
    async place() {
      // As the server creates its data directory: only its owner may read it.
      await chmod(dir, 0o700).catch(failed(parent, 'write'));
      // rename() replaces an empty directory; one that filled up meanwhile makes it fail.
      await rename(dir, target).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOTEMPTY' || err.code === 'EEXIST') throw notEmpty(dataDir);
        return failed(parent, 'write')(err);
      });
      unfinished.clear();
    },
  };
}

/**
 * DIR stays the directory it is, with its owner and mode; only what the archive holds is added to
 * it. As root, the restored files get DIR's owner and group: DIR was made for the service that
 * will run on it, and files root keeps for itself (0600) are of no use to that service.
 */
async function stageInside(target: string, dataDir: string, entries: Dirent[], unfinished: Set<string>): Promise<Staging> {
  // Empty but for what a killed restore into it left, and a fresh volume's lost+found.
  const leftovers = entries.filter((entry) => isLeftover(entry, RESTORING));
  const others = entries.filter((entry) => !leftovers.includes(entry));
  if (others.length > 0 && !(others.length === 1 && (await isEmptyLostFound(target, others[0])))) throw notEmpty(dataDir);
  for (const { name } of leftovers) await rm(join(target, name), { recursive: true, force: true }).catch(failed(dataDir, 'write'));
  const dir = await makeStaging(target, RESTORING, unfinished, dataDir);
  const owner = process.getuid?.() === 0 ? await stat(target).catch(failed(dataDir, 'read')) : null;
  return {
    dir,
    in: dataDir,
    async place() {
      if (owner) await chownTree(dir, owner.uid, owner.gid).catch(failed(dataDir, 'write'));
      // What appeared in DIR meanwhile (a server started on it, say) is not to be mixed with the restore.
      const now = await readdir(target).catch(failed(dataDir, 'read'));
      if (now.some((name) => name !== basename(dir) && name !== LOST_FOUND)) throw notEmpty(dataDir);
      // The database last: until it is there, DIR is no data directory to a server.
      const names = (await readdir(dir).catch(failed(dataDir, 'read'))).sort((a, b) => Number(a === DATABASE_FILE) - Number(b === DATABASE_FILE));
      for (const name of names) {
        await rename(join(dir, name), join(target, name)).catch(failed(dataDir, 'write'));
        unfinished.add(join(target, name));
      }
      await rmdir(dir).catch(failed(dataDir, 'write'));
      unfinished.clear();
    },
  };
}

/**
 * `inDir/PREFIX` and six letters or digits, marked unfinished before it exists so that a signal
 * never misses it; `label` names `inDir` in errors.
 */
async function makeStaging(inDir: string, prefix: string, unfinished: Set<string>, label = inDir): Promise<string> {
  const dir = join(inDir, prefix + Array.from(randomBytes(6), (b) => LETTERS_AND_DIGITS[b % LETTERS_AND_DIGITS.length]).join(''));
  unfinished.add(dir);
  await mkdir(dir, { mode: 0o700 }).catch((err: unknown) => {
    // Whatever is there by that name is not ours.
    unfinished.delete(dir);
    return failed(label, 'write')(err);
  });
  return dir;
}

/** Where fsck puts what it recovers: mkfs makes it, empty, at the root of every ext2/3/4 volume. */
const LOST_FOUND = 'lost+found';

/**
 * An empty lost+found directory: a fresh volume's, whose mount point is DIR. It stays where it is.
 * One this user may not read (mkfs makes it root's, 0700) holds nothing this user could have put
 * there, so it does not count either.
 */
async function isEmptyLostFound(target: string, entry: Dirent): Promise<boolean> {
  if (entry.name !== LOST_FOUND || !entry.isDirectory()) return false;
  return readdir(join(target, LOST_FOUND)).then(
    (names) => names.length === 0,
    (err: NodeJS.ErrnoException) => err.code === 'EACCES',
  );
}

/** `dir`'s entries, all the way down, to `uid`:`gid` (`dir` itself goes once they are moved out). */
async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    await lchown(path, uid, gid);
    if (entry.isDirectory()) await chownTree(path, uid, gid);
  }
}

/** A directory named exactly as a restore names its staging: left by one that was killed. */
function isLeftover(entry: Dirent, prefix: string): boolean {
  return entry.isDirectory() && entry.name.startsWith(prefix) && /^[A-Za-z0-9]{6}$/.test(entry.name.slice(prefix.length));
}

function notEmpty(dataDir: string): BackupError {
  return new BackupError(`${dataDir} is not empty: restore into a new or empty directory`);
}

/** Node's file-system errors become RestoreFileErrors naming `path`; any other (a damaged archive) passes as it is. */
function failed(path: string, access: 'read' | 'write') {
  return (err: unknown): never => {
    const e = err as NodeJS.ErrnoException;
    throw typeof e?.syscall === 'string' ? new RestoreFileError(path, access, e) : err;
  };
}

/** The nearest directory on the way to `path` that exists: where making the rest failed. */
function existingAncestor(path: string): string {
  while (!existsSync(path) && dirname(path) !== path) path = dirname(path);
  return path;
}

function checkDatabase(path: string, manifest: BackupManifest, label: string): void {
  let conn: Database.Database;
  try {
    conn = new Database(path, { fileMustExist: true });
  } catch (err) {
    throw new BackupError(`${label} holds no usable database: ${(err as Error).message}`);
  }
  try {
    let problems: string[];
    try {
      problems = (conn.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
    } catch (err) {
      problems = [(err as Error).message];
    }
    if (problems.join() !== 'ok') {
      throw new BackupError(`the database in ${label} fails SQLite's integrity check: ${problems.slice(0, 3).join('; ')}`);
    }
    const version = conn.pragma('user_version', { simple: true }) as number;
    if (version !== manifest.schemaVersion) {
      throw new BackupError(`${label} is damaged: its database is at schema ${version}, its manifest says ${manifest.schemaVersion}`);
    }
    if (version > migrations.length) {
      throw new BackupError(
        `${label} was written by a newer Parley (${manifest.parleyVersion}, database schema ${version}; this Parley ` +
          `knows up to ${migrations.length}): upgrade Parley to restore it`,
      );
    }
  } finally {
    conn.close();
  }
}
