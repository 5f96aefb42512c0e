// Files the person running the CLI names: an avatar, attachments, an import, an export, a project
// file, a backup. Every problem with one is a single line naming the path in their terms ("x is a
// directory", "no such directory: d"), never Node's "EISDIR: illegal operation on a directory".
import { rmSync } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CliError } from './errors.js';
import { type Io, warn } from './io.js';

type Access = 'read' | 'write';

const isDirectory = (path: string) => new CliError(`${path} is a directory, not a file`);

/** What went wrong with `path`, as one line. A missing file when writing is a missing directory. */
export function fileProblem(err: unknown, path: string, access: Access): CliError {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return new CliError(access === 'read' ? `no such file: ${path}` : `no such directory: ${dirname(path)}`);
    case 'EISDIR':
      return isDirectory(path);
    case 'ENOTDIR':
      // A part of the path before the last one is a file (`notes.txt/x.csv`).
      return new CliError(access === 'read' ? `no such file: ${path} (part of its path is a file)` : `no such directory: ${dirname(path)} (part of it is a file)`);
    case 'EACCES':
    case 'EPERM':
      return new CliError(`cannot ${access} ${path}: permission denied`);
    case 'EROFS':
      return new CliError(`cannot write ${path}: the file system is read-only`);
    case 'ENOSPC':
    case 'EDQUOT':
      return new CliError(`cannot write ${path}: no space left on the device`);
  }
  // Anything rarer keeps Node's words, without its code and syscall around them.
  const message = (e?.message ?? String(err)).replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
  return new CliError(`cannot ${access} ${path}: ${message}`);
}

export async function readLocalFile(path: string): Promise<Buffer> {
  return readFile(path).catch((err: unknown) => {
    throw fileProblem(err, path, 'read');
  });
}

export async function readLocalText(path: string): Promise<string> {
  return (await readLocalFile(path)).toString('utf8');
}

export async function writeLocalFile(path: string, data: string | Buffer): Promise<void> {
  await writeFile(path, data).catch((err: unknown) => {
    throw fileProblem(err, path, 'write');
  });
}

/** For a file that something else reads later (a backup being restored): it is there, readable and a file. */
export async function checkReadableFile(path: string): Promise<void> {
  const handle = await open(path, 'r').catch((err: unknown) => {
    throw fileProblem(err, path, 'read');
  });
  try {
    if ((await handle.stat()).isDirectory()) throw isDirectory(path);
  } finally {
    await handle.close();
  }
}

const INTERRUPTS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Until the returned function is called, SIGINT and SIGTERM first remove `paths()` (the
 * temporary files of a command): a signal ends the process in the middle of an await, where no
 * `finally` runs, so the removal is synchronous. The process then ends by that same signal, as
 * it would have without this: the shell reports 130 or 143 and a script running parley stops
 * too. (process.exit() would first wait for file reads in progress, for ever on a pipe that
 * nobody writes to any more.)
 */
export function removeOnInterrupt(io: Io, paths: () => Iterable<string>): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    for (const path of paths()) {
      try {
        // Retried: a write still in flight may put a file back into a directory being removed.
        rmSync(path, { recursive: true, force: true, maxRetries: 3 });
      } catch (err) {
        warn(io, `could not remove ${path}: ${(err as Error).message}`);
      }
    }
    release();
    process.kill(process.pid, signal);
  };
  const release = () => {
    for (const signal of INTERRUPTS) process.off(signal, onSignal);
  };
  for (const signal of INTERRUPTS) process.on(signal, onSignal);
  return release;
}
