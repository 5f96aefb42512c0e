// Debian's Chromium through playwright-core, for the widget tests. Never downloads a browser.
// Also what those tests do as a visitor on the demo page: open it, write, start a dialog.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Message } from '../../core/protocol/index.js';
import type { Peer } from './realtime.js';

export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Where a widget test's pages open: its browser context, the server, and where page errors are collected. */
export interface Shop {
  context: BrowserContext;
  url: string;
  pageErrors: string[];
}

/** The demo page at `path` with the widget connected (welcomed); `open` (default) also opens the chat panel. */
export async function openShop(shop: Shop, opts: { path?: string; open?: boolean } = {}): Promise<Page> {
  const page = await shop.context.newPage();
  page.on('pageerror', (err) => shop.pageErrors.push(err.message));
  await page.goto(`${shop.url}${opts.path ?? '/'}`);
  await page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });
  // (A reply the visitor has not seen yet has opened the panel already.)
  if (opts.open !== false && (await page.locator('.panel').isHidden())) {
    await page.locator('.launcher').click();
    await page.locator('textarea').waitFor();
  }
  return page;
}

/** The visitor writes `text` and sends it with Enter. */
export async function say(page: Page, text: string): Promise<void> {
  await page.locator('textarea').fill(text);
  await page.locator('textarea').press('Enter');
}

/** A visitor who wrote `text`: resolves once the operator (`op`) got it and the page shows it stored. */
export async function startDialog(shop: Shop, op: Peer, text: string) {
  const page = await openShop(shop);
  await say(page, text);
  const created = await op.next((f) => f.type === 'message.created' && f.message.body === text);
  const message = created.message as Message;
  await page.locator(`li.msg[data-id="${message.id}"]`).waitFor();
  return { page, dialogId: message.dialogId, message };
}
