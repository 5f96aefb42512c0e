import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../server/db/migrations.js';
import { DatabaseTooNewError, type Db, openDatabase } from '../../server/db/sqlite.js';
import { tempDir } from '../helpers/server.js';

let db: Db | null = null;
afterEach(async () => {
  await db?.close();
  db = null;
});

/** SQL on the file directly, not through Parley's layer. */
function rawExec(path: string, sql: string): void {
  const conn = new Database(path);
  try {
    conn.exec(sql);
  } finally {
    conn.close();
  }
}

describe('database', () => {
  it('applies every migration, in WAL mode with foreign keys on', async () => {
    db = await openDatabase(join(await tempDir(), 'p.db'));
    expect((await db.get<{ user_version: number }>('PRAGMA user_version'))?.user_version).toBe(migrations.length);
    expect((await db.get<{ journal_mode: string }>('PRAGMA journal_mode'))?.journal_mode).toBe('wal');
    await expect(
      db.write((tx) => tx.run('INSERT INTO memberships (project_id, user_id, created_at) VALUES (999, 999, 0)')),
    ).rejects.toThrow(/FOREIGN KEY/);
  });

  it('checkpoints the WAL in a worker: the writer never does it inside a commit, and the database file still fills', async () => {
    const dir = await tempDir();
    const path = join(dir, 'p.db');
    db = await openDatabase(path);
    // The writer's own checkpoint (inside the commit that crosses 1,000 pages) is off.
    expect(await db.write((tx) => tx.get('PRAGMA wal_autocheckpoint'))).toEqual({ wal_autocheckpoint: 0 });
    const sizeOfDb = () => statSync(path).size;
    const before = sizeOfDb();
    // About 6 MB into the WAL, far past the 1,000 pages (4 MB) that trigger SQLite's checkpoint.
    await db.write((tx) => tx.run('CREATE TABLE probe (body TEXT)'));
    const blob = 'x'.repeat(60_000);
    for (let i = 0; i < 100; i++) await db.write((tx) => tx.run('INSERT INTO probe (body) VALUES (?)', [blob]));
    // Only a checkpoint moves pages into the database file; the worker's shows up within a few of its rounds.
    for (let round = 0; round < 200 && sizeOfDb() < before + 5_000_000; round++) await new Promise((r) => setTimeout(r, 50));
    expect(sizeOfDb()).toBeGreaterThan(before + 5_000_000);
  });

  it('keeps the WAL bounded under a steady stream of commits (the checkpointer starts it over)', async () => {
    const dir = await tempDir();
    const path = join(dir, 'p.db');
    // Started over past 2,048 pages (8 MB) here, 64 MB in production.
    db = await openDatabase(path, { walRestartFrames: 2048 });
    const d = db;
    await d.write((tx) => tx.run('CREATE TABLE probe (body TEXT)'));
    const blob = 'x'.repeat(40_000);
    // About 100 MB through the WAL in a commit every millisecond or so (a busy server): a PASSIVE
    // checkpoint never copies everything while commits keep coming, so without a RESTART the WAL
    // would grow to all of it.
    let largest = 0;
    for (let i = 0; i < 2500; i++) {
      await d.write((tx) => tx.run('INSERT INTO probe (body) VALUES (?)', [blob]));
      await new Promise((r) => setTimeout(r, 1));
      if (i % 50 === 0) largest = Math.max(largest, statSync(`${path}-wal`).size);
    }
    expect(largest).toBeGreaterThan(4 * 2 ** 20);
    expect(largest).toBeLessThan(32 * 2 ** 20);
    expect(await d.get('SELECT count(*) AS n FROM probe')).toEqual({ n: 2500 });
  });

  it('refuses to open a database made by a newer Parley', async () => {
    const path = join(await tempDir(), 'p.db');
    await rawExec(path, `PRAGMA user_version = ${migrations.length + 1}`);
    const err = await openDatabase(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseTooNewError);
    expect((err as Error).message).toMatch(/newer Parley/);
  });

  it('group-commits concurrent writes and isolates a failing one', async () => {
    db = await openDatabase(join(await tempDir(), 'p.db'));
    const d = db;
    await d.write((tx) => tx.run('CREATE TABLE t (v INTEGER UNIQUE)'));
    const results = await Promise.allSettled(
      [1, 2, 2, 3].map((v) => d.write((tx) => tx.run('INSERT INTO t (v) VALUES (?)', [v]))),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const rows = await d.all<{ v: number }>('SELECT v FROM t ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual([1, 2, 3]);
  });

  it('commits a lone write in its turn; writes that keep coming in the next turns share a commit, which does not wait for ever', async () => {
    db = await openDatabase(join(await tempDir(), 'p.db'));
    const d = db;
    await d.write((tx) => tx.run('CREATE TABLE t (v TEXT)'));
    const nextTurn = () => new Promise<void>((go) => setImmediate(go));
    const events: string[] = [];
    const writeOf = (v: string) => d.write((tx) => (events.push(`${v} ran`), tx.run('INSERT INTO t (v) VALUES (?)', [v])));
    // Each case starts with no commit under way (one under way takes what is asked meanwhile).
    await nextTurn();

    // Alone, at the end of the turn that asked for it: the next turn sees it committed.
    let lone = false;
    void writeOf('lone').then(() => (lone = true));
    await nextTurn();
    expect(lone).toBe(true);

    // Two writes in a turn, and one more in the next turn: all three in one commit.
    events.length = 0;
    setImmediate(() => setImmediate(() => void writeOf('c').then(() => events.push('c committed'))));
    await Promise.all([writeOf('a').then(() => events.push('a committed')), writeOf('b')]);
    await d.write(async () => undefined);
    expect(events.slice(0, 3)).toEqual(['a ran', 'b ran', 'c ran']);
    expect(events).toContain('c committed');
    await nextTurn();

    // A write in every turn does not hold the first one back for long (GATHER_MS, GATHER_MAX): it
    // is committed while they go on.
    let first = false;
    void writeOf('first').then(() => (first = true));
    const started = performance.now();
    let turns = 0;
    while (!first && performance.now() - started < 1000) {
      void writeOf(`w${turns++}`);
      await nextTurn();
    }
    expect(first).toBe(true);
    expect(turns).toBeGreaterThan(1);
    expect(performance.now() - started).toBeLessThan(500);
    expect((await d.get<{ n: number }>("SELECT count(*) AS n FROM t WHERE v LIKE 'w%'"))?.n).toBeGreaterThanOrEqual(turns - 1);
  });

  it('answers writes only after they are visible to readers', async () => {
    db = await openDatabase(join(await tempDir(), 'p.db'));
    const d = db;
    await d.write((tx) => tx.run('CREATE TABLE t (v INTEGER)'));
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        d.write((tx) => tx.run('INSERT INTO t (v) VALUES (?)', [i])).then(async () => {
          const row = await d.get<{ n: number }>('SELECT count(*) AS n FROM t WHERE v = ?', [i]);
          expect(row?.n).toBe(1);
        }),
      ),
    );
  });
});
