// Latency samples and their percentiles; a free port; waiting for a condition with a deadline.
import { createServer } from 'node:net';

export function percentiles(samples) {
  if (samples.length === 0) return { n: 0, p50: NaN, p99: NaN, p999: NaN, max: NaN };
  const s = Float64Array.from(samples).sort();
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { n: s.length, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: s[s.length - 1] };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function until(what, check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resident set size of a process in bytes (Linux). */
export async function rssOf(pid) {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb * 1024;
}

/** Clock ticks per second of /proc's CPU times (USER_HZ). */
let ticksPerSecond;

/**
 * CPU time (user and system) a process has used, in milliseconds (Linux): every thread of it, or
 * with `thread` only that one (the pid itself is the main thread: the event loop's).
 */
export async function cpuMsOf(pid, thread) {
  const { readFile } = await import('node:fs/promises');
  if (ticksPerSecond === undefined) {
    const { execSync } = await import('node:child_process');
    ticksPerSecond = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
  }
  // The fields after the command name (which may hold spaces) start at the state, field 3;
  // utime and stime are fields 14 and 15.
  const stat = await readFile(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

export const ms = (ns) => Number(ns) / 1e6;
