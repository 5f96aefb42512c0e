// The widget cuts page text to the server's limits without cutting an emoji in half: a page
// title with an emoji across the 500-unit limit reaches the operator well-formed, cut before the
// emoji; a lone half in the title becomes U+FFFD (the server refuses text that is not Unicode). In real headless Chromium against a real server (the demo page at `/`).
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
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  const demo = await server.app.services.admin.ensureDemo();
  project = { id: demo.projectId };
  operator = await signIn(server.url, demo.operator.email, demo.operator.password!, NEW_PASSWORD);
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

/** Whether `text` is well-formed UTF-16: no surrogate without its other half. */
const wellFormed = (text: string) => !/\p{Cs}/u.test(text);

describe('page text the widget cuts', () => {
  it('keeps an emoji across the title limit out whole: the operator sees the title cut before it', async () => {
    // 499 units, then an emoji whose two units are the 500th and the 501st.
    const before = `${'Ш'.repeat(490)} shop now`;
    expect(before.length).toBe(499);
    const title = `${before}🙂 and more`;

    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(server.url);
    await page.evaluate((t) => {
      document.title = t;
    }, title);
    expect(await page.title()).toBe(title);
    await page.locator('.launcher').click();
    await page.locator('textarea').fill('Is the title whole?');
    await page.locator('textarea').press('Enter');

    const created = await op.next((f) => f.type === 'message.created' && f.message.body === 'Is the title whole?');
    const dialog = await operator.getDialog(project.id, (created.message as Message).dialogId);
    const stored = dialog.visitor.currentPage!.title!;
    expect(wellFormed(stored)).toBe(true);
    expect(stored).not.toContain('\ufffd');
    expect(stored).toBe(before);
  });

  it("a lone half a site's script put in its title reaches the operator as U+FFFD, and the message is stored", async () => {
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(server.url);
    await page.evaluate(() => {
      document.title = 'Sale \ud83d today';
    });
    await page.locator('.launcher').click();
    await page.locator('textarea').fill('Is the sale on?');
    await page.locator('textarea').press('Enter');

    const created = await op.next((f) => f.type === 'message.created' && f.message.body === 'Is the sale on?');
    const dialog = await operator.getDialog(project.id, (created.message as Message).dialogId);
    expect(dialog.visitor.currentPage?.title).toBe('Sale \ufffd today');
  });

  it('a lone half in the text the visitor sends (pasted) goes as U+FFFD: the message is stored, not refused', async () => {
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(server.url);
    await page.locator('.launcher').click();
    await page.locator('textarea').evaluate((el) => {
      (el as HTMLTextAreaElement).value = 'Half \ud83d a smile';
    });
    await page.locator('textarea').press('Enter');
    const created = await op.next((f) => f.type === 'message.created' && String(f.message.body).startsWith('Half'));
    expect(created.message.body).toBe('Half \ufffd a smile');
  });
});
