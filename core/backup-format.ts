// The backup archive that `parley backup` downloads and `parley restore` unpacks: a plain
// (uncompressed) tar whose first entry is the manifest, parley-backup.json, followed by exactly
// the files it lists, in its order: parley.db (an online SQLite backup), then uploads/… and
// avatars/…. The manifest gives each file's size and SHA-256, so a reader checks every byte as
// it streams by and tells a whole archive from a cut or damaged one without unpacking it first.
// Any tar tool reads it too: `tar -xOf FILE parley-backup.json` shows the manifest.
import { createHash } from 'node:crypto';
import { Parser, type ReadEntry } from 'tar';

/** Raised whenever the archive's layout changes; readers refuse formats newer than theirs. */
export const BACKUP_FORMAT = 1;
export const MANIFEST_FILE = 'parley-backup.json';
/** A manifest lists one line per file; this is room for millions of uploads. */
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

export interface BackupFile {
  /** Relative to the data directory, with "/" separators. */
  path: string;
  size: number;
  sha256: string;
}

export interface BackupManifest {
  format: number;
  parleyVersion: string;
  /** ISO time the database snapshot was taken. */
  createdAt: string;
  /** The database's schema version (PRAGMA user_version). */
  schemaVersion: number;
  counts: { projects: number; dialogs: number; messages: number; attachments: number };
  /** The database first, then every upload and avatar the database refers to. */
  files: BackupFile[];
  /** Files the database refers to that were not in the data directory when the backup was taken. */
  missing: string[];
}

/** The archive is not a Parley backup, is damaged or cut short, or is of a newer format. */
export class BackupError extends Error {}

/** Plain relative names only: no "..", no absolute paths, nothing a shell or tar would reinterpret. */
export function isSafeArchivePath(path: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/.test(path) && path.length <= 255;
}

/** The manifest's fields, checked; `label` names the archive in the messages. */
function parseManifest(text: string, label: string): BackupManifest {
  const damaged = (why: string) => new BackupError(`${label} is damaged or not a Parley backup: its ${MANIFEST_FILE} ${why}`);
  let m: Partial<BackupManifest>;
  try {
    m = JSON.parse(text) as Partial<BackupManifest>;
  } catch {
    throw damaged('is not JSON');
  }
  if (typeof m !== 'object' || m === null || !Number.isInteger(m.format)) throw damaged('has no format version');
  if (m.format! > BACKUP_FORMAT) {
    throw new BackupError(
      `${label} was written by a newer Parley (${m.parleyVersion ?? 'unknown version'}, backup format ${m.format}; ` +
        `this Parley reads format ${BACKUP_FORMAT}): upgrade Parley to restore it`,
    );
  }
  const files = Array.isArray(m.files) ? m.files : [];
  const fileOk = (f: BackupFile) =>
    typeof f === 'object' && f !== null && typeof f.path === 'string' && isSafeArchivePath(f.path) &&
    Number.isSafeInteger(f.size) && f.size >= 0 && typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256);
  if (
    files.length === 0 || !files.every(fileOk) || new Set(files.map((f) => f.path)).size !== files.length ||
    typeof m.createdAt !== 'string' || !Number.isInteger(m.schemaVersion) || typeof m.counts !== 'object' || m.counts === null
  ) {
    throw damaged('is incomplete');
  }
  return { ...m, missing: Array.isArray(m.missing) ? m.missing : [] } as BackupManifest;
}

/** Where a reader puts a file's bytes (restore: a file on disk); without one it only checks them. */
export type FileSink = (file: BackupFile) => NodeJS.WritableStream & { destroy?(): void };

export interface BackupReader {
  /** Feeds the next piece of the archive; resolves when it may be given more. */
  write(chunk: Uint8Array): Promise<void>;
  /** Call after the last piece: resolves with the manifest once every file was checked and written. */
  end(): Promise<BackupManifest>;
}

/**
 * Checks an archive as it arrives: the manifest first, then each listed file in order with its
 * size and SHA-256, nothing missing and nothing extra. Every failure is a BackupError that
 * starts with `label` (the archive's name) and says what is wrong.
 */
export function backupReader(label: string, sink?: FileSink): BackupReader {
  const parser = new Parser({ strict: true });
  let failure: Error | null = null;
  let manifest: BackupManifest | null = null;
  let index = 0;
  let sawEntry = false;
  const open = new Set<ReturnType<FileSink>>();
  const written: Array<Promise<void>> = [];

  const stop = (err: Error) => {
    if (failure) return;
    failure = err;
    for (const out of open) out.destroy?.();
    parser.abort(err);
  };
  const damaged = (why: string) => stop(new BackupError(`${label} is damaged or not a Parley backup: ${why}`));
  // In strict mode every tar warning (a bad header checksum, input cut short) arrives here.
  parser.on('error', (err: Error) => {
    if (failure) return;
    const why = err.message.replace(/^TAR_[A-Z_]+: /, '').replace(/^./, (c) => c.toLowerCase());
    damaged(sawEntry ? why : `it is not a tar archive (${why})`);
  });

  parser.on('entry', (entry: ReadEntry) => {
    sawEntry = true;
    if (failure) return void entry.resume();
    if (entry.type !== 'File') return damaged(`it holds a ${entry.type} entry "${entry.path}"`);
    if (!manifest) {
      if (entry.path !== MANIFEST_FILE) return damaged(`it does not begin with ${MANIFEST_FILE}`);
      if ((entry.size ?? 0) > MAX_MANIFEST_BYTES) return damaged(`its ${MANIFEST_FILE} is too large`);
      const parts: Buffer[] = [];
      entry.on('data', (c: Buffer) => parts.push(c));
      // Runs before the parser moves on to the next entry.
      entry.on('end', () => {
        try {
          manifest = parseManifest(Buffer.concat(parts).toString('utf8'), label);
        } catch (err) {
          stop(err as Error);
        }
      });
      return;
    }
    const expected = manifest.files[index++];
    if (!expected) return damaged(`it holds "${entry.path}", which its manifest does not list`);
    if (entry.path !== expected.path) return damaged(`it holds "${entry.path}" where its manifest lists "${expected.path}"`);
    const hash = createHash('sha256');
    let size = 0;
    const out = sink?.(expected);
    entry.on('data', (c: Buffer) => {
      hash.update(c);
      size += c.length;
      if (out && !out.write(c)) {
        entry.pause();
        out.once('drain', () => entry.resume());
      }
    });
    entry.on('end', () => {
      if (size !== expected.size || hash.digest('hex') !== expected.sha256) {
        return damaged(`${expected.path} does not match its checksum`);
      }
      out?.end();
    });
    if (out) {
      open.add(out);
      written.push(
        new Promise<void>((resolve) => {
          out.once('error', (err: Error) => {
            stop(err);
            resolve();
          });
          out.once('finish', () => {
            open.delete(out);
            resolve();
          });
          out.once('close', resolve);
        }),
      );
    }
  });

  // Settles when the parser wants more input, has finished, or has failed.
  const settled = (event: 'drain' | 'end') =>
    new Promise<void>((resolve) => {
      const done = () => {
        parser.off(event, done);
        parser.off('error', done);
        resolve();
      };
      parser.on(event, done);
      parser.on('error', done);
    });
  const check = () => {
    if (failure) throw failure;
  };
  return {
    async write(chunk) {
      check();
      const more = parser.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      check();
      if (!more) await settled('drain');
      check();
    },
    async end() {
      check();
      const ended = settled('end');
      parser.end();
      check();
      await ended;
      check();
      await Promise.all(written);
      check();
      if (!manifest) damaged('it is empty');
      else if (index < manifest.files.length) damaged(`it ends before ${manifest.files[index].path}`);
      check();
      return manifest!;
    },
  };
}
