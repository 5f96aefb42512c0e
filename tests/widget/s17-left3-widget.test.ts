// The widget on a site of another origin, in real headless Chromium:
// - message times follow the widget's language, as the words beside them do, not the browser's:
//   a Russian page in an English browser said "09:55 PM" next to Russian words; now 24-hour
//   "21:55" in Russian, and English's own clock ("09:55 PM") on an English page in a Russian
//   browser (which showed "21:55");
// - the script tag's data-group is measured as the server stores it: written with more spaces
//   than the old cap of 100 it was cut, naming another group or none; now it names its group. One
//   too long even squeezed is no group (never an error to the visitor), said in the console in
//   the server's words.
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../core/protocol/index.js';
import { say } from '../helpers/browser.js';
import { embedScene } from '../helpers/embed-site.js';

/** The browser's language for the tests of the describe block that sets it (read as each test's context is made). */
let browserLocale = 'en-US';
const scene = embedScene({ context: () => ({ locale: browserLocale, timezoneId: 'UTC' }) });

/** Set before the widget runs: the page's language, which the widget speaks. */
const RUSSIAN_PAGE = '<script>document.documentElement.lang = "ru"</script>';

/** The visitor writes `text`: the message as the operator got it, once the page shows it stored. */
async function write(page: Page, text: string): Promise<Message> {
  await page.locator('.launcher').click();
  await say(page, text);
  const created = await scene.op.next((f) => f.type === 'message.created' && f.message.body === text);
  const message = created.message as Message;
  await page.locator(`li.msg[data-id="${message.id}"] time`).waitFor();
  return message;
}

/** The text of the message's time and the instant it stands for. */
async function shownTime(page: Page, message: Message) {
  const time = page.locator(`li.msg[data-id="${message.id}"] time`);
  const at = new Date((await time.getAttribute('datetime'))!);
  expect(at.toISOString()).toBe(message.createdAt);
  return { text: (await time.textContent())!, hour: at.getUTCHours(), minute: String(at.getUTCMinutes()).padStart(2, '0') };
}

describe('message times in an English browser', () => {
  beforeAll(() => {
    browserLocale = 'en-US';
  });

  it('are 24-hour on a Russian page, as Russian writes them', async () => {
    const { page } = await scene.open({ before: RUSSIAN_PAGE });
    expect(await page.evaluate(() => navigator.language)).toBe('en-US');
    expect(await page.locator('.launcher').textContent()).toBe('Чат с нами');
    const { text, hour, minute } = await shownTime(page, await write(page, 'Здравствуйте'));
    expect(text).toBe(`${String(hour).padStart(2, '0')}:${minute}`);
  });
});

describe('message times in a Russian browser', () => {
  beforeAll(() => {
    browserLocale = 'ru-RU';
  });

  it("are English's own on an English page: the 12-hour clock", async () => {
    const { page } = await scene.open();
    expect(await page.evaluate(() => navigator.language)).toBe('ru-RU');
    const { text, hour, minute } = await shownTime(page, await write(page, 'Hello'));
    const twelve = String(hour % 12 || 12).padStart(2, '0');
    expect(text).toMatch(new RegExp(`^${twelve}:${minute}\\s${hour < 12 ? 'AM' : 'PM'}$`));
  });
});

describe('data-group', () => {
  beforeAll(async () => {
    await scene.admin.createGroup(scene.project.id, 'Night shift');
  });

  /** The group of the dialog the visitor's message started. */
  const groupOf = async (message: Message) => (await scene.operator.getDialog(scene.project.id, message.dialogId)).dialog.group;

  it('written over 100 characters but fitting once squeezed routes the dialog to its group', async () => {
    const { page, warnings } = await scene.open({ attrs: `data-group=" night${' '.repeat(120)}SHIFT "` });
    expect(await groupOf(await write(page, 'routed by a spaced data-group'))).toBe('Night shift');
    expect(warnings).toEqual([]);
  });

  it('too long even squeezed: no group, the chat works, and the console says why in the server\'s words', async () => {
    const { page, warnings } = await scene.open({ attrs: `data-group="${'x'.repeat(30)}${' '.repeat(150)}${'y'.repeat(30)}"` });
    expect(await groupOf(await write(page, 'no group for me'))).toBeNull();
    expect(warnings).toEqual([
      'Parley widget: data-group names no group: a group name has at most 50 characters, even with runs of spaces counted as one',
    ]);
  });
});
