// The widget cuts page text to the server's limits without cutting an emoji in half: a page
// title with an emoji across the 500-unit limit reaches the operator well-formed, cut before the
// emoji; a lone half in the title becomes U+FFFD (the server refuses text that is not Unicode). In real headless Chromium against a real server (the demo page at `/`).
import { describe, expect, it } from 'vitest';
import type { Message } from '../../core/protocol/index.js';
import { demoShop } from '../helpers/demo-shop.js';

const scene = demoShop();

/** Whether `text` is well-formed UTF-16: no surrogate without its other half. */
const wellFormed = (text: string) => !/\p{Cs}/u.test(text);

describe('page text the widget cuts', () => {
  it('keeps an emoji across the title limit out whole: the operator sees the title cut before it', async () => {
    // 499 units, then an emoji whose two units are the 500th and the 501st.
    const before = `${'Ш'.repeat(490)} shop now`;
    expect(before.length).toBe(499);
    const title = `${before}🙂 and more`;

    const page = await scene.context.newPage();
    page.on('pageerror', (err) => scene.pageErrors.push(err.message));
    await page.goto(scene.server.url);
    await page.evaluate((t) => {
      document.title = t;
    }, title);
    expect(await page.title()).toBe(title);
    await page.locator('.launcher').click();
    await page.locator('textarea').fill('Is the title whole?');
    await page.locator('textarea').press('Enter');

    const created = await scene.op.next((f) => f.type === 'message.created' && f.message.body === 'Is the title whole?');
    const dialog = await scene.operator.getDialog(scene.project.id, (created.message as Message).dialogId);
    const stored = dialog.visitor.currentPage!.title!;
    expect(wellFormed(stored)).toBe(true);
    expect(stored).not.toContain('\ufffd');
    expect(stored).toBe(before);
  });

  it("a lone half a site's script put in its title reaches the operator as U+FFFD, and the message is stored", async () => {
    const page = await scene.context.newPage();
    page.on('pageerror', (err) => scene.pageErrors.push(err.message));
    await page.goto(scene.server.url);
    await page.evaluate(() => {
      document.title = 'Sale \ud83d today';
    });
    await page.locator('.launcher').click();
    await page.locator('textarea').fill('Is the sale on?');
    await page.locator('textarea').press('Enter');

    const created = await scene.op.next((f) => f.type === 'message.created' && f.message.body === 'Is the sale on?');
    const dialog = await scene.operator.getDialog(scene.project.id, (created.message as Message).dialogId);
    expect(dialog.visitor.currentPage?.title).toBe('Sale \ufffd today');
  });

  it('a lone half in the text the visitor sends (pasted) goes as U+FFFD: the message is stored, not refused', async () => {
    const page = await scene.context.newPage();
    page.on('pageerror', (err) => scene.pageErrors.push(err.message));
    await page.goto(scene.server.url);
    await page.locator('.launcher').click();
    await page.locator('textarea').evaluate((el) => {
      (el as HTMLTextAreaElement).value = 'Half \ud83d a smile';
    });
    await page.locator('textarea').press('Enter');
    const created = await scene.op.next((f) => f.type === 'message.created' && String(f.message.body).startsWith('Half'));
    expect(created.message.body).toBe('Half \ufffd a smile');
  });
});
