// How the widget sits on the site's page (QA of session 16), in real headless Chromium against a
// real server:
// - on a small screen (a phone either way up) the open panel takes the whole screen, with no tab
//   under it; the text box has 16 px text on a touch screen (no zoom on focus in iOS Safari);
// - scrolling the chat past its end does not scroll the site behind it;
// - the stylesheet is a constructed one: a site with a strict CSP needs no style hash in a modern
//   browser, and where the browser has none, the <style> fallback is what the printed hash allows;
// - icons are drawn (no emoji font needed), the tab always has a name, the emoji grid is a group.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { Project } from '../../core/protocol/index.js';
import { launchChromium, openShop as openShopPage, type Shop } from '../helpers/browser.js';
import { NEW_PASSWORD, signIn, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let browser: Browser;
let project: { id: number; widgetKey: string };
let operator: ParleyClient;
let admin: ParleyClient;
let context: BrowserContext;
let site: Server;
/** Another site (localhost vs 127.0.0.1) with a strict CSP of its own. */
let siteOrigin: string;
const served = { csp: '' };
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  const demo = await server.app.services.admin.ensureDemo();
  project = { id: demo.projectId, widgetKey: demo.widgetKey };
  operator = await signIn(server.url, demo.operator.email, demo.operator.password!, NEW_PASSWORD);
  admin = await signIn(server.url, demo.admin.email, demo.admin.password!, NEW_PASSWORD);
  await operator.request('PUT', `/api/v1/projects/${project.id}/status`, { online: true });
  site = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': served.csp });
    res.end(`<!doctype html><html lang="en"><title>Strict shop</title><h1>Strict shop</h1>
<script src="${server.url}/widget.js" data-project="${project.widgetKey}" async></script></html>`);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
  await admin.updateProject(project.id, { allowedOrigins: [server.url, siteOrigin] });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
  await server?.close();
});

beforeEach(async () => {
  context = await browser.newContext();
  pageErrors.length = 0;
});

afterEach(async () => {
  await context.close();
  expect(pageErrors).toEqual([]);
});

const shop = (): Shop => ({ context, url: server.url, pageErrors });
const openShop = (opts: { path?: string; open?: boolean } = {}) => openShopPage(shop(), opts);
const rect = (page: Page, selector: string) => page.locator(selector).evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
const css = (page: Page, selector: string, prop: string) =>
  page.locator(selector).evaluate((el, p) => getComputedStyle(el).getPropertyValue(p), prop);

describe('on a small screen', () => {
  for (const [name, width, height] of [
    ['a phone', 375, 667],
    ['a phone held sideways', 667, 375],
  ] as const) {
    it(`${name}: the open panel takes the whole screen, without the tab; × gives the tab back`, async () => {
      await context.close();
      context = await browser.newContext({ viewport: { width, height }, hasTouch: true, isMobile: true });
      const page = await openShop();
      expect(await rect(page, '.panel')).toMatchObject({ x: 0, y: 0, width, height });
      expect(await page.locator('.launcher').isHidden()).toBe(true);
      expect(await css(page, 'textarea', 'font-size')).toBe('16px');
      // The form stays on the screen.
      const form = await rect(page, 'form');
      expect(form.bottom).toBeLessThanOrEqual(height);
      await page.locator('.panel .close').click();
      await page.locator('.launcher').waitFor();
      expect(await page.locator('.panel').isHidden()).toBe(true);
    });
  }

  it('not on a desktop: a floating panel over the tab, 14 px text for a mouse', async () => {
    const page = await openShop();
    const panel = await rect(page, '.panel');
    expect(panel.width).toBe(360);
    expect(await page.locator('.launcher').isVisible()).toBe(true);
    expect(panel.bottom).toBeLessThan((await rect(page, '.launcher')).top);
    expect(await css(page, 'textarea', 'font-size')).toBe('14px');
  });
});

describe('scrolling the chat past its end', () => {
  it('does not scroll the site behind it', async () => {
    const page = await openShop();
    await page.evaluate(() => {
      const tall = document.createElement('div');
      tall.style.height = '5000px';
      document.body.append(tall);
    });
    for (const selector of ['.messages', '.greeting', '.away']) expect(await css(page, selector, 'overscroll-behavior-y')).toBe('contain');
    // Enough messages to scroll the list, which shows its end.
    for (let i = 1; i <= 15; i++) {
      await page.locator('textarea').fill(`message ${i}`);
      await page.locator('textarea').press('Enter');
    }
    await expect.poll(() => page.locator('.messages').evaluate((l) => l.scrollHeight > l.clientHeight + 200)).toBe(true);
    await page.locator('.messages').evaluate((l) => (l.scrollTop = l.scrollHeight));
    const list = await rect(page, '.messages');
    await page.mouse.move(list.x + list.width / 2, list.y + list.height / 2);
    await page.mouse.wheel(0, 2000);
    // Then a wheel over the page itself: it scrolls the page by its own 300 px, and no more.
    await page.mouse.move(5, 5);
    await page.mouse.wheel(0, 300);
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(300);
  });
});

describe('on a site with a strict CSP', () => {
  /** The site's page with the widget connected; CSP violations are recorded from the start. */
  async function openSite(init?: () => void): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.addInitScript(() => {
      const w = window as unknown as { violations: string[] };
      w.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
    if (init) await page.addInitScript(init);
    await page.goto(`${siteOrigin}/`);
    await page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });
    return page;
  }
  const violations = (page: Page) => page.evaluate(() => (window as unknown as { violations: string[] }).violations);
  const styled = async (page: Page) => (await css(page, '.root', 'position')) === 'fixed';
  const csp = async () => (await admin.request<Project>('GET', `/api/v1/projects/${project.id}`)).widgetCsp;

  it('needs no style hash in a browser with constructed stylesheets', async () => {
    const { 'style-src': _hash, ...rest } = await csp();
    served.csp = ["default-src 'none'", ...Object.entries(rest).map(([d, sources]) => `${d} ${sources.join(' ')}`)].join('; ');
    const page = await openSite();
    expect(await styled(page)).toBe(true);
    expect(await css(page, '.launcher', 'background-color')).toBe('rgb(37, 99, 235)');
    expect(await page.evaluate(() => document.querySelector('[data-parley]')!.shadowRoot!.querySelectorAll('style').length)).toBe(0);
    expect(await violations(page)).toEqual([]);
  });

  it('elsewhere the <style> fallback is what the printed hash allows', async () => {
    const withoutConstructed = () => {
      delete (CSSStyleSheet.prototype as { replaceSync?: unknown }).replaceSync;
    };
    served.csp = ["default-src 'none'", ...Object.entries(await csp()).map(([d, sources]) => `${d} ${sources.join(' ')}`)].join('; ');
    const page = await openSite(withoutConstructed);
    expect(await styled(page)).toBe(true);
    expect(await page.evaluate(() => document.querySelector('[data-parley]')!.shadowRoot!.querySelectorAll('style').length)).toBe(1);
    expect(await violations(page)).toEqual([]);

    // Without the hash, the fallback is refused (the check above can fail).
    const { 'style-src': _hash, ...rest } = await csp();
    served.csp = ["default-src 'none'", ...Object.entries(rest).map(([d, sources]) => `${d} ${sources.join(' ')}`)].join('; ');
    const bare = await openSite(withoutConstructed);
    await expect.poll(() => violations(bare)).toContainEqual('style-src-elem inline');
    expect(await styled(bare)).toBe(false);
  });
});

describe('icons and names', () => {
  it('are drawn, not emoji; the tab always has a name; the emoji grid is a named group', async () => {
    const page = await openShop();
    const launcher = page.locator('.launcher');
    expect(await launcher.textContent()).toBe('Chat with us');
    expect(await launcher.getAttribute('aria-label')).toBe('Chat with us');
    expect(await launcher.locator('svg').getAttribute('aria-hidden')).toBe('true');
    const attach = page.getByRole('button', { name: 'Attach a file' });
    expect(await attach.textContent()).toBe('');
    expect(await attach.locator('svg').count()).toBe(1);
    await page.getByRole('button', { name: 'Emoji' }).click();
    expect(await page.getByRole('group', { name: 'Emoji' }).getByRole('button').count()).toBe(24);
  });
});
