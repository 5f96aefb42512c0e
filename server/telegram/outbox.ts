// Every call to the Bot API goes out through this queue, within Telegram's limits: about one
// message a second per chat and 30 a second overall. Answers to button taps are not messages:
// they skip the chat's queue and pace (only the overall limit holds), since the phone shows a
// spinner on the button until the tap is answered. A 429 pauses the whole queue for its
// retry_after and then retries the same call. The queue sleeps only until the call that may go
// first can go, and a new call wakes it: a call waiting out its backoff holds up no other chat's
// calls nor answers to taps. A transient failure is retried with backoff: a
// 5xx (Telegram answered that it failed: nothing was posted), and a network failure for calls
// that cannot post twice (reactions, edits, reads) and sends that never left; a send that may
// have reached Telegram is not repeated: its caller learns the fate is unknown
// (TelegramNetworkError.sent). A call made `untilAnswered` (a note that something is missing) is
// retried through any transient failure, unknown fate included, until Telegram answers again;
// it waits at the head of its chat's queue, so what the chat gets later comes after it. A post
// made `track`ed tells its caller before each try and after a try that surely posted nothing, so
// the caller can keep durably whether a post's fate would be unknown after a crash.
import type { FastifyBaseLogger } from 'fastify';
import { type BotApi, TelegramApiError, TelegramNetworkError } from './api.js';
import type { BridgeTimers } from './timers.js';

export const PER_CHAT_INTERVAL_MS = 1000;
export const GLOBAL_PER_SECOND = 30;
const TRANSIENT_RETRIES = 5;
/** An `untilAnswered` call: its backoff grows to a minute; it gives up after about an hour. */
const PERSISTENT_BACKOFF_MAX_MS = 60_000;
const PERSISTENT_RETRIES = 65;

interface Job {
  chatId: number;
  method: string;
  params: Record<string, unknown>;
  tries: number;
  untilAnswered: boolean;
  track?: PostTracking;
  /** Not before this time (a retry's backoff). */
  notBefore: number;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface CallOptions {
  /** Retried through outages (5xx, network failures, unknown fate) until Telegram answers. */
  untilAnswered?: boolean;
  /** For a call that posts: told when a try leaves and when one was answered without posting. */
  track?: PostTracking;
}

/** What a tracked post's caller keeps durably (awaited before the outbox goes on). */
export interface PostTracking {
  /** A try is about to leave: from now on, until it is answered, Telegram may have posted it. */
  sending(): Promise<void>;
  /** A try was answered without posting (a 429, an error) or never left: nothing is in doubt. */
  notSent(): Promise<void>;
}

export interface Outbox {
  call<T>(chatId: number, method: string, params: Record<string, unknown>, opts?: CallOptions): Promise<T>;
  stop(): void;
}

/** Calls that would post something again if repeated. */
const posts = (method: string) => /^(send|forward|copy)/.test(method);

/** The queue of calls outside every chat's pace (answers to taps). */
const UNPACED = Number.NaN;
const laneOf = (job: Pick<Job, 'chatId' | 'method'>) => (job.method === 'answerCallbackQuery' ? UNPACED : job.chatId);

export function createOutbox(api: BotApi, timers: BridgeTimers, log: FastifyBaseLogger): Outbox {
  const queues = new Map<number, Job[]>();
  const lastCallAt = new Map<number, number>();
  const recent: number[] = [];
  let pausedUntil = 0;
  let pumping = false;
  let stopped = false;
  const abort = new AbortController();
  /** Aborts the pump's current sleep: a new call may go before what it waits for. */
  let nap: AbortController | null = null;

  /** The queue (a chat's, or UNPACED) whose next call may go first, and how long until it may. */
  function next(): { lane: number; wait: number } | null {
    const now = timers.now();
    while (recent.length && recent[0] <= now - 1000) recent.shift();
    const globalAt = Math.max(pausedUntil, recent.length >= GLOBAL_PER_SECOND ? recent[recent.length - GLOBAL_PER_SECOND] + 1000 : 0);
    let best: { lane: number; wait: number } | null = null;
    for (const [lane, jobs] of queues) {
      if (jobs.length === 0) continue;
      const paced = Number.isNaN(lane) ? -Infinity : (lastCallAt.get(lane) ?? -Infinity) + PER_CHAT_INTERVAL_MS;
      const wait = Math.max(0, Math.max(globalAt, paced, jobs[0].notBefore) - now);
      if (!best || wait < best.wait) best = { lane, wait };
    }
    return best;
  }

  async function attempt(job: Job): Promise<void> {
    const now = timers.now();
    const lane = laneOf(job);
    if (!Number.isNaN(lane)) lastCallAt.set(lane, now);
    recent.push(now);
    const track = job.track && posts(job.method) ? job.track : null;
    try {
      await track?.sending();
      job.resolve(await api.call(job.method, job.params, { signal: abort.signal }));
    } catch (err) {
      // Stopping: a try cut off stays in doubt (sending), as after a crash.
      if (stopped) return job.reject(err);
      if (track && !(err instanceof TelegramNetworkError && err.sent)) {
        try {
          await track.notSent();
        } catch (trackErr) {
          return job.reject(trackErr);
        }
      }
      const requeue = () => void queues.get(lane)!.unshift(job);
      if (err instanceof TelegramApiError && err.errorCode === 429) {
        const seconds = err.retryAfter ?? 1;
        log.warn({ method: job.method, retryAfter: seconds }, 'telegram: rate limited, waiting retry_after');
        pausedUntil = Math.max(pausedUntil, timers.now() + seconds * 1000);
        return requeue();
      }
      const serverError = err instanceof TelegramApiError && err.errorCode >= 500;
      const network = err instanceof TelegramNetworkError;
      const repeatable = job.untilAnswered || serverError || (network && (!err.sent || !posts(job.method)));
      if ((serverError || network) && repeatable && job.tries < (job.untilAnswered ? PERSISTENT_RETRIES : TRANSIENT_RETRIES)) {
        job.tries += 1;
        log.warn({ method: job.method, reason: (err as Error).message, try: job.tries }, 'telegram: call failed, retrying');
        job.notBefore = timers.now() + Math.min(PERSISTENT_BACKOFF_MAX_MS, 1000 * 2 ** job.tries);
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
          nap = new AbortController();
          await timers.sleep(pick.wait, nap.signal);
          nap = null;
          continue;
        }
        const job = queues.get(pick.lane)!.shift()!;
        await attempt(job);
      }
    } finally {
      pumping = false;
    }
  }

  return {
    call<T>(chatId: number, method: string, params: Record<string, unknown>, opts: CallOptions = {}) {
      if (stopped) return Promise.reject(new Error('the Telegram bridge is stopping'));
      return new Promise<T>((resolve, reject) => {
        const lane = laneOf({ chatId, method });
        let jobs = queues.get(lane);
        if (!jobs) queues.set(lane, (jobs = []));
        jobs.push({ chatId, method, params, tries: 0, untilAnswered: opts.untilAnswered ?? false, track: opts.track, notBefore: 0, resolve: resolve as (v: unknown) => void, reject });
        nap?.abort();
        void pump();
      });
    },
    stop() {
      stopped = true;
      abort.abort();
      nap?.abort();
      for (const jobs of queues.values()) for (const job of jobs.splice(0)) job.reject(new Error('the Telegram bridge stopped'));
    },
  };
}
