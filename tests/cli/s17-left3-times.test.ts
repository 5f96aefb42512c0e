// `parley status` and `leads list` follow the CLI's rule for a project's times (cli/present.ts
// projectClock): on the project's clock, its zone named only when this computer is in another.
// Both named it always: "since 21:55 (UTC)" on a computer in UTC, for a project in UTC. The real
// binary against a real server whose clock stands at Monday 11:00 in Tokyo, the project's zone,
// run as if on a computer in Tokyo and in New York (TZ); --json keeps ISO 8601 in UTC.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import { addMember } from '../helpers/accounts-extra.js';
import { type Shell, shell } from '../helpers/cli-extra.js';
import { watchOutbox } from '../helpers/mail.js';
import { type Peer, visitorWrites } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

/** Monday 5 January 2026, 02:00 UTC: 11:00 in Tokyo, 21:00 on Sunday in New York. */
const T = Date.UTC(2026, 0, 5, 2, 0, 0);
const PROJECT_ZONE = 'Asia/Tokyo';
const HOME = { TZ: PROJECT_ZONE };
const AWAY = { TZ: 'America/New_York' };
const ORIGIN = 'https://shop.example.com';
const ANN = 'ann@example.com';
const BOB = 'bob@example.com';

let server: TestServer;
let root: ParleyClient;
let admin: Shell;
let ann: Shell;
const peers: Peer[] = [];

beforeAll(async () => {
  server = await startTestServer({ clock: new ManualClock(T), rateLimits: { login: 1000, forgot: 1000 } });
  const outbox = await watchOutbox(server.dataDir);
  root = (await signedInAdmin(server)).client;
  const project = await root.createProject('Alpha');
  await root.updateProject(project.id, { timezone: PROJECT_ZONE, allowedOrigins: [ORIGIN] });
  const op = async (email: string) =>
    (await addMember(server, root, project.id, { email, firstName: email.split('@')[0], lastName: 'Tester', operator: true }, outbox)).signIn();
  const annClient = await op(ANN);
  await op(BOB);
  outbox.close();
  admin = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: root.token!, PARLEY_PROJECT: 'Alpha' });
  ann = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: annClient.token!, PARLEY_PROJECT: 'Alpha' });
  await visitorWrites({ url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId: project.id, admin: root, peers }, 'a lead');
  const scheduled = await admin.run(['schedule', 'set', '--operator', BOB, '--days', 'mon-fri', '--from', '09:00', '--to', '18:00']);
  expect(scheduled, scheduled.stderr).toMatchObject({ code: 0, stderr: '' });
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server?.close();
});

/** YYYY-MM-DD of `at` in `timeZone`, worked out here rather than by the CLI's code. */
const dayIn = (at: number, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date(at));
/** What the CLI prints for `at` on Tokyo's clock: the time today, the date and time on other days (the real today). */
const printed = (at: number) => (dayIn(at, PROJECT_ZONE) === dayIn(Date.now(), PROJECT_ZONE) ? '11:00' : `${dayIn(at, PROJECT_ZONE)} 11:00`);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('parley status', () => {
  it('online, offline and show: "since" names the zone only on a computer in another', async () => {
    const since = escape(printed(T));
    const online = await ann.run(['status', 'online'], { env: HOME });
    expect(online, online.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(online.stdout).toMatch(new RegExp(`^You are online in "Alpha" \\(manual switch\\) since ${since}\\.\\n`));

    const away = await ann.run(['status', 'show'], { env: AWAY });
    expect(away.stdout).toMatch(new RegExp(`^You are online in "Alpha" \\(manual switch\\) since ${since} \\(Asia/Tokyo\\)\\.\\n`));
    const home = await ann.run(['status', 'show'], { env: HOME });
    expect(home.stdout).toMatch(new RegExp(`^You are online in "Alpha" \\(manual switch\\) since ${since}\\.\\n`));

    const offline = await ann.run(['status', 'offline'], { env: HOME });
    expect(offline.stdout).toMatch(new RegExp(`^You are offline in "Alpha" \\(manual switch\\) since ${since}\\.\\n1 operator online`));
    const offlineAway = await ann.run(['status', 'show'], { env: AWAY });
    expect(offlineAway.stdout).toMatch(new RegExp(`^You are offline in "Alpha" \\(manual switch\\) since ${since} \\(Asia/Tokyo\\)\\.\\n`));
    expect((await ann.json<{ changedAt: string }>(['status', 'show'], { env: HOME })).changedAt).toBe(new Date(T).toISOString());
  });

  it("by schedule: the server's explanation, its zone left out on a computer in it", async () => {
    const home = await admin.run(['status', 'show', '--operator', BOB], { env: HOME });
    expect(home, home.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(home.stdout).toMatch(/^bob@example\.com is online in "Alpha" by schedule until 18:00\.\n/);
    const away = await admin.run(['status', 'show', '--operator', BOB], { env: AWAY });
    expect(away.stdout).toMatch(/^bob@example\.com is online in "Alpha" by schedule until 18:00 \(Asia\/Tokyo\)\.\n/);
    const json = await admin.json<{ explanation: string }>(['status', 'show', '--operator', BOB], { env: HOME });
    expect(json.explanation).toBe('online by schedule until 18:00 (Asia/Tokyo)');
  });
});

describe('parley leads list', () => {
  it("CREATED names the project's zone only on a computer in another", async () => {
    const created = escape(printed(T));
    const home = await ann.run(['leads', 'list'], { env: HOME });
    expect(home, home.stderr).toMatchObject({ code: 0, stderr: '' });
    const [homeHead, homeRow] = home.stdout.split('\n');
    expect(homeHead).toMatch(/^ID\s+CREATED\s+CLASS\s+OPERATOR/);
    expect(homeRow).toMatch(new RegExp(`^\\d+\\s+${created}\\s+-\\s`));

    const away = await ann.run(['leads', 'list'], { env: AWAY });
    const [awayHead, awayRow] = away.stdout.split('\n');
    expect(awayHead).toMatch(/^ID\s+CREATED \(Asia\/Tokyo\)\s+CLASS\s+OPERATOR/);
    expect(awayRow).toMatch(new RegExp(`^\\d+\\s+${created}\\s+-\\s`));
  });
});
