// Every call to the Bot API goes out through this queue, within Telegram's limits: about one
// message a second per chat and 30 a second overall. A 429 pauses the whole queue for its
// retry_after and then retries the same call. A network failure retries calls that cannot post
// twice (reactions, edits, reads) and sends that never left; a send that may have reached
// Telegram is not repeated: its caller learns the fate is unknown (TelegramNetworkError.sent).
import type { FastifyBaseLogger } from 'fastify';
import { type BotApi, TelegramApiError, TelegramNetworkError } from './api.js';
import type { BridgeTimers } from './timers.js';

export const PER_CHAT_INTERVAL_MS = 1000;
export const GLOBAL_PER_SECOND = 30;
const NETWORK_RETRIES = 5;

interface Job {
  chatId: number;
  method: string;
  params: Record<string, unknown>;
  tries: number;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface Outbox {
  call<T>(chatId: number, method: string, params: Record<string, unknown>): Promise<T>;
  stop(): void;
}

/** Calls that would post something again if repeated. */
const posts = (method: string) => /^(send|forward|copy)/.test(method);

export function createOutbox(api: BotApi, timers: BridgeTimers, log: FastifyBaseLogger): Outbox {
  const queues = new Map<number, Job[]>();
  const lastCallAt = new Map<number, number>();
  const recent: number[] = [];
  let pausedUntil = 0;
  let pumping = false;
  let stopped = false;
  const abort = new AbortController();

  /** The chat whose next call may go first, and how long until it may. */
  function next(): { chatId: number; wait: number } | null {
    const now = timers.now();
    while (recent.length && recent[0] <= now - 1000) recent.shift();
    const globalAt = Math.max(pausedUntil, recent.length >= GLOBAL_PER_SECOND ? recent[recent.length - GLOBAL_PER_SECOND] + 1000 : 0);
    let best: { chatId: number; wait: number } | null = null;
    for (const [chatId, jobs] of queues) {
      if (jobs.length === 0) continue;
      const at = Math.max(globalAt, (lastCallAt.get(chatId) ?? -Infinity) + PER_CHAT_INTERVAL_MS);
      const wait = Math.max(0, at - now);
      if (!best || wait < best.wait) best = { chatId, wait };
    }
    return best;
  }

  async function attempt(job: Job): Promise<void> {
    const now = timers.now();
    lastCallAt.set(job.chatId, now);
    recent.push(now);
    try {
      job.resolve(await api.call(job.method, job.params, { signal: abort.signal }));
    } catch (err) {
      if (stopped) return job.reject(err);
      const requeue = () => void queues.get(job.chatId)!.unshift(job);
      if (err instanceof TelegramApiError && err.errorCode === 429) {
        const seconds = err.retryAfter ?? 1;
        log.warn({ method: job.method, retryAfter: seconds }, 'telegram: rate limited, waiting retry_after');
        pausedUntil = Math.max(pausedUntil, timers.now() + seconds * 1000);
        return requeue();
      }
      if (err instanceof TelegramNetworkError && (!err.sent || !posts(job.method)) && job.tries < NETWORK_RETRIES) {
        job.tries += 1;
        log.warn({ method: job.method, reason: err.reason, try: job.tries }, 'telegram: network failure, retrying');
        lastCallAt.set(job.chatId, timers.now() + 1000 * 2 ** job.tries - PER_CHAT_INTERVAL_MS);
        return requeue();
      }
      job.reject(err);
    }
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      for (let pick = next(); pick && !stopped; pick = next()) {
        if (pick.wait > 0) {
          await timers.sleep(pick.wait, abort.signal);
          continue;
        }
        const job = queues.get(pick.chatId)!.shift()!;
        await attempt(job);
      }
    } finally {
      pumping = false;
    }
  }

  return {
    call<T>(chatId: number, method: string, params: Record<string, unknown>) {
      if (stopped) return Promise.reject(new Error('the Telegram bridge is stopping'));
      return new Promise<T>((resolve, reject) => {
        let jobs = queues.get(chatId);
        if (!jobs) queues.set(chatId, (jobs = []));
        jobs.push({ chatId, method, params, tries: 0, resolve: resolve as (v: unknown) => void, reject });
        void pump();
      });
    },
    stop() {
      stopped = true;
      abort.abort();
      for (const jobs of queues.values()) for (const job of jobs.splice(0)) job.reject(new Error('the Telegram bridge stopped'));
    },
  };
}
