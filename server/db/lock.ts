// One server per data directory. Two servers on one database would each run the mail queue (every
// mail sent twice), split the realtime events and the presence between them, and race the
// checkpointer. The lock is SQLite's own (a POSIX lock on a small file of its own, held by a
// connection in exclusive locking mode): the operating system releases it when the process ends
// however it ends, so a crash never leaves a stale lock behind, and no pid is trusted.
import Database from 'better-sqlite3';
import { join } from 'node:path';

export const LOCK_FILE = 'parley.lock';

export class DataDirInUseError extends Error {
  constructor(dataDir: string) {
    super(
      `another Parley server is using the data directory ${dataDir}: stop it first ` +
        '(two servers on one database would send every mail twice and split the live events)',
    );
  }
}

/** Takes the data directory for this server; `release()` gives it back (closing releases it too). */
export function holdDataDir(dataDir: string): { release(): void } {
  const lock = new Database(join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    // The first write in exclusive locking mode takes the lock and keeps it after the commit.
    lock.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS held (at INTEGER); COMMIT;');
  } catch (err) {
    lock.close();
    if (/^SQLITE_(BUSY|LOCKED)/.test(String((err as { code?: unknown }).code))) throw new DataDirInUseError(dataDir);
    throw err;
  }
  return { release: () => lock.close() };
}
