// The lead journal keeps where a visit began: a visitor who came from an ad's landing page and
// writes from another page of the site is counted under the ad (its URL, referrer and UTM tags),
// while URL rules still route by the page they write from, and operators see that page. In real headless Chromium against a
// real server (its demo page, at any query string).
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { Message } from '../../core/protocol/index.js';
import { launchChromium } from '../helpers/browser.js';
import { connectOperator, type Peer } from '../helpers/realtime.js';
import { NEW_PASSWORD, signIn, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let project: { id: number };
let operator: ParleyClient;
let op: Peer;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  const demo = await server.app.services.admin.ensureDemo();
  project = { id: demo.projectId };
  operator = await signIn(server.url, demo.operator.email, demo.operator.password!, NEW_PASSWORD);
  await operator.request('PUT', `/api/v1/projects/${project.id}/status`, { online: true });
  const admin = await signIn(server.url, demo.admin.email, demo.admin.password!, NEW_PASSWORD);
  await admin.request('POST', `/api/v1/projects/${project.id}/groups`, { name: 'delivery' });
  await admin.request('PUT', `/api/v1/projects/${project.id}/routing`, { assignment: 'manual', rules: [{ pattern: '*page=delivery*', group: 'delivery' }] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  context = await browser.newContext();
  op = await connectOperator(server.url, operator.token!, project.id);
  await op.next((f) => f.type === 'ready');
});

afterEach(async () => {
  await context.close();
  await op.close();
});

/** Writes `body` from the page open in `page`; the dialog the operator then sees. */
async function write(page: import('playwright-core').Page, body: string) {
  await page.locator('.launcher').click();
  await page.locator('textarea').fill(body);
  await page.locator('textarea').press('Enter');
  const created = await op.next((f) => f.type === 'message.created' && f.message.body === body);
  return operator.getDialog(project.id, (created.message as Message).dialogId);
}

describe('where the visit began', () => {
  it('is what the visitor record keeps, with its UTM tags, when the visitor writes from another page; routing goes by that other page', async () => {
    const page = await context.newPage();
    const landing = `${server.url}/?utm_source=google&utm_medium=cpc&utm_campaign=winter`;
    await page.goto(landing);
    await page.locator('.launcher').waitFor();
    await page.goto(`${server.url}/?page=delivery`);
    const { visitor, dialog } = await write(page, 'Do you deliver on Sundays?');
    expect(visitor.page.url).toBe(landing);
    expect(visitor.utm).toEqual({ source: 'google', medium: 'cpc', campaign: 'winter' });
    // Operators see where the visitor writes from.
    expect(visitor.currentPage?.url).toBe(`${server.url}/?page=delivery`);
    expect(dialog.group).toBe('delivery');
  });

  it('is the page itself for a visitor who writes where they arrived; a later visit does not mix into it', async () => {
    const page = await context.newPage();
    const first = `${server.url}/?utm_source=newsletter`;
    await page.goto(first);
    const { visitor } = await write(page, 'Hello from the newsletter');
    expect(visitor.page.url).toBe(first);
    expect(visitor.utm).toEqual({ source: 'newsletter' });

    // The same visitor, another day (a new tab: a new visit), from an ad.
    const later = await context.newPage();
    await later.goto(`${server.url}/?utm_source=facebook&utm_campaign=sale`, { referer: 'https://l.facebook.com/' });
    expect(await later.evaluate(() => document.referrer)).toBe('https://l.facebook.com/');
    const again = await write(later, 'Back again');
    expect(again.visitor.page).toEqual({ ...visitor.page, referrer: null });
    expect(again.visitor.utm).toEqual({ source: 'newsletter' });
    expect(again.visitor.currentPage?.url).toBe(`${server.url}/?utm_source=facebook&utm_campaign=sale`);
  });

  it('is kept by a page of the same visit in another tab (a product opened in a new tab)', async () => {
    const page = await context.newPage();
    const landing = `${server.url}/?utm_source=bing&utm_campaign=tab1`;
    await page.goto(landing, { referer: 'https://www.bing.com/' });
    await page.locator('.launcher').waitFor();
    // A new tab has its own session storage; the visit is the same (referred by the site itself).
    const tab = await context.newPage();
    await tab.goto(`${server.url}/?page=product`, { referer: landing });
    const { visitor } = await write(tab, 'Writing from a second tab');
    expect(visitor.page).toMatchObject({ url: landing, referrer: 'https://www.bing.com/' });
    expect(visitor.utm).toEqual({ source: 'bing', campaign: 'tab1' });
    expect(visitor.currentPage?.url).toBe(`${server.url}/?page=product`);
  });

  it('begins again after 30 minutes without a page of the site', async () => {
    const key = (await server.app.services.admin.ensureDemo()).widgetKey;
    const stale = { page: { url: `${server.url}/?utm_source=yesterday`, title: 'Demo shop', referrer: '' }, at: Date.now() - 31 * 60_000 };
    await context.addInitScript(([k, v]) => localStorage.setItem(`parley.landing.${k}`, v), [key, JSON.stringify(stale)] as const);
    const page = await context.newPage();
    await page.goto(`${server.url}/?page=delivery`);
    const { visitor } = await write(page, 'A new visit');
    expect(visitor.page.url).toBe(`${server.url}/?page=delivery`);
    expect(visitor.utm).toEqual({});
  });
});
