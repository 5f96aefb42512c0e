// The website widget in real headless Chromium, against a real server: the demo page at `/`
// embeds the built dist/widget/widget.js, and the operator side is the REST API and a real
// operator WebSocket.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { Message } from '../../core/protocol/index.js';
import { launchChromium, openShop as openShopPage, say, type Shop, startDialog as startDialogOn } from '../helpers/browser.js';
import { connectOperator, type Peer } from '../helpers/realtime.js';
import { NEW_PASSWORD, signIn, startTestServer, type TestServer } from '../helpers/server.js';

/** A real 1×1 PNG, so a test can see an image actually load (naturalWidth 1). */
const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

const UPLOAD_LIMIT = 100_000;

let server: TestServer;
let browser: Browser;
/** The server's clock runs this far ahead of real time (a test moves it forward). */
let shift = 0;
let project: { id: number; widgetKey: string };
let operator: ParleyClient;
let admin: ParleyClient;
let context: BrowserContext;
let op: Peer;
const pageErrors: string[] = [];

beforeAll(async () => {
  // A small upload limit, so the too-large case needs no 10 MB file.
  server = await startTestServer({ env: { PARLEY_UPLOAD_MAX_BYTES: String(UPLOAD_LIMIT) }, clock: { now: () => Date.now() + shift } });
  browser = await launchChromium();
  // The demo project allows the server's own origin, where the demo page lives.
  const demo = await server.app.services.admin.ensureDemo();
  project = { id: demo.projectId, widgetKey: demo.widgetKey };
  operator = await signIn(server.url, demo.operator.email, demo.operator.password!, NEW_PASSWORD);
  admin = await signIn(server.url, demo.admin.email, demo.admin.password!, NEW_PASSWORD);
  await operator.setAvatar(PNG_1PX);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  // A fresh context is a fresh visitor: its own localStorage, so its own token and dialog.
  context = await browser.newContext();
  pageErrors.length = 0;
  await setOnline(true);
  op = await connectOperator(server.url, operator.token!, project.id);
  await op.next((f) => f.type === 'ready');
});

afterEach(async () => {
  await context.close(); // closes its pages
  await op.close();
  expect(pageErrors).toEqual([]);
});

const setOnline = (online: boolean) => operator.request('PUT', `/api/v1/projects/${project.id}/status`, { online });
const messagesPath = (dialogId: number) => `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`;
const reply = (dialogId: number, body: string, clientId: string = randomUUID()) =>
  operator.request<Message>('POST', messagesPath(dialogId), { clientId, body });

const shop = (): Shop => ({ context, url: server.url, pageErrors });
const openShop = (opts: { path?: string; open?: boolean } = {}) => openShopPage(shop(), opts);
const startDialog = (text: string) => startDialogOn(shop(), op, text);

/** Every widget WebSocket frame of the pages this context opens from now on, parsed. */
function recordFrames() {
  const frames = { sent: [] as Array<Record<string, any>>, received: [] as Array<Record<string, any>> };
  context.on('page', (p) =>
    p.on('websocket', (ws) => {
      ws.on('framesent', ({ payload }) => frames.sent.push(JSON.parse(String(payload))));
      ws.on('framereceived', ({ payload }) => frames.received.push(JSON.parse(String(payload))));
    }),
  );
  return frames;
}

/** Whether the image matching `selector` in the widget has loaded and is `width` pixels wide. */
const imageLoaded = (page: Page, selector: string, width = 1) =>
  page.waitForFunction(
    ([sel, w]) => {
      const img = document.querySelector('[data-parley]')!.shadowRoot!.querySelector<HTMLImageElement>(sel);
      return img?.complete && img.naturalWidth === w;
    },
    [selector, width] as const,
  );

/** Text of every message in the widget, in the order shown. */
const shownBodies = (page: Page) => page.locator('li.msg .body').allTextContents();

/** Operator replies enough to overflow the message list; resolves once the last one shows. */
async function fillList(page: Page, dialogId: number) {
  let last!: Message;
  for (let i = 1; i <= 12; i++) last = await reply(dialogId, `line ${i}`);
  await page.locator(`li.msg[data-id="${last.id}"]`).waitFor();
}

/** How far the message list is from its end, in pixels (0: the newest message is in view). */
const belowEnd = (page: Page) =>
  page.locator('.messages').evaluate((list) => list.scrollHeight - list.scrollTop - list.clientHeight);

describe('the chat tab', () => {
  it('is hidden while no operator is online, and appears and disappears live', async () => {
    await setOnline(false);
    const page = await openShop({ open: false });
    expect(await page.locator('.launcher').isHidden()).toBe(true);
    await setOnline(true);
    await page.locator('.launcher').waitFor({ state: 'visible' });
    await setOnline(false);
    await page.locator('.launcher').waitFor({ state: 'hidden' });
  });

  it("takes the project's accent colour and greeting (as text, never HTML)", async () => {
    const greeting = 'Hi! <b>Ask</b> us anything.';
    await admin.updateProject(project.id, { widget: { color: '#0A84FF', greeting } });
    try {
      const page = await openShop();
      const background = (selector: string) => page.locator(selector).evaluate((el) => getComputedStyle(el).backgroundColor);
      expect(await background('.launcher')).toBe('rgb(10, 132, 255)');
      expect(await background('.panel header')).toBe('rgb(10, 132, 255)');
      expect(await page.locator('.greeting').textContent()).toBe(greeting);
      expect(await page.locator('.greeting b').count()).toBe(0);
    } finally {
      await admin.updateProject(project.id, { widget: { color: null, greeting: null } });
    }
    const plain = await openShop();
    expect(await plain.locator('.launcher').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(37, 99, 235)');
    expect(await plain.locator('.greeting').isHidden()).toBe(true);
  });
});

describe('messages', () => {
  it('a visitor message reaches the operator with the generated name and the page context', async () => {
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${server.url}/?utm_source=news&utm_campaign=fall`, { referer: 'https://search.example/' });
    await page.locator('.launcher').click();
    const name = (await page.locator('.me').textContent())!.replace(/^You are /, '');
    expect(name).toMatch(/^\S+ \S+$/);

    await say(page, 'Do you ship to Berlin?');
    const created = await op.next((f) => f.type === 'dialog.created');
    expect(created.dialog.visitor.name).toBe(name);
    const visitor = await op.next((f) => f.type === 'visitor.updated' && f.dialogId === created.dialog.id);
    expect(visitor.visitor.page).toMatchObject({
      url: `${server.url}/?utm_source=news&utm_campaign=fall`,
      title: 'Parley demo shop',
      referrer: 'https://search.example/',
    });
    expect(visitor.visitor.utm).toEqual({ source: 'news', campaign: 'fall' });
    const message = await op.next((f) => f.type === 'message.created' && f.message.dialogId === created.dialog.id);
    expect(message.message).toMatchObject({ author: 'visitor', body: 'Do you ship to Berlin?', seq: 1 });
    // Confirmed by the server: no longer shown as sending.
    await page.locator(`li.msg.visitor[data-id="${message.message.id}"]`).waitFor();
    expect(await page.locator('li.msg.sending').count()).toBe(0);
  });

  it('an operator reply shows with name and avatar, and the operator sees it delivered', async () => {
    const { page, dialogId } = await startDialog('Hi there');
    const sent = await reply(dialogId, 'Hello! How can I help?');
    const shown = page.locator(`li.msg.operator[data-id="${sent.id}"]`);
    await shown.waitFor();
    expect(await shown.locator('.body').textContent()).toBe('Hello! How can I help?');
    expect(await shown.locator('.name').textContent()).toBe('Oscar Operator');
    const avatar = shown.locator('img.avatar');
    expect(await avatar.getAttribute('src')).toBe(`${server.url}${sent.operator!.avatarUrl}`);
    await imageLoaded(page, `li[data-id="${sent.id}"] img.avatar`);
    const delivered = await op.next((f) => f.type === 'message.updated' && f.message.id === sent.id);
    expect(delivered.message.deliveredAt).not.toBeNull();
  });

  it('a reply sent while the page is closed is not delivered; after reopening, a resend shows it once', async () => {
    const { page, dialogId } = await startDialog('Anyone there?');
    await page.close();
    const clientId = randomUUID();
    const sent = await reply(dialogId, 'Sorry for the wait!', clientId);
    const stored = (await operator.request<Message[]>('GET', messagesPath(dialogId))).find((m) => m.id === sent.id)!;
    expect(stored.deliveredAt).toBeNull();

    const frames = recordFrames();
    const again = await openShop();
    await again.locator(`li.msg[data-id="${sent.id}"]`).waitFor();
    const delivered = await op.next((f) => f.type === 'message.updated' && f.message.id === sent.id);
    expect(delivered.message.deliveredAt).not.toBeNull();

    // The operator resends (same clientId): stored once, pushed to the widget again.
    const resent = await reply(dialogId, 'Sorry for the wait!', clientId);
    expect(resent.id).toBe(sent.id);
    // Pushes reach a socket in order: once the next message shows, the resend has been handled.
    const after = await reply(dialogId, 'Still there?');
    await again.locator(`li.msg[data-id="${after.id}"]`).waitFor();
    expect(frames.received.filter((f) => f.type === 'message' && f.message.id === sent.id)).toHaveLength(1);
    expect(await again.locator(`li.msg[data-id="${sent.id}"]`).count()).toBe(1);
    expect(await shownBodies(again)).toEqual(['Anyone there?', 'Sorry for the wait!', 'Still there?']);
  });

  it('an edit shows the new text, marked edited', async () => {
    const { page, dialogId } = await startDialog('When do you ship?');
    const sent = await reply(dialogId, 'We ship on Mondya');
    await page.locator(`li.msg[data-id="${sent.id}"]`).waitFor();
    expect(await page.locator(`li.msg[data-id="${sent.id}"] .edited`).count()).toBe(0);
    await operator.request('PATCH', `/api/v1/projects/${project.id}/messages/${sent.id}`, { body: 'We ship on Monday' });
    await page.locator(`li.msg[data-id="${sent.id}"] .edited`).waitFor();
    expect(await page.locator(`li.msg[data-id="${sent.id}"] .body`).textContent()).toBe('We ship on Monday');
    expect(await page.locator(`li.msg[data-id="${sent.id}"]`).count()).toBe(1);
  });

  it('shows the operator typing', async () => {
    const { page, dialogId } = await startDialog('Question');
    expect(await page.locator('.typing').isHidden()).toBe(true);
    op.send({ type: 'typing', dialogId });
    await page.locator('.typing').waitFor({ state: 'visible' });
  });

  it('a reload and a second tab continue the same dialog with its history', async () => {
    const { page, dialogId } = await startDialog('first');
    const sent = await reply(dialogId, 'second');
    await page.locator(`li.msg[data-id="${sent.id}"]`).waitFor();
    const name = await page.locator('.me').textContent();

    // Left open, the panel is open again after the reload (this tab's session storage).
    await page.reload();
    await page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });
    await page.locator(`li.msg[data-id="${sent.id}"]`).waitFor();
    expect(await shownBodies(page)).toEqual(['first', 'second']);
    expect(await page.locator('.me').textContent()).toBe(name);

    const tab = await openShop();
    await tab.locator(`li.msg[data-id="${sent.id}"]`).waitFor();
    await say(tab, 'third, from another tab');
    const third = await op.next((f) => f.type === 'message.created' && f.message.body === 'third, from another tab');
    expect(third.message.dialogId).toBe(dialogId);
    await page.locator(`li.msg[data-id="${third.message.id}"]`).waitFor();
    expect(await shownBodies(page)).toEqual(['first', 'second', 'third, from another tab']);
  });
});

describe('the composer', () => {
  it('sends on Enter and inserts a newline on Shift+Enter', async () => {
    const page = await openShop();
    const input = page.locator('textarea');
    await input.click();
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    expect(await input.inputValue()).toBe('line one\nline two');
    expect(await page.locator('li.msg').count()).toBe(0);
    await page.keyboard.press('Enter');
    const created = await op.next((f) => f.type === 'message.created');
    expect(created.message.body).toBe('line one\nline two');
    expect(await input.inputValue()).toBe('');
    await page.locator(`li.msg[data-id="${created.message.id}"]`).waitFor();
  });

  it('after a click on Send the text box has the focus: the next words typed go in it', async () => {
    const page = await openShop();
    await page.locator('textarea').fill('first');
    await page.locator('button.send').click();
    await op.next((f) => f.type === 'message.created' && f.message.body === 'first');
    await page.keyboard.type('second');
    expect(await page.locator('textarea').inputValue()).toBe('second');
  });

  it('the emoji picker from the keyboard: it takes the focus, arrows move in it, Escape closes it alone, sending closes it', async () => {
    const page = await openShop();
    const focused = () => page.evaluate(() => document.querySelector('[data-parley]')!.shadowRoot!.activeElement?.textContent);
    await page.locator('.emoji-toggle').focus();
    await page.keyboard.press('Enter');
    await page.locator('.emoji').waitFor();
    const grid = await page.locator('.emoji button').allTextContents();
    expect(await focused()).toBe(grid[0]);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe(grid[9]);
    await page.keyboard.press('Escape');
    expect(await page.locator('.emoji').isHidden()).toBe(true);
    expect(await page.locator('.panel').isVisible()).toBe(true);
    expect(await focused()).toBe('😊');

    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter'); // the first emoji goes into the text, which has the focus
    expect(await page.locator('textarea').inputValue()).toBe(grid[0]);
    await page.keyboard.press('Enter');
    await op.next((f) => f.type === 'message.created' && f.message.body === grid[0]);
    expect(await page.locator('.emoji').isHidden()).toBe(true);
    expect(await page.locator('.emoji-toggle').getAttribute('aria-expanded')).toBe('false');
  });

  it('inserts an emoji from the picker at the cursor', async () => {
    const page = await openShop();
    const input = page.locator('textarea');
    await input.click();
    await page.keyboard.type('ab');
    await page.keyboard.press('ArrowLeft');
    await page.locator('.emoji-toggle').click();
    await page.locator('.emoji button', { hasText: '👍' }).click();
    expect(await input.inputValue()).toBe('a👍b');
  });
});

describe('files', () => {
  async function operatorUpload(dialogId: number, bytes: Buffer, name: string) {
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

  it("an operator's image renders inline and another file as a download link", async () => {
    const { page, dialogId } = await startDialog('Can I see it?');
    const image = await operatorUpload(dialogId, PNG_1PX, 'shoe.png');
    const pdf = await operatorUpload(dialogId, Buffer.from('%PDF-1.4 size chart'), 'sizes.pdf');
    const sent = await operator.request<Message>('POST', messagesPath(dialogId), {
      clientId: randomUUID(),
      body: 'Here you go',
      attachmentIds: [image, pdf],
    });
    const shown = page.locator(`li.msg[data-id="${sent.id}"]`);
    await shown.waitFor();
    await imageLoaded(page, `li[data-id="${sent.id}"] .files img`);
    expect(await shown.locator('.files img').getAttribute('alt')).toBe('shoe.png');
    const download = shown.locator('.files a[download]');
    expect(await download.getAttribute('download')).toBe('sizes.pdf');
    expect(await download.getAttribute('href')).toBe(`${server.url}${sent.attachments[1].url}`);
  });

  it('a visitor attaches an image with the button and a file by drag and drop', async () => {
    const page = await openShop();
    await page.locator('input[type=file]').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: PNG_1PX });
    const first = await op.next((f) => f.type === 'message.created');
    expect(first.message.attachments).toMatchObject([{ name: 'photo.png', mime: 'image/png' }]);
    await imageLoaded(page, `li[data-id="${first.message.id}"] .files img`);

    const dropped = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['%PDF-1.4 my order'], 'order.pdf', { type: 'application/pdf' }));
      return dt;
    });
    await page.locator('.panel').dispatchEvent('drop', { dataTransfer: dropped });
    const second = await op.next((f) => f.type === 'message.created' && f.message.id !== first.message.id);
    expect(second.message.attachments).toMatchObject([{ name: 'order.pdf', mime: 'application/pdf' }]);
    await page.locator(`li.msg[data-id="${second.message.id}"] a[download="order.pdf"]`).waitFor();
  });

  it('a screenshot pasted into the text box goes as an image; pasted text stays text', async () => {
    const page = await openShop();
    const paste = (what: 'image' | 'text', bytes: number[]) =>
      page.locator('textarea').evaluate(
        (el, [kind, data]) => {
          const dt = new DataTransfer();
          if (kind === 'image') dt.items.add(new File([new Uint8Array(data as number[])], 'image.png', { type: 'image/png' }));
          else dt.setData('text/plain', 'just words');
          // dispatchEvent answers false when the widget took the paste over.
          return el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
        },
        [what, bytes] as const,
      );
    expect(await paste('text', [])).toBe(true);
    expect(await paste('image', [...PNG_1PX])).toBe(false);
    const pasted = await op.next((f) => f.type === 'message.created');
    expect(pasted.message.attachments).toMatchObject([{ name: 'image.png', mime: 'image/png', size: PNG_1PX.length }]);
    await imageLoaded(page, `li[data-id="${pasted.message.id}"] .files img`);
  });

  it('an image that loads after its message was placed keeps the list pinned to its end', async () => {
    const { page, dialogId } = await startDialog('Show me the shoe');
    await fillList(page, dialogId);
    // A real 300×150 PNG: it grows its message by about 120 px when it loads.
    const dataUrl = await page.evaluate(() => Object.assign(document.createElement('canvas'), { width: 300, height: 150 }).toDataURL('image/png'));
    const image = await operatorUpload(dialogId, Buffer.from(dataUrl.split(',')[1], 'base64'), 'shoe.png');
    const sent = await operator.request<Message>('POST', messagesPath(dialogId), { clientId: randomUUID(), body: 'Here', attachmentIds: [image] });
    await imageLoaded(page, `li[data-id="${sent.id}"] .files img`, 300);
    await expect.poll(() => belowEnd(page)).toBeLessThan(2);
  });

  it('a file over the upload limit shows as not sent, with the reason', async () => {
    const page = await openShop();
    await page.locator('input[type=file]').setInputFiles({ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(UPLOAD_LIMIT + 1) });
    const failed = page.locator('li.msg.failed');
    await failed.waitFor();
    expect(await failed.locator('.meta').textContent()).toMatch(/at most/);
    expect(await page.locator('li.msg[data-id]').count()).toBe(0);
  });
});

describe('order and limits', () => {
  it('messages typed faster than the rate limit are stored and shown in the order typed', async () => {
    const frames = recordFrames();
    const page = await openShop();
    // Twelve at once: ten pass (the burst), the eleventh is refused for now and tried again.
    const burst = Array.from({ length: 12 }, (_, i) => `quick ${i + 1}`);
    await page.locator('textarea').evaluate((input: HTMLTextAreaElement, texts) => {
      for (const text of texts) {
        input.value = text;
        input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
      }
    }, burst);
    await expect.poll(() => frames.received.some((f) => f.type === 'error' && f.code === 'rate_limited')).toBe(true);
    // A second later (on the server's clock) the limit has room again: a message written now
    // must still wait for the earlier ones rather than take that room first.
    shift += 1000;
    await say(page, 'a bit later');
    await page.locator('li.msg.sending').first().waitFor({ state: 'detached', timeout: 20_000 });
    const { dialogId } = (await op.next((f) => f.type === 'message.created' && f.message.body === 'quick 1')).message as Message;
    const stored = await operator.request<Message[]>('GET', messagesPath(dialogId));
    expect(stored.map((m) => m.body)).toEqual([...burst, 'a bit later']);
    expect(await shownBodies(page)).toEqual([...burst, 'a bit later']);
  });

  it("a message written during a file's upload waits for it and comes after it", async () => {
    const { page, dialogId } = await startDialog('look');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/widget/uploads**', async (route) => {
      await held;
      await route.continue();
    });
    await page.locator('input[type=file]').setInputFiles({ name: 'shot.png', mimeType: 'image/png', buffer: PNG_1PX });
    await say(page, '^ that is my screenshot');
    await page.locator('li.msg.sending').nth(1).waitFor();
    release();
    await page.locator('li.msg.sending').first().waitFor({ state: 'detached' });
    const stored = await operator.request<Message[]>('GET', messagesPath(dialogId));
    expect(stored.map((m) => m.attachments[0]?.name ?? m.body)).toEqual(['look', 'shot.png', '^ that is my screenshot']);
  });

  it('an upload lost on the network is tried again by itself', async () => {
    const page = await openShop();
    let tries = 0;
    await page.route('**/widget/uploads**', (route) => (tries++ === 0 ? route.abort('connectionreset') : route.continue()));
    await page.locator('input[type=file]').setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: PNG_1PX });
    const created = await op.next((f) => f.type === 'message.created');
    expect(created.message.attachments).toMatchObject([{ name: 'receipt.png' }]);
    expect(tries).toBe(2);
    await page.locator(`li.msg[data-id="${created.message.id}"]`).waitFor();
    expect(await page.locator('li.msg.failed').count()).toBe(0);
  });

  it('a message over 10,000 characters is refused in the composer with its text kept; the connection stays', async () => {
    const frames = recordFrames();
    const page = await openShop();
    const input = page.locator('textarea');
    const long = 'z'.repeat(70_000); // more than a WebSocket frame may carry, too
    await input.fill(long);
    await input.press('Enter');
    await page.locator('.notice').waitFor();
    expect(await page.locator('.notice').textContent()).toBe(
      'This message is too long: 70000 characters, at most 10000. Split it or send it as a file.',
    );
    expect(await input.inputValue()).toBe(long);
    expect(await page.locator('li.msg').count()).toBe(0);
    // An emoji counts as one character, as the server counts: 10,000 of them are allowed.
    const emoji = '😀'.repeat(10_000);
    await input.fill(emoji);
    expect(await page.locator('.notice').isHidden()).toBe(true);
    await input.press('Enter');
    const created = await op.next((f) => f.type === 'message.created');
    expect(created.message.body).toBe(emoji);
    expect(frames.sent.filter((f) => f.type === 'hello')).toHaveLength(1);
  });

  it('a failed message can be retried or dropped from the keyboard', async () => {
    const page = await openShop();
    // Lost on the network three times: shown as not sent, with a retry.
    await page.route('**/widget/uploads**', (route) => route.abort('connectionreset'));
    await page.locator('input[type=file]').setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: PNG_1PX });
    await page.locator('li.msg.failed button.retry').waitFor();
    await page.unroute('**/widget/uploads**');
    await page.locator('li.msg.failed button.retry').focus();
    await page.keyboard.press('Enter');
    const created = await op.next((f) => f.type === 'message.created');
    expect(created.message.attachments).toMatchObject([{ name: 'receipt.png' }]);
    await page.locator(`li.msg[data-id="${created.message.id}"]`).waitFor();

    await page.locator('input[type=file]').setInputFiles({ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(UPLOAD_LIMIT + 1) });
    await page.locator('li.msg.failed button.discard').focus();
    await page.keyboard.press('Enter');
    await page.locator('li.msg.failed').waitFor({ state: 'detached' });
    // The focus stays in the widget, on the text box.
    expect(await page.evaluate(() => document.querySelector('[data-parley]')!.shadowRoot!.activeElement?.tagName)).toBe('TEXTAREA');
  });

  it('a file refused for good offers no retry, and keeps its place above what is written after it', async () => {
    const page = await openShop();
    let uploads = 0;
    page.on('request', (r) => r.url().includes('/widget/uploads') && uploads++);
    await page.locator('input[type=file]').setInputFiles({ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(UPLOAD_LIMIT + 1) });
    const failed = page.locator('li.msg.failed');
    await failed.waitFor();
    expect(await failed.locator('.meta').textContent()).toMatch(/^Not sent: .*at most.*\.$/);
    expect(await failed.locator('button.retry').count()).toBe(0);
    await failed.click();
    await say(page, 'written after the file');
    const created = await op.next((f) => f.type === 'message.created' && f.message.body === 'written after the file');
    await page.locator(`li.msg[data-id="${created.message.id}"]`).waitFor();
    expect(await page.locator('li.msg').evaluateAll((lis) => lis.map((li) => li.querySelector('.body')!.textContent))).toEqual([
      'huge.bin',
      'written after the file',
    ]);
    // Refused before it was uploaded: the server's limit came with its welcome.
    expect(uploads).toBe(0);
    expect(await page.locator('li.msg.failed').count()).toBe(1);
  });
});

describe('replies the visitor has not seen', () => {
  it('a reply sent after the visitor left opens the panel on their next page, once', async () => {
    const { page, dialogId } = await startDialog('Is the blue one in stock?');
    await page.close();
    const sent = await reply(dialogId, 'Yes, in every size!');

    const again = await openShop({ open: false });
    await again.locator(`li.msg[data-id="${sent.id}"]`).waitFor({ state: 'attached' });
    expect(await again.locator('.panel').isVisible()).toBe(true);

    // Seen now: the next page keeps the panel closed, and so does one after a reply read live.
    const third = await openShop({ open: false });
    await third.locator(`li.msg[data-id="${sent.id}"]`).waitFor({ state: 'attached' });
    expect(await third.locator('.panel').isHidden()).toBe(true);
    await third.close();
    const live = await reply(dialogId, 'Anything else?');
    await again.locator(`li.msg[data-id="${live.id}"]`).waitFor();
    const fourth = await openShop({ open: false });
    await fourth.locator(`li.msg[data-id="${live.id}"]`).waitFor({ state: 'attached' });
    expect(await fourth.locator('.panel').isHidden()).toBe(true);
  });
});

describe('scrolling', () => {
  it('a visitor reading older messages keeps their place when an operator message arrives', async () => {
    const { page, dialogId } = await startDialog('Tell me about returns');
    await fillList(page, dialogId);
    expect(await belowEnd(page)).toBeLessThan(2);
    await page.locator('.messages').evaluate((list) => (list.scrollTop = 0));
    const sent = await reply(dialogId, 'Returns are free within 30 days');
    await page.locator(`li.msg[data-id="${sent.id}"]`).waitFor({ state: 'attached' });
    expect(await page.locator('.messages').evaluate((list) => list.scrollTop)).toBe(0);
  });
});

describe('with nobody online', () => {
  it('a visitor in a conversation keeps the chat tab and sees that nobody is online; closing returns the focus to the tab', async () => {
    const { page } = await startDialog('are you there?');
    await setOnline(false);
    await page.locator('.away').waitFor();
    await page.locator('textarea').press('Escape');
    await page.locator('.panel').waitFor({ state: 'hidden' });
    expect(await page.locator('.launcher').isVisible()).toBe(true);
    const focused = () => page.evaluate(() => document.querySelector('[data-parley]')!.shadowRoot!.activeElement?.className);
    expect(await focused()).toBe('launcher');
    expect(await page.locator('.launcher').getAttribute('aria-expanded')).toBe('false');

    await page.locator('.launcher').click();
    await say(page, 'I will wait');
    await op.next((f) => f.type === 'message.created' && f.message.body === 'I will wait');
    await setOnline(true);
    await page.locator('.away').waitFor({ state: 'hidden' });
  });

  it('the chat tab stays while the panel is open, and Escape on it closes the panel; then the tab goes', async () => {
    const page = await openShop();
    await setOnline(false);
    await page.locator('.away').waitFor();
    expect(await page.locator('.launcher').isVisible()).toBe(true);
    await page.locator('.launcher').focus();
    await page.keyboard.press('Escape');
    await page.locator('.panel').waitFor({ state: 'hidden' });
    // No conversation and nobody online: no tab either.
    await page.locator('.launcher').waitFor({ state: 'hidden' });
  });
});

describe('accessibility', () => {
  /** WCAG's contrast ratio of two CSS colours. */
  const contrast = (page: Page, fg: string, bg: string) =>
    page.evaluate(
      ([a, b]) => {
        const lum = (c: string) => {
          const [r, g, bl] = c.match(/\d+/g)!.slice(0, 3).map((v) => {
            const x = Number(v) / 255;
            return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
          });
          return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
        };
        const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
        return (hi + 0.05) / (lo + 0.05);
      },
      [fg, bg] as const,
    );
  const style = (page: Page, selector: string, prop: 'color' | 'backgroundColor') =>
    page.locator(selector).first().evaluate((el, p) => getComputedStyle(el)[p], prop);

  it("the connection state is announced, the visitor's own messages are named, their time is readable, and × is big enough", async () => {
    await context.close();
    context = await browser.newContext({ viewport: { width: 375, height: 667 }, hasTouch: true, isMobile: true });
    const { page } = await startDialog('hello there');
    expect(await page.locator('.status').getAttribute('role')).toBe('status');
    expect(await page.locator('li.msg.visitor').first().textContent()).toMatch(/^You: hello there/);
    expect(await contrast(page, await style(page, 'li.msg.visitor .meta', 'color'), await style(page, 'li.msg.visitor', 'backgroundColor'))).toBeGreaterThanOrEqual(4.5);
    const close = await page.locator('header button.close').boundingBox();
    expect(Math.min(close!.width, close!.height)).toBeGreaterThanOrEqual(24);
  });

  it('on a short screen (a phone held sideways) the messages keep most of the panel', async () => {
    await admin.updateProject(project.id, { widget: { color: null, greeting: 'Hello! We answer within minutes,\nwhatever you need.' } });
    try {
      await context.close();
      context = await browser.newContext({ viewport: { width: 667, height: 375 }, hasTouch: true, isMobile: true });
      const { page } = await startDialog('a question');
      await setOnline(false);
      await page.locator('.away').waitFor();
      const height = (selector: string) => page.locator(selector).evaluate((el) => el.getBoundingClientRect().height);
      expect(await height('.messages')).toBeGreaterThan((await height('.panel')) / 3);
    } finally {
      await admin.updateProject(project.id, { widget: { color: null, greeting: null } });
    }
  });
});

describe('on the host page', () => {
  it("the site's CSS does not reach the widget, and the closed widget takes no taps beside its tab", async () => {
    const page = await openShop({ open: false });
    await page.setViewportSize({ width: 375, height: 667 });
    // Rules a site might have, even !important ones aimed at the widget's own element.
    // (A constructed sheet: the demo page's CSP refuses inline style elements.)
    await page.evaluate(() => {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync('div:empty,:empty{display:none} [data-parley]{display:none!important;border:3px dashed red!important;padding:10px}');
      document.adoptedStyleSheets = [sheet];
    });
    await page.locator('.launcher').waitFor({ state: 'visible' });
    expect(await page.locator('[data-parley]').evaluate((el) => getComputedStyle(el).borderTopWidth)).toBe('0px');
    // A fixed bar at the bottom of a phone screen, left of the tab: its link still takes the tap.
    await page.evaluate(() => {
      const bar = document.createElement('a');
      bar.href = '#cart';
      bar.textContent = 'Add to cart';
      bar.style.cssText = 'position:fixed;left:0;bottom:0;width:150px;height:60px;display:block;background:#eee';
      document.body.append(bar);
    });
    await page.mouse.click(40, 645);
    expect(await page.evaluate(() => location.hash)).toBe('#cart');
    await page.locator('.launcher').click();
    await page.locator('textarea').waitFor();
  });

  it("tells the site's owner in the console why the chat does not connect from an origin not allowed", async () => {
    await admin.request('PATCH', `/api/v1/projects/${project.id}`, { allowedOrigins: ['https://elsewhere.example'] });
    try {
      const page = await context.newPage();
      const warned = page.waitForEvent('console', { predicate: (m) => m.type() === 'warning' && m.text().startsWith('Parley widget') });
      await page.goto(server.url);
      expect((await warned).text()).toBe(
        `Parley widget: this page's origin (${server.url}) is not allowed for the widget key "${project.widgetKey}", so the chat stays hidden. ` +
          `Allow it: parley project set PROJECT --add-origin ${server.url}`,
      );
    } finally {
      await admin.request('PATCH', `/api/v1/projects/${project.id}`, { allowedOrigins: [server.url] });
    }
  });

  it('speaks Russian on a Russian page', async () => {
    const page = await context.newPage();
    await page.route(`${server.url}/`, async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, body: (await res.text()).replace('<html lang="en">', '<html lang="ru">') });
    });
    await page.goto(server.url);
    // (A page served this way is not "local" to Chromium, which keeps it from connecting: the
    // words are what is checked here.)
    const launcher = page.locator('.launcher');
    await launcher.waitFor({ state: 'attached' });
    expect(await launcher.textContent()).toBe('Чат с нами');
    expect(await launcher.getAttribute('aria-label')).toBe('Чат с нами');
    expect(await page.locator('textarea').getAttribute('placeholder')).toBe('Сообщение…');
    expect(await page.locator('.close').getAttribute('aria-label')).toBe('Закрыть чат');
  });
});

describe('untrusted text', () => {
  it('renders HTML in messages as inert text', async () => {
    const visitorText = '<img src=x onerror="window.pwned = 1">';
    const { page, dialogId } = await startDialog(visitorText);
    const operatorText = '<script>window.pwned = 2</script><img src=x onerror="window.pwned = 3"><b>bold</b>';
    const sent = await reply(dialogId, operatorText);
    await page.locator(`li.msg[data-id="${sent.id}"]`).waitFor();
    expect(await shownBodies(page)).toEqual([visitorText, operatorText]);
    expect(await page.locator('li.msg .body *').count()).toBe(0); // no element at all, text only
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  });

  it('makes only http(s) links clickable', async () => {
    const { page, dialogId } = await startDialog('Where do I pay?');
    const sent = await reply(
      dialogId,
      'Pay at https://pay.example.com/order?id=7. Not javascript:alert(1) nor data:text/html,<script>alert(1)</script> nor [this](javascript:alert(2)).',
    );
    const links = page.locator(`li.msg[data-id="${sent.id}"] a`);
    await links.first().waitFor();
    expect(await links.count()).toBe(1);
    expect(await links.getAttribute('href')).toBe('https://pay.example.com/order?id=7');
    expect(await links.getAttribute('rel')).toContain('noopener');
    expect(await page.locator(`li.msg[data-id="${sent.id}"] .body`).textContent()).toContain('javascript:alert(1)');
  });
});

describe('links', () => {
  it('a link keeps the brackets of its address and leaves the sentence\'s', async () => {
    const { page, dialogId } = await startDialog('Which one?');
    const sent = await reply(dialogId, 'This: https://en.wikipedia.org/wiki/Foo_(bar). (Or https://example.com/x.)');
    const links = page.locator(`li.msg[data-id="${sent.id}"] a`);
    await links.first().waitFor();
    expect(await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual([
      'https://en.wikipedia.org/wiki/Foo_(bar)',
      'https://example.com/x',
    ]);
  });
});

describe('network loss', () => {
  it('an ack lost with its connection goes again on the next: the reply is marked delivered', async () => {
    // The first connection loses the widget's acks and then drops; the next one passes all.
    let connections = 0;
    let lost = 0;
    await context.routeWebSocket(/\/ws\/visitor/, (ws) => {
      const first = ++connections === 1;
      const upstream = ws.connectToServer();
      upstream.onMessage((m) => ws.send(m));
      ws.onMessage((m) => {
        if (first && JSON.parse(String(m)).type === 'ack') {
          lost++;
          return void ws.close();
        }
        upstream.send(m);
      });
    });
    try {
      const { page, dialogId } = await startDialog('is my ack kept?');
      const r1 = await reply(dialogId, 'lost ack');
      await page.locator(`li.msg[data-id="${r1.id}"]`).waitFor();
      await expect.poll(() => connections).toBe(2);
      expect(lost).toBe(1);
      await expect
        .poll(async () => (await operator.request<Message[]>('GET', messagesPath(dialogId))).find((m) => m.id === r1.id)?.deliveredAt ?? null)
        .not.toBeNull();
      await page.close();
    } finally {
      await context.unrouteAll();
    }
  });

  it('a message written offline survives a reload; the tabs that hold it send it, and it is stored and shown once', async () => {
    const { page, dialogId } = await startDialog('before the outage');
    // The server out of reach: every widget connection fails (as the network would, not refused).
    let outage = true;
    await context.routeWebSocket(/\/ws\/visitor/, (ws) => {
      if (outage) void ws.close();
      else ws.connectToServer();
    });
    for (const socket of server.app.websocketServer.clients) socket.terminate();
    await page.locator('[data-parley][data-connection="closed"]').waitFor({ state: 'attached' });
    await say(page, 'written offline');
    await say(page, 'and another');
    await expect.poll(() => page.locator('li.msg.sending').count()).toBe(2);

    // The page is reloaded, and another tab opened, while the server is still out of reach.
    await page.reload();
    const other = await context.newPage();
    other.on('pageerror', (err) => pageErrors.push(err.message));
    await other.goto(server.url);
    for (const p of [page, other]) {
      await p.locator('.launcher').click();
      await p.locator('li.msg.sending .body', { hasText: 'and another' }).waitFor();
      expect(await p.locator('li.msg.sending .body').allTextContents()).toEqual(['written offline', 'and another']);
    }

    outage = false;
    for (const p of [page, other]) {
      await p.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });
      await p.locator('li.msg.sending').waitFor({ state: 'detached' });
      expect(await shownBodies(p)).toEqual(['before the outage', 'written offline', 'and another']);
    }
    const stored = await operator.request<Message[]>('GET', messagesPath(dialogId));
    expect(stored.map((m) => m.body)).toEqual(['before the outage', 'written offline', 'and another']);
    // Stored means no longer kept: a later page sends nothing again.
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('parley.outbox.')))).toEqual([]);
  });

  it('reconnects and resumes: nothing missed, nothing shown twice, pending messages sent once', async () => {
    const frames = recordFrames();
    const { page, dialogId } = await startDialog('before the outage');
    const r1 = await reply(dialogId, 'r1');
    await page.locator(`li.msg[data-id="${r1.id}"]`).waitFor();

    // The network goes away, and stays away: reconnects are refused until the origin is allowed again.
    await admin.request('PATCH', `/api/v1/projects/${project.id}`, { allowedOrigins: ['https://elsewhere.example'] });
    for (const socket of server.app.websocketServer.clients) socket.terminate();
    await page.locator('[data-parley][data-connection="closed"]').waitFor({ state: 'attached' });

    await say(page, 'during the outage');
    await page.locator('li.msg.sending').waitFor();
    const r2 = await reply(dialogId, 'r2');
    const r3 = await reply(dialogId, 'r3');

    await admin.request('PATCH', `/api/v1/projects/${project.id}`, { allowedOrigins: [server.url] });
    await page.locator(`li.msg[data-id="${r3.id}"]`).waitFor();
    await page.locator('li.msg.sending').waitFor({ state: 'detached' });
    expect(await shownBodies(page)).toEqual(['before the outage', 'r1', 'r2', 'r3', 'during the outage']);
    // It resumed from the rev it held rather than fetching the whole history again.
    const [, resume] = frames.sent.filter((f) => f.type === 'hello');
    expect(resume.rev).toBeGreaterThan(0);
    const [, resumed] = frames.received.filter((f) => f.type === 'welcome');
    expect(resumed.messages.map((m: { body: string }) => m.body)).not.toContain('before the outage');

    const stored = await operator.request<Message[]>('GET', messagesPath(dialogId));
    expect(stored.map((m) => m.body)).toEqual(['before the outage', 'r1', 'r2', 'r3', 'during the outage']);
    // The widget acked what it missed.
    await expect
      .poll(async () => (await operator.request<Message[]>('GET', messagesPath(dialogId))).filter((m) => m.author === 'operator' && !m.deliveredAt).length)
      .toBe(0);
  });
});

describe('serving', () => {
  it('serves the widget script as JavaScript, small enough (< 30 KB gzip)', async () => {
    const res = await fetch(`${server.url}/widget.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const served = Buffer.from(await res.arrayBuffer());
    const built = await readFile(join(import.meta.dirname, '../../dist/widget/widget.js'));
    expect(served.equals(built)).toBe(true);
    expect(gzipSync(built).length).toBeLessThan(30 * 1024);
  });

  it('serves the demo page only when there is a demo project', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain(`data-project="${project.widgetKey}"`);
    // The icon browsers ask for is "none" rather than a 404 (an error in the page's console).
    expect((await fetch(`${server.url}/favicon.ico`)).status).toBe(204);

    const plain = await startTestServer();
    try {
      expect((await fetch(`${plain.url}/`)).status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
