// The widget in real headless Chromium, from the browser's side of issue #9:
// - what people type (message bodies, operator names, file names) shows as text and runs
//   nothing, checked on a site with no CSP at all, so that only the widget's own care counts;
// - on a site of another origin (cross-site: localhost vs 127.0.0.1) the widget works through
//   CORS and cross-origin resources, while the operator API answers that site nothing and
//   Parley's answers cannot be framed;
// - on the demo page the CSP allows everything the widget does (no violation) and blocks
//   injected markup's scripts.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { Message } from '../../core/protocol/index.js';
import { launchChromium } from '../helpers/browser.js';
import { connectOperator, type Peer } from '../helpers/realtime.js';
import { NEW_PASSWORD, signIn, startTestServer, type TestServer } from '../helpers/server.js';

const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
/**
 * Markup that would run if any of it became HTML: each sets its own number. Unquoted
 * attributes, because forms send a `"` in a file name as %22.
 */
const XSS = (n: number) => `<img src=x onerror=window.pwned=${n}><svg onload=window.pwned=${n}>`;

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let site: Server;
/** The other site's origin: cross-site to the server (localhost vs 127.0.0.1). */
let siteOrigin: string;
let project: { id: number; widgetKey: string };
let operator: ParleyClient;
let op: Peer;
const pageErrors: string[] = [];
const dialogs: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  const demo = await server.app.services.admin.ensureDemo();
  project = { id: demo.projectId, widgetKey: demo.widgetKey };
  operator = await signIn(server.url, demo.operator.email, demo.operator.password!, NEW_PASSWORD);
  const admin = await signIn(server.url, demo.admin.email, demo.admin.password!, NEW_PASSWORD);
  await operator.setAvatar(PNG_1PX);
  await operator.updateProfile({ firstName: XSS(1), lastName: '<b>Op</b>' });
  await operator.request('PUT', `/api/v1/projects/${project.id}/status`, { online: true });

  // A shop on another site that embeds the widget as the README says, with no CSP of its own.
  site = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Other shop</title><h1>Other shop</h1>
<script src="${server.url}/widget.js" data-project="${project.widgetKey}" async></script>`);
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
  dialogs.length = 0;
  op = await connectOperator(server.url, operator.token!, project.id);
  await op.next((f) => f.type === 'ready');
});

afterEach(async () => {
  await context.close();
  await op.close();
  expect(pageErrors).toEqual([]);
  expect(dialogs).toEqual([]);
});

/** A page of `url` with the widget connected and its panel open; CSP violations are recorded. */
async function openWidget(url: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.addInitScript(() => {
    const w = window as unknown as { violations: string[] };
    w.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  await page.goto(url);
  await page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });
  await page.locator('.launcher').click();
  await page.locator('textarea').waitFor();
  return page;
}

const violations = (page: Page) => page.evaluate(() => (window as unknown as { violations: string[] }).violations);
const pwned = (page: Page) => page.evaluate(() => (window as unknown as { pwned?: number }).pwned);

/** Whether the image matching `selector` in the widget loaded (a real 1×1 PNG). */
const imageLoaded = (page: Page, selector: string) =>
  page.waitForFunction((sel) => {
    const img = document.querySelector('[data-parley]')!.shadowRoot!.querySelector<HTMLImageElement>(sel);
    return img?.complete && img.naturalWidth === 1;
  }, selector);

/** The visitor writes `text`; resolves with the dialog once the operator has the message. */
async function visitorWrites(page: Page, text: string): Promise<number> {
  await page.locator('textarea').fill(text);
  await page.locator('textarea').press('Enter');
  const created = await op.next((f) => f.type === 'message.created' && f.message.body === text);
  return (created.message as Message).dialogId;
}

async function operatorFile(dialogId: number, bytes: Buffer, name: string): Promise<number> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  const res = await fetch(`${server.url}/api/v1/projects/${project.id}/dialogs/${dialogId}/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${operator.token}` },
    body: form,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

describe('on a site of another origin, without any CSP', () => {
  it('operator names, message bodies and file names show as text and run nothing', async () => {
    const page = await openWidget(`${siteOrigin}/`);
    const dialogId = await visitorWrites(page, XSS(2));
    const pdf = await operatorFile(dialogId, Buffer.from('%PDF-1.4 x'), `${XSS(3)}.pdf`);
    const png = await operatorFile(dialogId, PNG_1PX, `${XSS(4)}.png`);
    const body = `<script>window.pwned=5</script>${XSS(5)}`;
    const sent = await operator.request<Message>('POST', `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`, {
      clientId: randomUUID(),
      body,
      attachmentIds: [pdf, png],
    });
    const shown = page.locator(`li.msg[data-id="${sent.id}"]`);
    await shown.waitFor();
    // The avatar and the image come from the server's origin (CORP cross-origin).
    await imageLoaded(page, `li[data-id="${sent.id}"] img.avatar`);
    await imageLoaded(page, `li[data-id="${sent.id}"] .files img`);

    expect(await shown.locator('.name').textContent()).toBe(`${XSS(1)} <b>Op</b>`);
    expect(await shown.locator('.name *').count()).toBe(0);
    expect(await shown.locator('.body').textContent()).toBe(body);
    expect(await shown.locator('.body *').count()).toBe(0);
    const download = shown.locator('.files a[download]');
    expect(await download.getAttribute('download')).toBe(`${XSS(3)}.pdf`);
    expect(await download.textContent()).toContain(`${XSS(3)}.pdf`);
    expect(await download.locator('*').count()).toBe(0);
    expect(await shown.locator('.files img').getAttribute('alt')).toBe(`${XSS(4)}.png`);
    // The one <img> with an onerror in the whole widget would be one made from text.
    expect(await page.locator('[onerror], [onload]').count()).toBe(0);
    expect(await shown.locator('img').count()).toBe(2); // the avatar and the attachment
    expect(await pwned(page)).toBeUndefined();
  });

  it("the visitor's own file name stays text, and the upload works across origins (CORS)", async () => {
    const page = await openWidget(`${siteOrigin}/`);
    const name = `${XSS(6)}.png`;
    await page.locator('input[type=file]').setInputFiles({ name, mimeType: 'image/png', buffer: PNG_1PX });
    const created = await op.next((f) => f.type === 'message.created' && f.message.attachments.length === 1);
    expect(created.message.attachments[0].name).toBe(name);
    await imageLoaded(page, `li[data-id="${created.message.id}"] .files img`);
    expect(await page.locator(`li[data-id="${created.message.id}"] .files img`).getAttribute('alt')).toBe(name);
    expect(await page.locator('[onerror], [onload]').count()).toBe(0);
    expect(await pwned(page)).toBeUndefined();
  });

  it('the operator API answers that site nothing, and no Parley answer can be framed there', async () => {
    const page = await openWidget(`${siteOrigin}/`);
    const read = await page.evaluate(async ([url, token]) => {
      try {
        const res = await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
        return `read ${res.status}`;
      } catch (err) {
        return `blocked: ${(err as Error).name}`;
      }
    }, [server.url, operator.token!] as const);
    expect(read).toBe('blocked: TypeError');

    const framed = await page.evaluate(async (url) => {
      const frame = document.createElement('iframe');
      const loaded = new Promise((resolve) => (frame.onload = resolve));
      frame.src = `${url}/healthz`;
      document.body.append(frame);
      await loaded;
      return frame.src;
    }, server.url);
    expect(framed).toBe(`${server.url}/healthz`);
    // A refused frame ends up as Chromium's error page, never as the answer (Playwright may see
    // the frame a moment before it sees where it went).
    const child = page.frames().find((f) => f !== page.mainFrame());
    expect(child).toBeDefined();
    await expect.poll(() => child!.url(), { timeout: 5000 }).toMatch(/^chrome-error:/);
  });
});

describe('on the demo page, under its CSP', () => {
  it('the widget does everything it does without a single violation', async () => {
    const page = await openWidget(`${server.url}/`);
    // The widget's stylesheet applied (allowed by its hash): the launcher has the accent colour.
    expect(await page.locator('.launcher').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(37, 99, 235)');
    const dialogId = await visitorWrites(page, 'hello under a CSP');
    await page.locator('input[type=file]').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: PNG_1PX });
    const upload = await op.next((f) => f.type === 'message.created' && f.message.attachments.length === 1);
    await imageLoaded(page, `li[data-id="${upload.message.id}"] .files img`);
    const png = await operatorFile(dialogId, PNG_1PX, 'shoe.png');
    const sent = await operator.request<Message>('POST', `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`, {
      clientId: randomUUID(),
      body: 'Here, see https://example.com/shoe',
      attachmentIds: [png],
    });
    await imageLoaded(page, `li[data-id="${sent.id}"] img.avatar`);
    await imageLoaded(page, `li[data-id="${sent.id}"] .files img`);
    // Typing grows the textarea through element.style (the CSSOM, which CSP leaves alone).
    await page.locator('textarea').fill('one\ntwo\nthree\nfour');
    expect(await page.locator('textarea').evaluate((el) => (el as HTMLTextAreaElement).style.height)).toMatch(/^\d+px$/);
    expect(await violations(page)).toEqual([]);
  });

  it('markup injected into the page does not run', async () => {
    const page = await openWidget(`${server.url}/`);
    await page.evaluate((html) => document.body.insertAdjacentHTML('beforeend', html), XSS(7));
    await page.waitForFunction(() => (window as unknown as { violations: string[] }).violations.length > 0);
    expect(await violations(page)).toContainEqual(expect.stringMatching(/^script-src-attr /));
    expect(await pwned(page)).toBeUndefined();
  });
});
