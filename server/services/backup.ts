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
// Restoring: the archive is unpacked into a temporary directory beside the target while every
// file is checked against the manifest, the database passes PRAGMA integrity_check and a
// schema version this Parley knows, and only then the directory is renamed into place.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { chmod, copyFile, link, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
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

export interface BackupArchive {
  manifest: BackupManifest;
  /** The tar stream; the staging directory is removed once it ends or is abandoned. */
  stream: Readable;
}

export type BackupService = ReturnType<typeof backupService>;

export function backupService(deps: Pick<ServiceDeps, 'db' | 'clock' | 'config'>) {
  const { db, clock, config } = deps;
  const active = new Set<string>();

  /** Staging directories of this process are in use; any other one is left from a crash. */
  async function removeLeftovers(): Promise<void> {
    const names = await readdir(config.dataDir).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(config.dataDir, name);
      if (name.startsWith(STAGING_PREFIX) && !active.has(path)) await rm(path, { recursive: true, force: true });
    }
  }

  return {
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

/**
 * Restores `archive` into `dataDir`, which must not exist or be empty. All or nothing: on any
 * failure nothing is left behind, and `dataDir` stays as it was.
 */
export async function restoreBackup(archive: string, dataDir: string): Promise<RestoreResult> {
  const target = resolve(dataDir);
  const label = basename(archive);
  const { size: bytes } = await stat(archive);
  const existing = await readdir(target).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    if (err.code === 'ENOTDIR') throw new BackupError(`${dataDir} is a file, not a directory`);
    throw err;
  });
  if (existing.length > 0) {
    throw new BackupError(`${dataDir} is not empty: restore into a new or empty directory`);
  }
  // The first directory made on the way (none when the parent was there), to take away on failure.
  const madeParents = await mkdir(dirname(target), { recursive: true });
  let staging: string | undefined;
  try {
    staging = await mkdtemp(join(dirname(target), `.${basename(target)}.restoring-`));
    const into = staging;
    const reader = backupReader(label, (file) => {
      const path = join(into, file.path);
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      return createWriteStream(path, { flags: 'wx', mode: 0o600 });
    });
    for await (const chunk of createReadStream(archive)) await reader.write(chunk as Buffer);
    const manifest = await reader.end();
    checkDatabase(join(staging, DATABASE_FILE), manifest, label);
    // As the server creates its data directory: only its owner may read it.
    await chmod(staging, 0o700);
    // rename() replaces an empty directory; one that filled up meanwhile makes it fail.
    await rename(staging, target).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOTEMPTY' || err.code === 'EEXIST') {
        throw new BackupError(`${dataDir} is not empty: restore into a new or empty directory`);
      }
      throw err;
    });
    return { dataDir: target, manifest, bytes };
  } catch (err) {
    if (staging) await rm(staging, { recursive: true, force: true });
    if (madeParents) await rm(madeParents, { recursive: true, force: true });
    throw err;
  }
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
