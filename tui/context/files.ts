// Files the operator attaches, by a path typed or dropped into the terminal. Dragging a file onto
// most terminals types its path quoted ('/a/My File.pdf'), with escaped spaces (/a/My\ File.pdf)
// or as a file:// URL: each is read as the file it names. `~` is the home directory; a relative
// path is from the directory the TUI was started in.
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The file a typed or dropped path names, as an absolute path; null when there is none. */
export function pathOf(input: string, home = homedir(), cwd = process.cwd()): string | null {
  let text = input.trim();
  if (!text) return null;
  const quoted = /^'(.*)'$/s.exec(text) ?? /^"(.*)"$/s.exec(text);
  if (quoted) text = quoted[1]!;
  else text = text.replace(/\\(.)/g, '$1');
  if (text.startsWith('file://')) {
    try {
      return fileURLToPath(text);
    } catch {
      return null;
    }
  }
  if (text === '~' || text.startsWith('~/')) text = home + text.slice(1);
  return resolve(cwd, text);
}

/**
 * The path a paste is, when it looks like a file dropped on the terminal: one line, absolute (or
 * from ~, or a file:// URL), maybe quoted. Whether the file is there is for readAttachment.
 */
export function droppedFile(text: string): string | null {
  const line = text.trim();
  if (!line || /[\r\n]/.test(line)) return null;
  const bare = line.replace(/^(['"])(.*)\1$/s, '$2');
  if (!/^(\/|~\/|file:\/\/)/.test(bare)) return null;
  return line;
}

/** Reads the file to attach: its name (what the visitor sees) and bytes; a clear error if it cannot. */
export async function readAttachment(input: string | null): Promise<{ name: string; data: Buffer }> {
  const path = pathOf(input ?? '');
  if (!path) throw new Error('type the path of a file (or drop the file here)');
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === 'ENOENT' ? `no such file: ${path}` : `cannot read ${path}: ${err.message}`);
  });
  if (!info.isFile()) throw new Error(`not a file: ${path}`);
  if (info.size === 0) throw new Error(`the file is empty: ${path}`);
  const data = await readFile(path).catch((err: Error) => {
    throw new Error(`cannot read ${path}: ${err.message}`);
  });
  return { name: basename(path), data };
}
