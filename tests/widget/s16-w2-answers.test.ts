// How the widget shows an operator's answers (QA of session 16), in real headless Chromium
// against a real server (the demo page at `/`):
// - an answer does not pop the panel open over a phone's screen, nor over the site's own form the
//   visitor is typing into: a line of it shows above the tab, with the count, and opens the chat;
// - a click on the tab just as the panel opened by itself does not close it again;
// - scrolled up, a "New message ↓" pill says an answer came below; a reply taller than the list
//   is shown from its start;
// - an operator's messages in a row show the author line once;
// - old announcements leave the page; the panel's header is no second banner; the away note is
//   announced; the widget's words carry their language.
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { Message } from '../../core/protocol/index.js';
import { launchChromium, openShop as openShopPage, type Shop, startDialog as startDialogOn } from '../helpers/browser.js';
import { connectOperator, type Peer } from '../helpers/realtime.js';
import { NEW_PASSWORD, signIn, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let browser: Browser;
let project: { id: number; widgetKey: string };
let operator: ParleyClient;
let context: BrowserContext;
let op: Peer;
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  const demo = await server.app.services.admin.ensureDemo();
  project = { id: demo.projectId, widgetKey: demo.widgetKey };
  operator = await signIn(server.url, demo.operator.email, demo.operator.password!, NEW_PASSWORD);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  context = await browser.newContext();
  pageErrors.length = 0;
  await setOnline(true);
  op = await connectOperator(server.url, operator.token!, project.id);
  await op.next((f) => f.type === 'ready');
});

afterEach(async () => {
  await context.close();
  await op.close();
  expect(pageErrors).toEqual([]);
});

const setOnline = (online: boolean) => operator.request('PUT', `/api/v1/projects/${project.id}/status`, { online });
const reply = (dialogId: number, body: string) =>
  operator.request<Message>('POST', `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`, { clientId: randomUUID(), body });
const shop = (): Shop => ({ context, url: server.url, pageErrors });
const openShop = (opts: { path?: string; open?: boolean } = {}) => openShopPage(shop(), opts);
const startDialog = (text: string) => startDialogOn(shop(), op, text);
/** A phone: the context's pages are 375×667, touch. */
const phone = async () => {
  await context.close();
  context = await browser.newContext({ viewport: { width: 375, height: 667 }, hasTouch: true, isMobile: true });
};

/** A visitor with a dialog, on a new page of the site (a new tab: the panel closed, not closed by them). */
async function backOnAnotherPage(text: string) {
  const { page, dialogId } = await startDialog(text);
  await page.close();
  return { page: await openShop({ open: false }), dialogId };
}

describe('an answer that would cover what the visitor is doing', () => {
  it('on a phone, shows as a line above the tab with the count, instead of the whole-screen panel; the line opens the chat', async () => {
    await phone();
    const { page, dialogId } = await backOnAnotherPage('Do you have it in size 42?');
    const sent = await reply(dialogId, 'Yes, size 42 is in stock.');
    await page.locator(`li.msg[data-id="${sent.id}"]`).waitFor({ state: 'attached' });

    const preview = page.locator('.preview');
    await preview.waitFor();
    expect(await page.locator('.panel').isHidden()).toBe(true);
    expect(await preview.locator('.snippet').textContent()).toBe('Oscar Operator: Yes, size 42 is in stock.');
    expect(await page.locator('.launcher .badge').textContent()).toBe('1');
    // One line, above the tab, within the screen.
    const [line, tab] = [await preview.boundingBox(), await page.locator('.launcher').boundingBox()];
    expect(line!.y + line!.height).toBeLessThanOrEqual(tab!.y);
    expect(line!.x).toBeGreaterThanOrEqual(0);
    expect(line!.height).toBeLessThan(50);

    await page.getByRole('button', { name: 'Oscar Operator: Yes, size 42 is in stock.' }).click();
    await page.locator('.panel').waitFor();
    expect(await preview.isHidden()).toBe(true);
    expect(await page.locator('.launcher .badge').isHidden()).toBe(true);
    expect(await page.evaluate(() => document.querySelector('[data-parley]')!.shadowRoot!.activeElement?.tagName)).toBe('TEXTAREA');
  });

  it("while the visitor types into the site's own form, the panel stays closed and the typing goes on where it was", async () => {
    const { page, dialogId } = await backOnAnotherPage('I will fill in the checkout form');
    await page.evaluate(() => {
      const input = document.createElement('input');
      input.id = 'checkout-name';
      document.querySelector('main')!.prepend(input);
    });
    const field = page.locator('#checkout-name');
    await field.click();
    await page.keyboard.type('John Sm');
    const sent = await reply(dialogId, 'Tell me if anything goes wrong.');
    await page.locator('.preview').waitFor();
    expect(await page.locator('.panel').isHidden()).toBe(true);
    await page.keyboard.type('ith');
    expect(await field.inputValue()).toBe('John Smith');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('checkout-name');
    expect(await page.locator('.launcher').getAttribute('aria-label')).toBe('Chat with us, 1 new message');
    // Its × hides it: the visitor does not want it now, and the tab still counts.
    await page.getByRole('button', { name: 'Hide', exact: true }).click();
    expect(await page.locator('.preview').isHidden()).toBe(true);
    expect(await page.locator('.launcher .badge').textContent()).toBe('1');
    const later = await reply(dialogId, 'Still here.');
    await page.locator(`li.msg[data-id="${later.id}"]`).waitFor({ state: 'attached' });
    expect(await page.locator('.launcher .badge').textContent()).toBe('2');
    expect(await page.locator('.preview').isHidden()).toBe(true);
    expect(await page.locator('.panel').isHidden()).toBe(true);
    expect(sent.id).toBeLessThan(later.id);
  });

  it('on a desktop with the focus nowhere in particular, it still opens the panel by itself', async () => {
    const { page, dialogId } = await backOnAnotherPage('Hello?');
    const sent = await reply(dialogId, 'Hello! How can I help?');
    await page.locator(`li.msg[data-id="${sent.id}"]`).waitFor();
    expect(await page.locator('.preview').isHidden()).toBe(true);
  });
});

describe('a click on the tab just as the panel opens by itself', () => {
  it('does not close it again', async () => {
    const { page, dialogId } = await backOnAnotherPage('Is anyone there?');
    // The visitor's click lands the moment the panel shows.
    await page.evaluate(() => {
      const shadow = document.querySelector('[data-parley]')!.shadowRoot!;
      const panel = shadow.querySelector('.panel')!;
      new MutationObserver((_, watching) => {
        if ((panel as HTMLElement).hidden) return;
        watching.disconnect();
        shadow.querySelector<HTMLButtonElement>('.launcher')!.click();
        Object.assign(window, { clickedAtOpen: true });
      }).observe(panel, { attributes: true, attributeFilter: ['hidden'] });
    });
    const sent = await reply(dialogId, 'Yes, I am here.');
    await expect.poll(() => page.evaluate(() => (window as unknown as { clickedAtOpen?: boolean }).clickedAtOpen)).toBe(true);
    expect(await page.locator('.panel').isVisible()).toBe(true);
    await page.locator(`li.msg[data-id="${sent.id}"]`).waitFor();
  });
});

describe('the message list', () => {
  const belowEnd = (page: Page) => page.locator('.messages').evaluate((list) => list.scrollHeight - list.scrollTop - list.clientHeight);

  it('scrolled up, says with a pill that an answer came below; the pill goes to it', async () => {
    const { page, dialogId } = await startDialog('Tell me about delivery');
    let last!: Message;
    for (let i = 1; i <= 12; i++) last = await reply(dialogId, `line ${i}`);
    await page.locator(`li.msg[data-id="${last.id}"]`).waitFor();
    expect(await page.locator('.pill').isHidden()).toBe(true);
    await page.locator('.messages').evaluate((list) => (list.scrollTop = 0));

    const sent = await reply(dialogId, 'Delivery takes two days');
    await page.locator(`li.msg[data-id="${sent.id}"]`).waitFor({ state: 'attached' });
    const pill = page.getByRole('button', { name: 'New message ↓' });
    await pill.waitFor();
    expect(await page.locator('.messages').evaluate((list) => list.scrollTop)).toBe(0);
    await pill.click();
    expect(await belowEnd(page)).toBeLessThan(2);
    expect(await pill.isHidden()).toBe(true);

    // Scrolled back to the end by the visitor, it goes too.
    await page.locator('.messages').evaluate((list) => (list.scrollTop = 0));
    const again = await reply(dialogId, 'and it is free');
    await pill.waitFor();
    await page.locator('.messages').evaluate((list) => (list.scrollTop = list.scrollHeight));
    await pill.waitFor({ state: 'hidden' });
    expect(again.id).toBeGreaterThan(sent.id);
  });

  it('shows a reply taller than the list from its start', async () => {
    const { page, dialogId } = await startDialog('What are your terms?');
    const long = Array.from({ length: 60 }, (_, i) => `Term ${i + 1}: something to read.`).join('\n');
    const sent = await reply(dialogId, long);
    const shown = page.locator(`li.msg[data-id="${sent.id}"]`);
    await shown.waitFor();
    const offset = await shown.evaluate((li) => li.getBoundingClientRect().top - li.parentElement!.getBoundingClientRect().top);
    expect(Math.abs(offset)).toBeLessThan(2);
    expect(await belowEnd(page)).toBeGreaterThan(100);
    // No pill: the visitor is reading the reply itself.
    expect(await page.locator('.pill').isHidden()).toBe(true);
  });

  it("shows an operator's name and avatar once for messages in a row, and again after the visitor's", async () => {
    const { page, dialogId } = await startDialog('Question one');
    const a = await reply(dialogId, 'Answer one');
    const b = await reply(dialogId, 'and a detail');
    await page.locator(`li.msg[data-id="${b.id}"]`).waitFor();
    const who = (id: number) => page.locator(`li.msg[data-id="${id}"] .who`).evaluate((el) => el.getBoundingClientRect().toJSON() as DOMRect);
    const whoHeight = async (id: number) => (await who(id)).height;
    expect(await whoHeight(a.id)).toBeGreaterThan(10);
    // Not shown (a 1-pixel box, clipped)...
    expect(await who(b.id)).toMatchObject({ width: 1, height: 1 });
    // ...but a screen reader still hears who wrote it.
    expect(await page.locator(`li.msg[data-id="${b.id}"]`).textContent()).toMatch(/^O?Oscar Operatorand a detail/);

    await page.locator('textarea').fill('Question two');
    await page.locator('textarea').press('Enter');
    await op.next((f) => f.type === 'message.created' && f.message.body === 'Question two');
    const c = await reply(dialogId, 'Answer two');
    await page.locator(`li.msg[data-id="${c.id}"]`).waitFor();
    expect(await whoHeight(c.id)).toBeGreaterThan(10);
  });
});

describe('for a screen reader', () => {
  it('announcements leave the page some seconds after they were made; the header is no banner landmark', async () => {
    const { page, dialogId } = await startDialog('Ping');
    await reply(dialogId, 'Pong');
    const region = page.locator('.sr[aria-live]');
    await expect.poll(() => region.textContent()).toBe('Oscar Operator: Pong');
    // For a screen reader only: nothing shows on the page.
    expect(await region.evaluate((el) => el.getBoundingClientRect().toJSON())).toMatchObject({ width: 1, height: 1 });
    await expect.poll(() => region.evaluate((el) => el.childElementCount), { timeout: 15_000 }).toBe(0);
    // The demo page's own header is its one banner.
    expect(await page.getByRole('banner').count()).toBe(1);
    expect(await page.locator('[data-parley]').getByRole('banner').count()).toBe(0);
  });

  it('the away note is announced (a status)', async () => {
    const { page } = await startDialog('Hello?');
    await setOnline(false);
    await page.getByRole('status').filter({ hasText: 'No one is online right now' }).waitFor();
  });

  it("the widget's words carry their language: English on a German page, Russian on a Russian one", async () => {
    const pageIn = async (lang: string) => {
      const page = await context.newPage();
      await page.addInitScript((l) => {
        new MutationObserver((_, watching) => {
          if (!document.documentElement) return;
          document.documentElement.lang = l;
          watching.disconnect();
        }).observe(document, { childList: true });
      }, lang);
      await page.goto(server.url);
      await page.locator('.launcher').waitFor();
      return page.locator('.root').getAttribute('lang');
    };
    expect(await pageIn('de')).toBe('en');
    expect(await pageIn('ru-RU')).toBe('ru');
  });
});
