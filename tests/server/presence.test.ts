// Presence by working schedules: an injected clock walks weeks; every transition comes from the
// boundary timer (nextWakeAt) and is published to operators and widgets.
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import { HORIZON_MS } from '../../server/services/schedule.js';
import { expectApiError } from '../helpers/accounts-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { connectOperator, type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
/** Wall time in Moscow (UTC+3 all year) as an instant. */
const msk = (day: number, h: number, m = 0, s = 0, month = 3) => Date.UTC(2026, month - 1, day, h - 3, m, s);
const iso = (t: number) => new Date(t).toISOString().slice(0, 16);

let dataDir: string;
let server: TestServer;
let clock: ManualClock;
let admin: ParleyClient;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];

async function addOperator(projectId: number, email: string, operator = true): Promise<ParleyClient> {
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(projectId, { email, firstName: 'Oli', lastName: 'Op', operator, ...(operator ? {} : { access: 'settings' }) });
  const mail = await outbox.waitFor((m) => m.to === email);
  outbox.close();
  return signIn(server.url, email, passwordFrom(mail), NEW_PASSWORD);
}

const schedules = (projectId: number) => `/api/v1/projects/${projectId}/schedules`;
const setSchedule = (projectId: number, body: Record<string, unknown>, client = admin) =>
  client.request<{ schedules: Array<{ email: string; weekly: Record<string, Array<{ from: string; to: string }>> }> }>(
    'PUT',
    schedules(projectId),
    body,
  );
const except = (projectId: number, body: Record<string, unknown>) => admin.request('POST', `${schedules(projectId)}/exceptions`, body);
const status = (projectId: number, email: string) =>
  admin.request<{ online: boolean; source: string; explanation: string; until: string | null }>(
    'GET',
    `/api/v1/projects/${projectId}/status?operator=${encodeURIComponent(email)}`,
  );

const presence = () => server.app.services.presence;
async function goto(t: number) {
  clock.set(t);
  await presence().reevaluate();
}

/** Follows the boundary timer from now to `end`; the published transitions, as "time online" strings. */
async function walkUntil(end: number): Promise<string[]> {
  const seen: string[] = [];
  const off = server.app.bus.subscribe('operator.status_changed', (e) =>
    seen.push(`${iso(clock.now())} ${e.userId} ${e.online ? 'on' : 'off'}`),
  );
  for (let next = presence().nextWakeAt(); next !== null && next <= end; next = presence().nextWakeAt()) {
    expect(next).toBeGreaterThan(clock.now());
    await goto(next);
  }
  off();
  return seen;
}

const userId = async (projectId: number, email: string) =>
  (await admin.request<{ userId: number }>('GET', `/api/v1/projects/${projectId}/status?operator=${email}`)).userId;

async function start() {
  server = await startTestServer({ clock, dataDir, rateLimits: { login: 1000, forgot: 1000 } });
}

beforeEach(async () => {
  dataDir = await tempDir();
  clock = new ManualClock(msk(1, 12)); // Sunday 1 March 2026, 12:00 in Moscow
  await start();
  ({ client: admin } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.request('PATCH', `/api/v1/projects/${p.id}`, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('presence by schedule', () => {
  it('walks a week of two intervals a day with a day off and special hours, to the second', async () => {
    await addOperator(project.id, 'ann@example.com');
    const ann = await userId(project.id, 'ann@example.com');
    await setSchedule(project.id, { operators: ['ann@example.com'], days: 'mon-fri', from: '09:00', to: '13:00', timezone: 'Europe/Moscow' });
    const added = await setSchedule(project.id, { operators: ['ann@example.com'], days: 'mon-fri', from: '14:00', to: '18:00', add: true });
    expect(added.schedules[0].weekly.wed).toEqual([{ from: '09:00', to: '13:00' }, { from: '14:00', to: '18:00' }]);
    expect(added.schedules[0].weekly.sat).toEqual([]);
    await except(project.id, { operators: ['ann@example.com'], date: '2026-03-04', off: true });
    await except(project.id, { operators: ['ann@example.com'], date: '2026-03-05', from: '10:00', to: '12:00' });

    expect((await status(project.id, 'ann@example.com')).online).toBe(false);
    expect(presence().nextWakeAt()).toBe(msk(2, 9));
    await goto(msk(2, 8, 59, 59));
    expect((await status(project.id, 'ann@example.com')).online).toBe(false);

    const seen = await walkUntil(msk(9, 9));
    const t = (day: number, h: number, on: boolean) => `${iso(msk(day, h))} ${ann} ${on ? 'on' : 'off'}`;
    const workday = (day: number) => [t(day, 9, true), t(day, 13, false), t(day, 14, true), t(day, 18, false)];
    expect(seen).toEqual([
      ...workday(2),
      ...workday(3),
      // Wednesday 4 March: a day off; Thursday: special hours 10:00-12:00 instead of the week's.
      t(5, 10, true),
      t(5, 12, false),
      ...workday(6),
      t(9, 9, true),
    ]);
    const s = await status(project.id, 'ann@example.com');
    expect(s).toMatchObject({ online: true, source: 'schedule', explanation: 'online by schedule until 13:00 (Europe/Moscow)' });
  });

  it('a manual switch lasts until the next boundary of the schedule, then the schedule decides', async () => {
    const op = await addOperator(project.id, 'ann@example.com');
    await setSchedule(project.id, { operators: ['ann@example.com'], days: 'mon-fri', from: '09:00', to: '18:00', timezone: 'Europe/Moscow' });
    await goto(msk(2, 10));
    expect(await status(project.id, 'ann@example.com')).toMatchObject({ online: true, source: 'schedule' });

    // Offline by hand during the shift: until 18:00, and not a minute into Tuesday's shift.
    const off = await op.request<{ online: boolean; source: string; explanation: string }>('PUT', `/api/v1/projects/${project.id}/status`, { online: false });
    expect(off).toMatchObject({ online: false, source: 'manual', explanation: 'offline (manual switch) until the schedule ends at 18:00 (Europe/Moscow)' });
    expect(presence().nextWakeAt()).toBe(msk(2, 18));
    await goto(msk(2, 17, 59, 59));
    expect((await status(project.id, 'ann@example.com')).source).toBe('manual');
    await goto(msk(2, 18));
    expect(await status(project.id, 'ann@example.com')).toMatchObject({
      online: false,
      source: 'schedule',
      explanation: 'offline by schedule until 09:00 Tue (Europe/Moscow)',
    });
    await goto(msk(3, 9));
    expect((await status(project.id, 'ann@example.com')).online).toBe(true);

    // Online by hand in the evening: until the shift starts; the shift's end then takes them offline.
    await goto(msk(3, 20));
    const on = await op.request<{ online: boolean; explanation: string }>('PUT', `/api/v1/projects/${project.id}/status`, { online: true });
    expect(on).toMatchObject({ online: true, explanation: 'online (manual switch) until the schedule starts at 09:00 Wed (Europe/Moscow)' });
    await goto(msk(4, 9));
    expect(await status(project.id, 'ann@example.com')).toMatchObject({ online: true, source: 'schedule' });
    await goto(msk(4, 18));
    expect((await status(project.id, 'ann@example.com')).online).toBe(false);
  });

  it('without a schedule the manual switch alone decides; clearing a schedule hands over to it', async () => {
    const op = await addOperator(project.id, 'ann@example.com');
    await op.request('PUT', `/api/v1/projects/${project.id}/status`, { online: true });
    await goto(msk(12, 3));
    expect(await status(project.id, 'ann@example.com')).toMatchObject({ online: true, source: 'manual', until: null });
    expect(presence().nextWakeAt()).toBeNull();

    await setSchedule(project.id, { operators: ['ann@example.com'], days: 'sat,sun', from: '10:00', to: '11:00' });
    expect(await status(project.id, 'ann@example.com')).toMatchObject({ online: false, source: 'schedule' });
    await admin.request('POST', `${schedules(project.id)}/clear`, { operators: ['ann@example.com'] });
    expect((await admin.request<{ schedules: Array<{ weekly: Record<string, unknown[]> }> }>('GET', schedules(project.id))).schedules[0].weekly.sat).toEqual([]);
    await goto(msk(14, 10, 30));
    expect(await status(project.id, 'ann@example.com')).toMatchObject({ online: false, source: 'manual' });
  });

  it("operators hear when only the reason of someone's status changed (a schedule set or cleared), to read it again", async () => {
    const op = await addOperator(project.id, 'ann@example.com');
    const ann = await userId(project.id, 'ann@example.com');
    const socket = await connectOperator(server.url, op.token!, project.id);
    peers.push(socket);
    const published: number[] = [];
    const off = server.app.bus.subscribe('operator.schedule_changed', (e) => published.push(e.userId));
    // Offline by hand on a Sunday; weekday hours keep her offline, now by the schedule.
    await setSchedule(project.id, { operators: ['ann@example.com'], days: 'mon-fri', from: '09:00', to: '18:00' });
    expect(published).toEqual([ann]);
    expect(await socket.next((f) => f.type === 'operator.schedule_changed')).toEqual({ type: 'operator.schedule_changed', userId: ann });
    expect(await status(project.id, 'ann@example.com')).toMatchObject({ online: false, source: 'schedule' });
    // Cleared, she stays offline, by her own switch again: no status change, one schedule change.
    await admin.request('POST', `${schedules(project.id)}/clear`, { operators: ['ann@example.com'] });
    expect(published).toEqual([ann, ann]);
    await socket.next((f) => f.type === 'operator.schedule_changed');
    expect(await status(project.id, 'ann@example.com')).toMatchObject({ online: false, source: 'manual' });
    expect(socket.frames.filter((f) => f.type === 'operator.status_changed')).toEqual([]);
    off();
  });

  it('the real timer fires at the boundary by itself (no reevaluate call)', async () => {
    await addOperator(project.id, 'ann@example.com');
    const ann = await userId(project.id, 'ann@example.com');
    await goto(msk(2, 8, 59, 59, 3) + 700); // 300 ms before the shift
    await setSchedule(project.id, { operators: ['ann@example.com'], days: 'mon', from: '09:00', to: '10:00', timezone: 'Europe/Moscow' });
    expect(presence().nextWakeAt()).toBe(msk(2, 9));
    const changed = new Promise<{ userId: number; online: boolean; operatorsOnline: number }>((resolve) => {
      const off = server.app.bus.subscribe('operator.status_changed', (e) => {
        off();
        resolve(e);
      });
    });
    clock.set(msk(2, 9)); // the fake time the armed setTimeout (300 ms) wakes up to
    expect(await changed).toEqual({ type: 'operator.status_changed', projectId: project.id, userId: ann, online: true, operatorsOnline: 1 });
    await vi.waitFor(() => expect(presence().nextWakeAt()).toBe(msk(2, 10))); // re-armed for the shift's end
  });

  it('recomputes the state at start after a restart in the middle of a shift', async () => {
    await addOperator(project.id, 'ann@example.com');
    await setSchedule(project.id, { operators: ['ann@example.com'], days: 'mon-fri', from: '09:00', to: '18:00', timezone: 'Europe/Moscow' });
    await goto(msk(2, 10));
    expect((await status(project.id, 'ann@example.com')).online).toBe(true);

    await server.close(); // down at 10:00, back at 18:30: the shift ended meanwhile
    clock.set(msk(2, 18, 30));
    await start();
    admin = await signIn(server.url, 'root@example.com', NEW_PASSWORD);
    expect(await server.app.services.presence.onlineCount(project.id)).toBe(0);
    expect(presence().nextWakeAt()).toBe(msk(3, 9));

    await server.close(); // down again; back on Tuesday at 11:00, in the middle of the shift
    clock.set(msk(3, 11));
    await start();
    admin = await signIn(server.url, 'root@example.com', NEW_PASSWORD);
    expect(await status(project.id, 'ann@example.com')).toMatchObject({ online: true, source: 'schedule' });
    expect(presence().nextWakeAt()).toBe(msk(3, 18));
  });

  it('follows Europe/Moscow and America/New_York across DST changes', async () => {
    const ny = await admin.createProject('NY desk');
    await addOperator(project.id, 'ann@example.com');
    await addOperator(ny.id, 'ned@example.com');
    const ann = await userId(project.id, 'ann@example.com');
    const ned = await userId(ny.id, 'ned@example.com');
    await setSchedule(project.id, { operators: ['ann@example.com'], days: 'mon-fri', from: '09:00', to: '18:00', timezone: 'Europe/Moscow' });
    await setSchedule(ny.id, { operators: ['ned@example.com'], days: 'mon-fri', from: '09:00', to: '18:00', timezone: 'America/New_York' });

    // Spring: New York moves to EDT on Sunday 8 March 2026; Moscow has no DST.
    await goto(Date.UTC(2026, 2, 6, 0, 0));
    const spring = await walkUntil(Date.UTC(2026, 2, 10, 0, 0));
    expect(spring).toEqual([
      `2026-03-06T06:00 ${ann} on`,
      `2026-03-06T14:00 ${ned} on`,
      `2026-03-06T15:00 ${ann} off`,
      `2026-03-06T23:00 ${ned} off`,
      `2026-03-09T06:00 ${ann} on`,
      `2026-03-09T13:00 ${ned} on`,
      `2026-03-09T15:00 ${ann} off`,
      `2026-03-09T22:00 ${ned} off`,
    ]);

    // Autumn: back to EST on Sunday 1 November 2026.
    await goto(Date.UTC(2026, 9, 30, 0, 0));
    const autumn = await walkUntil(Date.UTC(2026, 10, 3, 0, 0));
    expect(autumn.filter((e) => e.endsWith(`${ned} on`) || e.endsWith(`${ned} off`))).toEqual([
      `2026-10-30T13:00 ${ned} on`,
      `2026-10-30T22:00 ${ned} off`,
      `2026-11-02T14:00 ${ned} on`,
      `2026-11-02T23:00 ${ned} off`,
    ]);
    admin = await signIn(server.url, 'root@example.com', NEW_PASSWORD); // months later: a fresh session
    expect((await status(ny.id, 'ned@example.com')).explanation).toBe('offline by schedule until 09:00 Tue (America/New_York)');
  });

  it('sets one schedule for three operators in one call; the widget tab follows it live', async () => {
    for (const e of ['a@example.com', 'b@example.com', 'c@example.com']) await addOperator(project.id, e);
    const { peer, welcome } = await visitorHello(server.url, project.widgetKey, ORIGIN);
    peers.push(peer);
    expect(welcome.operatorsOnline).toBe(false);

    const set = await setSchedule(project.id, {
      operators: ['a@example.com', 'b@example.com', 'c@example.com'],
      days: 'mon-fri',
      from: '09:00',
      to: '18:00',
      timezone: 'Europe/Moscow',
    });
    expect(set.schedules.map((s) => s.email)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    for (const s of set.schedules) expect(s.weekly.fri).toEqual([{ from: '09:00', to: '18:00' }]);

    await goto(msk(2, 9));
    expect(await presence().onlineCount(project.id)).toBe(3);
    expect((await peer.next((f) => f.type === 'operators')).online).toBe(true);
    expect(peer.frames.filter((f) => f.type === 'operators' && !f.online)).toEqual([]);

    await goto(msk(2, 18));
    expect(await presence().onlineCount(project.id)).toBe(0);
    expect((await peer.next((f) => f.type === 'operators' && !f.online)).online).toBe(false);
  });

  it('validates before saving, and only admin/settings members manage schedules', async () => {
    const op = await addOperator(project.id, 'ann@example.com');
    await addOperator(project.id, 'set@example.com', false);
    const ok = { operators: ['ann@example.com'], days: 'mon-fri', from: '09:00', to: '18:00' };
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...ok, from: '18:00', to: '09:00' }, /must end after it starts/],
      [{ ...ok, to: '25:00' }, /not a time on the clock: "25:00"/],
      [{ ...ok, days: 'mon-fry' }, /unknown weekday/],
      [{ ...ok, timezone: 'Mars/Olympus' }, /unknown time zone/],
      [{ ...ok, operators: ['ann@example.com', 'set@example.com'] }, /set@example.com is not an operator/],
    ];
    for (const [body, message] of bad) {
      const err = await expectApiError(setSchedule(project.id, body), 400);
      expect(err.message).toMatch(message);
    }
    // Someone who is not a member is not found, as on the members route.
    const stranger = await expectApiError(setSchedule(project.id, { ...ok, operators: ['nobody@example.com'] }), 404, 'not_found');
    expect(stranger.message).toBe('nobody@example.com is not a member of this project');
    await expectApiError(except(project.id, { operators: ['ann@example.com'], date: '2026-02-30', off: true }), 400);
    const shown = await admin.request<{ schedules: Array<{ weekly: Record<string, unknown[]>; exceptions: unknown[] }> }>('GET', schedules(project.id));
    expect(shown.schedules[0].weekly.mon).toEqual([]);
    expect(shown.schedules[0].exceptions).toEqual([]);

    await expectApiError(setSchedule(project.id, ok, op), 403, 'forbidden');
    const other = await admin.createProject('Other');
    const outsider = await addOperator(other.id, 'out@example.com');
    await expectApiError(setSchedule(project.id, ok, outsider), 404);
  });
});

describe('presence when the zone moves, and around the clock', () => {
  /** Friday 4 December 2026 in UTC. */
  const fri = (h: number, m = 0) => Date.UTC(2026, 11, 4, h, m);
  const setProject = (body: Record<string, unknown>) => admin.request('PATCH', `/api/v1/projects/${project.id}`, body);

  /** The operator.status_changed events published while `fn` runs. */
  async function published(fn: () => Promise<unknown>) {
    const seen: Array<{ userId: number; online: boolean; operatorsOnline: number }> = [];
    const off = server.app.bus.subscribe('operator.status_changed', ({ userId, online, operatorsOnline }) =>
      seen.push({ userId, online, operatorsOnline }),
    );
    try {
      await fn();
    } finally {
      off();
    }
    return seen;
  }

  /** Moves the clock months or a year on: sessions signed in before have expired by then. */
  async function gotoLater(t: number) {
    await goto(t);
    admin = await signIn(server.url, 'root@example.com', NEW_PASSWORD);
  }

  beforeEach(async () => {
    await gotoLater(fri(0, 31));
    await setProject({ timezone: 'UTC' });
  });

  it('a zone is stored as the zone database writes it, so another spelling of the same zone changes nothing', async () => {
    await addOperator(project.id, 'fay@example.com');
    await setSchedule(project.id, { operators: ['fay@example.com'], days: 'fri', from: '00:00', to: '02:00' });
    const before = await status(project.id, 'fay@example.com');
    expect(before).toMatchObject({ online: true, explanation: 'online by schedule until 02:00 (UTC)' });
    const seen = await published(async () => {
      expect(await setProject({ timezone: 'utc' })).toMatchObject({ timezone: 'UTC' });
    });
    expect(seen).toEqual([]);
    expect(await status(project.id, 'fay@example.com')).toEqual(before);
    await setSchedule(project.id, { operators: ['fay@example.com'], days: 'fri', from: '00:00', to: '02:00', timezone: 'asia/tokyo' });
    expect(await admin.request('GET', `/api/v1/projects/${project.id}`)).toMatchObject({ timezone: 'Asia/Tokyo' });
  });

  it('a new project timezone re-evaluates its scheduled operators at once and re-arms the timer', async () => {
    await addOperator(project.id, 'eve@example.com');
    const eve = await userId(project.id, 'eve@example.com');
    const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN);
    peers.push(peer);
    await setSchedule(project.id, { operators: ['eve@example.com'], days: 'fri', from: '00:00', to: '02:00' });
    expect(await status(project.id, 'eve@example.com')).toMatchObject({ online: true, explanation: 'online by schedule until 02:00 (UTC)' });
    expect(presence().nextWakeAt()).toBe(fri(2));
    await peer.next((f) => f.type === 'operators' && f.online);

    // 09:31 on Friday in Tokyo: outside 00:00-02:00, with no timer or reevaluate call in between.
    const seen = await published(() => setProject({ timezone: 'Asia/Tokyo' }));
    expect(seen).toEqual([{ userId: eve, online: false, operatorsOnline: 0 }]);
    expect(await status(project.id, 'eve@example.com')).toMatchObject({
      online: false,
      source: 'schedule',
      until: '2026-12-10T15:00:00.000Z',
      explanation: 'offline by schedule until 00:00 Fri 2026-12-11 (Asia/Tokyo)',
    });
    expect(presence().nextWakeAt()).toBe(Date.UTC(2026, 11, 10, 15));
    expect((await peer.next((f) => f.type === 'operators' && !f.online)).online).toBe(false);

    // The same zone again moves nothing; the next boundary comes from the timer as usual.
    expect(await published(() => setProject({ timezone: 'Asia/Tokyo', name: 'Shop' }))).toEqual([]);
    expect(await walkUntil(Date.UTC(2026, 11, 10, 17))).toEqual([
      `2026-12-10T15:00 ${eve} on`,
      `2026-12-10T17:00 ${eve} off`,
    ]);
  });

  it('schedule set --tz re-evaluates every scheduled operator of the project, not only the named ones', async () => {
    await addOperator(project.id, 'eve@example.com');
    const ann = await addOperator(project.id, 'ann@example.com');
    await addOperator(project.id, 'bob@example.com');
    await setSchedule(project.id, { operators: ['eve@example.com'], days: 'fri', from: '00:00', to: '02:00' });
    await setSchedule(project.id, { operators: ['ann@example.com'], days: 'mon-fri', from: '09:00', to: '18:00' });
    const off = await ann.request<{ explanation: string }>('PUT', `/api/v1/projects/${project.id}/status`, { online: false });
    expect(off.explanation).toBe('offline (manual switch) until the schedule starts at 09:00 (UTC)');

    await setSchedule(project.id, { operators: ['bob@example.com'], days: 'sat', from: '10:00', to: '12:00', timezone: 'Asia/Tokyo' });
    expect(await status(project.id, 'eve@example.com')).toMatchObject({ online: false, source: 'schedule' });
    // Her switch ended with the hours it was measured against, as after a change of her schedule.
    expect(await status(project.id, 'ann@example.com')).toMatchObject({
      online: true,
      source: 'schedule',
      explanation: 'online by schedule until 18:00 (Asia/Tokyo)',
    });
    expect(await status(project.id, 'bob@example.com')).toMatchObject({ online: false, explanation: 'offline by schedule until 10:00 Sat (Asia/Tokyo)' });
    expect(await presence().onlineCount(project.id)).toBe(1);
    expect(presence().nextWakeAt()).toBe(fri(9));
  });

  it('a schedule around the clock tells no made-up end; days off, near or far, still end it', async () => {
    await addOperator(project.id, 'eve@example.com');
    const eve = await userId(project.id, 'eve@example.com');
    await setSchedule(project.id, { operators: ['eve@example.com'], days: 'all', from: '00:00', to: '24:00' });
    expect(await status(project.id, 'eve@example.com')).toMatchObject({
      online: true,
      source: 'schedule',
      until: null,
      explanation: 'online by schedule (around the clock) (UTC)',
    });
    // Nothing changes within the horizon: the timer only comes back to look further.
    expect(presence().nextWakeAt()).toBe(fri(0, 31) + HORIZON_MS);

    await except(project.id, { operators: ['eve@example.com'], date: '2026-12-08', off: true });
    expect(await status(project.id, 'eve@example.com')).toMatchObject({
      until: '2026-12-08T00:00:00.000Z',
      explanation: 'online by schedule until 00:00 Tue (UTC)',
    });
    expect(await walkUntil(Date.UTC(2026, 11, 10))).toEqual([`2026-12-08T00:00 ${eve} off`, `2026-12-09T00:00 ${eve} on`]);
    expect((await status(project.id, 'eve@example.com')).until).toBeNull();

    // A day off beyond the horizon comes in sight when the timer looks again.
    await except(project.id, { operators: ['eve@example.com'], date: '2027-12-24', off: true });
    expect(await status(project.id, 'eve@example.com')).toMatchObject({ until: null, explanation: 'online by schedule (around the clock) (UTC)' });
    expect(presence().nextWakeAt()).toBe(Date.UTC(2026, 11, 9) + HORIZON_MS);
    expect(await walkUntil(Date.UTC(2027, 11, 26))).toEqual([`2027-12-24T00:00 ${eve} off`, `2027-12-25T00:00 ${eve} on`]);
    await gotoLater(Date.UTC(2027, 11, 26));
    expect((await status(project.id, 'eve@example.com')).explanation).toBe('online by schedule (around the clock) (UTC)');
  });

  it('a manual switch against a schedule around the clock holds until a boundary comes in sight', async () => {
    const op = await addOperator(project.id, 'eve@example.com');
    const eve = await userId(project.id, 'eve@example.com');
    await setSchedule(project.id, { operators: ['eve@example.com'], days: 'all', from: '00:00', to: '24:00' });
    await except(project.id, { operators: ['eve@example.com'], date: '2027-12-24', off: true });

    const off = await op.request<{ online: boolean; source: string; until: string | null; explanation: string }>(
      'PUT',
      `/api/v1/projects/${project.id}/status`,
      { online: false },
    );
    expect(off).toMatchObject({ online: false, source: 'manual', until: null, explanation: 'offline (manual switch; the schedule runs around the clock) (UTC)' });
    expect(presence().nextWakeAt()).toBe(fri(0, 31) + HORIZON_MS);

    await gotoLater(fri(0, 31) + HORIZON_MS);
    expect(await status(project.id, 'eve@example.com')).toMatchObject({
      online: false,
      source: 'manual',
      until: '2027-12-24T00:00:00.000Z',
      explanation: 'offline (manual switch) until the schedule ends at 00:00 Fri 2027-12-24 (UTC)',
    });
    expect(await walkUntil(Date.UTC(2027, 11, 26))).toEqual([`2027-12-25T00:00 ${eve} on`]);
    await gotoLater(Date.UTC(2027, 11, 26));
    expect(await status(project.id, 'eve@example.com')).toMatchObject({ source: 'schedule', explanation: 'online by schedule (around the clock) (UTC)' });
  });
});
