// Where a command's output goes. Results go to stdout (JSON with --json, tables otherwise);
// notices and progress go to stderr, and only when a person is watching (a TTY). Nothing other
// people typed reaches the terminal as anything but text (core/terminal-text.ts).
import { jsonTerminalSafe, terminalSafe } from '../core/terminal-text.js';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  env: NodeJS.ProcessEnv;
  stdoutIsTTY: boolean;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Set from the global --json flag before a command runs. */
  json: boolean;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    json: false,
  };
}

/** Writes a line to stdout; what other people typed in it cannot act on the terminal. */
export function print(io: Io, text: string): void {
  const safe = terminalSafe(text);
  io.stdout.write(safe.endsWith('\n') ? safe : `${safe}\n`);
}

/**
 * Data meant for a file (`parley export > parley.yaml`, `templates export | … import -`): a file
 * or a pipe gets it exactly. print()'s filter would change what is stored: a bidi isolate in a
 * Hebrew template came out as U+FFFD, and applying the export wrote that back. Only a terminal,
 * where a person reads it, gets the filter; JSON there gets escapes, which keep the data. CSV
 * ends its rows with CRLF: there that is a line end, not a stray CR for the filter to show as
 * U+FFFD at the end of every row.
 */
export function writeData(io: Io, text: string, format: 'json' | 'text'): void {
  if (!io.stdoutIsTTY) io.stdout.write(text);
  else io.stdout.write(format === 'json' ? jsonTerminalSafe(text) : terminalSafe(text.replace(/\r\n/g, '\n')));
}

/** A result: stable JSON with --json, the human rendering otherwise. */
export function result(io: Io, value: unknown, human: () => string): void {
  if (io.json) io.stdout.write(`${jsonTerminalSafe(JSON.stringify(value, null, 2))}\n`);
  else print(io, human());
}

/** A remark for the person at the terminal; silent in scripts. */
export function notice(io: Io, text: string): void {
  if (io.stderrIsTTY && !io.json) io.stderr.write(`${text}\n`);
}

/**
 * A warning a script must see as well as a person: one line on stderr, TTY or not, beside a
 * result that stands (the command still succeeds).
 */
export function warn(io: Io, text: string): void {
  io.stderr.write(`parley: ${terminalSafe(text).replace(/\n/g, ' ')}\n`);
}

/** `key: value` lines with the keys aligned. */
export function fields(pairs: Array<[string, string | number | boolean | null | undefined]>): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v === null || v === undefined ? '-' : String(v)}`).join('\n');
}
