// Date exceptions for an operator without weekly hours (QA lifecycle 1): they are a schedule of
// their dates only. A day off marked ahead changes nothing until that day; on it the exception
// decides; on other days the manual switch does. A date in the past is refused.
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import { expectApiError } from '../helpers/accounts-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const ANN = 'ann@example.com';
/** Wall time in Moscow (UTC+3 all year) as an instant; March 2026 unless `month` says. */
const msk = (day: number, h: number, m = 0, s = 0, month = 3) => Date.UTC(2026, month - 1, day, h - 3, m, s);
const iso = (t: number) => new Date(t).toISOString().slice(0, 16);

let dataDir: string;
let server: TestServer;
let clock: ManualClock;
let admin: ParleyClient;
let project: { id: number; widgetKey: string };
let ann: ParleyClient;
let annId: number;
const peers: Peer[] = [];

const schedules = () => `/api/v1/projects/${project.id}/schedules`;
const except = (body: Record<string, unknown>) => admin.request('POST', `${schedules()}/exceptions`, { operators: [ANN], ...body });
const status = () =>
  admin.request<{ online: boolean; source: string; explanation: string; until: string | null; hasSchedule: boolean }>(
    'GET',
    `/api/v1/projects/${project.id}/status?operator=${encodeURIComponent(ANN)}`,
  );
const presence = () => server.app.services.presence;
async function goto(t: number) {
  clock.set(t);
  await presence().reevaluate();
}

/** Follows the boundary timer up to `end`; the transitions published meanwhile ("time on|off"). */
async function walkUntil(end: number): Promise<string[]> {
  const seen: string[] = [];
  const off = server.app.bus.subscribe('operator.status_changed', (e) => seen.push(`${iso(clock.now())} ${e.online ? 'on' : 'off'}`));
  for (let next = presence().nextWakeAt(); next !== null && next <= end; next = presence().nextWakeAt()) {
    expect(next).toBeGreaterThan(clock.now());
    await goto(next);
  }
  off();
  return seen;
}

/** Every status change published while `fn` runs (publishing is synchronous, in the request). */
async function changesDuring(fn: () => Promise<unknown>): Promise<boolean[]> {
  const seen: boolean[] = [];
  const off = server.app.bus.subscribe('operator.status_changed', (e) => seen.push(e.online));
  try {
    await fn();
  } finally {
    off();
  }
  return seen;
}

beforeEach(async () => {
  dataDir = await tempDir();
  clock = new ManualClock(msk(1, 12)); // Sunday 1 March 2026, 12:00 in Moscow
  server = await startTestServer({ clock, dataDir, rateLimits: { login: 1000, forgot: 1000 } });
  ({ client: admin } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN], timezone: 'Europe/Moscow' });
  project = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  annId = (await admin.addMember(project.id, { email: ANN, firstName: 'Ann', lastName: 'Op', operator: true })).member.userId;
  ann = await signIn(server.url, ANN, passwordFrom(await outbox.waitFor((m) => m.to === ANN)));
  outbox.close();
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('date exceptions without weekly hours', () => {
  it('a day off ten days ahead leaves the manual switch alone until that day, then decides it', async () => {
    await ann.setStatus(project.id, true);
    const { peer, welcome } = await visitorHello(server.url, project.widgetKey, ORIGIN);
    peers.push(peer);
    expect(welcome.operatorsOnline).toBe(true);

    expect(await changesDuring(() => except({ date: '2026-03-11', off: true }))).toEqual([]);
    expect(await status()).toMatchObject({
      online: true,
      source: 'manual',
      hasSchedule: true,
      until: new Date(msk(11, 0)).toISOString(),
      explanation: 'online (manual switch; no weekly hours) until 2026-03-11 (a day off) begins at 00:00 Wed 2026-03-11 (Europe/Moscow)',
    });
    expect(await presence().onlineCount(project.id)).toBe(1);
    expect(presence().nextWakeAt()).toBe(msk(11, 0));
    await goto(msk(10, 23, 59, 59));
    expect((await status()).online).toBe(true);

    // The day off begins: offline all day, published to operators and widgets.
    expect(await walkUntil(msk(11, 23))).toEqual([`${iso(msk(11, 0))} off`]);
    expect((await peer.next((f) => f.type === 'operators')).online).toBe(false);
    await goto(msk(11, 12));
    expect(await status()).toMatchObject({
      online: false,
      source: 'schedule',
      explanation: 'offline by schedule (a day off on 2026-03-11; no weekly hours: on other days the manual switch decides) (Europe/Moscow)',
    });

    // The next day the manual switch decides again: the state stays until Ann switches on, and then holds.
    await goto(msk(12, 9));
    expect(await status()).toMatchObject({ online: false, source: 'manual', hasSchedule: false, explanation: 'offline (manual switch; no schedule)' });
    await ann.setStatus(project.id, true);
    await goto(msk(20, 9));
    expect(await status()).toMatchObject({ online: true, source: 'manual' });
  });

  it('special hours decide their date from 00:00; a manual switch after them holds on the next days', async () => {
    await ann.setStatus(project.id, true);
    expect(await changesDuring(() => except({ date: '2026-03-03', from: '10:00', to: '12:00' }))).toEqual([]);
    expect(await status()).toMatchObject({
      online: true,
      source: 'manual',
      explanation: 'online (manual switch; no weekly hours) until 2026-03-03 (special hours 10:00-12:00) begins at 00:00 Tue (Europe/Moscow)',
    });

    expect(await walkUntil(msk(4, 0))).toEqual([`${iso(msk(3, 0))} off`, `${iso(msk(3, 10))} on`, `${iso(msk(3, 12))} off`]);

    await goto(msk(3, 13));
    expect(await changesDuring(() => ann.setStatus(project.id, true))).toEqual([true]);
    await goto(msk(5, 12));
    expect(await status()).toMatchObject({ online: true, source: 'manual', until: null });
  });

  it('a day off today takes effect at once', async () => {
    await ann.setStatus(project.id, true);
    expect(await changesDuring(() => except({ date: '2026-03-01', off: true }))).toEqual([false]);
    expect(await status()).toMatchObject({ online: false, source: 'schedule' });
  });

  it('refuses a date in the past of the project timezone, and saves nothing', async () => {
    // 00:30 on 1 March in Moscow is still 28 February in UTC.
    await goto(msk(1, 0, 30));
    await admin.updateProject(project.id, { timezone: 'UTC' });
    await except({ date: '2026-02-28', off: true });
    await admin.request('POST', `${schedules()}/clear`, { operators: [ANN] });

    await admin.updateProject(project.id, { timezone: 'Europe/Moscow' });
    const refused = await expectApiError(except({ date: '2026-02-28', off: true }), 400, 'validation');
    expect(refused.message).toBe('2026-02-28 is in the past (today is 2026-03-01 in Europe/Moscow): give today or a later date');
    await expectApiError(except({ date: '2020-01-01', from: '10:00', to: '12:00' }), 400, 'validation');
    const shown = await admin.request<{ schedules: Array<{ userId: number; exceptions: unknown[] }> }>('GET', schedules());
    expect(shown.schedules.find((s) => s.userId === annId)?.exceptions).toEqual([]);
  });
});
