// Files the person running the CLI names: an avatar, attachments, an import, an export, a project
// file, a backup. Every problem with one is a single line naming the path in their terms ("x is a
// directory", "no such directory: d"), never Node's "EISDIR: illegal operation on a directory".
import { open, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CliError } from './errors.js';

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
