// Asking the person at the terminal. Never used without a TTY: callers raise a UsageError instead.
import { createInterface } from 'node:readline';
import type { Io } from './io.js';
import { UsageError } from './errors.js';

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

/** A new password, asked twice. */
export async function promptNewPassword(io: Io, label = 'New password'): Promise<string> {
  for (;;) {
    const first = await promptSecret(io, `${label}: `);
    const second = await promptSecret(io, `${label} again: `);
    if (first === second) return first;
    io.stderr.write('The two entries differ; try again.\n');
  }
}

/** All of stdin as text. */
export async function readStdin(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString('utf8');
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
