// Session 19's QA pass of the widget, findings 9 and 11 (its first item), in real headless
// Chromium against a real server (the demo page at `/`):
// - files picked together stay in the order picked, those refused at once (too large, empty)
//   and those the server refuses too, and what is stored after them goes below them (9);
// - an empty file is refused in the browser, in the widget's words, with no upload (9);
// - the empty text box is one line: its placeholder is cut on that line, never wrapped onto more,
//   and on a Russian page at desktop width the widget's own fits whole (11).
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../core/protocol/index.js';
import { say } from '../helpers/browser.js';
import { demoShop } from '../helpers/demo-shop.js';

const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
/** The largest file, and what a visitor may upload in a day: a test spends most of it beforehand. */
const UPLOAD_LIMIT = 1000;

const scene = demoShop({
  server: { env: { PARLEY_UPLOAD_MAX_BYTES: String(UPLOAD_LIMIT), PARLEY_UPLOAD_VISITOR_BYTES_PER_DAY: String(UPLOAD_LIMIT) } },
});
const { openShop, startDialog } = scene;

/** The page's language, set as it is parsed, before the widget reads it. */
const speak = (lang: string) =>
  scene.context.addInitScript((l) => {
    new MutationObserver((_, watching) => {
      if (!document.documentElement) return;
      document.documentElement.lang = l;
      watching.disconnect();
    }).observe(document, { childList: true });
  }, lang);

/** The messages as listed, top to bottom: what each shows (its text, or its file) and how it stands. */
const rows = (page: Page) =>
  page.locator('li.msg').evaluateAll((lis) =>
    lis.map((li) => {
      const shown = li.querySelector('.body')?.textContent || li.querySelector('img')?.alt || li.querySelector('.files a')?.textContent;
      const state = li.hasAttribute('data-id') ? 'stored' : li.classList.contains('sending') ? 'sending' : li.classList.contains('final') ? 'refused' : 'failed';
      return `${shown}: ${state}`;
    }),
  );

/** The names of the files the page uploads (as its multipart bodies name them); each upload goes once `held` has settled. */
async function uploadsOf(page: Page, held?: Promise<void>) {
  const names: string[] = [];
  await page.route('**/widget/uploads**', async (route) => {
    names.push(/filename="([^"]*)"/.exec(route.request().postDataBuffer()?.toString('latin1') ?? '')?.[1] ?? '?');
    await held;
    await route.continue();
  });
  return names;
}

const file = (name: string, mimeType: string, buffer: Buffer) => ({ name, mimeType, buffer });

describe('files picked together (finding 9)', () => {
  it('stay in the order picked, those refused at once or by the server too; what is stored later goes below them', async () => {
    const { page, dialogId, message } = await startDialog('I will send the order papers');
    // Of the day's 1000 bytes, 400 are left: setup.exe (500 bytes) is refused by the server,
    // whichever of the uploads it meets first.
    await scene.server.app.db.write((tx) =>
      tx.run('INSERT OR REPLACE INTO upload_budgets (visitor_id, since, bytes) VALUES ((SELECT visitor_id FROM dialogs WHERE id = ?), ?, ?)', [
        dialogId,
        Date.now(),
        600,
      ]),
    );
    // The uploads wait until the test lets them through: what fails at once does so meanwhile.
    let release!: () => void;
    const uploads = await uploadsOf(page, new Promise<void>((resolve) => (release = resolve)));
    await page.locator('input[type=file]').setInputFiles([
      file('photo.png', 'image/png', PNG_1PX),
      file('big.bin', 'application/octet-stream', Buffer.alloc(UPLOAD_LIMIT + 1)),
      file('empty.txt', 'text/plain', Buffer.alloc(0)),
      file('setup.exe', 'application/octet-stream', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(498, 1)])),
      file('notes.txt', 'text/plain', Buffer.from('size 42, blue, two pairs\n'.repeat(2))),
    ]);
    await expect.poll(() => uploads.length).toBe(3);
    expect(await rows(page)).toEqual([
      'I will send the order papers: stored',
      'photo.png: sending',
      'big.bin: refused',
      'empty.txt: refused',
      'setup.exe: sending',
      'notes.txt: sending',
    ]);
    // The empty file is refused here, in the widget's words, and never uploaded.
    expect(await page.locator('li.msg.failed', { hasText: 'empty.txt' }).locator('.meta').textContent()).toBe('Not sent: the file is empty.');
    expect(uploads.sort()).toEqual(['notes.txt', 'photo.png', 'setup.exe']);

    release();
    const notes = await scene.op.next((f) => f.type === 'message.created' && f.message.attachments[0]?.name === 'notes.txt');
    await page.locator(`li.msg[data-id="${notes.message.id}"]`).waitFor();
    expect(await rows(page)).toEqual([
      'I will send the order papers: stored',
      'photo.png: stored',
      'big.bin: refused',
      'empty.txt: refused',
      'setup.exe: failed',
      'notes.txt (50 B): stored',
    ]);
    expect(await page.locator('li.msg.failed', { hasText: 'setup.exe' }).locator('.retry').textContent()).toBe(
      'Not sent: you have sent too many files today: try again in 24 h. Click to retry.',
    );

    // Stored after them, an answer and the visitor's next message go below them, where they were written.
    const answer = await scene.operator.request<Message>('POST', `/api/v1/projects/${scene.project.id}/dialogs/${dialogId}/messages`, {
      clientId: randomUUID(),
      body: 'Got the photo and the notes',
    });
    await page.locator(`li.msg[data-id="${answer.id}"]`).waitFor();
    await say(page, 'The rest comes tomorrow');
    const last = await scene.op.next((f) => f.type === 'message.created' && f.message.body === 'The rest comes tomorrow');
    await page.locator(`li.msg[data-id="${last.message.id}"]`).waitFor();
    expect((await rows(page)).slice(1)).toEqual([
      'photo.png: stored',
      'big.bin: refused',
      'empty.txt: refused',
      'setup.exe: failed',
      'notes.txt (50 B): stored',
      'Got the photo and the notes: stored',
      'The rest comes tomorrow: stored',
    ]);
    const stored = await scene.operator.request<Message[]>('GET', `/api/v1/projects/${scene.project.id}/dialogs/${dialogId}/messages`);
    expect(stored.map((m) => m.attachments[0]?.name ?? m.body)).toEqual([
      message.body,
      'photo.png',
      'notes.txt',
      'Got the photo and the notes',
      'The rest comes tomorrow',
    ]);
  });

  it('an empty file is refused before any upload, in the page’s language', async () => {
    await speak('ru');
    const page = await openShop();
    const uploads = await uploadsOf(page);
    await page.locator('input[type=file]').setInputFiles(file('пусто.txt', 'text/plain', Buffer.alloc(0)));
    const refused = page.locator('li.msg.failed.final');
    await refused.waitFor();
    expect(await refused.locator('.meta').textContent()).toBe('Не отправлено: файл пустой.');
    expect(await refused.locator('.retry').count()).toBe(0);
    // A file after it goes as usual (its upload is the page's only one).
    await page.locator('input[type=file]').setInputFiles(file('photo.png', 'image/png', PNG_1PX));
    const created = await scene.op.next((f) => f.type === 'message.created');
    expect(created.message.attachments).toMatchObject([{ name: 'photo.png' }]);
    await page.locator(`li.msg[data-id="${created.message.id}"]`).waitFor();
    expect(uploads).toEqual(['photo.png']);
    expect(await rows(page)).toEqual(['пусто.txt: refused', 'photo.png: stored']);
  });
});

/** The text box as laid out: its height, how far its content (the placeholder too) reaches, the room for text, and its line height. */
const box = (page: Page) =>
  page.locator('textarea').evaluate((t: HTMLTextAreaElement) => {
    const s = getComputedStyle(t);
    const context = document.createElement('canvas').getContext('2d')!;
    context.font = `${s.fontSize} ${s.fontFamily}`;
    return {
      height: t.getBoundingClientRect().height,
      scrollHeight: t.scrollHeight,
      clientHeight: t.clientHeight,
      room: t.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight),
      placeholder: context.measureText(t.placeholder).width,
      line: parseFloat(s.lineHeight),
    };
  });

describe('the empty text box (finding 11)', () => {
  /** Empty, `page`'s text box is as tall as with one line of text, a line shorter than with two, and so again once emptied. */
  async function oneLine(page: Page) {
    const empty = await box(page);
    expect(empty.scrollHeight).toBe(empty.clientHeight);
    const input = page.locator('textarea');
    await input.fill('Hi');
    const one = (await box(page)).height;
    await input.press('Shift+Enter');
    await input.pressSequentially('there');
    expect((await box(page)).height - one).toBeGreaterThanOrEqual(empty.line - 1);
    await input.fill('');
    expect(Math.abs((await box(page)).height - one)).toBeLessThan(1);
    expect(Math.abs(empty.height - one)).toBeLessThan(1);
    return empty;
  }

  it('is one line on a Russian page at desktop width, with the whole placeholder in it', async () => {
    await speak('ru');
    const page = await openShop({ open: false });
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.locator('.launcher').click();
    const empty = await oneLine(page);
    expect(empty.placeholder).toBeLessThanOrEqual(empty.room);
  });

  it('is one line on a phone 320 px wide, where the English placeholder is a little wider than the box', async () => {
    // A phone: touch (a coarse pointer, so 16 px text in the box) and the panel full screen.
    const phone = await scene.browser.newContext({ viewport: { width: 320, height: 640 }, hasTouch: true, isMobile: true });
    try {
      const page = await phone.newPage();
      page.on('pageerror', (err) => scene.pageErrors.push(err.message));
      await page.goto(scene.server.url);
      await page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });
      await page.locator('.launcher').click();
      const empty = await oneLine(page);
      expect(empty.placeholder).toBeGreaterThan(empty.room);
    } finally {
      await phone.close();
    }
  });

  it('a placeholder wider than the box is cut on its one line, not wrapped onto more', async () => {
    const page = await openShop({ open: false });
    await page.setViewportSize({ width: 320, height: 560 });
    await page.locator('.launcher').click();
    const one = (await box(page)).height;
    // Opened again with a placeholder of many lines' width (as a long language would have).
    await page.locator('.close').click();
    await page.locator('textarea').evaluate((t: HTMLTextAreaElement) => (t.placeholder = 'Type a message about your order… '.repeat(6)));
    await page.locator('.launcher').click();
    const long = await box(page);
    expect(long.placeholder).toBeGreaterThan(3 * long.room);
    expect(long.scrollHeight).toBe(long.clientHeight);
    expect(Math.abs(long.height - one)).toBeLessThan(1);
  });
});

