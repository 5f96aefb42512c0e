// QA14's widget defects, in real headless Chromium against a real server (the demo page at `/`)
// (D1 and D10, a long history and the answers not seen, are in history.test.ts):
// - D2: text on the owner's accent colour is black or white, whichever reads better;
// - D3: the operator's avatar initial reads at 4.5:1 and is not read out with the message;
// - D5: files refused for now wait for one timer, which honours Retry-After;
// - D6: on a right-to-left site the widget keeps its own direction and its two sides;
// - D7: a transformed <body> does not carry the fixed chat tab away with the page;
// - D8: long file names and a long greeting URL wrap within their box;
// - D9: a screen reader hears each message once, and the connection drop and return once each;
// - D11: a second widget of another key on the page is left out with a word on the console;
// - D14: an origin not allowed stops the widget for good: no retries, a word on the console.
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
      // The widget uploads with XMLHttpRequest (for its progress) and makes no other request with it.
      const send = XMLHttpRequest.prototype.send;
      XMLHttpRequest.prototype.send = function (body) {
        const upload = { at: Date.now(), read: false };
        uploads.push(upload);
        // After the widget's own onload, set before send: the answer has been read.
        this.addEventListener('load', () => (upload.read = true));
        send.call(this, body);
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

    // A new connection: the reply's delivery raised its rev (for operators), but the widget
    // holds it (its hello says the newest seq held), so the welcome does not bring it again.
    for (const socket of server.app.websocketServer.clients) socket.terminate();
    await page.locator('[data-parley][data-connection="closed"]').waitFor({ state: 'attached' });
    await page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });
    expect(welcomes).toHaveLength(2);
    expect(welcomes[1]).toMatchObject({ resumed: true, messages: [] });
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

describe("the operator's avatar initial (D3)", () => {
  it('reads at 4.5:1 on its circle, and is not read out with the message', async () => {
    const { page, dialogId } = await startDialog('Who am I talking to?');
    const sent = await reply(dialogId, 'Oscar here.');
    const initial = page.locator(`li.msg[data-id="${sent.id}"] .avatar`);
    await initial.waitFor();
    expect(await initial.textContent()).toBe('O');
    const [fg, bg] = await initial.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]);
    expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5);
    expect(await initial.getAttribute('aria-hidden')).toBe('true');
    // It was read as "O Oscar Operator Oscar here."
    expect(await page.locator(`li.msg[data-id="${sent.id}"]`).ariaSnapshot()).not.toMatch(/\bO Oscar/);
  });
});

/** The widget's console warnings on this page, as they come. */
function warnings(page: Page): string[] {
  const said: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' && m.text().startsWith('Parley widget')) said.push(m.text());
  });
  return said;
}

describe('two widgets on one page (D11)', () => {
  it("the second, of another key, is left out with a console warning naming it; the first stays and works", async () => {
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const said = warnings(page);
    await page.goto(server.url);
    await page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });
    // Snippets added later, as a tag manager would: another project's, then this one's again.
    const addSnippet = (key: string) =>
      page.evaluate(
        ([src, k]) =>
          new Promise((resolve) => {
            const script = document.createElement('script');
            script.src = src;
            script.dataset.project = k;
            script.onload = resolve;
            document.body.append(script);
          }),
        [`${server.url}/widget.js`, key] as const,
      );
    await addSnippet('pk_SecondShop');
    await addSnippet(project.widgetKey);
    expect(said).toEqual([
      `Parley widget: this page already shows the widget of data-project="${project.widgetKey}"; the one of data-project="pk_SecondShop" is left out (one widget per page)`,
    ]);
    expect(await page.locator('parley-chat').count()).toBe(1);
    await page.locator('.launcher').click();
    await say(page, 'Hello from the first widget');
    await op.next((f) => f.type === 'message.created' && f.message.body === 'Hello from the first widget');
  });
});

describe('an origin the project does not allow (D14)', () => {
  it('stops the widget at the first refusal: no retries, nothing shown, one word on the console', async () => {
    // The pages' clocks are Playwright's: the backoff's minutes are stepped through, not slept.
    // A connection that fails as on a network loss (another context: its own routes) is tried
    // again, and again.
    const elsewhere = await browser.newContext();
    try {
      await elsewhere.clock.install();
      let lostAttempts = 0;
      await elsewhere.routeWebSocket(/\/ws\/visitor/, (ws) => {
        lostAttempts++;
        void ws.close();
      });
      const lost = await elsewhere.newPage();
      await lost.goto(server.url);
      await expect.poll(() => lostAttempts).toBe(1);
      // At least one more attempt each time: the first retries come within a second, so a close
      // that arrives while the clock runs may let two fit in one step.
      for (let step = 0, before = 1; step < 2; step++, before = lostAttempts) {
        await lost.clock.runFor(20_000);
        await expect.poll(() => lostAttempts).toBeGreaterThan(before);
      }
    } finally {
      await elsewhere.close();
    }

    // Refused: the server closes it with 4403 (asked for by refusal=close); then nothing more.
    const closes: number[] = [];
    const connected = (socket: { on(event: 'close', fn: (code: number) => void): void }) => socket.on('close', (code) => closes.push(code));
    server.app.websocketServer.on('connection', connected);
    await admin.request('PATCH', `/api/v1/projects/${project.id}`, { allowedOrigins: ['https://elsewhere.example'] });
    try {
      await context.clock.install();
      const page = await context.newPage();
      page.on('pageerror', (err) => pageErrors.push(err.message));
      const made: string[] = [];
      page.on('websocket', (ws) => made.push(ws.url()));
      const said = warnings(page);
      await page.goto(server.url);
      await expect.poll(() => said.length).toBe(1);
      expect(said[0]).toBe(
        `Parley widget: this page's origin (${server.url}) is not allowed for the widget key "${project.widgetKey}", so the chat stays hidden. ` +
          `Allow it: parley project set PROJECT --add-origin ${server.url}`,
      );
      // Ten minutes of page time: no timer is left to try again.
      for (let i = 0; i < 10; i++) await page.clock.runFor(60_000);
      expect(made).toEqual([`${server.url.replace(/^http/, 'ws')}/ws/visitor?key=${project.widgetKey}&refusal=close`]);
      expect(closes).toEqual([4403]);
      expect(said).toHaveLength(1);
      expect(await page.locator('.launcher').isHidden()).toBe(true);
      expect(await page.locator('.panel').isHidden()).toBe(true);
    } finally {
      server.app.websocketServer.off('connection', connected);
      await admin.request('PATCH', `/api/v1/projects/${project.id}`, { allowedOrigins: [server.url] });
    }
  });
});
