// The server process: health and readiness, the error shape of unknown routes, and the real
// `parley server` binary: the demo banner, graceful shutdown on signals, restarts on the same
// data, refusing a database from a newer Parley and a bad port, and JSON logs off a TTY.
import { rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, ParleyClient } from '../../core/client/api.js';
import { DATABASE_FILE } from '../../server/config.js';
import { migrations } from '../../server/db/migrations.js';
import { runCli } from '../helpers/cli.js';
import { killAllParley, type ParleyProcess, spawnParley } from '../helpers/process.js';
import { connectOperator, connectVisitor } from '../helpers/realtime.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const servers: TestServer[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await killAllParley();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function server(): Promise<TestServer> {
  const s = await startTestServer();
  servers.push(s);
  return s;
}

async function freshDir(): Promise<string> {
  const d = await tempDir('parley-life-');
  dirs.push(d);
  return d;
}

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  return { status: res.status, body: await res.json() };
}

/** SQL on the file directly, not through Parley's layer. */
function rawExec(path: string, sql: string): void {
  const conn = new Database(path);
  try {
    conn.exec(sql);
  } finally {
    conn.close();
  }
}

function rawAll<T>(path: string, sql: string): T[] {
  const conn = new Database(path, { readonly: true });
  try {
    return conn.prepare(sql).all() as T[];
  } finally {
    conn.close();
  }
}

interface Banner {
  url: string;
  widgetKey: string;
  /** One-time passwords by email; absent when the banner printed none for that user. */
  passwords: Record<string, string>;
  text: string;
}

/** Waits until the whole demo banner is out, and reads it. */
async function banner(proc: ParleyProcess): Promise<Banner> {
  const [, url] = await proc.waitForStdout(/Parley is running at (http:\/\/127\.0\.0\.1:\d+)/);
  await proc.waitForStdout(/^Mail goes to .*$/m);
  const text = proc.stdout;
  const widgetKey = /widget key (\S+?)\)/.exec(text)?.[1] ?? '';
  const passwords: Record<string, string> = {};
  for (const m of text.matchAll(/^\s+(?:admin|operator)\s+(\S+@\S+)\s+one-time password: (\S+)$/gm)) passwords[m[1]] = m[2];
  return { url, widgetKey, passwords, text };
}

/** stdout lines that are not part of the human banner: the log. */
function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const ADMIN = 'admin@example.com';
const OPERATOR = 'operator@example.com';
const CHOSEN = 'operator-chose-this-one';

describe('health and routing', () => {
  it('answers /healthz and /readyz with 200 while the database is open', async () => {
    const s = await server();
    expect(await getJson(`${s.url}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await getJson(`${s.url}/readyz`)).toEqual({ status: 200, body: { status: 'ready' } });
  });

  it('answers /readyz with 503 unavailable once the database is gone, while /healthz stays 200', async () => {
    const s = await server();
    const db = s.app.db;
    await db.close();
    // The app closes the database again on shutdown; it is already closed here.
    db.close = async () => undefined;
    const ready = await getJson(`${s.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body.error.code).toBe('unavailable');
    expect(ready.body.error.message).toEqual(expect.any(String));
    expect((await getJson(`${s.url}/healthz`)).status).toBe(200);
  });

  it('answers an unknown route with 404 and the error shape', async () => {
    const s = await server();
    const res = await getJson(`${s.url}/no/such/route?token=secret-thing`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect(res.body.error.message).toContain('/no/such/route');
    expect(res.body.error.message).not.toContain('secret-thing');
    const api = await fetch(`${s.url}/api/v1/nothing-here`, { method: 'POST' });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('parley server (the real binary)', () => {
  it('prints the demo logins, shuts down gracefully on SIGTERM, and reuses its data on the next start', async () => {
    const dataDir = await freshDir();
    const env = { PARLEY_LOG_LEVEL: 'info' };
    const args = ['server', '--port', '0', '--data-dir', dataDir, '--demo'];

    // ---- first run ------------------------------------------------------------------------
    const first = spawnParley(args, { env });
    const b1 = await banner(first);
    expect(b1.text).toContain(`(data in ${dataDir})`);
    expect(b1.text).toMatch(/Demo project "Demo shop"/);
    expect(b1.text).toContain('One-time passwords must be replaced at the first sign-in');
    expect(b1.widgetKey).toMatch(/^\S{8,}$/);
    expect(Object.keys(b1.passwords).sort()).toEqual([ADMIN, OPERATOR]);
    expect(b1.passwords[ADMIN]).not.toBe(b1.passwords[OPERATOR]);
    for (const pw of Object.values(b1.passwords)) expect(pw.length).toBeGreaterThanOrEqual(16);
    expect(b1.text).toContain(`sign in as ${OPERATOR}:`);
    expect(b1.text).toContain(`  npx parley tui --url ${b1.url}\n`);
    // Elsewhere, the operator package this server serves.
    expect(b1.text).toContain(`(On another computer: npm install -g ${b1.url}/parley.tgz, then parley tui --url ${b1.url})`);

    // The server answers on the printed URL, and the operator's one-time password works there.
    expect((await getJson(`${b1.url}/readyz`)).status).toBe(200);
    const operator = new ParleyClient({ url: b1.url });
    const login = await operator.login(OPERATOR, b1.passwords[OPERATOR]);
    expect(login.mustChangePassword).toBe(true);
    expect(login.user.email).toBe(OPERATOR);
    operator.token = login.token;
    await operator.changePassword(b1.passwords[OPERATOR], CHOSEN);
    const projects1 = await operator.listProjects();

    // Not a TTY: the log is JSON lines (on stdout, around the banner), and it has no passwords.
    const logs1 = jsonLines(first.stdout);
    expect(logs1.some((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening at'))).toBe(true);
    expect(logs1.some((l) => (l.req as { url?: string } | undefined)?.url === '/api/v1/auth/login')).toBe(true);
    for (const l of logs1) expect(l.level).toEqual(expect.any(Number));
    const log1 = logs1.map((l) => JSON.stringify(l)).join('\n') + first.stderr;
    for (const secret of [b1.passwords[ADMIN], b1.passwords[OPERATOR], CHOSEN, login.token]) {
      expect(log1).not.toContain(secret);
    }

    // The database is for this user only: it holds one-time passwords in mail not sent yet.
    for (const suffix of ['', '-wal', '-shm']) expect((await stat(join(dataDir, DATABASE_FILE + suffix))).mode & 0o777).toBe(0o600);

    // A second server on the same data directory is refused (it would send every mail twice).
    const twin = spawnParley(['server', '--port', '0', '--data-dir', dataDir], { env });
    expect((await twin.exited).code).toBe(1);
    expect(twin.stderr).toBe(
      `parley: another Parley server is using the data directory ${dataDir}: stop it first (two servers on one database would send every mail twice and split the live events)\n`,
    );

    // Open sockets hear that the server is shutting down (1001), not a bare close.
    const socket = await connectOperator(b1.url, login.token, projects1[0].id);
    const widget = await connectVisitor(b1.url, b1.widgetKey, b1.url);

    // SIGTERM: a graceful exit with code 0, after logging it, and the port is released.
    const exit1 = await first.stop('SIGTERM');
    expect(exit1).toEqual({ code: 0, signal: null });
    for (const peer of [socket, widget]) expect(await peer.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(jsonLines(first.stdout).some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM')).toBe(true);
    await expect(fetch(`${b1.url}/healthz`)).rejects.toThrow();

    // ---- second run on the same data ---------------------------------------------------------
    const second = spawnParley(args, { env });
    const b2 = await banner(second);
    expect(b2.widgetKey).toBe(b1.widgetKey);
    // The admin never signed in: a fresh one-time password replaces the first one.
    expect(b2.passwords[ADMIN]).toEqual(expect.any(String));
    expect(b2.passwords[ADMIN]).not.toBe(b1.passwords[ADMIN]);
    // The operator chose a password: no password line for them.
    expect(b2.passwords[OPERATOR]).toBeUndefined();
    expect(b2.text).toMatch(new RegExp(`^\\s+operator\\s+${OPERATOR.replace('.', '\\.')}\\s+\\(password already chosen`, 'm'));

    const admin = new ParleyClient({ url: b2.url });
    const stale = await admin.login(ADMIN, b1.passwords[ADMIN]).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(ApiError);
    expect((stale as ApiError).status).toBe(401);
    const adminLogin = await admin.login(ADMIN, b2.passwords[ADMIN]);
    expect(adminLogin.mustChangePassword).toBe(true);
    admin.token = adminLogin.token;
    await admin.changePassword(b2.passwords[ADMIN], CHOSEN);

    const again = new ParleyClient({ url: b2.url });
    const relogin = await again.login(OPERATOR, CHOSEN);
    expect(relogin.mustChangePassword).toBe(false);
    again.token = relogin.token;
    const projects = await again.listProjects();
    expect(projects.filter((p) => p.name === 'Demo shop')).toHaveLength(1);

    // SIGINT is graceful too.
    expect(await second.stop('SIGINT')).toEqual({ code: 0, signal: null });

    // Both chose their passwords: no one-time password to show, and nothing said of replacing one.
    const third = spawnParley(args, { env });
    const b3 = await banner(third);
    expect(b3.passwords).toEqual({});
    expect(b3.text.match(/\(password already chosen/g)).toHaveLength(2);
    expect(b3.text).not.toContain('One-time passwords');
    expect(await third.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    // The database was closed cleanly: the data is all there and not duplicated.
    const db = join(dataDir, DATABASE_FILE);
    expect(await rawAll<{ n: number }>(db, 'SELECT count(*) AS n FROM projects')).toEqual([{ n: 1 }]);
    expect(await rawAll<{ email: string }>(db, 'SELECT email FROM users ORDER BY email')).toEqual([
      { email: ADMIN },
      { email: OPERATOR },
    ]);
  });

  it('without --demo, a new server says how to make its first administrator; the printed command works', async () => {
    const dataDir = await freshDir();
    const first = spawnParley(['server', '--port', '0', '--data-dir', dataDir]);
    const [, url] = await first.waitForStdout(/Parley is running at (http:\/\/127\.0\.0\.1:\d+)/);
    const [, create] = await first.waitForStdout(/^ {2}npx parley (admin create .*)$/m);
    expect(first.stdout).toContain('Nobody can sign in yet.');
    expect(first.stdout).toContain(`npx parley login --url ${url} --email you@example.com`);
    // Run as printed (while the server runs), then the one-time password signs in.
    const made = await runCli(create.split(' '), { configDir: await freshDir() });
    expect(made, made.stderr).toMatchObject({ code: 0, stderr: '' });
    const password = /one-time password:\s+(\S+)/.exec(made.stdout)![1];
    expect((await new ParleyClient({ url }).login('you@example.com', password)).mustChangePassword).toBe(true);
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    // Once someone can sign in, nothing more is said.
    const second = spawnParley(['server', '--port', '0', '--data-dir', dataDir], { env: { PARLEY_LOG_LEVEL: 'info' } });
    await second.waitForStdout(/Server listening/);
    expect(second.stdout).not.toContain('Nobody can sign in');
    await second.stop('SIGTERM');
  });

  it('refuses to start on a database made by a newer Parley, with one clear line', async () => {
    const dataDir = await freshDir();
    await rawExec(join(dataDir, DATABASE_FILE), `PRAGMA user_version = ${migrations.length + 1}`);
    const proc = spawnParley(['server', '--port', '0', '--data-dir', dataDir]);
    const exit = await proc.exited;
    expect(exit.code).toBe(1);
    const lines = proc.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^parley: /);
    expect(lines[0]).toContain('newer');
    expect(lines[0]).toContain(`schema version ${migrations.length + 1}`);
    expect(proc.stdout).not.toContain('Parley is running');
    // The database is left as it was.
    expect(await rawAll<{ user_version: number }>(join(dataDir, DATABASE_FILE), 'PRAGMA user_version')).toEqual([
      { user_version: migrations.length + 1 },
    ]);
  });

  it('refuses a PARLEY_PORT that is not a port, with one clear line', async () => {
    const dataDir = await freshDir();
    const proc = spawnParley(['server', '--data-dir', dataDir], { env: { PARLEY_PORT: 'notaport' } });
    const exit = await proc.exited;
    expect(exit.code).toBe(1);
    const lines = proc.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^parley: .*PARLEY_PORT.*"notaport"/);
    expect(proc.stdout).not.toContain('Parley is running');
  });

  it('a port in use is one line naming the port and how to choose another; the data directory is free again', async () => {
    const dataDir = await freshDir();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const proc = spawnParley(['server', '--data-dir', dataDir, '--port', String(port)]);
      expect((await proc.exited).code).toBe(1);
      expect(proc.stderr).toBe(`parley: port ${port} on 127.0.0.1 is in use (another Parley?): stop what uses it, or choose another port with --port or PARLEY_PORT\n`);
      // Nothing kept the directory: a server starts on it at once.
      const next = spawnParley(['server', '--data-dir', dataDir, '--port', '0']);
      await next.waitForStdout(/Parley is running at/);
      await next.stop('SIGTERM');
    } finally {
      taken.close();
    }
  });

  it('a Telegram webhook URL without the bot token is said in the log (the bridge stays off)', async () => {
    const s = await startTestServer({ env: { PARLEY_TELEGRAM_WEBHOOK_URL: 'https://chat.example.com/telegram/webhook' } });
    try {
      expect(s.app.telegram).toBeNull();
      expect(s.logs.some((l) => l.includes('PARLEY_TELEGRAM_WEBHOOK_URL is set but PARLEY_TELEGRAM_TOKEN is not'))).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('refuses a --port that is not a port as a usage error (exit 2)', async () => {
    const dataDir = await freshDir();
    const proc = spawnParley(['server', '--data-dir', dataDir, '--port', '99999']);
    const exit = await proc.exited;
    expect(exit.code).toBe(2);
    expect(proc.stderr).toMatch(/port/);
    expect(proc.stdout).not.toContain('Parley is running');
  });
});
