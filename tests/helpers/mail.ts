// Reading the mail Parley sends: from a real SMTP server (smtp-server, in-process) or from the
// .eml files of DATA_DIR/outbox. Both parsed with mailparser; both wait for arrival, never sleep.
import { watch } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
}

type Waiter = { match: (m: ReceivedMail) => boolean; resolve: (m: ReceivedMail) => void };

class Inbox {
  readonly mails: ReceivedMail[] = [];
  private waiters: Waiter[] = [];

  add(mail: ReceivedMail): void {
    this.mails.push(mail);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(mail)) return true;
      w.resolve(mail);
      return false;
    });
  }

  /** The first mail (already received or still to come) that matches. */
  waitFor(match: (m: ReceivedMail) => boolean, timeoutMs = 10_000): Promise<ReceivedMail> {
    const found = this.mails.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching mail arrived')), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }
}

async function parse(raw: Buffer): Promise<ReceivedMail> {
  const parsed = await simpleParser(raw);
  const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
  return { to: to?.value[0]?.address ?? '', subject: parsed.subject ?? '', text: parsed.text ?? '' };
}

export interface SmtpSink extends Inbox {
  url: string;
  close(): Promise<void>;
}

/**
 * A real SMTP server on a loopback port (a random one unless given: a test restarts a sink on
 * the port a server already uses) that keeps what it receives.
 */
export async function startSmtpSink(port = 0): Promise<Inbox & { url: string; close(): Promise<void> }> {
  const inbox = new Inbox();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        parse(Buffer.concat(chunks)).then(
          (m) => {
            inbox.add(m);
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const bound = (server.server.address() as { port: number }).port;
  return Object.assign(inbox, {
    url: `smtp://127.0.0.1:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** Mail written to DATA_DIR/outbox as .eml files. */
export async function watchOutbox(dataDir: string): Promise<Inbox & { close(): void }> {
  const dir = join(dataDir, 'outbox');
  await mkdir(dir, { recursive: true });
  const inbox = new Inbox();
  const seen = new Set<string>();
  const scan = async () => {
    for (const name of (await readdir(dir)).sort()) {
      if (!name.endsWith('.eml') || seen.has(name)) continue;
      seen.add(name);
      inbox.add(await parse(await readFile(join(dir, name))));
    }
  };
  const watcher = watch(dir, () => void scan().catch(() => undefined));
  await scan();
  return Object.assign(inbox, { close: () => watcher.close() });
}

/** The one-time password in a welcome mail. */
export function passwordFrom(mail: ReceivedMail): string {
  const m = /^Password:\s+(\S+)$/m.exec(mail.text);
  if (!m) throw new Error(`no password in mail "${mail.subject}"`);
  return m[1];
}

/** The reset code in a "forgot password" mail. */
export function codeFrom(mail: ReceivedMail): string {
  const m = /^Code:\s+(\S+)$/m.exec(mail.text);
  if (!m) throw new Error(`no code in mail "${mail.subject}"`);
  return m[1];
}
