// WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit that
// crosses 1,000 WAL pages, on the writer's thread, copying those pages into the database file
// and syncing it: the event loop stops for 10-20 ms, which was the whole p99 tail at 1,000
// messages a second (bench/). Here the writer's automatic checkpoint is off, and a worker thread
// with its own connection checkpoints every CHECKPOINT_EVERY_MS.
//
// A PASSIVE checkpoint never waits for the writer, but under a steady stream of commits it never
// catches up either: the WAL is started over only when a checkpoint has copied every frame in it,
// and by the time one pass ends the writer has appended more. The WAL then grows without end
// (1.3 GB in a minute at 2,000 messages a second), and every read of a page searches more of
// its index. So once the WAL passes RESTART_FRAMES, the worker follows its PASSIVE pass with a
// RESTART one: it takes the write lock for the few frames written meanwhile (writes wait a few
// milliseconds: sqlite.ts retries BEGIN every millisecond), copies them, and the next commit
// starts the WAL over (journal_size_limit trims the file).
//
// If the worker cannot run (or dies), the writer's automatic checkpoint comes back, so the WAL
// never grows without bound.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export const CHECKPOINT_EVERY_MS = 100;
/** WAL frames (pages) past which the WAL is started over: 64 MB with 4 KB pages (the RESTART
 * holds writes for 3-13 ms here, about every 2.5 s at 1,000 messages a second). */
export const RESTART_FRAMES = 16384;
/** How long a RESTART checkpoint waits for the writer and readers before it gives up for now. */
const RESTART_WAIT_MS = 50;

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
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
    if (log >= workerData.restartFrames) {
      db.pragma('busy_timeout = ' + workerData.restartWaitMs);
      try {
        db.pragma('wal_checkpoint(RESTART)');
      } finally {
        db.pragma('busy_timeout = 0');
      }
    }
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
export function startCheckpointer(path: string, fallback: () => void, restartFrames = RESTART_FRAMES): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { path, driver, everyMs: CHECKPOINT_EVERY_MS, restartFrames, restartWaitMs: RESTART_WAIT_MS },
  });
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
