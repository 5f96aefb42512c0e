// QA14's widget defects, in real headless Chromium against a real server (the demo page at `/`):
// - D1: a returning visitor's long history is drawn in one pass, its newest end only, and the
//   older messages as the visitor scrolls up to them;
// - D2: text on the owner's accent colour is black or white, whichever reads better;
// - D5: files refused for now wait for one timer, which honours Retry-After;
// - D6: on a right-to-left site the widget keeps its own direction and its two sides;
// - D7: a transformed <body> does not carry the fixed chat tab away with the page;
// - D8: long file names and a long greeting URL wrap within their box;
// - D9: a screen reader hears each message once, and the connection drop and return once each.
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { Message } from '../../core/protocol/index.js';
import { launchChromium, openShop as openShopPage, say, type Shop, startDialog as startDialogOn } from '../helpers/browser.js';
import { connectOperator, type Peer } from '../helpers/realtime.js';
import { NEW_PASSWORD, signIn, startTestServer, type TestServer } from '../helpers/server.js';

const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

let server: TestServer;
let browser: Browser;
let project: { id: number; widgetKey: string };
let operator: ParleyClient;
let admin: ParleyClient;
let context: BrowserContext;
let op: Peer;
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  const demo = await server.app.services.admin.ensureDemo();
  project = { id: demo.projectId, widgetKey: demo.widgetKey };
  operator = await signIn(server.url, demo.operator.email, demo.operator.password!, NEW_PASSWORD);
  admin = await signIn(server.url, demo.admin.email, demo.admin.password!, NEW_PASSWORD);
  await operator.request('PUT', `/api/v1/projects/${project.id}/status`, { online: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  context = await browser.newContext();
  pageErrors.length = 0;
  op = await connectOperator(server.url, operator.token!, project.id);
  await op.next((f) => f.type === 'ready');
});

afterEach(async () => {
  await context.close();
  await op.close();
  expect(pageErrors).toEqual([]);
});

const messagesPath = (dialogId: number) => `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`;
const reply = (dialogId: number, body: string, attachmentIds?: number[]) =>
  operator.request<Message>('POST', messagesPath(dialogId), { clientId: randomUUID(), body, ...(attachmentIds ? { attachmentIds } : {}) });

const shop = (): Shop => ({ context, url: server.url, pageErrors });
const openShop = (opts: { path?: string; open?: boolean } = {}) => openShopPage(shop(), opts);
const startDialog = (text: string) => startDialogOn(shop(), op, text);

/** WCAG's contrast ratio of two computed CSS colours (rgb(…)). */
function contrast(a: string, b: string): number {
  const luminance = (c: string) => {
    const [r, g, bl] = c.match(/\d+/g)!.slice(0, 3).map((v) => {
      const x = Number(v) / 255;
      return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe('a returning visitor with a long history (D1)', () => {
  const HISTORY = 1000;
  /** The newest messages drawn at first (widget/view.ts). */
  const DRAWN_AT_ONCE = 200;

  it('gets its newest end drawn in one layout pass, and the older messages as they scroll up to them, in their place', async () => {
    const { page, dialogId, message: first } = await startDialog('I have a long story');
    await page.close();
    // Answers sent while the visitor was away: the unseen ones open the panel on their return,
    // which made every message inserted after that force a layout of the growing list.
    const stored: Message[] = [first];
    for (let i = 0; i < HISTORY; i += 50) {
      stored.push(...(await Promise.all(Array.from({ length: 50 }, (_, k) => reply(dialogId, `Answer ${i + k + 1}: ${'lorem ipsum '.repeat(8)}`)))));
    }
    stored.sort((a, b) => a.seq - b.seq);
    const newest = stored[stored.length - 1];

    // The welcome waits until the page is settled, so that what is counted is its drawing alone.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await context.routeWebSocket(/\/ws\/visitor/, (ws) => {
      const upstream = ws.connectToServer();
      let queue = Promise.resolve();
      upstream.onMessage((m) => {
        queue = queue.then(async () => {
          if (JSON.parse(String(m)).type === 'welcome') await released;
          ws.send(m);
        });
      });
    });
    const again = await context.newPage();
    again.on('pageerror', (err) => pageErrors.push(err.message));
    const cdp = await context.newCDPSession(again);
    await cdp.send('Performance.enable');
    const layouts = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'LayoutCount')!.value;
    const hello = again.waitForEvent('websocket').then((ws) => ws.waitForEvent('framesent', (f) => String(f.payload).includes('"hello"')));
    await again.goto(server.url);
    await hello;
    await again.locator('[data-parley]').waitFor({ state: 'attached' });
    const before = await layouts();
    release();
    await again.locator(`li.msg[data-id="${newest.id}"]`).waitFor();
    expect(await again.locator('.panel').isVisible()).toBe(true);
    // Drawing a history made the browser lay the list out once per message (1000 here).
    expect((await layouts()) - before).toBeLessThan(10);

    const drawn = again.locator('li.msg[data-id]');
    expect(await drawn.count()).toBe(DRAWN_AT_ONCE);
    expect(await again.locator('.messages').evaluate((list) => list.scrollHeight - list.scrollTop - list.clientHeight)).toBeLessThan(2);

    // Scrolled to the top: the messages before are drawn above, and what the visitor was reading
    // stays where it was.
    const oldest = (await drawn.first().getAttribute('data-id'))!;
    /** How far the oldest message drawn so far is from the top of the list's box. */
    const offset = (scrollToTop: boolean) =>
      again.locator('.messages').evaluate(
        (list, [id, toTop]) => {
          if (toTop) list.scrollTop = 0; // its scroll event comes after this task
          return list.querySelector(`li[data-id="${id}"]`)!.getBoundingClientRect().top - list.getBoundingClientRect().top;
        },
        [oldest, scrollToTop] as const,
      );
    const atTop = await offset(true);
    await drawn.nth(2 * DRAWN_AT_ONCE - 1).waitFor({ state: 'attached' });
    expect(await drawn.count()).toBe(2 * DRAWN_AT_ONCE);
    expect(Math.abs((await offset(false)) - atTop)).toBeLessThan(2);

    // Scrolling on to the very top draws the whole history, in order.
    while ((await drawn.count()) < stored.length) {
      const count = await drawn.count();
      await again.locator('.messages').evaluate((list) => (list.scrollTop = 0));
      await drawn.nth(count).waitFor({ state: 'attached' });
    }
    expect(await drawn.evaluateAll((lis) => lis.map((li) => Number(li.getAttribute('data-id'))))).toEqual(stored.map((m) => m.id));
    expect(await drawn.first().getAttribute('data-id')).toBe(String(first.id));
    await context.unrouteAll();
  });

  it('with the panel open, the answers missed while offline are drawn in one layout pass too', async () => {
    const { page, dialogId } = await startDialog('Still there?');
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const layouts = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'LayoutCount')!.value;
    await context.setOffline(true);
    await page.locator('[data-parley][data-connection="closed"]').waitFor({ state: 'attached' });
    let newest!: Message;
    for (let i = 0; i < HISTORY; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, (_, k) => reply(dialogId, `Missed ${i + k + 1}: ${'lorem ipsum '.repeat(8)}`)));
      newest = batch.reduce((a, b) => (a.seq > b.seq ? a : b));
    }
    const before = await layouts();
    await context.setOffline(false); // the widget reconnects at once, and its welcome brings them all
    await page.locator(`li.msg[data-id="${newest.id}"]`).waitFor();
    expect((await layouts()) - before).toBeLessThan(10);
    expect(await page.locator('li.msg[data-id]').count()).toBe(DRAWN_AT_ONCE);
    expect(await page.locator('.messages').evaluate((list) => list.scrollHeight - list.scrollTop - list.clientHeight)).toBeLessThan(2);
  });
});

describe("the owner's accent colour (D2)", () => {
  it('carries black or white text, whichever reads better: the tab, the header, its × and Send reach 4.5:1 on any colour', async () => {
    const colour = (page: Page, selector: string, prop: 'color' | 'backgroundColor') =>
      page.locator(selector).evaluate((el, p) => getComputedStyle(el)[p], prop);
    try {
      // Yellow and light green need black text; the README's blue too; dark blue keeps white.
      for (const [accent, text] of [['#ffd700', 'rgb(0, 0, 0)'], ['#22c55e', 'rgb(0, 0, 0)'], ['#0a84ff', 'rgb(0, 0, 0)'], ['#1e3a8a', 'rgb(255, 255, 255)']]) {
        await admin.updateProject(project.id, { widget: { color: accent, greeting: null } });
        const page = await openShop();
        for (const [selector, background] of [['.launcher', '.launcher'], ['.panel header', '.panel header'], ['.panel header .close', '.panel header'], ['.send', '.send']]) {
          const fg = await colour(page, selector, 'color');
          expect(fg, `${selector} on ${accent}`).toBe(text);
          expect(contrast(fg, await colour(page, background, 'backgroundColor')), `${selector} on ${accent}`).toBeGreaterThanOrEqual(4.5);
        }
        await page.close();
      }
    } finally {
      await admin.updateProject(project.id, { widget: { color: null, greeting: null } });
    }
    // The default blue keeps its white text.
    const plain = await openShop();
    expect(await plain.locator('.send').evaluate((el) => getComputedStyle(el).color)).toBe('rgb(255, 255, 255)');
  });
});

describe('files refused for now (D5)', () => {
  it('wait for one timer, as long as Retry-After says, and then go again together', async () => {
    // The page's clock is Playwright's: the waits are stepped through, not slept.
    await context.clock.install();
    // Each upload request, at the page's (fake) time, and whether the widget has read its answer.
    await context.addInitScript(() => {
      const uploads: Array<{ at: number; read: boolean }> = [];
      Object.assign(window, { uploads });
      const fetchFromPage = window.fetch;
      window.fetch = async (input, init) => {
        if (!String(input).includes('/widget/uploads')) return fetchFromPage(input, init);
        const upload = { at: Date.now(), read: false };
        uploads.push(upload);
        const res = await fetchFromPage(input, init);
        const json = res.json.bind(res);
        res.json = () => json().finally(() => (upload.read = true));
        return res;
      };
    });
    const uploads = (page: Page) => page.evaluate(() => (window as unknown as { uploads: Array<{ at: number; read: boolean }> }).uploads);
    const page = await openShop();
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
    const files = ['a.png', 'b.png', 'c.png', 'd.png'];
    await page.locator('input[type=file]').setInputFiles(files.map((name) => ({ name, mimeType: 'image/png', buffer: PNG_1PX })));
    await expect.poll(async () => (await uploads(page)).filter((u) => u.read).length, { timeout: 10_000 }).toBe(files.length);
    const refusedAt = (await uploads(page))[0].at;

    // A timer per refused file, each starting every waiting upload again after 2 s, made
    // hundreds of refused requests while the limit's window stayed closed.
    await page.clock.runFor(9_999);
    expect((await uploads(page)).length).toBe(files.length);
    refusing = false;
    await page.clock.runFor(1);
    const sent = page.locator('li.msg[data-id] .files img');
    await sent.nth(files.length - 1).waitFor({ state: 'attached' });
    expect((await uploads(page)).map((u) => u.at - refusedAt)).toEqual([0, 0, 0, 0, 10_000, 10_000, 10_000, 10_000]);
    expect(await sent.evaluateAll((imgs) => imgs.map((img) => img.getAttribute('alt')))).toEqual(files);
  });
});

describe('on a right-to-left site (D6)', () => {
  it('the widget keeps its own direction: the visitor on the right, the operator on the left, Send after the text box', async () => {
    const { page, dialogId } = await startDialog('Do you ship to Haifa?');
    await page.evaluate(() => {
      document.documentElement.dir = 'rtl';
    });
    const sent = await reply(dialogId, 'Yes, within a week.');
    await page.locator(`li.msg[data-id="${sent.id}"]`).waitFor();
    expect(await page.locator('.root').evaluate((el) => getComputedStyle(el).direction)).toBe('ltr');
    const box = (selector: string) => page.locator(selector).evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
    const list = await box('.messages');
    const visitor = await box('li.msg.visitor');
    const operatorBubble = await box('li.msg.operator');
    // Each against its own side of the list (its padding is 12 px), the two apart.
    expect(list.right - visitor.right).toBeLessThan(20);
    expect(operatorBubble.left - list.left).toBeLessThan(20);
    expect(visitor.left).toBeGreaterThan(operatorBubble.left + 20);
    expect((await box('.send')).left).toBeGreaterThan((await box('textarea')).right);
  });
});

describe('on a site whose body has a transform (D7)', () => {
  it('the chat tab stays fixed on the screen as the page scrolls', async () => {
    const page = await openShop({ open: false });
    await page.evaluate(() => {
      document.body.style.transform = 'translateZ(0)';
      const tall = document.createElement('div');
      tall.style.height = '3000px';
      document.body.append(tall);
    });
    const height = page.viewportSize()!.height;
    const tab = () => page.locator('.launcher').evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
    for (const y of [0, 1500]) {
      await page.evaluate((top) => window.scrollTo(0, top), y);
      const { top, bottom } = await tab();
      expect(top, `scrolled to ${y}`).toBeGreaterThan(0);
      expect(bottom, `scrolled to ${y}`).toBeLessThanOrEqual(height);
    }
  });
});

describe('long unbroken text (D8)', () => {
  it('a long file name and a long URL in the greeting wrap within their box; the greeting URL is a link', async () => {
    // No hyphen, nowhere a line may break.
    const url = `https://shop.example.com/help?order=${'A1B2C3D4E5'.repeat(25)}`;
    await admin.updateProject(project.id, { widget: { color: null, greeting: `Hi! Read ${url} first.` } });
    try {
      const { page, dialogId } = await startDialog('Where is my invoice?');
      const name = `invoice_${'verylongname'.repeat(8)}.pdf`;
      const form = new FormData();
      form.append('file', new Blob([Buffer.from('%PDF-1.4 invoice')]), name);
      const res = await fetch(`${server.url}/api/v1/projects/${project.id}/dialogs/${dialogId}/attachments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${operator.token}` },
        body: form,
      });
      expect(res.status).toBe(201);
      const sent = await reply(dialogId, 'Here it is', [((await res.json()) as { id: number }).id]);
      const file = page.locator(`li.msg[data-id="${sent.id}"] .files a`);
      await file.waitFor();
      const within = (selector: string) =>
        page.locator(selector).evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
      const link = await within(`li.msg[data-id="${sent.id}"] .files a`);
      expect(link.scroll).toBe(link.client);
      const list = await within('.messages');
      expect(list.scroll).toBe(list.client);
      const greeting = await within('.greeting');
      expect(greeting.scroll).toBe(greeting.client);
      expect(await page.locator('.greeting a').getAttribute('href')).toBe(url);
      expect(await page.locator('.greeting').textContent()).toBe(`Hi! Read ${url} first.`);
    } finally {
      await admin.updateProject(project.id, { widget: { color: null, greeting: null } });
    }
  });
});

describe('what a screen reader hears (D9)', () => {
  /**
   * Records the text that enters the widget's live regions (aria-live, role=status or alert),
   * each entry once, as a screen reader would be told of it.
   */
  const listen = (page: Page) =>
    page.evaluate(() => {
      const heard: Array<{ region: string; text: string }> = [];
      Object.assign(window, { heard });
      const shadow = document.querySelector('[data-parley]')!.shadowRoot!;
      const regionOf = (node: Node) =>
        (node instanceof Element ? node : node.parentElement)?.closest('[aria-live],[role="status"],[role="alert"]') ?? null;
      new MutationObserver((records) => {
        for (const r of records) {
          const region = regionOf(r.target);
          if (!region) continue;
          const name = region.getAttribute('role') ?? 'live';
          if (r.type === 'characterData') heard.push({ region: name, text: r.target.textContent ?? '' });
          for (const node of r.addedNodes) if (node.textContent) heard.push({ region: name, text: node.textContent });
        }
      }).observe(shadow, { subtree: true, childList: true, characterData: true });
    });
  const heard = (page: Page) => page.evaluate(() => (window as unknown as { heard: Array<{ region: string; text: string }> }).heard);

  it("the visitor's message is not read out twice, and an operator reply is read out once, also after a reconnect", async () => {
    const welcomes: Array<{ messages: Array<{ id: number }> }> = [];
    context.on('page', (p) => p.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
      const frame = JSON.parse(String(payload));
      if (frame.type === 'welcome') welcomes.push(frame);
    })));
    // The visitor's message is held on its way, so that its "Sending…" element can be marked.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await context.routeWebSocket(/\/ws\/visitor/, (ws) => {
      const upstream = ws.connectToServer();
      ws.onMessage(async (m) => {
        if (String(m).includes('"message.send"')) await held;
        upstream.send(m);
      });
    });
    const page = await openShop();
    await listen(page);
    /** Marks an element, to tell later whether it is still the same one (not drawn again). */
    const mark = (selector: string) => page.locator(selector).evaluate((el) => Object.assign(el, { marked: true }));
    const marked = (selector: string) => page.locator(selector).evaluate((el) => (el as unknown as { marked?: boolean }).marked === true);
    await say(page, 'Is my parcel on its way?');
    await mark('li.msg.sending');
    release();
    const created = await op.next((f) => f.type === 'message.created' && f.message.body === 'Is my parcel on its way?');
    await page.locator(`li.msg[data-id="${created.message.id}"]`).waitFor();
    // Stored, it took over its "Sending…" element rather than entering the list a second time.
    expect(await marked(`li.msg[data-id="${created.message.id}"]`)).toBe(true);
    const sent = await reply(created.message.dialogId, 'It left this morning.');
    await page.locator(`li.msg[data-id="${sent.id}"]`).waitFor();
    await op.next((f) => f.type === 'message.updated' && f.message.id === sent.id && f.message.deliveredAt !== null);
    await mark(`li.msg[data-id="${sent.id}"]`);

    // A new connection: its welcome brings the reply again (its delivery raised its rev).
    for (const socket of server.app.websocketServer.clients) socket.terminate();
    await page.locator('[data-parley][data-connection="closed"]').waitFor({ state: 'attached' });
    await page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });
    expect(welcomes).toHaveLength(2);
    expect(welcomes[1].messages.map((m) => m.id)).toContain(sent.id);
    // The same message at a higher rev (its delivery) is not drawn again.
    expect(await marked(`li.msg[data-id="${sent.id}"]`)).toBe(true);

    const said = await heard(page);
    expect(said.filter((h) => h.text.includes('Is my parcel on its way?')).length).toBeLessThanOrEqual(1);
    expect(said.filter((h) => h.text.includes('It left this morning.'))).toHaveLength(1);
    // Who wrote it is heard with it.
    expect(said.find((h) => h.text.includes('It left this morning.'))!.text).toContain('Oscar Operator');
    await context.unrouteAll();
  });

  it('the connection dropping is said once, however many reconnects fail, and its coming back is said too', async () => {
    const page = await openShop();
    await listen(page);
    let attempts = 0;
    page.on('websocket', () => attempts++);
    await admin.request('PATCH', `/api/v1/projects/${project.id}`, { allowedOrigins: ['https://elsewhere.example'] });
    try {
      for (const socket of server.app.websocketServer.clients) socket.terminate();
      await page.locator('[data-parley][data-connection="closed"]').waitFor({ state: 'attached' });
      // Two attempts refused after the first: the backoff makes that about two seconds.
      await expect.poll(() => attempts, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    } finally {
      await admin.request('PATCH', `/api/v1/projects/${project.id}`, { allowedOrigins: [server.url] });
    }
    await page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });
    expect((await heard(page)).filter((h) => h.region === 'status').map((h) => h.text)).toEqual(['Reconnecting…', 'Connected again.']);
  });
});
