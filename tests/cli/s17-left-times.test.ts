// Times that `team show` and `telegram link` print, through the real `parley` binary against a
// real server (its Telegram bridge talking to the fake Bot API), as every other command prints
// them: HH:MM today (the date on other days), never a raw ISO time; --json keeps ISO.
//   - team show: "member since" on the project's clock, naming the project's zone when the
//     terminal is in another;
//   - telegram link: "valid until" on the terminal's own clock (the link is the operator's, for
//     all their projects, and used within minutes by whoever is at this terminal).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramLinkReply } from '../../core/protocol/index.js';
import { adminShell, loginShell, type Shell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, type TestServer } from '../helpers/server.js';
import { type FakeBotApi, startFakeBotApi, startServerWithBot } from '../helpers/telegram.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const ANN = 'ann@example.com';
/** The project's zone, and the terminal's: 13 or 14 hours apart, so no clock time reads the same in both. */
const PROJECT_ZONE = 'Asia/Tokyo';
const AWAY = { TZ: 'America/New_York' };
const AT_HOME = { TZ: PROJECT_ZONE };

let fake: FakeBotApi;
let server: TestServer;
let admin: Shell;
let ann: Shell;

beforeAll(async () => {
  fake = await startFakeBotApi();
  server = await startServerWithBot(fake);
  const outbox = await watchOutbox(server.dataDir);
  admin = await adminShell(server, ADMIN);
  await admin.json(['project', 'create', 'Alpha']);
  const set = await admin.run(['project', 'set', 'Alpha', '--timezone', PROJECT_ZONE]);
  expect(set, set.stderr).toMatchObject({ code: 0, stderr: '' });
  await admin.run(['project', 'use', 'Alpha']);
  const r = await admin.run(['team', 'add', '--email', ANN, '--first-name', 'Ann', '--last-name', 'Lee', '--operator']);
  expect(r, r.stderr).toMatchObject({ code: 0 });
  ann = await shell();
  await loginShell(ann, server.url, ANN, `${passwordFrom(await outbox.waitFor((m) => m.to === ANN))}\n${NEW_PASSWORD}\n`);
  outbox.close();
});

afterAll(async () => {
  await server?.close();
  await fake?.close();
});

/** HH:MM of `iso` in `timeZone`, worked out here rather than by the CLI's own code. */
const clockTime = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
/** YYYY-MM-DD of `iso` in `timeZone`. */
const clockDay = (iso: string, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date(iso));
/** What the CLI prints for `iso` on `timeZone`'s clock: the time today, the date and time on other days. */
const printed = (iso: string, timeZone: string) =>
  clockDay(iso, timeZone) === clockDay(new Date().toISOString(), timeZone) ? clockTime(iso, timeZone) : `${clockDay(iso, timeZone)} ${clockTime(iso, timeZone)}`;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('team show', () => {
  it("member since: the project's time, naming its zone when the terminal is in another; --json stays ISO", async () => {
    const member = await admin.json<{ createdAt: string }>(['team', 'show', ANN], { env: AWAY });
    expect(member.createdAt).toMatch(ISO);
    const since = printed(member.createdAt, PROJECT_ZONE);
    expect(clockTime(member.createdAt, PROJECT_ZONE)).not.toBe(clockTime(member.createdAt, AWAY.TZ));

    const away = await admin.run(['team', 'show', ANN], { env: AWAY });
    expect(away, away.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(away.stdout).toMatch(new RegExp(`^member since: ${escape(since)} \\(Asia/Tokyo\\)$`, 'm'));

    const home = await admin.run(['team', 'show', ANN], { env: AT_HOME });
    expect(home.stdout).toMatch(new RegExp(`^member since: ${escape(since)}$`, 'm'));
    expect(home.stdout).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
  });
});

describe('telegram link', () => {
  it("valid until: the terminal's own time, no zone named; --json stays ISO", async () => {
    for (const env of [AWAY, AT_HOME]) {
      const before = Date.now();
      const r = await ann.run(['telegram', 'link'], { env });
      const after = Date.now();
      expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
      // The link expires LINK_CODE_TTL_MS (15 minutes) after the server made it, between `before` and `after`.
      const bounds = [before, after].map((t) => new Date(t + 15 * 60_000).toISOString());
      const until = /^valid until: (.+)$/m.exec(r.stdout)?.[1];
      // The terminal's clock with no zone named: New York's time for AWAY (13 or 14 hours off Tokyo's).
      expect([printed(bounds[0], env.TZ), printed(bounds[1], env.TZ)]).toContain(until);
    }

    const link = await ann.json<TelegramLinkReply>(['telegram', 'link'], { env: AWAY });
    expect(link.expiresAt).toMatch(ISO);
  });
});
