// The sign-in lock's failures keep the client address in a column of its own (they were stored as
// "email address" in the email column). The lock behaves as before: per (account, address), an
// account-wide ceiling, a success clears its own address, a reset clears them all; and a lock in
// force before the upgrade is still in force after it.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import { DATABASE_FILE } from '../../server/config.js';
import { migrations } from '../../server/db/migrations.js';
import { openDatabase } from '../../server/db/sqlite.js';
import { expectErrorBody, raw } from '../helpers/accounts-extra.js';
import { codeFrom, watchOutbox } from '../helpers/mail.js';
import { signedInAdmin, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const EMAIL = 'root@example.com';
const MINE = migrations.findIndex((m) => m.name === 'login failures: the client address in a column of its own');

let server: TestServer | undefined;
const dirs: string[] = [];

afterEach(async () => {
  await server?.close();
  server = undefined;
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function freshDir(): Promise<string> {
  const d = await tempDir('parley-s16-lock-');
  dirs.push(d);
  return d;
}

/** Behind a proxy, so each request says its client address (X-Forwarded-For). */
const start = (clock: ManualClock, dataDir?: string) =>
  startTestServer({ clock, dataDir, env: { PARLEY_TRUST_PROXY: '1' }, rateLimits: { login: 10_000, forgot: 1000 } });

const login = (url: string, from: string, password: string) =>
  raw(url, 'POST', '/api/v1/auth/login', {
    contentType: 'application/json',
    headers: { 'x-forwarded-for': from },
    body: JSON.stringify({ email: EMAIL, password }),
  });

const failures = (s: TestServer) =>
  s.app.db.all<{ email: string; address: string | null }>('SELECT email, address FROM login_failures ORDER BY address, rowid');

describe('the upgrade', () => {
  it('splits "email address" rows into the two columns, and leaves the account\'s rows as they were', async () => {
    expect(MINE).toBeGreaterThan(0);
    const path = join(await freshDir(), 'p.db');
    const old = new Database(path);
    old.exec(`${migrations.slice(0, MINE).map((m) => m.sql).join('\n')}
      PRAGMA user_version = ${MINE};
      INSERT INTO login_failures (email, at) VALUES
        ('ann@example.com', 1), ('ann@example.com 203.0.113.9', 1),
        ('ann@example.com', 2), ('ann@example.com 2001:db8::1', 2),
        ('not-an-account', 3), ('not-an-account 198.51.100.7', 3);`);
    old.close();
    const db = await openDatabase(path);
    try {
      expect(await db.all('SELECT email, address, at FROM login_failures ORDER BY at, address')).toEqual([
        { email: 'ann@example.com', address: null, at: 1 },
        { email: 'ann@example.com', address: '203.0.113.9', at: 1 },
        { email: 'ann@example.com', address: null, at: 2 },
        { email: 'ann@example.com', address: '2001:db8::1', at: 2 },
        { email: 'not-an-account', address: null, at: 3 },
        { email: 'not-an-account', address: '198.51.100.7', at: 3 },
      ]);
    } finally {
      await db.close();
    }
  });

  it('a lock in force before the upgrade is in force after it; the owner elsewhere still gets in', async () => {
    const clock = new ManualClock();
    const dataDir = await freshDir();
    // The database as the release before left it (built by its migrations, so that every later
    // one runs once, as in a real upgrade), holding a lock on one address.
    const old = new Database(join(dataDir, DATABASE_FILE));
    old.exec(`${migrations.slice(0, MINE).map((m) => m.sql).join('\n')}
      PRAGMA user_version = ${MINE};`);
    const rows = Array.from({ length: 10 }, (_, i) => clock.now() - 60_000 + i);
    const insert = old.prepare('INSERT INTO login_failures (email, at) VALUES (?, ?)');
    for (const at of rows) {
      insert.run(EMAIL, at);
      insert.run(`${EMAIL} 203.0.113.9`, at);
    }
    old.close();

    server = await start(clock, dataDir);
    // The account (signed in from the test's own address, which never failed).
    const { password } = await signedInAdmin(server);
    expectErrorBody(await login(server.url, '203.0.113.9', password), 429, 'rate_limited');
    expect((await login(server.url, '198.51.100.7', password)).status).toBe(200);
  });
});

describe('the lock on the new column', () => {
  it('stores each failure for the account and for the address, apart; a success clears its own address only', async () => {
    const clock = new ManualClock();
    server = await start(clock);
    const { password } = await signedInAdmin(server);
    for (let i = 0; i < 3; i++) expectErrorBody(await login(server.url, '203.0.113.9', 'wrong'), 401, 'invalid_credentials');
    expectErrorBody(await login(server.url, '198.51.100.7', 'wrong'), 401, 'invalid_credentials');
    const account = { email: EMAIL, address: null };
    expect(await failures(server)).toEqual([
      account,
      account,
      account,
      account,
      { email: EMAIL, address: '198.51.100.7' },
      ...Array(3).fill({ email: EMAIL, address: '203.0.113.9' }),
    ]);
    expect((await login(server.url, '203.0.113.9', password)).status).toBe(200);
    expect(await failures(server)).toEqual([account, account, account, account, { email: EMAIL, address: '198.51.100.7' }]);
  });

  it('10 failures lock that address; past the account\'s ceiling, an address that failed waits too; a reset clears every row', async () => {
    const clock = new ManualClock();
    server = await start(clock);
    const { password } = await signedInAdmin(server);
    for (let i = 0; i < 10; i++) expectErrorBody(await login(server.url, '203.0.113.9', 'wrong'), 401, 'invalid_credentials');
    expectErrorBody(await login(server.url, '203.0.113.9', password), 429, 'rate_limited');
    expect((await login(server.url, '198.51.100.7', password)).status).toBe(200);
    // 90 more from 18 other addresses: 100 for the account.
    for (let i = 0; i < 90; i++) expectErrorBody(await login(server.url, `192.0.2.${i % 18}`, 'wrong'), 401, 'invalid_credentials');
    expectErrorBody(await login(server.url, '192.0.2.3', password), 429, 'rate_limited');
    expect((await login(server.url, '198.51.100.8', password)).status).toBe(200);

    const outbox = await watchOutbox(server.dataDir);
    try {
      await new ParleyClient({ url: server.url }).forgotPassword(EMAIL);
      const code = codeFrom(await outbox.waitFor((m) => m.to === EMAIL && /^Code:/m.test(m.text)));
      await new ParleyClient({ url: server.url }).resetPassword(EMAIL, code, 'brand-new-password-1');
    } finally {
      outbox.close();
    }
    expect(await failures(server)).toEqual([]);
    expect((await login(server.url, '203.0.113.9', 'brand-new-password-1')).status).toBe(200);
  });
});
