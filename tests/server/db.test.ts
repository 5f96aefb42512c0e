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
