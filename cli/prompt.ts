// Asking the person at the terminal. Never used without a TTY: callers raise a UsageError instead.
import { createInterface } from 'node:readline';
import type { Io } from './io.js';
import { MIN_PASSWORD_LENGTH } from '../core/protocol/constants.js';
import { UsageError } from './errors.js';
import { decodeText, type TextRules, tooLarge } from './local-files.js';

export async function promptLine(io: Io, question: string): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.once('SIGINT', () => reject(new UsageError('cancelled')));
      rl.question(question, (answer) => resolve(answer.trim()));
    });
  } finally {
    rl.close();
  }
}

/** Reads a secret without echoing it. */
export function promptSecret(io: Io, question: string): Promise<string> {
  const stdin = io.stdin;
  io.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const wasRaw = (stdin as { isRaw?: boolean }).isRaw ?? false;
    stdin.setRawMode?.(true);
    stdin.resume();
    const done = (err: Error | null) => {
      stdin.off('data', onData);
      stdin.setRawMode?.(wasRaw);
      stdin.pause();
      io.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The server's length rule for new passwords (server/services/accounts.ts), counted as it counts. */
const tooShort = (password: string) => password.length < MIN_PASSWORD_LENGTH;
const TOO_SHORT = `must have at least ${MIN_PASSWORD_LENGTH} characters`;

/**
 * A new password, asked twice; asked again, with the reason, while it is too short or the two
 * entries differ. Refused by the server instead, it would end `login`, and the one-time password
 * would have to be typed again.
 */
export async function promptNewPassword(io: Io, label = 'New password'): Promise<string> {
  for (;;) {
    const first = await promptSecret(io, `${label}: `);
    if (tooShort(first)) {
      io.stderr.write(`The new password ${TOO_SHORT}; try again.\n`);
      continue;
    }
    if ((await promptSecret(io, `${label} again: `)) === first) return first;
    io.stderr.write('The two entries differ; try again.\n');
  }
}

/**
 * A new password read from --password-stdin that the server would refuse for its length: a usage
 * error before anything is sent. `line` says which line of standard input it was.
 */
export function checkNewPassword(password: string, line: number): void {
  if (tooShort(password)) throw new UsageError(`--password-stdin: the new password (line ${line}) ${TOO_SHORT}`);
}

/** All of stdin's bytes; with `maxBytes`, refused as soon as there are more. */
async function readStdinBytes(io: Io, rules: TextRules = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    chunks.push(bytes);
    size += bytes.length;
    if (rules.maxBytes !== undefined && size > rules.maxBytes) throw tooLarge('stdin', rules.maxBytes, { ...rules, maxBytes: rules.maxBytes }, true);
  }
  return Buffer.concat(chunks);
}

/** All of stdin as text, for what people type or paste (a message, a password). */
export async function readStdin(io: Io): Promise<string> {
  return (await readStdinBytes(io)).toString('utf8');
}

/** A file given on stdin (`apply -f -`, `templates import -`): UTF-8 only, as a file is (decodeText). */
export async function readStdinText(io: Io, rules: TextRules = {}): Promise<string> {
  return decodeText(await readStdinBytes(io, rules), 'stdin', rules);
}

/** All of stdin, split into lines (for --password-stdin). */
export const readStdinLines = async (io: Io): Promise<string[]> => (await readStdin(io)).split(/\r?\n/);

/** A value from a flag, else from a prompt on a TTY, else a usage error naming the flag. */
export async function flagOrPrompt(io: Io, value: string | undefined, flag: string, question: string): Promise<string> {
  if (value !== undefined) return value;
  if (!io.stdinIsTTY) throw new UsageError(`missing ${flag} (no terminal to ask on)`);
  const answer = await promptLine(io, question);
  if (!answer) throw new UsageError(`missing ${flag}`);
  return answer;
}
