// A visitor's file on its way, in real headless Chromium against a real server (the demo page at
// `/`): its upload shows how far it has got and can be cancelled, and a refusal the visitor can
// act on (too large, the day's files spent) is said in the page's language.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../core/protocol/index.js';
import { say } from '../helpers/browser.js';
import { demoShop } from '../helpers/demo-shop.js';

const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const UPLOAD_LIMIT = 2_000_000;

const scene = demoShop({ server: { env: { PARLEY_UPLOAD_MAX_BYTES: String(UPLOAD_LIMIT) } } });
const { openShop, startDialog } = scene;
const messagesOf = (dialogId: number) => scene.operator.request<Message[]>('GET', `/api/v1/projects/${scene.project.id}/dialogs/${dialogId}/messages`);
const attachmentCount = async () => (await scene.server.app.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM attachments'))!.n;

/** The demo page made Russian as it is parsed, before the widget reads its language. */
const speakRussian = () =>
  scene.context.addInitScript(() =>
    new MutationObserver((_, watching) => {
      if (!document.documentElement) return;
      document.documentElement.lang = 'ru';
      watching.disconnect();
    }).observe(document, { childList: true }),
  );

/** The page's uploads go out at `bytesPerSecond` (Chromium's own throttling), so their progress can be watched. */
async function throttleUploads(page: Page, bytesPerSecond: number) {
  const cdp = await scene.context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
}

describe("a visitor's upload", () => {
  it('shows how far it has got, and cancelled it is aborted: no file, no message, and what was written after it goes', async () => {
    const { page, dialogId } = await startDialog('I will send a video');
    const attachmentsBefore = await attachmentCount();
    const failedUploads: string[] = [];
    page.on('requestfailed', (r) => r.url().includes('/widget/uploads') && failedUploads.push(r.failure()?.errorText ?? ''));
    await throttleUploads(page, 100_000);
    await page.locator('input[type=file]').setInputFiles({ name: 'video.mp4', mimeType: 'video/mp4', buffer: Buffer.alloc(1_500_000, 7) });

    const bar = page.getByRole('progressbar', { name: 'Uploading…' });
    const value = () => bar.evaluate((el: HTMLProgressElement) => el.value);
    await expect.poll(value, { timeout: 10_000 }).toBeGreaterThan(0);
    const shown = await value();
    expect(shown).toBeLessThan(100);
    expect(await bar.evaluate((el: HTMLProgressElement) => el.max)).toBe(100);
    expect(await page.locator('li.msg.sending .meta').first().textContent()).toMatch(/^Uploading… \d+%$/);

    // Written during the upload: it waits for the file before it.
    await say(page, 'or a link instead?');
    await page.locator('li.msg.sending').nth(1).waitFor();
    await page.getByRole('button', { name: 'Cancel upload' }).click();

    const created = await scene.op.next((f) => f.type === 'message.created' && f.message.body === 'or a link instead?');
    await page.locator(`li.msg[data-id="${created.message.id}"]`).waitFor();
    expect(await page.locator('li.msg.sending, li.msg.failed').count()).toBe(0);
    await expect.poll(() => failedUploads).toEqual(['net::ERR_ABORTED']);
    expect((await messagesOf(dialogId)).map((m) => [m.body, m.attachments.length])).toEqual([
      ['I will send a video', 0],
      ['or a link instead?', 0],
    ]);
    expect(await attachmentCount()).toBe(attachmentsBefore);
    // The composer is the visitor's again.
    expect(await page.evaluate(() => document.querySelector('[data-parley]')!.shadowRoot!.activeElement?.tagName)).toBe('TEXTAREA');
  });

  it('an upload that completes gives way to the sent file: no progress bar or cancel button left behind', async () => {
    const page = await openShop();
    await throttleUploads(page, 100_000);
    await page.locator('input[type=file]').setInputFiles({ name: 'manual.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(150_000, 7) });
    await page.getByRole('progressbar').waitFor();
    const created = await scene.op.next((f) => f.type === 'message.created');
    expect(created.message.attachments).toMatchObject([{ name: 'manual.pdf' }]);
    await page.locator(`li.msg[data-id="${created.message.id}"] .files a`).waitFor();
    expect(await page.locator('progress, button.cancel').count()).toBe(0);
  });
});

describe('a refused upload, on a Russian page', () => {
  it('says in Russian that the file is too large, or that the day’s files are spent (with a retry)', async () => {
    await speakRussian();
    const { page, dialogId } = await startDialog('Здравствуйте');

    await page.locator('input[type=file]').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(UPLOAD_LIMIT + 1) });
    const tooLarge = page.locator('li.msg.failed.final');
    await tooLarge.waitFor();
    expect(await tooLarge.locator('.meta').textContent()).toBe('Не отправлено: файл слишком большой (1.9 MB).');

    // The visitor has uploaded all a day allows: the server refuses with Retry-After of a day.
    const { visitor_id } = (await scene.server.app.db.get<{ visitor_id: number }>('SELECT visitor_id FROM dialogs WHERE id = ?', [dialogId]))!;
    await scene.server.app.db.write((tx) =>
      tx.run('INSERT OR REPLACE INTO upload_budgets (visitor_id, since, bytes) VALUES (?, ?, ?)', [visitor_id, Date.now(), 200 * 1024 * 1024]),
    );
    await page.locator('input[type=file]').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: PNG_1PX });
    const spent = page.locator('li.msg.failed:not(.final)');
    await spent.waitFor();
    expect(await spent.locator('.retry').textContent()).toBe(
      'Не отправлено: сегодня отправлено слишком много файлов: попробуйте через 24 ч. Нажмите, чтобы повторить.',
    );

    // The next day (the budget reset), the retry sends it.
    await scene.server.app.db.write((tx) => tx.run('DELETE FROM upload_budgets WHERE visitor_id = ?', [visitor_id]));
    await spent.locator('.retry').click();
    const created = await scene.op.next((f) => f.type === 'message.created' && f.message.attachments.length === 1);
    expect(created.message.attachments[0].name).toBe('photo.png');
  });
});
