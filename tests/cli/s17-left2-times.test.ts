// The times the CLI still printed raw (ISO 8601, or UTC cut to minutes), now as every other
// time it prints: HH:MM today, the date and time on other days. The real `parley` binary against
// a real server whose clock stands at an instant that falls on different days in New York and
// Tokyo, run as if on computers in either zone (TZ); --json keeps ISO 8601 in UTC.
//   - a project's things on the project's clock, its zone named when the terminal is in another:
//     `project show` (created), `export`'s header (a file: dated, the zone always named);
//   - an operator's own things, and the whole server's, on this computer's clock: `token list`,
//     `token create`'s notice, `password reset`'s list of tokens, `backup` and `restore`.
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import { run as createToken } from '../../cli/commands/token/create.js';
import { Ctx } from '../../cli/context.js';
import type { Io } from '../../cli/io.js';
import { ManualClock } from '../../server/clock.js';
import { adminShell, type Shell, shell } from '../helpers/cli-extra.js';
import { codeFrom, watchOutbox } from '../helpers/mail.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const DAY = 24 * 3600_000;
/** 02:00 UTC: 21:00 the day before in New York, 11:00 in Tokyo. */
const T = Date.UTC(2026, 0, 5, 2, 0, 0);
const PROJECT_ZONE = 'Asia/Tokyo';
const NEW_YORK = { TZ: 'America/New_York' };
const TOKYO = { TZ: PROJECT_ZONE };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const RAW = /\d{4}-\d\d-\d\dT\d\d:\d\d/;

let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
let admin: Shell;

beforeAll(async () => {
  server = await startTestServer({ clock: new ManualClock(T), rateLimits: { login: 1000, forgot: 1000 } });
  outbox = await watchOutbox(server.dataDir);
  admin = await adminShell(server, { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' });
  await admin.json(['project', 'create', 'Alpha']);
  expect(await admin.run(['project', 'set', 'Alpha', '--timezone', PROJECT_ZONE])).toMatchObject({ code: 0, stderr: '' });
  await admin.run(['project', 'use', 'Alpha']);
});

afterAll(async () => {
  outbox?.close();
  await server?.close();
});

/** YYYY-MM-DD of `at` in `timeZone`, worked out here rather than by the CLI's code. */
const dayIn = (at: number | string, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date(at));
/** HH:MM of `at` in `timeZone`. */
const timeIn = (at: number | string, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(at));
/** What the CLI prints for `at` on `timeZone`'s clock: the time today, the date and time on other days. */
const printed = (at: number | string, timeZone: string) =>
  dayIn(at, timeZone) === dayIn(Date.now(), timeZone) ? timeIn(at, timeZone) : `${dayIn(at, timeZone)} ${timeIn(at, timeZone)}`;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

it('the instant falls on different days and hours in the two zones', () => {
  expect(dayIn(T, NEW_YORK.TZ)).toBe('2026-01-04');
  expect(dayIn(T, TOKYO.TZ)).toBe('2026-01-05');
  expect(dayIn(T + 365 * DAY, NEW_YORK.TZ)).toBe('2027-01-04');
  expect(dayIn(T + 90 * DAY, NEW_YORK.TZ)).toBe('2026-04-04');
});

describe('project show', () => {
  it("created: the project's time, naming its zone when the terminal is in another; --json stays ISO", async () => {
    const project = await admin.json<{ createdAt: string }>(['project', 'show'], { env: NEW_YORK });
    expect(project.createdAt).toBe(new Date(T).toISOString());
    const created = escape(printed(T, PROJECT_ZONE));

    const away = await admin.run(['project', 'show'], { env: NEW_YORK });
    expect(away, away.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(away.stdout).toMatch(new RegExp(`^created: +${created} \\(Asia/Tokyo\\)$`, 'm'));
    const home = await admin.run(['project', 'show'], { env: TOKYO });
    expect(home.stdout).toMatch(new RegExp(`^created: +${created}$`, 'm'));
    for (const out of [away.stdout, home.stdout]) expect(out).not.toMatch(RAW);
  });
});

describe('export', () => {
  it("the file's header: when, dated and on the project's clock with its zone named, wherever it runs", async () => {
    for (const env of [NEW_YORK, TOKYO]) {
      const before = Date.now();
      const r = await admin.run(['export'], { env });
      const after = Date.now();
      expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
      const header = r.stdout.split('\n')[0];
      const stamps = [before, after].map((t) => `${dayIn(t, PROJECT_ZONE)} ${timeIn(t, PROJECT_ZONE)} (Asia/Tokyo)`);
      expect(stamps.map((s) => `# Parley project "Alpha", exported ${s} from ${server.url}`)).toContain(header);
    }
  });
});

describe('API tokens, on this computer\'s clock', () => {
  it('token list: created and last used as times, the days it ends as days there; --json stays ISO', async () => {
    const ci = (await admin.run(['token', 'create', '--name', 'ci'])).stdout.trim();
    await admin.run(['token', 'create', '--name', 'short', '--expires-in-days', '1']);
    expect((await (await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: ci })).run(['whoami'])).code).toBe(0);
    await expect.poll(async () => (await admin.json<Array<{ name: string; lastUsedAt: string | null }>>(['token', 'list'])).find((t) => t.name === 'ci')?.lastUsedAt).toMatch(ISO);

    for (const env of [NEW_YORK, TOKYO]) {
      const r = await admin.run(['token', 'list'], { env });
      expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
      const [head, ...rows] = r.stdout.trimEnd().split('\n').map((line) => line.split(/ {2,}/));
      expect(head).toEqual(['NAME', 'PROJECT', 'CREATED', 'LAST USED', 'EXPIRES']);
      const at = printed(T, env.TZ);
      expect(rows).toEqual([
        ['ci', '-', at, at, `${dayIn(T + 365 * DAY, env.TZ)} (${dayIn(T + 90 * DAY, env.TZ)} if unused)`],
        ['short', '-', at, '-', dayIn(T + DAY, env.TZ)],
      ]);
      expect(r.stdout).not.toMatch(RAW);
    }
    // New York's days are the day before Tokyo's.
    expect((await admin.run(['token', 'list'], { env: NEW_YORK })).stdout).toContain('2027-01-04 (2026-04-04 if unused)');
    expect((await admin.run(['token', 'list'], { env: TOKYO })).stdout).toContain('2027-01-05 (2026-04-05 if unused)');

    const listed = await admin.json<Array<{ createdAt: string; expiresAt: string }>>(['token', 'list'], { env: NEW_YORK });
    expect(listed[0]).toMatchObject({ createdAt: new Date(T).toISOString(), expiresAt: new Date(T + 365 * DAY).toISOString() });
  });

  it("token create: the notice on a terminal says when it expires on this computer's clock", async () => {
    const stderr = new PassThrough();
    let said = '';
    stderr.on('data', (c) => (said += c));
    const stdout = new PassThrough();
    let token = '';
    stdout.on('data', (c) => (token += c));
    const io: Io = {
      stdout,
      stderr,
      stdin: new PassThrough(),
      env: { PARLEY_CONFIG_DIR: admin.configDir, HOME: admin.configDir },
      stdoutIsTTY: false,
      stdinIsTTY: true,
      stderrIsTTY: true,
      json: false,
    };
    expect(await createToken({ name: 'notice', expiresInDays: 30 }, new Ctx(io))).toBe(0);
    expect(token.trim()).not.toBe('');
    // This process's zone: the terminal's.
    const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(said).toBe(`Token "notice" expires ${printed(T + 30 * DAY, here)}. It is shown only this once.\n`);
  });
});

describe('password reset', () => {
  it("names the tokens that stay with their times on this computer's clock", async () => {
    const who = { email: 'reset@example.com', firstName: 'Rita', lastName: 'Reset' };
    const owner = await adminShell(server, who);
    expect((await owner.run(['token', 'create', '--name', 'deploy'])).code).toBe(0);
    for (const env of [NEW_YORK, TOKYO]) {
      const seen = new Set(outbox.mails);
      await new ParleyClient({ url: server.url }).forgotPassword(who.email);
      const code = codeFrom(await outbox.waitFor((m) => m.to === who.email && /^Code:/m.test(m.text) && !seen.has(m)));
      const anon = await shell({ PARLEY_URL: server.url, ...env });
      const r = await anon.run(['password', 'reset', '--email', who.email, '--code', code, '--password-stdin'], { stdin: `recovered-password-${env.TZ.length}\n` });
      expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toMatch(new RegExp(`^NAME +PROJECT +CREATED +LAST USED *\\ndeploy +- +${escape(printed(T, env.TZ))} +never +new$`, 'm'));
      expect(r.stdout).not.toMatch(RAW);
    }
  });
});

describe('backup and restore', () => {
  it("say when the backup was taken on this computer's clock; --json stays ISO", async () => {
    const dir = await tempDir('parley-s17-left2-backup-');
    const file = join(dir, 'parley.tar');
    const backup = await admin.run(['backup', file], { env: NEW_YORK });
    expect(backup, backup.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(backup.stdout).toContain(`, taken ${printed(T, NEW_YORK.TZ)})`);
    expect(backup.stdout).not.toMatch(RAW);

    const restored = join(dir, 'restored');
    const restore = await (await shell(TOKYO)).run(['restore', file, '--data-dir', restored]);
    expect(restore, restore.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(restore.stdout).toMatch(new RegExp(`^Restored .*, taken ${escape(printed(T, TOKYO.TZ))} by Parley `));
    expect(restore.stdout).not.toMatch(RAW);

    const json = await (await shell(TOKYO)).json<{ createdAt: string }>(['restore', file, '--data-dir', join(dir, 'again')]);
    expect(json.createdAt).toBe(new Date(T).toISOString());
  });
});
