// `parley schedule set|show|clear|except` and `parley status show --operator` through the real
// binary against a real server whose clock the test holds (Monday 2 March 2026, Moscow).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { adminShell, expectFailure, type Shell, loginShell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const OPS = ['ann@example.com', 'bob@example.com', 'cat@example.com'];
const msk = (day: number, h: number, m = 0) => Date.UTC(2026, 2, day, h - 3, m);

interface View {
  email: string;
  timezone: string;
  weekly: Record<string, Array<{ from: string; to: string }>>;
  exceptions: Array<{ date: string; off: boolean; intervals: Array<{ from: string; to: string }> }>;
}

let server: TestServer;
let clock: ManualClock;
let admin: Shell;
let ann: Shell;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;

const show = async (email?: string) =>
  (await admin.json<{ schedules: View[] }>(['schedule', 'show', ...(email ? ['--operator', email] : [])])).schedules;

beforeAll(async () => {
  clock = new ManualClock(msk(2, 10));
  server = await startTestServer({ clock });
  outbox = await watchOutbox(server.dataDir);
  admin = await adminShell(server, ADMIN);
  await admin.json(['project', 'create', 'Alpha']);
  await admin.run(['project', 'use', 'Alpha']);
  for (const email of OPS) {
    const r = await admin.run(['team', 'add', '--email', email, '--first-name', 'Op', '--last-name', 'Erator', '--operator']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
  }
  const r = await admin.run(['team', 'add', '--email', 'sam@example.com', '--first-name', 'Sam', '--last-name', 'Set', '--access', 'settings']);
  expect(r, r.stderr).toMatchObject({ code: 0 });
  ann = await shell();
  await loginShell(ann, server.url, OPS[0], `${passwordFrom(await outbox.waitFor((m) => m.to === OPS[0]))}\n${NEW_PASSWORD}\n`);
  await ann.run(['project', 'use', 'Alpha']);
});

afterAll(async () => {
  outbox.close();
  await server.close();
});

describe('parley schedule', () => {
  it('sets one schedule for three operators, adds an interval, and shows a week grid or JSON', async () => {
    const set = await admin.run([
      'schedule', 'set', ...OPS.flatMap((e) => ['--operator', e]),
      '--days', 'mon-fri', '--from', '09:00', '--to', '13:00', '--tz', 'Europe/Moscow',
    ]);
    expect(set, set.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(set.stdout).toMatch(/^Schedule set for 3 operators\./);
    const add = await admin.json<{ schedules: View[] }>([
      'schedule', 'set', '--operator', OPS[0], '--days', 'mon,wed-fri', '--from', '14:00', '--to', '18:00', '--add',
    ]);
    expect(add.schedules[0].weekly.wed).toEqual([{ from: '09:00', to: '13:00' }, { from: '14:00', to: '18:00' }]);
    expect(add.schedules[0].weekly.tue).toEqual([{ from: '09:00', to: '13:00' }]);

    const all = await show();
    expect(all.map((v) => v.email)).toEqual(OPS);
    for (const v of all) {
      expect(v.timezone).toBe('Europe/Moscow');
      expect(v.weekly.fri[0]).toEqual({ from: '09:00', to: '13:00' });
      expect(v.weekly.sat).toEqual([]);
    }
    const grid = await admin.run(['schedule', 'show', '--operator', OPS[0]]);
    expect(grid.code).toBe(0);
    expect(grid.stdout).toBe(
      [
        'ann@example.com (Europe/Moscow)',
        '  Mon  09:00-13:00, 14:00-18:00',
        '  Tue  09:00-13:00',
        '  Wed  09:00-13:00, 14:00-18:00',
        '  Thu  09:00-13:00, 14:00-18:00',
        '  Fri  09:00-13:00, 14:00-18:00',
        '  Sat  -',
        '  Sun  -',
        '',
      ].join('\n'),
    );
  });

  it('adds exceptions: a day off and special hours on a date', async () => {
    const off = await admin.run(['schedule', 'except', '--operator', OPS[1], '--date', '2026-12-31', '--off']);
    expect(off, off.stderr).toMatchObject({ code: 0, stderr: '' });
    const special = await admin.json<{ schedules: View[] }>([
      'schedule', 'except', '--operator', OPS[1], '--date', '2026-12-30', '--from', '10:00', '--to', '15:00',
    ]);
    expect(special.schedules[0].exceptions).toEqual([
      { date: '2026-12-30', off: false, intervals: [{ from: '10:00', to: '15:00' }] },
      { date: '2026-12-31', off: true, intervals: [] },
    ]);
    expect((await admin.run(['schedule', 'show', '--operator', OPS[1]])).stdout).toMatch(/\n {2}2026-12-31 {2}day off\n/);
  });

  it('explains each operator: by schedule, by a manual switch until the boundary', async () => {
    const s = await admin.run(['status', 'show', '--operator', OPS[0]]);
    expect(s, s.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(s.stdout).toBe(
      'ann@example.com is online in "Alpha" by schedule until 13:00 (Europe/Moscow).\n3 operators online: the widget shows its chat tab.\n',
    );
    const off = await ann.run(['status', 'offline']);
    expect(off.stdout).toMatch(/^You are offline in "Alpha" \(manual switch\) until the schedule ends at 13:00 \(Europe\/Moscow\)\.\n2 operators online/);
    const json = await admin.json<{ online: boolean; source: string; until: string }>(['status', 'show', '--operator', OPS[0]]);
    expect(json).toMatchObject({ online: false, source: 'manual', until: new Date(msk(2, 13)).toISOString() });

    clock.set(msk(2, 13));
    await server.app.services.presence.reevaluate();
    expect((await ann.run(['status', 'show'])).stdout).toMatch(/^You are offline in "Alpha" by schedule until 14:00 \(Europe\/Moscow\)\.\nNo operator is online/);
    clock.set(msk(2, 14));
    await server.app.services.presence.reevaluate();
    expect((await admin.run(['status', 'show', '--operator', OPS[0]])).stdout).toMatch(/is online in "Alpha" by schedule until 18:00/);
  });

  it('refuses bad input with exit 1 and one clear line, and saves nothing', async () => {
    const before = JSON.stringify(await show());
    const base = ['schedule', 'set', '--operator', OPS[2], '--days', 'sat'];
    const cases: Array<[string[], RegExp]> = [
      [[...base, '--from', '18:00', '--to', '09:00'], /must end after it starts: 18:00 to 09:00/],
      [[...base, '--from', '09:00', '--to', '09:00'], /must end after it starts/],
      [[...base, '--from', '09:00', '--to', '25:00'], /not a time on the clock: "25:00"/],
      [['schedule', 'set', '--operator', OPS[2], '--days', 'mon-fri,sunday', '--from', '09:00', '--to', '10:00'], /unknown weekday or range: "sunday"/],
      [[...base, '--from', '09:00', '--to', '10:00', '--tz', 'Europe/Atlantis'], /unknown time zone: "Europe\/Atlantis"/],
      [[...base, '--from', '09:00', '--to', '10:00', '--operator', 'sam@example.com'], /sam@example.com is not an operator/],
      [[...base, '--from', '09:00', '--to', '10:00', '--operator', 'ghost@example.com'], /ghost@example.com is not a member/],
      [['schedule', 'except', '--operator', OPS[2], '--date', '2026-02-30', '--off'], /not a real date: "2026-02-30"/],
      [['schedule', 'except', '--operator', OPS[2], '--date', '2026-03-10', '--from', '12:00', '--to', '11:00'], /must end after it starts/],
      [['schedule', 'clear', '--operator', 'ghost@example.com'], /not a member/],
      // Someone who is not an operator has no schedule to show: refused as set and clear refuse them.
      [['schedule', 'show', '--operator', 'sam@example.com'], /^parley: sam@example.com is not an operator in this project \(give them the operator role first\)\n$/],
      [['schedule', 'show', '--operator', 'sam@example.com', '--json'], /sam@example.com is not an operator in this project/],
      [['schedule', 'show', '--operator', 'ghost@example.com'], /ghost@example.com is not a member/],
    ];
    for (const [args, message] of cases) expectFailure(await admin.run(args), 1, message);
    expectFailure(await ann.run([...base, '--from', '09:00', '--to', '10:00']), 1, /managing schedules needs the "admin" or "settings" access/);
    expectFailure(await admin.run(['schedule', 'except', '--operator', OPS[2], '--date', '2026-03-10']), 2, /give --off, or both --from and --to/);
    expect(JSON.stringify(await show())).toBe(before);
    expect((await show(OPS[2]))[0].timezone).toBe('Europe/Moscow');
  });

  it('clears a schedule: the manual switch decides again', async () => {
    const r = await admin.run(['schedule', 'clear', '--operator', OPS[2]]);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const [v] = await show(OPS[2]);
    expect(Object.values(v.weekly).flat()).toEqual([]);
    expect((await admin.run(['schedule', 'show', '--operator', OPS[2]])).stdout).toMatch(/no schedule: the manual switch decides/);
    expect(await admin.json(['status', 'show', '--operator', OPS[2]])).toMatchObject({ source: 'manual', hasSchedule: false, until: null });
  });
});
