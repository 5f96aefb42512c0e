// SQLite access: one writer connection whose writes are group-committed, and one reader.
//
// Every write is a job `(tx) => Promise<T>`. Jobs that arrive while a commit is running wait
// and then run together inside the next single transaction (each in its own SAVEPOINT, so one
// failing job does not undo the others). A job's promise settles only after its transaction
// committed, so whatever a service does after `await db.write(...)` (emitting events, answering
// a request) happens after the data is durable. No timer is involved: a lone write commits at once.
import sqlite3 from 'sqlite3';
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
  /** Runs `fn` inside a (group-committed) write transaction; reads inside it see its writes. */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
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

function open(path: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, mode, (err) => (err ? reject(err) : resolve(db)));
  });
}

function wrap(conn: sqlite3.Database): Tx & { exec(sql: string): Promise<void>; close(): Promise<void> } {
  return {
    run: (sql, params = []) =>
      new Promise((resolve, reject) => {
        conn.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
          if (err) reject(err);
          else resolve({ changes: this.changes, lastID: this.lastID });
        });
      }),
    get: <T>(sql: string, params: Params = []) =>
      new Promise<T | undefined>((resolve, reject) => {
        conn.get(sql, params, (err: Error | null, row: T | undefined) => (err ? reject(err) : resolve(row)));
      }),
    all: <T>(sql: string, params: Params = []) =>
      new Promise<T[]>((resolve, reject) => {
        conn.all(sql, params, (err: Error | null, rows: T[]) => (err ? reject(err) : resolve(rows)));
      }),
    exec: (sql) => new Promise((resolve, reject) => conn.exec(sql, (err) => (err ? reject(err) : resolve()))),
    close: () => new Promise((resolve, reject) => conn.close((err) => (err ? reject(err) : resolve()))),
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

interface Job {
  fn: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export async function openDatabase(path: string): Promise<Db> {
  const writer = wrap(await open(path, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE));
  await writer.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;',
  );
  try {
    await migrate(writer);
  } catch (err) {
    await writer.close();
    throw err;
  }
  const reader = wrap(await open(path, sqlite3.OPEN_READONLY));
  await reader.exec('PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');

  let queue: Job[] = [];
  let draining: Promise<void> | null = null;

  async function runBatch(batch: Job[]): Promise<void> {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; err: unknown }> = [];
    try {
      await writer.exec('BEGIN IMMEDIATE');
    } catch (err) {
      for (const job of batch) job.reject(err);
      return;
    }
    try {
      if (batch.length === 1) {
        try {
          outcomes.push({ ok: true, value: await batch[0].fn(writer) });
        } catch (err) {
          await writer.exec('ROLLBACK');
          batch[0].reject(err);
          return;
        }
      } else {
        for (const job of batch) {
          await writer.exec('SAVEPOINT job');
          try {
            const value = await job.fn(writer);
            await writer.exec('RELEASE job');
            outcomes.push({ ok: true, value });
          } catch (err) {
            await writer.exec('ROLLBACK TO job; RELEASE job');
            outcomes.push({ ok: false, err });
          }
        }
      }
      await writer.exec('COMMIT');
    } catch (err) {
      await writer.exec('ROLLBACK').catch(() => undefined);
      for (const job of batch) job.reject(err);
      return;
    }
    batch.forEach((job, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.err);
    });
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
    write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
        if (!draining) draining = drain();
      });
    },
    async ping() {
      await reader.get('SELECT 1');
    },
    async close() {
      while (draining) await draining;
      await reader.close();
      await writer.close();
    },
  };
}
