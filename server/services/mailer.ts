// Outgoing mail. Requests only enqueue (a row in mail_queue, inside their own transaction);
// this worker hands mail to SMTP, or writes .eml files to DATA_DIR/outbox when no SMTP
// server is configured, and retries failures with backoff. The queue is in the database, so
// pending mail survives a restart. Bodies may hold passwords or codes: they are never logged
// and are erased from the queue once handed over.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Transporter } from 'nodemailer';
import type { Clock } from '../clock.js';
import type { Repos } from '../db/index.js';
import type { Db } from '../db/sqlite.js';

export interface Mailer {
  /** Looks for due mail now (called after a commit that enqueued mail). */
  kick(): void;
  /** Sends everything that is due and resolves when done (tests, shutdown). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Tries before a mail is given up: 30 s doubling to an hour, then hourly, about three days in
 * all, so that a mail server down over a weekend loses no invitation (it stopped after about an
 * hour: 8 tries).
 */
const MAX_ATTEMPTS = 78;
const backoffMs = (attempt: number) => Math.min(30_000 * 2 ** (attempt - 1), 3600_000);
/** After a pass that failed as a whole (the database busy or full), the next look at the queue. */
const FAULT_RETRY_MS = 30_000;
/**
 * An SMTP server that stops answering fails the send after these (nodemailer's own defaults are
 * 2 minutes to connect and 10 to go quiet), and a stop waits this long for a send in progress:
 * a mail not confirmed by then stays queued and goes after the next start.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 };
const STOP_WAIT_MS = 3000;

export function createMailer(deps: {
  db: Db;
  repos: Repos;
  clock: Clock;
  log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>;
  smtpUrl: string | null;
  from: string;
  outboxDir: string;
}): Mailer {
  const { db, repos, clock, log } = deps;
  let transport: Promise<Transporter> | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  function getTransport(): Promise<Transporter> {
    transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      deps.smtpUrl
        ? nodemailer.createTransport({ url: deps.smtpUrl, ...SMTP_TIMEOUTS })
        : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' }),
    );
    return transport;
  }

  async function deliver(mail: { id: number; recipient: string; subject: string; body: string }) {
    const t = await getTransport();
    const info = await t.sendMail({ from: deps.from, to: mail.recipient, subject: mail.subject, text: mail.body });
    if (!deps.smtpUrl) {
      await mkdir(deps.outboxDir, { recursive: true, mode: 0o700 });
      const file = join(deps.outboxDir, `${new Date(clock.now()).toISOString().replace(/[:.]/g, '-')}-${mail.id}.eml`);
      // Written aside, then renamed: whoever watches the outbox never sees half a mail.
      await writeFile(`${file}.tmp`, (info as unknown as { message: Buffer }).message, { mode: 0o600 });
      await rename(`${file}.tmp`, file);
      log.info({ mailId: mail.id, to: mail.recipient, subject: mail.subject, file }, 'mail written to outbox');
    } else {
      log.info({ mailId: mail.id, to: mail.recipient, subject: mail.subject }, 'mail sent');
    }
  }

  async function pass(): Promise<void> {
    for (;;) {
      const due = await repos.mail.due(clock.now());
      if (due.length === 0) break;
      for (const mail of due) {
        if (stopped) return;
        try {
          await deliver(mail);
          await db.write((tx) => repos.mail.markSent(tx, mail.id, clock.now()));
        } catch (err) {
          const attempt = mail.attempts + 1;
          const next = attempt >= MAX_ATTEMPTS ? null : clock.now() + backoffMs(attempt);
          const reason = (err as Error).message.slice(0, 500);
          await db.write((tx) => repos.mail.markAttemptFailed(tx, mail.id, reason, next));
          if (next === null) log.error({ mailId: mail.id, to: mail.recipient, err: reason }, 'mail failed for good');
          else log.warn({ mailId: mail.id, to: mail.recipient, err: reason, attempt }, 'mail failed; will retry');
        }
      }
    }
    await schedule();
  }

  async function schedule(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    const next = await repos.mail.nextAttemptAt();
    if (next === null || stopped) return;
    timer = setTimeout(kick, Math.max(0, next - clock.now()));
    timer.unref();
  }

  function run(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let faulted = false;
      do {
        again = false;
        try {
          await pass();
          faulted = false;
        } catch (err) {
          faulted = true;
          log.error({ err }, 'mail worker pass failed; will look again');
        }
      } while (again && !stopped);
      running = null;
      // The pass did not get to schedule() the next retry: without a timer, pending mail would
      // wait for the next enqueue or a restart.
      if (faulted && !stopped) {
        if (timer) clearTimeout(timer);
        timer = setTimeout(kick, FAULT_RETRY_MS);
        timer.unref();
      }
    })();
    return running;
  }

  function kick(): void {
    if (!stopped) void run();
  }

  return {
    kick,
    async flush() {
      await run();
      while (running) await running;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) {
        let waited: NodeJS.Timeout | undefined;
        const done = await Promise.race([
          running.then(() => true),
          new Promise<false>((resolve) => (waited = setTimeout(() => resolve(false), STOP_WAIT_MS))),
        ]);
        clearTimeout(waited);
        if (!done) log.warn('stopping with a mail still being sent: it stays queued and goes after the next start');
      }
      if (transport) (await transport).close();
    },
  };
}
