// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit that
// crosses 1,000 WAL pages, on the writer's thread, copying those pages into the database file
// and syncing it: the event loop stops for 10-20 ms, which was the whole p99 tail at 1,000
// messages a second (bench/). Here the writer's automatic checkpoint is off, and a worker thread
// with its own connection runs PASSIVE checkpoints every CHECKPOINT_EVERY_MS: they never wait for
// the writer or readers, and once one has copied everything the writer starts the WAL over.
//
// If the worker cannot run (or dies), the writer's automatic checkpoint comes back, so the WAL
// never grows without bound.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export const CHECKPOINT_EVERY_MS = 500;

/** The worker's code (CommonJS: an eval worker), with the driver's path and the file in workerData. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 0 });
let busy = false;
const timer = setInterval(() => {
  if (busy) return;
  busy = true;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message) });
  } finally {
    busy = false;
  }
}, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.postMessage({ stopped: true });
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * Starts checkpointing `path` in a worker; `fallback` is called (once) when the worker is gone
 * for any reason but stop(), to turn the writer's automatic checkpoint back on.
 */
export function startCheckpointer(path: string, fallback: () => void): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { path, driver, everyMs: CHECKPOINT_EVERY_MS } });
  worker.unref();
  let stopping = false;
  let fellBack = false;
  const fallBack = () => {
    if (stopping || fellBack) return;
    fellBack = true;
    fallback();
  };
  worker.on('error', fallBack);
  worker.on('exit', fallBack);
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (fellBack) return resolve();
        const done = () => resolve();
        worker.once('exit', done);
        worker.on('message', (m: { stopped?: boolean }) => {
          if (m.stopped) void worker.terminate();
        });
        worker.postMessage('stop');
      }),
  };
}
