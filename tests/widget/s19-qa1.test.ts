// Session 19's QA pass of the widget in real headless Chromium (its findings 1–8, 10, 11), on a
// site of another origin (or the demo page where the uploads must be same-origin):
// - on an origin the project does not allow, or under a page CSP that blocks the WebSocket, the
//   widget takes nothing: the site's open/toggle/show only say why in the console, and a message
//   kept from earlier shows no tab; allowed again, the next page works as usual (1, 7);
// - identify: a field `undefined` is not given; a refused call keeps what earlier calls said, also
//   across a reconnect; a call the server's limit holds back goes once the limit allows, with
//   the newest values (2, 3);
// - no "No one is online" note while the widget does not know who is (5);
// - full screen on a phone, the panel is a modal: Tab goes round inside it (4); closing puts the
//   focus back on the site's button that opened it (10);
// - a large offset leaves the messages most of a short panel (6);
// - a file waiting out the upload limit says it waits, and files show a drawn paperclip (8, 11).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { launchChromium, say } from '../helpers/browser.js';
import { eachTestFresh } from '../helpers/demo-shop.js';
import { STUB } from '../helpers/embed-site.js';
import type { Peer } from '../helpers/realtime.js';
import { NEW_PASSWORD, signIn, startTestServer, type TestServer } from '../helpers/server.js';

/** The server's clock runs this far ahead of real time: a test moves it past the identify limit's minute. */
let shift = 0;
const scene = {} as {
  server: TestServer;
  browser: Browser;
  project: { id: number; widgetKey: string };
  operator: ParleyClient;
  admin: ParleyClient;
  context: BrowserContext;
  op: Peer;
  pageErrors: string[];
  siteOrigin: string;
};
scene.pageErrors = [];
/** The site's pages by path: their HTML, and the Content-Security-Policy header they are served with. */
const pages = new Map<string, { html: string; csp?: string }>();
let site: Server;
let served = 0;

beforeAll(async () => {
  scene.server = await startTestServer({ clock: { now: () => Date.now() + shift } });
  scene.browser = await launchChromium();
  const demo = await scene.server.app.services.admin.ensureDemo();
  scene.project = { id: demo.projectId, widgetKey: demo.widgetKey };
  scene.operator = await signIn(scene.server.url, demo.operator.email, demo.operator.password!, NEW_PASSWORD);
  scene.admin = await signIn(scene.server.url, demo.admin.email, demo.admin.password!, NEW_PASSWORD);
  await scene.operator.request('PUT', `/api/v1/projects/${scene.project.id}/status`, { online: true });
  site = createServer((req, res) => {
    const page = pages.get(req.url ?? '');
    res.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', ...(page?.csp ? { 'content-security-policy': page.csp } : {}) });
    res.end(page?.html ?? '');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  scene.siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
  await allowSite(true);
});

afterAll(async () => {
  await scene.browser?.close();
  await new Promise((resolve) => site?.close(resolve));
  await scene.server?.close();
});

eachTestFresh(scene);

const allowSite = (allowed: boolean) =>
  scene.admin.updateProject(scene.project.id, { allowedOrigins: allowed ? [scene.server.url, scene.siteOrigin] : [scene.server.url] });

const setOnline = (online: boolean) => scene.operator.request('PUT', `/api/v1/projects/${scene.project.id}/status`, { online });

interface Opened {
  page: Page;
  /** The page's console warnings so far (reloads too). */
  warnings: string[];
  /** The page's console errors so far. */
  errors: string[];
}

/**
 * Opens a page of the site, with `before` (the stub, early calls) before the widget's tag and the
 * tag's extra `attrs` (and its `key`, else the project's), served under `csp`; `prepare` runs before it loads; `connected` (default)
 * waits for the widget to be welcomed. `demo`: the demo page on the server's own origin instead.
 */
async function open(
  o: { before?: string; attrs?: string; key?: string; csp?: string; connected?: boolean; prepare?: (page: Page) => Promise<unknown>; demo?: boolean } = {},
): Promise<Opened> {
  const path = `/page-${++served}`;
  pages.set(path, {
    csp: o.csp,
    html: `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Shoe shop</title></head>
  <body>
    <h1>Shoe shop</h1>
    <a href="#sizes">Sizes</a>
    <button id="contact">Contact support</button>
    ${o.before ?? ''}
    <script src="${scene.server.url}/widget.js" data-project="${o.key ?? scene.project.widgetKey}" ${o.attrs ?? ''} async></script>
  </body>
</html>`,
  });
  const page = await scene.context.newPage();
  const warnings: string[] = [];
  const errors: string[] = [];
  page.on('pageerror', (err) => scene.pageErrors.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'warning') warnings.push(m.text());
    if (m.type() === 'error') errors.push(m.text());
  });
  await o.prepare?.(page);
  await page.goto(o.demo ? scene.server.url : `${scene.siteOrigin}${path}`);
  if (o.connected !== false) await connected(page);
  return { page, warnings, errors };
}

const connected = (page: Page) => page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });

/** Runs `parley(...args)` in the page (no click: no user activation). */
const parley = (page: Page, ...args: unknown[]) => page.evaluate((a) => (window as unknown as { parley: (...x: unknown[]) => void }).parley(...a), args);

const shows = async (page: Page) => ({ tab: await page.locator('.launcher').isVisible(), panel: await page.locator('.panel').isVisible() });

/** What has the focus: the widget's element by its name (or text), or the page's outside it. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const host = document.querySelector('parley-chat')!;
    const active = document.activeElement;
    if (active !== host) return `page: ${active?.id || active?.tagName}`;
    const inner = host.shadowRoot!.activeElement as HTMLElement | null;
    if (inner?.classList.contains('panel')) return 'the panel';
    return inner?.getAttribute('aria-label') ?? inner?.textContent?.trim() ?? null;
  });

/** The client card of the dialog the visitor's first message started. */
async function cardOfNewDialog() {
  const created = await scene.op.next((f) => f.type === 'dialog.created');
  return (await scene.operator.getDialog(scene.project.id, created.dialog.id)).visitor.card;
}

describe('a page the server refuses (findings 1 and 7)', () => {
  it("on an origin not allowed the site's open, toggle and show only say why; a kept message shows no tab; allowed again, the next page works", async () => {
    const key = scene.project.widgetKey;
    const why =
      `this page's origin (${scene.siteOrigin}) is not allowed for the widget key "${key}", so the chat stays hidden. ` +
      `Allow it: parley project set PROJECT --add-origin ${scene.siteOrigin}`;
    await allowSite(false);
    let page: Page;
    let warnings: string[];
    try {
      ({ page, warnings } = await open({ before: `<script>${STUB}</script>`, connected: false }));
      await expect.poll(() => warnings).toEqual([`Parley widget: ${why}`]);
      for (const command of ['open', 'toggle', 'show']) await parley(page, command);
      expect(warnings.slice(1)).toEqual(['open', 'toggle', 'show'].map((c) => `Parley widget: ${c} does nothing: ${why}`));
      expect(await shows(page)).toEqual({ tab: false, panel: false });

      // A message kept from an earlier page of the site (written while it was allowed, say): it
      // shows no tab here, where it could never go, not even while the server's answer is on its
      // way (held here until the test lets it through).
      await page.evaluate((k) => localStorage.setItem(`parley.outbox.${k}.6f1c3a9e-2b7d-4c1e-9a55-0d3f8e2b7c41`, JSON.stringify({ body: 'written earlier', at: Date.now() })), key);
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let helloSent!: () => void;
      const hello = new Promise<void>((resolve) => (helloSent = resolve));
      await page.routeWebSocket(/\/ws\/visitor/, (ws) => {
        const server = ws.connectToServer();
        ws.onMessage((m) => {
          server.send(m);
          helloSent();
        });
        server.onClose((code, reason) => void held.then(() => ws.close({ code, reason })));
      });
      await page.reload();
      await hello;
      expect(await page.locator('li.msg.sending').count()).toBe(1);
      expect(await shows(page)).toEqual({ tab: false, panel: false });
      // Opened by the site before the answer came, the panel closes with it.
      await parley(page, 'open');
      expect(await shows(page)).toEqual({ tab: true, panel: true });
      release();
      await expect.poll(() => warnings.length).toBe(5);
      expect(warnings[4]).toBe(`Parley widget: ${why}`);
      expect(await shows(page)).toEqual({ tab: false, panel: false });
      expect(await page.locator('parley-chat').getAttribute('data-connection')).toBe('connecting');
    } finally {
      await allowSite(true);
    }
    await page.unrouteAll();

    // The owner allows the origin: the next page works as on any site, and the kept message goes.
    await page.reload();
    await connected(page);
    await scene.op.next((f) => f.type === 'message.created' && f.message.body === 'written earlier');
    await expect.poll(() => shows(page)).toEqual({ tab: true, panel: false });
    await parley(page, 'open');
    expect(await shows(page)).toEqual({ tab: true, panel: true });
    expect(warnings).toHaveLength(5);
  });

  it("with a widget key the server does not know, the site's open does nothing but say why", async () => {
    const why = `${scene.server.url} has no project with the widget key "pk_nosuchproject" (data-project); copy the snippet from: parley project show`;
    const { page, warnings } = await open({ key: 'pk_nosuchproject', before: `<script>${STUB}</script>`, connected: false });
    await expect.poll(() => warnings).toEqual([`Parley widget: ${why}`]);
    await parley(page, 'open');
    expect(warnings).toEqual([`Parley widget: ${why}`, `Parley widget: open does nothing: ${why}`]);
    expect(await shows(page)).toEqual({ tab: false, panel: false });
  });

  it("a page CSP that blocks the WebSocket is a refusal: one word on what to allow, no retries, and the site's open does nothing", async () => {
    const server = scene.server.url;
    const socket = server.replace(/^http/, 'ws');
    const why =
      `this page's Content-Security-Policy does not let the widget connect to ${socket}, so the chat stays hidden. ` +
      `Allow it: connect-src ${server} ${socket} (parley project show prints all the widget needs)`;
    // The page's clock is Playwright's: ten minutes of backoff are stepped through, not slept.
    const { page, warnings, errors } = await open({
      csp: `default-src 'none'; script-src 'unsafe-inline' ${server}`,
      before: `<script>${STUB}</script>`,
      connected: false,
      prepare: (p) => p.clock.install(),
    });
    await expect.poll(() => warnings).toEqual([`Parley widget: ${why}`]);
    // Chromium's own line for each attempt the policy blocks: one, and no more.
    const blocked = () => errors.filter((e) => e.includes(socket) && e.includes('Content Security Policy')).length;
    expect(blocked()).toBe(1);
    for (let i = 0; i < 10; i++) await page.clock.runFor(60_000);
    expect(blocked()).toBe(1);
    await parley(page, 'open');
    expect(warnings).toEqual([`Parley widget: ${why}`, `Parley widget: open does nothing: ${why}`]);
    expect(await shows(page)).toEqual({ tab: false, panel: false });
  });
});

describe('identify (findings 2 and 3)', () => {
  it('a field undefined is not given: the others go on the card, and nothing is said in the console', async () => {
    const { page, warnings } = await open({
      before: `<script>${STUB} const customer = { name: 'Ada Lovelace', email: 'ada@example.com' };
        parley('identify', { name: customer.name, email: customer.email, phone: customer.phone });</script>`,
    });
    await parley(page, 'open');
    await say(page, 'Hello, about my order');
    expect(await cardOfNewDialog()).toMatchObject({ realName: 'Ada Lovelace', email: 'ada@example.com', phone: null });
    expect(warnings).toEqual([]);
  });

  it('a refused call keeps what earlier ones said, also across a reconnect before the first message', async () => {
    const identified: string[] = [];
    const { page, warnings } = await open({
      prepare: async (p) =>
        p.on('websocket', (ws) =>
          ws.on('framereceived', (f) => {
            const frame = JSON.parse(String(f.payload));
            if (frame.type === 'identified' || frame.ref === 'identify') identified.push(frame.type);
          }),
        ),
    });
    await parley(page, 'identify', { name: 'Grace Hopper', email: 'grace@example.com' });
    await expect.poll(() => identified).toEqual(['identified']);
    await parley(page, 'identify', { phone: 'call me\nmaybe' });
    await expect.poll(() => identified).toEqual(['identified', 'error']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Parley widget: identify was refused: /);

    // The network goes and comes back before the visitor writes: a visitor not stored yet is kept
    // by the connection, so the new one must hear again what the server took.
    await scene.context.setOffline(true);
    await page.locator('[data-parley][data-connection="closed"]').waitFor({ state: 'attached' });
    await scene.context.setOffline(false);
    await connected(page);
    await parley(page, 'open');
    await say(page, 'identify then reconnect');
    expect(await cardOfNewDialog()).toMatchObject({ realName: 'Grace Hopper', email: 'grace@example.com', phone: null });
    expect(warnings).toHaveLength(1);
  });

  it("a call the server's limit holds back goes once the limit allows, with the newest values", async () => {
    // The page's clock is Playwright's, and the server's runs ahead by `shift`: the limit's
    // minute passes for both without being slept.
    const sockets: Array<{ pongs: number }> = [];
    const { page, warnings } = await open({
      prepare: async (p) => {
        await p.clock.install();
        p.on('websocket', (ws) => {
          const socket = { pongs: 0 };
          sockets.push(socket);
          ws.on('framereceived', (f) => String(f.payload).includes('"pong"') && socket.pongs++);
        });
      },
    });
    await parley(page, 'open');
    await say(page, 'Hello, it is me');
    const created = await scene.op.next((f) => f.type === 'dialog.created');
    const named = (name: string) => (f: Record<string, any>) => f.type === 'visitor.updated' && f.visitor.card.realName === name;
    // A stored visitor's card changes 5 times at once, then once a minute.
    for (let i = 1; i <= 5; i++) {
      await parley(page, 'identify', { name: `Customer ${i}` });
      await scene.op.next(named(`Customer ${i}`));
    }
    await parley(page, 'identify', { name: 'Customer 6' });
    await expect.poll(() => warnings).toEqual([
      'Parley widget: identify is held back (the visitor was identified too often; wait a moment): its newest values go in a minute',
    ]);
    await parley(page, 'identify', { name: 'Customer 7', email: 'customer7@example.com' });

    shift += 60_000;
    // A minute of the page's time, in steps that let its pings be answered (the connection stays).
    for (let step = 0; step < 3; step++) {
      const pongs = sockets[0].pongs;
      await page.clock.runFor(20_000);
      await expect.poll(() => sockets[0].pongs).toBeGreaterThan(pongs);
    }
    const updated = await scene.op.next(named('Customer 7'));
    expect(updated.visitor.card.email).toBe('customer7@example.com');
    expect(scene.op.frames.some(named('Customer 6'))).toBe(false);
    expect(sockets).toHaveLength(1);
    const card = (await scene.operator.getDialog(scene.project.id, created.dialog.id)).visitor.card;
    expect(card).toMatchObject({ realName: 'Customer 7', email: 'customer7@example.com' });
    expect(warnings).toHaveLength(1);
  });
});

describe('who is online (finding 5)', () => {
  it('no "No one is online" note while connecting; it shows once the server says nobody is', async () => {
    // The server's frames wait until the test lets them through: the widget is connecting.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let helloSent!: () => void;
    const hello = new Promise<void>((resolve) => (helloSent = resolve));
    const { page } = await open({
      before: `<script>${STUB} parley('open');</script>`,
      connected: false,
      prepare: (p) =>
        p.routeWebSocket(/\/ws\/visitor/, (ws) => {
          const server = ws.connectToServer();
          ws.onMessage((m) => {
            server.send(m);
            if (JSON.parse(String(m)).type === 'hello') helloSent();
          });
          server.onMessage((m) => void held.then(() => ws.send(m)));
        }),
    });
    await hello;
    expect(await shows(page)).toEqual({ tab: true, panel: true });
    expect(await page.locator('.status').textContent()).toBe('Connecting…');
    expect(await page.locator('.away').isVisible()).toBe(false);
    expect(await page.locator('.panel').getByRole('status').filter({ hasText: 'No one is online' }).count()).toBe(0);

    release();
    await connected(page);
    expect(await page.locator('.away').isVisible()).toBe(false);
    await setOnline(false);
    try {
      await page.locator('.away').waitFor();
      expect(await page.locator('.away').textContent()).toBe('No one is online right now. Leave a message and we will answer here.');
    } finally {
      await setOnline(true);
    }
  });
});

describe('keyboard and focus (findings 4 and 10)', () => {
  it('full screen on a phone the panel is a modal: Tab and Shift+Tab go round inside it, never to the page behind', async () => {
    const { page } = await open({ prepare: (p) => p.setViewportSize({ width: 320, height: 480 }) });
    await page.locator('.launcher').focus();
    await page.keyboard.press('Enter');
    await page.locator('.panel').waitFor();
    expect(await page.locator('.panel').getAttribute('aria-modal')).toBe('true');
    expect(await focused(page)).toBe('Message');

    const stops: Array<string | null> = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      stops.push(await focused(page));
    }
    expect(stops.slice(0, 6)).toEqual(['Send', 'Close chat', 'Emoji', 'Attach a file', 'Message', 'Send']);
    expect(stops.every((s) => !s?.startsWith('page:'))).toBe(true);
    await page.locator('.close').focus();
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe('Send');

    // Closed, it is no modal.
    await page.keyboard.press('Escape');
    expect(await page.locator('.panel').getAttribute('aria-modal')).toBeNull();
    expect(await focused(page)).toBe('Chat with us');

    // Opened by the site as a page loads (no click), the focus goes into it all the same (not
    // into the text box: a phone's keyboard would cover the panel).
    const { page: loaded } = await open({
      before: `<script>${STUB} parley('open');</script>`,
      prepare: (p) => p.setViewportSize({ width: 320, height: 480 }),
    });
    expect(await loaded.locator('.panel').getAttribute('aria-modal')).toBe('true');
    expect(await focused(loaded)).toBe('the panel');
    await loaded.keyboard.press('Shift+Tab');
    expect(await focused(loaded)).toBe('Send');
    await loaded.keyboard.press('Tab');
    expect(await focused(loaded)).toBe('Close chat');

    // On a wide screen the panel covers nothing: no modal.
    await loaded.setViewportSize({ width: 1280, height: 720 });
    await expect.poll(() => loaded.locator('.panel').getAttribute('aria-modal')).toBeNull();
  });

  it("Escape and × put the focus back on the site's button that opened the chat; opened from the tab, on the tab", async () => {
    const { page } = await open({
      before: `<script>${STUB} document.getElementById('contact').onclick = () => parley('open');</script>`,
    });
    await page.locator('#contact').focus();
    await page.keyboard.press('Enter');
    await page.locator('.panel').waitFor();
    expect(await focused(page)).toBe('Message');
    await page.keyboard.press('Escape');
    expect(await shows(page)).toEqual({ tab: true, panel: false });
    expect(await focused(page)).toBe('page: contact');

    await page.keyboard.press('Enter');
    await page.locator('.panel').waitFor();
    await page.locator('.close').click();
    expect(await focused(page)).toBe('page: contact');

    await page.locator('.launcher').click();
    await page.locator('textarea').focus();
    await page.keyboard.press('Escape');
    expect(await focused(page)).toBe('Chat with us');
  });
});

describe('a large offset (finding 6)', () => {
  it('the greeting scrolls within a few lines of a short panel, leaving the messages most of it', async () => {
    const greeting = Array.from({ length: 8 }, (_, i) => `Line ${i + 1}: ask us about orders and returns.`).join('\n');
    await scene.admin.updateProject(scene.project.id, { widget: { color: null, greeting } });
    try {
      // 1280×720: the panel is 720 - 80 - 400 = 240 px tall.
      const { page } = await open({ attrs: 'data-offset-y="400"' });
      await parley(page, 'open');
      const size = (selector: string) => page.locator(selector).evaluate((el) => ({ height: el.clientHeight, scroll: el.scrollHeight }));
      const panel = await size('.panel');
      expect(panel.height).toBe(240);
      expect((await size('.messages')).height).toBeGreaterThanOrEqual(panel.height * 0.4);
      const shown = await size('.greeting');
      expect(shown.scroll).toBeGreaterThan(shown.height);
      // The text box is there to write in, not cut off below the panel.
      const form = await page.locator('form').boundingBox();
      const box = await page.locator('.panel').boundingBox();
      expect(form!.y + form!.height).toBeLessThanOrEqual(box!.y + box!.height + 0.5);
    } finally {
      await scene.admin.updateProject(scene.project.id, { widget: { color: null, greeting: null } });
    }
  });
});

describe('files (findings 8 and 11)', () => {
  it('a file waiting out the upload limit says it waits, not "Uploading… 100%"; files show a drawn paperclip', async () => {
    // The demo page, on the server's origin: the refusal below needs no CORS headers.
    const { page } = await open({ demo: true, prepare: (p) => p.clock.install() });
    await page.locator('.launcher').click();
    let refusing = true;
    await page.route('**/widget/uploads**', (route) =>
      refusing
        ? route.fulfill({
            status: 429,
            headers: { 'retry-after': '10', 'content-type': 'application/json' },
            body: JSON.stringify({ error: { code: 'rate_limited', message: 'too many requests; retry in 10 s' } }),
          })
        : route.continue(),
    );
    await page.clock.pauseAt(await page.evaluate(() => Date.now() + 1000));
    await page.locator('input[type=file]').setInputFiles({ name: 'sizes.txt', mimeType: 'text/plain', buffer: Buffer.from('EU 42 = US 9') });
    const sending = page.locator('li.msg.sending');
    await sending.locator('.meta', { hasText: 'Waiting to upload…' }).waitFor();
    expect(await sending.locator('progress').count()).toBe(0);
    expect(await sending.locator('.cancel').isVisible()).toBe(true);
    // The paperclip is drawn (an emoji would be an empty box without an emoji font).
    expect(await sending.locator('.body').textContent()).toBe('sizes.txt');
    expect(await sending.locator('.body svg').count()).toBe(1);

    refusing = false;
    await page.clock.runFor(10_000);
    const created = await scene.op.next((f) => f.type === 'message.created' && f.message.attachments.length === 1);
    const file = page.locator(`li.msg[data-id="${created.message.id}"] .files .file`);
    await file.waitFor();
    expect(await file.locator('svg').count()).toBe(1);
    expect(await file.locator('a[download]').textContent()).toBe('sizes.txt (12 B)');
    expect(await file.textContent()).not.toContain('📎');
  });
});
