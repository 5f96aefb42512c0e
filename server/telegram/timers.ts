// Time as the bridge sees it: pacing the Bot API limits, waiting out a 429, backing off after a
// network failure. Injected so tests run in virtual time instead of waiting seconds.
export interface BridgeTimers {
  now(): number;
  /** Resolves after `ms`, or early (without error) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** One-shot timers for deadlines that must not fire early (the 5 s delivery rule). */
export interface DeadlineTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface BridgeTuning {
  timers?: BridgeTimers;
  /** The delivery deadline's timers (a test's manual time); real ones by default. */
  deadlines?: DeadlineTimers;
  /** getUpdates long-poll timeout in seconds (Telegram allows up to 50). */
  pollTimeoutSeconds?: number;
}

export const realTimers: BridgeTimers = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export const realDeadlines: DeadlineTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
