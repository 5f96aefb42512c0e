// Files the person running the CLI names: an avatar, attachments, an import, an export, a project
// file, a backup. Every problem with one is a single line naming the path in their terms ("x is a
// directory", "no such directory: d"), never Node's "EISDIR: illegal operation on a directory".
import { rmSync } from 'node:fs';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
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

/** How a file read as text is checked, and what its errors add. */
export interface TextRules {
  /** Larger files are refused before they are read. */
  maxBytes?: number;
  /** What the file is, for the size error: "a project file". */
  kind?: string;
  /** Appended to every error about the file's content: "nothing was applied". */
  refused?: string;
}

/** A size in MB to a tenth, rounded up: a file just over a limit of 10 MB is "10.1 MB", never "10 MB". */
const megabytes = (bytes: number) => `${String(Math.ceil((bytes / 2 ** 20) * 10) / 10)} MB`;
const withRefusal = (message: string, rules: TextRules) => (rules.refused ? `${message}; ${rules.refused}` : message);

/** The error for text of more than `rules.maxBytes` (`size`: its size, or a lower bound when `more`). */
export function tooLarge(name: string, size: number, rules: TextRules & { maxBytes: number }, more = false): CliError {
  const kind = rules.kind ?? 'a file read as text';
  return new CliError(withRefusal(`${name} is ${more ? 'more than ' : ''}${megabytes(size)}: ${kind} is at most ${megabytes(rules.maxBytes)}`, rules));
}

/**
 * Where UTF-8 text breaks: the index of the first byte that does not belong (a byte of another
 * encoding, such as Windows-1252's "ä", 0xE4, or a sequence cut short), or -1. Overlong forms and
 * surrogates count as broken, as TextDecoder counts them.
 */
function firstInvalidByte(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (!n || i + n >= b.length) return i;
    for (let k = 1; k <= n; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    const next = b[i + 1];
    if ((c === 0xe0 && next < 0xa0) || (c === 0xed && next >= 0xa0) || (c === 0xf0 && next < 0x90) || (c === 0xf4 && next >= 0x90)) return i;
    i += n + 1;
  }
  return -1;
}

/** Line and column (1-based, in characters) of byte `at`, all of whose bytes before are valid UTF-8. */
function positionOf(bytes: Uint8Array, at: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < at; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  const before = new TextDecoder('utf-8').decode(bytes.subarray(start, at));
  return { line, col: [...before].length + 1 };
}

/**
 * Text a person gave the CLI as a file (or on stdin, `name` "stdin"): UTF-8 only, without its
 * byte-order mark. Anything else is refused with one line naming where it stops being UTF-8,
 * never decoded with "\uFFFD" in place of its letters (which apply and import would then save:
 * "Jürgen" from a Windows editor became "J\uFFFDrgen" everywhere).
 */
export function decodeText(bytes: Uint8Array, name: string, rules: TextRules = {}): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new CliError(withRefusal(`${name} is UTF-16: save it as UTF-8`, rules));
  }
  let text: string;
  try {
    // A UTF-8 byte-order mark (what Windows editors write) is taken off.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = Math.max(0, firstInvalidByte(bytes));
    const { line, col } = positionOf(bytes, at);
    const byte = bytes[at].toString(16).toUpperCase().padStart(2, '0');
    throw new CliError(withRefusal(`${name}:${line}:${col}: not UTF-8 text (byte 0x${byte}); save the file as UTF-8`, rules));
  }
  // Valid UTF-8, and yet no text: UTF-16 without a byte-order mark has a NUL in every other byte.
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const { line, col } = positionOf(bytes, Buffer.byteLength(text.slice(0, nul)) + (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0));
    throw new CliError(withRefusal(`${name}:${line}:${col}: a NUL byte, which text never has (UTF-16?); save the file as UTF-8`, rules));
  }
  return text;
}

/** A file read as text (decodeText), refused above `rules.maxBytes` before it is read. */
export async function readLocalText(path: string, rules: TextRules = {}): Promise<string> {
  const handle = await open(path, 'r').catch((err: unknown) => {
    throw fileProblem(err, path, 'read');
  });
  let bytes: Buffer;
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw isDirectory(path);
    if (rules.maxBytes !== undefined && stat.size > rules.maxBytes) throw tooLarge(path, stat.size, { ...rules, maxBytes: rules.maxBytes });
    bytes = await handle.readFile().catch((err: unknown) => {
      throw fileProblem(err, path, 'read');
    });
  } finally {
    await handle.close();
  }
  // Not a regular file (a pipe, <(…)): its size is known once read.
  if (rules.maxBytes !== undefined && bytes.length > rules.maxBytes) throw tooLarge(path, bytes.length, { ...rules, maxBytes: rules.maxBytes });
  return decodeText(bytes, path, rules);
}

export async function writeLocalFile(path: string, data: string | Buffer): Promise<void> {
  await writeFile(path, data).catch((err: unknown) => {
    throw fileProblem(err, path, 'write');
  });
}

/** Where a file is to be written: not a directory (said as such, before what its name says). */
export async function checkNotDirectory(path: string): Promise<void> {
  const stats = await stat(path).catch(() => null);
  if (stats?.isDirectory()) throw isDirectory(path);
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
