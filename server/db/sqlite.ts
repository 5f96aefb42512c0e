// SQLite access: one writer connection whose writes are group-committed, and one reader.
//
// Every write is a job `(tx) => Promise<T>`. Jobs that arrive while a commit is running wait
// and then run together inside the next single transaction (each in its own SAVEPOINT, so one
// failing job does not undo the others). A job's promise settles only after its transaction
// committed, so whatever a service does after `await db.write(...)` (emitting events, answering
// a request) happens after the data is durable. No timer is involved: a lone write commits at
// the end of the turn of the event loop that asked for it, and once more writes come, a commit
// waits for the next turns as long as they bring more (up to a millisecond: gather()). A commit
// costs about 45 us whatever it holds, and jobs in one commit share the pages they write to the
// WAL: at 5,000 messages a second this made a quarter fewer commits (1,840 a second against
// 2,450) and took the event loop from 161 to 146 us a message (nine interleaved runs, bench/).
//
// The driver is better-sqlite3: statements run synchronously on the calling thread (about a
// microsecond for a lookup by key) from cached prepared statements. The asynchronous `sqlite3`
// package DESIGN.md names cost a thread-pool round trip per statement (about 60 us here), and
// the writer runs its statements one at a time, so it capped the server near a thousand
// messages a second (see bench/). The interface stays promise-based, so repositories do not care.
//
// Faults of the storage reject the jobs with SQLite's own error (SQLITE_BUSY, SQLITE_FULL,
// SQLITE_READONLY, SQLITE_IOERR...), which server/errors.ts turns into a 503: nothing of a failed
// transaction is kept, and the next batch starts clean once the fault is gone. Another process
// holding the write lock is waited for with timers rather than SQLite's busy handler: that
// handler sleeps on the only thread, and would freeze every socket and request meanwhile.
import Database from 'better-sqlite3';
import { startCheckpointer } from './checkpointer.js';
import { migrations } from './migrations.js';

export type Param = string | number | bigint | null | Buffer;
export type Params = Param[] | Record<string, Param>;

export interface RunResult {
  changes: number;
  lastID: number;
}

export interface Queryable {
  get<T>(sql: string, params?: Params): Promise<T | undefined>;
  all<T>(sql: string, params?: Params): Promise<T[]>;
}

export interface Tx extends Queryable {
  run(sql: string, params?: Params): Promise<RunResult>;
}

export interface Db extends Queryable {
  /**
   * Runs `fn` inside a (group-committed) write transaction; reads inside it see its writes.
   * `queued` is called once the job holds its place in the commit order (at once, in this call).
   */
  write<T>(fn: (tx: Tx) => Promise<T>, queued?: () => void): Promise<T>;
  /** Cheap liveness probe for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
  readonly path: string;
}

export class DatabaseTooNewError extends Error {
  constructor(found: number, known: number) {
    super(
      `the database is at schema version ${found}, but this Parley knows only up to ${known}: ` +
        'it was used by a newer Parley; upgrade Parley (or restore a backup) instead of downgrading',
    );
  }
}

type Connection = Database.Database;

/** Prepared statements are kept per SQL text (bounded: SQL built with IN lists varies). */
const STATEMENT_CACHE = 500;

/** Values SQLite can bind: booleans become 0/1 and undefined NULL, as the old driver did. */
function bindable(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

function wrap(conn: Connection): Tx & {
  exec(sql: string): Promise<void>;
  /** A transaction statement (BEGIN, SAVEPOINT, COMMIT...), prepared once and run at once: throws. */
  control(sql: string): void;
  close(): Promise<void>;
  /** False after SQLite rolled a transaction back by itself (a full disk, an I/O error). */
  readonly inTransaction: boolean;
} {
  // `?1` style parameters (one value used in several places) become plain `?`s bound in the
  // order they appear: better-sqlite3 binds `?NNN` only by name, and unused numbers break it.
  const cache = new Map<string, { stmt: Database.Statement; order: number[] | null }>();
  const prepare = (sql: string) => {
    let entry = cache.get(sql);
    if (!entry) {
      if (cache.size >= STATEMENT_CACHE) cache.clear();
      const order: number[] = [];
      if (/\?\d/.test(sql) && /\?(?!\d)/.test(sql)) throw new Error(`SQL mixes ?N and ? parameters: ${sql}`);
      const plain = sql.replace(/\?(\d+)/g, (_m, n: string) => {
        order.push(Number(n) - 1);
        return '?';
      });
      entry = { stmt: conn.prepare(plain), order: order.length ? order : null };
      cache.set(sql, entry);
    }
    return entry;
  };
  const args = (order: number[] | null, params: Params): unknown[] => {
    if (!Array.isArray(params)) return [Object.fromEntries(Object.entries(params).map(([k, v]) => [k, bindable(v)]))];
    if (order) return order.map((i) => bindable(params[i]));
    return params.map(bindable);
  };
  // Settled promises, so a failing statement rejects like an asynchronous driver's would.
  const attempt = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return {
    run: (sql, params = []) =>
      attempt(() => {
        const { stmt, order } = prepare(sql);
        const r = stmt.run(...args(order, params));
        return { changes: r.changes, lastID: Number(r.lastInsertRowid) };
      }),
    get: <T>(sql: string, params: Params = []) =>
      attempt(() => {
        const { stmt, order } = prepare(sql);
        if (!stmt.reader) {
          stmt.run(...args(order, params));
          return undefined;
        }
        return stmt.get(...args(order, params)) as T | undefined;
      }),
    all: <T>(sql: string, params: Params = []) =>
      attempt(() => {
        const { stmt, order } = prepare(sql);
        if (!stmt.reader) {
          stmt.run(...args(order, params));
          return [] as T[];
        }
        return stmt.all(...args(order, params)) as T[];
      }),
    exec: (sql) => attempt(() => void conn.exec(sql)),
    control: (sql) => void prepare(sql).stmt.run(),
    close: () => attempt(() => void conn.close()),
    get inTransaction() {
      return conn.inTransaction;
    },
  };
}

async function migrate(conn: ReturnType<typeof wrap>): Promise<void> {
  const row = await conn.get<{ user_version: number }>('PRAGMA user_version');
  const current = row?.user_version ?? 0;
  if (current > migrations.length) throw new DatabaseTooNewError(current, migrations.length);
  for (let version = current + 1; version <= migrations.length; version++) {
    await conn.exec('BEGIN IMMEDIATE');
    try {
      await conn.exec(migrations[version - 1].sql);
      await conn.exec(`PRAGMA user_version = ${version}`);
      await conn.exec('COMMIT');
    } catch (err) {
      await conn.exec('ROLLBACK');
      throw new Error(`migration ${version} (${migrations[version - 1].name}) failed: ${(err as Error).message}`);
    }
  }
}

/** How long a write waits for another process's lock before it fails (as busy_timeout did). */
const BUSY_WAIT_MS = 5000;
/** A locked BEGIN is tried again every millisecond for this long (the lock is mostly the
 * checkpointer's RESTART, held for a few milliseconds: checkpointer.ts), then every 25 ms. */
const BUSY_RETRY_FAST_MS = 50;
const BUSY_RETRY_SLOW_MS = 25;

const isBusy = (err: unknown) => /^SQLITE_(BUSY|LOCKED)/.test(String((err as { code?: unknown } | null)?.code ?? ''));

/** The longest a commit waits for more writes once its first is asked for (gather()). */
const GATHER_MS = 1;
/** A commit with this many jobs waits for no more. */
const GATHER_MAX = 64;

interface Job {
  fn: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** Tuning for tests: the WAL size (in pages) past which the checkpointer starts it over. */
export interface DatabaseOptions {
  walRestartFrames?: number;
}

export async function openDatabase(path: string, options: DatabaseOptions = {}): Promise<Db> {
  const writer = wrap(new Database(path, { timeout: 5000 }));
  await writer.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
  try {
    await migrate(writer);
  } catch (err) {
    await writer.close();
    throw err;
  }
  // From now on a locked database fails at once and beginBatch() waits without blocking.
  await writer.exec('PRAGMA busy_timeout = 0');
  // Checkpoints run in a worker (checkpointer.ts), not inside a commit on this thread.
  await writer.exec('PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864');
  const checkpointer = startCheckpointer(
    path,
    () => void writer.exec('PRAGMA wal_autocheckpoint = 1000').catch(() => undefined),
    options.walRestartFrames,
  );
  const reader = wrap(new Database(path, { readonly: true, timeout: 5000 }));
  await reader.exec('PRAGMA foreign_keys = ON;');

  let queue: Job[] = [];
  let draining: Promise<void> | null = null;

  // A batch's own statements (BEGIN, SAVEPOINT, RELEASE, COMMIT) run synchronously and prepared:
  // a promise and an await each, as a job's statements have, cost more than the statement, and
  // exec() would parse the text again.

  /**
   * BEGIN IMMEDIATE for a batch. While another connection holds the write lock it tries again
   * (every millisecond at first, then every BUSY_RETRY_SLOW_MS) for up to BUSY_WAIT_MS, and
   * writes asked for meanwhile join the batch (one wait, one transaction). Resolves to the error
   * that made it give up, or null once begun.
   */
  async function beginBatch(batch: Job[]): Promise<unknown> {
    // A transaction left open by a failed ROLLBACK (an I/O error) would refuse every BEGIN.
    if (writer.inTransaction) await writer.exec('ROLLBACK').catch(() => undefined);
    const startedAt = Date.now();
    for (;;) {
      try {
        writer.control('BEGIN IMMEDIATE');
        if (batch.length > 1) writer.control('SAVEPOINT job');
        return null;
      } catch (err) {
        if (writer.inTransaction) await writer.exec('ROLLBACK').catch(() => undefined);
        if (!isBusy(err) || Date.now() - startedAt >= BUSY_WAIT_MS) return err;
      }
      const retry = Date.now() - startedAt < BUSY_RETRY_FAST_MS ? 1 : BUSY_RETRY_SLOW_MS;
      await new Promise((resolve) => setTimeout(resolve, retry));
      if (queue.length > 0) {
        batch.push(...queue);
        queue = [];
      }
    }
  }

  async function runBatch(batch: Job[]): Promise<void> {
    const failedToBegin = await beginBatch(batch);
    if (failedToBegin) {
      for (const job of batch) job.reject(failedToBegin);
      return;
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; err: unknown }> = [];
    const single = batch.length === 1;
    try {
      for (const [i, job] of batch.entries()) {
        let failed = false;
        try {
          outcomes.push({ ok: true, value: await job.fn(writer) });
        } catch (err) {
          outcomes.push({ ok: false, err });
          // SQLite itself rolled the whole transaction back (disk full, I/O error): the work of
          // every job in it is gone, so none may be reported as stored.
          if (!writer.inTransaction) throw err;
          if (single) {
            writer.control('ROLLBACK');
            job.reject(err);
            return;
          }
          failed = true;
        }
        if (single) writer.control('COMMIT');
        else {
          if (failed) writer.control('ROLLBACK TO job');
          writer.control('RELEASE job');
          writer.control(i === batch.length - 1 ? 'COMMIT' : 'SAVEPOINT job');
        }
      }
    } catch (err) {
      if (writer.inTransaction) await writer.exec('ROLLBACK').catch(() => undefined);
      // A job that failed by itself keeps its own error; the others get the transaction's.
      batch.forEach((job, i) => {
        const outcome = outcomes[i];
        job.reject(outcome && !outcome.ok ? outcome.err : err);
      });
      return;
    }
    batch.forEach((job, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.err);
    });
  }

  /**
   * Waits for the end of this turn of the event loop, then, while writes keep coming (under load
   * every turn brings some), for the next turn, up to GATHER_MS after the first write or
   * GATHER_MAX writes: a lone write commits at once, and under load a commit carries many.
   */
  async function gather(): Promise<void> {
    const until = performance.now() + GATHER_MS;
    let seen: number;
    do {
      seen = queue.length;
      await new Promise<void>((go) => setImmediate(go));
    } while (queue.length > seen && queue.length < GATHER_MAX && performance.now() < until);
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      await runBatch(batch);
    }
    draining = null;
  }

  return {
    path,
    get: reader.get,
    all: reader.all,
    write<T>(fn: (tx: Tx) => Promise<T>, queued?: () => void): Promise<T> {
      const done = new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
        // The first write waits for the end of this turn of the event loop, so every write asked
        // for meanwhile (the frames of all sockets read in this turn) shares one commit, and for
        // the turns after it while they bring more.
        if (!draining) draining = gather().then(drain);
      });
      queued?.();
      return done;
    },
    async ping() {
      await reader.get('SELECT 1');
    },
    async close() {
      while (draining) await draining;
      await checkpointer.stop();
      await reader.close();
      await writer.close();
    },
  };
}
