// What the visitor does in the widget (QA of session 16), in real headless Chromium against a
// real server (the demo page at `/`):
// - in a single-page app, a message carries the page again once its address or title changed;
// - the panel left open and the text not sent are there again after a page load (this tab);
// - a file over the server's limit (said in its welcome) is refused before it is uploaded;
// - pasting text (even beside a picture of it) is text; text dragged in is the browser's to drop;
// - no connection attempts while the browser is offline: 'online' brings the next.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { say } from '../helpers/browser.js';
import { demoShop } from '../helpers/demo-shop.js';

const UPLOAD_LIMIT = 100_000;
const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

const scene = demoShop({ server: { env: { PARLEY_UPLOAD_MAX_BYTES: String(UPLOAD_LIMIT) } } });
const { openShop, startDialog } = scene;
const connected = (page: Page) => page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });

/** The widget's WebSocket frames of this context's pages from now on, parsed. */
function recordFrames() {
  const frames = { sent: [] as Array<Record<string, any>>, received: [] as Array<Record<string, any>> };
  scene.context.on('page', (p) =>
    p.on('websocket', (ws) => {
      ws.on('framesent', ({ payload }) => frames.sent.push(JSON.parse(String(payload))));
      ws.on('framereceived', ({ payload }) => frames.received.push(JSON.parse(String(payload))));
    }),
  );
  return frames;
}

describe('a single-page app', () => {
  it('a message carries the page again when the address or the title changed since the last one sent', async () => {
    const frames = recordFrames();
    const { page, dialogId } = await startDialog('Hello from the start page');
    const pages = () => frames.sent.filter((f) => f.type === 'message.send').map((f) => f.page?.url ?? null);

    await page.evaluate(() => history.pushState(null, '', '/spa/a'));
    await say(page, 'from view A');
    await scene.op.next((f) => f.type === 'message.created' && f.message.body === 'from view A');
    await say(page, 'still on view A');
    await scene.op.next((f) => f.type === 'message.created' && f.message.body === 'still on view A');
    // Only the title changed (a view that keeps its address).
    await page.evaluate(() => (document.title = 'Checkout'));
    await say(page, 'at the checkout');
    await scene.op.next((f) => f.type === 'message.created' && f.message.body === 'at the checkout');

    expect(pages()).toEqual([`${scene.server.url}/`, `${scene.server.url}/spa/a`, null, `${scene.server.url}/spa/a`]);
    const last = frames.sent.filter((f) => f.type === 'message.send').at(-1)!;
    expect(last.page).toMatchObject({ url: `${scene.server.url}/spa/a`, title: 'Checkout', landing: { url: `${scene.server.url}/` } });
    // The operators' client card shows where the visitor writes from; where the visit began stays.
    const { visitor } = await scene.operator.getDialog(scene.project.id, dialogId);
    expect(visitor.currentPage).toMatchObject({ url: `${scene.server.url}/spa/a`, title: 'Checkout' });
    expect(visitor.page.url).toBe(`${scene.server.url}/`);
  });
});

describe('a page load of the same site, in the same tab', () => {
  it('keeps the panel open and the text not sent; closed, it stays closed; another tab starts closed and empty', async () => {
    const page = await openShop();
    await page.locator('textarea').fill('I would like to ask about');
    await page.reload();
    await connected(page);
    await page.locator('.panel').waitFor();
    expect(await page.locator('textarea').inputValue()).toBe('I would like to ask about');

    // Sent, the text is no longer kept.
    await say(page, 'I would like to ask about returns');
    await scene.op.next((f) => f.type === 'message.created' && f.message.body === 'I would like to ask about returns');
    await page.reload();
    await connected(page);
    await page.locator('.panel').waitFor();
    expect(await page.locator('textarea').inputValue()).toBe('');

    // Closed by the visitor: closed on the next page too.
    await page.locator('.panel .close').click();
    await page.reload();
    await connected(page);
    expect(await page.locator('.panel').isHidden()).toBe(true);

    const other = await openShop({ open: false });
    expect(await other.locator('.panel').isHidden()).toBe(true);
    expect(await other.locator('textarea').inputValue()).toBe('');
  });
});

describe('a file over the server’s limit', () => {
  it('is refused before it is uploaded, with the limit the welcome said', async () => {
    const frames = recordFrames();
    const page = await openShop();
    const welcome = frames.received.find((f) => f.type === 'welcome')!;
    expect(welcome.uploadMaxBytes).toBe(UPLOAD_LIMIT);
    const uploads: string[] = [];
    page.on('request', (r) => r.url().includes('/widget/uploads') && uploads.push(r.url()));

    await page.locator('input[type=file]').setInputFiles({ name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(UPLOAD_LIMIT + 1) });
    const failed = page.locator('li.msg.failed.final');
    await failed.waitFor();
    expect(await failed.locator('.meta').textContent()).toBe('Not sent: a file may be at most 98 KB.');
    // One at the limit goes.
    await page.locator('input[type=file]').setInputFiles({ name: 'fits.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(UPLOAD_LIMIT) });
    const created = await scene.op.next((f) => f.type === 'message.created' && f.message.attachments.length === 1);
    expect(created.message.attachments[0].name).toBe('fits.pdf');
    expect(uploads).toHaveLength(1);
  });
});

describe('pasting and dropping', () => {
  it('a paste with text is text, even with a picture of it beside (Word, Excel); a lone picture goes as a file', async () => {
    const page = await openShop();
    const uploads: string[] = [];
    page.on('request', (r) => r.url().includes('/widget/uploads') && uploads.push(r.url()));
    const paste = (withText: boolean) =>
      page.locator('textarea').evaluate(
        (el, [text, bytes]) => {
          const dt = new DataTransfer();
          if (text) {
            dt.setData('text/plain', 'Order 1234, 2 pairs');
            dt.setData('text/html', '<table><tr><td>Order 1234</td><td>2 pairs</td></tr></table>');
          }
          dt.items.add(new File([new Uint8Array(bytes as number[])], 'image.png', { type: 'image/png' }));
          // dispatchEvent answers false when the widget took the paste over.
          return el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
        },
        [withText, [...PNG_1PX]] as const,
      );
    expect(await paste(true)).toBe(true);
    expect(await page.locator('li.msg').count()).toBe(0);
    expect(uploads).toEqual([]);
    expect(await paste(false)).toBe(false);
    const created = await scene.op.next((f) => f.type === 'message.created');
    expect(created.message.attachments).toMatchObject([{ name: 'image.png' }]);
  });

  it('text dropped onto the text box is left to the browser; a dropped file is taken', async () => {
    const page = await openShop();
    const drop = (kind: 'text' | 'file') =>
      page.locator('textarea').evaluate((el, k) => {
        const dt = new DataTransfer();
        if (k === 'text') dt.setData('text/plain', 'dragged words');
        else dt.items.add(new File(['hello'], 'note.txt', { type: 'text/plain' }));
        const over = el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
        const dropped = el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
        return { over, dropped };
      }, kind);
    expect(await drop('text')).toEqual({ over: true, dropped: true });
    expect(await drop('file')).toEqual({ over: false, dropped: false });
    const created = await scene.op.next((f) => f.type === 'message.created');
    expect(created.message.attachments).toMatchObject([{ name: 'note.txt' }]);
  });
});

describe('while the browser is offline', () => {
  it('makes no connection attempts; coming back online connects at once', async () => {
    // The page's clock is Playwright's: the backoff's seconds are stepped through, not slept.
    await scene.context.clock.install();
    await scene.context.addInitScript(() => {
      const Real = WebSocket;
      const w = window as unknown as { attempts: number };
      w.attempts = 0;
      window.WebSocket = class extends Real {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          w.attempts++;
        }
      };
    });
    const page = await openShop({ open: false });
    const attempts = () => page.evaluate(() => (window as unknown as { attempts: number }).attempts);
    expect(await attempts()).toBe(1);

    await scene.context.setOffline(true);
    await page.locator('[data-parley][data-connection="closed"]').waitFor({ state: 'attached' });
    for (let i = 0; i < 6; i++) await page.clock.runFor(20_000);
    expect(await attempts()).toBe(1);

    await scene.context.setOffline(false);
    await connected(page);
    expect(await attempts()).toBe(2);
  });
});
