// The widget's chat tab follows an operator's working hours, in real headless Chromium: the
// server's clock is real time shifted to a chosen wall time (Moscow), so the presence timer
// itself fires at the schedule's boundaries; the test jumps the shift to just before each one.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { Clock } from '../../server/clock.js';
import { launchChromium } from '../helpers/browser.js';
import { NEW_PASSWORD, signIn, startTestServer, type TestServer } from '../helpers/server.js';

/** Wall time in Moscow (UTC+3 all year) as an instant. */
const msk = (day: number, h: number, m = 0, s = 0, ms = 0) => Date.UTC(2026, 2, day, h - 3, m, s, ms);

let shift = 0;
const clock: Clock = { now: () => Date.now() + shift };
/** Moves the server's now to `wall` (it keeps running from there) and re-applies the schedules. */
async function jumpTo(wall: number) {
  shift = wall - Date.now();
  await server.app.services.presence.reevaluate();
}

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let admin: ParleyClient;
let operator: ParleyClient;
let project: { id: number; email: string };
const transitions: Array<{ online: boolean; at: number }> = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  shift = msk(2, 8) - Date.now(); // Monday 2 March 2026, 08:00 in Moscow
  server = await startTestServer({ clock });
  browser = await launchChromium();
  context = await browser.newContext();
  const demo = await server.app.services.admin.ensureDemo();
  project = { id: demo.projectId, email: demo.operator.email };
  admin = await signIn(server.url, demo.admin.email, demo.admin.password!, NEW_PASSWORD);
  operator = await signIn(server.url, demo.operator.email, demo.operator.password!, NEW_PASSWORD);
  await admin.updateProject(project.id, { timezone: 'Europe/Moscow' });
  await admin.request('PUT', `/api/v1/projects/${project.id}/schedules`, {
    operators: [project.email],
    days: 'mon-fri',
    from: '09:00',
    to: '18:00',
  });
  server.app.bus.subscribe('operator.status_changed', (e) => transitions.push({ online: e.online, at: clock.now() }));
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
  expect(pageErrors).toEqual([]);
});

async function openShop(): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(server.url);
  await page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });
  return page;
}

const explain = async () =>
  (await admin.request<{ online: boolean; explanation: string }>('GET', `/api/v1/projects/${project.id}/status?operator=${project.email}`))
    .explanation;

describe('the chat tab and working hours', () => {
  it('appears when the shift starts and disappears when it ends, by the boundary timer', async () => {
    const page = await openShop();
    expect(await page.locator('.launcher').isHidden()).toBe(true);
    expect(await explain()).toBe('offline by schedule until 09:00 (Europe/Moscow)');

    // Just before 09:00: the timer, not the test, brings the operator online at 09:00.
    await jumpTo(msk(2, 8, 59, 59, 200));
    await page.locator('.launcher').waitFor({ state: 'visible' });
    expect(transitions).toHaveLength(1);
    expect(transitions[0].online).toBe(true);
    expect(transitions[0].at).toBeGreaterThanOrEqual(msk(2, 9));
    expect(transitions[0].at).toBeLessThan(msk(2, 9, 0, 5));
    expect(await explain()).toBe('online by schedule until 18:00 (Europe/Moscow)');

    // A page opened during the shift shows the tab at once.
    const second = await openShop();
    await second.locator('.launcher').waitFor({ state: 'visible' });

    await jumpTo(msk(2, 17, 59, 59, 200));
    await Promise.all([page, second].map((p) => p.locator('.launcher').waitFor({ state: 'hidden' })));
    expect(transitions.map((t) => t.online)).toEqual([true, false]);
    expect(transitions[1].at).toBeGreaterThanOrEqual(msk(2, 18));
    expect(transitions[1].at).toBeLessThan(msk(2, 18, 0, 5));
    expect(await explain()).toBe('offline by schedule until 09:00 Tue (Europe/Moscow)');
  });

  it('a manual switch after hours shows the tab until the next boundary of the schedule', async () => {
    const page = await openShop();
    expect(await page.locator('.launcher').isHidden()).toBe(true);
    await operator.setStatus(project.id, true);
    await page.locator('.launcher').waitFor({ state: 'visible' });
    expect(await explain()).toBe('online (manual switch) until the schedule starts at 09:00 Tue (Europe/Moscow)');

    // Tuesday's shift begins: the schedule decides again (still online), and at 18:00 the tab goes.
    await jumpTo(msk(3, 9, 30));
    expect(await explain()).toBe('online by schedule until 18:00 (Europe/Moscow)');
    await jumpTo(msk(3, 17, 59, 59, 200));
    await page.locator('.launcher').waitFor({ state: 'hidden' });
    expect(transitions.at(-1)).toMatchObject({ online: false });
    expect(transitions.at(-1)!.at).toBeGreaterThanOrEqual(msk(3, 18));
  });
});
