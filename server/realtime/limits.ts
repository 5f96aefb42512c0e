// What one sender may take of the widget endpoint, counted in this process's memory: budgets by
// key (a visitor, a client address) that refill, open sockets by address, and warnings that are
// said once in a while instead of at every refusal. A per-socket budget is no budget: a script
// opens another socket.
import type { Clock } from '../clock.js';

/** Full buckets are looked for and forgotten this often: the maps hold only recent senders. */
const SWEEP_MS = 60_000;
/** Warnings remembered at most: a flood of made-up keys only forgets the oldest notes. */
const WARNINGS_KEPT = 1000;

/**
 * Token buckets by key: a key may take `burst` at once and `perSecond` over time (one a call);
 * true while it is within them. A bucket that has refilled is the same as none, and is dropped.
 */
export function keyedBuckets(burst: number, perSecond: number, clock: Clock) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  let sweptAt = clock.now();
  const level = (b: { tokens: number; at: number }, now: number) => Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
  return (key: string): boolean => {
    const now = clock.now();
    if (now - sweptAt >= SWEEP_MS) {
      for (const [k, b] of buckets) if (level(b, now) >= burst) buckets.delete(k);
      sweptAt = now;
    }
    const b = buckets.get(key);
    const tokens = b ? level(b, now) : burst;
    if (tokens < 1) return false;
    buckets.set(key, { tokens: tokens - 1, at: now });
    return true;
  };
}

/** Open sockets by client address, at most `limit` each. */
export function socketsByAddress(limit: number) {
  const open = new Map<string, number>();
  return {
    full: (address: string) => (open.get(address) ?? 0) >= limit,
    /** Counts a socket of `address`, or null when it has `limit` open; the function returned uncounts it (once). */
    add(address: string): (() => void) | null {
      const n = open.get(address) ?? 0;
      if (n >= limit) return null;
      open.set(address, n + 1);
      let counted = true;
      return () => {
        if (!counted) return;
        counted = false;
        const left = open.get(address)! - 1;
        if (left > 0) open.set(address, left);
        else open.delete(address);
      };
    },
  };
}

/**
 * Whether a warning about `key` is due: once in `everyMs`, saying how many were held back since
 * the last. Every visitor of a misconfigured site (or every attempt of a script) would log otherwise.
 */
export function warnOnceIn(everyMs: number, clock: Clock) {
  const said = new Map<string, { at: number; since: number }>();
  return (key: string): { heldBack: number } | null => {
    const now = clock.now();
    const last = said.get(key);
    if (last && now - last.at < everyMs) {
      last.since++;
      return null;
    }
    if (said.size >= WARNINGS_KEPT) said.delete(said.keys().next().value!);
    // Set again, so that the map's order is the order of the last warnings.
    said.delete(key);
    said.set(key, { at: now, since: 0 });
    return { heldBack: last?.since ?? 0 };
  };
}
