// The widget's JavaScript API for the site embedding it (QA of session 16, finding 4), in real
// headless Chromium on a site of another origin:
// - `parley(...)` calls made before the script has loaded (the snippet's stub queues them) run,
//   in order, once the widget is up; later calls run at once;
// - open, close, toggle, hide and show change what the visitor sees;
// - listeners hear the panel open and close, an operator's message (with its text), the widget
//   being up; `off` stops them; a listener that throws breaks nothing;
// - identify puts the site's customer on the client card, and an operator's edit stays;
// - bad calls get one console warning each, and nothing is thrown into the site's code.
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../core/protocol/index.js';
import { say } from '../helpers/browser.js';
import { embedScene, STUB } from '../helpers/embed-site.js';

const scene = embedScene();

type Site = Window & { parley: ((...args: unknown[]) => void) & { q?: unknown }; heard: unknown[] };

/** Runs `parley(...args)` in the page. */
const parley = (page: Page, ...args: unknown[]) => page.evaluate((a) => (window as unknown as Site).parley(...a), args);

const shows = async (page: Page) => ({ tab: await page.locator('.launcher').isVisible(), panel: await page.locator('.panel').isVisible() });

/** A page whose listeners push what they hear into `window.heard`. */
const LISTENING = `<script>${STUB}
  window.heard = [];
  for (const event of ['open', 'close', 'message', 'ready']) parley('on', event, (detail) => heard.push(detail ? [event, detail] : event));
</script>`;
const heard = (page: Page) => page.evaluate(() => (window as unknown as Site).heard);

/** The visitor writes `text` and the operator gets it: the dialog's id. */
async function visitorWrites(page: Page, text: string) {
  await say(page, text);
  const created = await scene.op.next((f) => f.type === 'message.created' && f.message.body === text);
  return (created.message as Message).dialogId;
}

const reply = (dialogId: number, body: string) =>
  scene.operator.request<Message>('POST', `/api/v1/projects/${scene.project.id}/dialogs/${dialogId}/messages`, { clientId: randomUUID(), body });

describe('calls made before the script has loaded', () => {
  it('are queued by the stub and run in order once the widget is up; the real function then takes the stub’s place', async () => {
    const { page, warnings } = await scene.open({
      before: `${LISTENING}<script>parley('open'); parley('close'); parley('toggle');</script>`,
    });
    await expect.poll(() => heard(page)).toEqual(['open', 'close', 'open', 'ready']);
    expect(await shows(page)).toEqual({ tab: true, panel: true });
    // The queue is gone: calls now run at once.
    expect(await page.evaluate(() => (window as unknown as Site).parley.q)).toBeUndefined();
    await parley(page, 'close');
    expect(await shows(page)).toEqual({ tab: true, panel: false });
    expect(await heard(page)).toEqual(['open', 'close', 'open', 'ready', 'close']);
    expect(warnings).toEqual([]);
  });

  it('a page that runs the snippet again keeps the one widget and its API', async () => {
    const { page } = await scene.open({ before: LISTENING });
    await page.evaluate((stub) => {
      // eslint-disable-next-line no-new-func
      new Function(stub)();
      const again = document.createElement('script');
      again.src = document.querySelector<HTMLScriptElement>('script[data-project]')!.src;
      again.dataset.project = document.querySelector<HTMLScriptElement>('script[data-project]')!.dataset.project;
      document.body.append(again);
      return new Promise((resolve) => (again.onload = resolve));
    }, STUB);
    await parley(page, 'open');
    expect(await page.locator('parley-chat').count()).toBe(1);
    expect(await shows(page)).toEqual({ tab: true, panel: true });
    expect((await heard(page)).filter((e) => e === 'open')).toEqual(['open']);
  });
});

describe('open, close, toggle, hide, show', () => {
  it('change what the visitor sees; hidden, the widget takes no answer into view, and opening shows it again', async () => {
    const { page } = await scene.open({ before: LISTENING });
    expect(await shows(page)).toEqual({ tab: true, panel: false });
    await parley(page, 'open');
    expect(await shows(page)).toEqual({ tab: true, panel: true });
    const dialogId = await visitorWrites(page, 'Do you ship to Norway?');
    await parley(page, 'close');
    expect(await shows(page)).toEqual({ tab: true, panel: false });
    await parley(page, 'toggle');
    expect(await shows(page)).toEqual({ tab: true, panel: true });
    await parley(page, 'toggle');
    expect(await shows(page)).toEqual({ tab: true, panel: false });

    await parley(page, 'open');
    await parley(page, 'hide');
    expect(await shows(page)).toEqual({ tab: false, panel: false });
    expect(await page.locator('parley-chat').isVisible()).toBe(false);
    // An answer while hidden: heard by the site, not shown, and not seen by the visitor.
    await reply(dialogId, 'Yes, in 3 days.');
    await expect.poll(async () => (await heard(page)).some((e) => Array.isArray(e) && e[0] === 'message')).toBe(true);
    expect(await shows(page)).toEqual({ tab: false, panel: false });
    await parley(page, 'show');
    expect(await shows(page)).toEqual({ tab: true, panel: false });
    expect(await page.locator('.badge').textContent()).toBe('1');

    await parley(page, 'hide');
    await parley(page, 'open');
    expect(await shows(page)).toEqual({ tab: true, panel: true });
    await page.locator('li.msg.operator').waitFor();
    expect(await page.locator('.badge').isVisible()).toBe(false);
    expect((await heard(page)).filter((e) => typeof e === 'string')).toEqual(['ready', 'open', 'close', 'open', 'close', 'open', 'close', 'open']);
  });

  it('with nobody online the chat still opens, with the note that the answer will come here', async () => {
    const status = (online: boolean) => scene.operator.request('PUT', `/api/v1/projects/${scene.project.id}/status`, { online });
    await status(false);
    try {
      const { page } = await scene.open();
      expect(await shows(page)).toEqual({ tab: false, panel: false });
      await parley(page, 'open');
      expect(await shows(page)).toEqual({ tab: true, panel: true });
      expect(await page.locator('.away').isVisible()).toBe(true);
      await parley(page, 'close');
      expect(await shows(page)).toEqual({ tab: false, panel: false });
    } finally {
      await status(true);
    }
  });

  it("the site's own button opens the chat with the text box focused; opened as the page loads, the focus stays with the site", async () => {
    const { page } = await scene.open({ before: `<script>${STUB} parley('open');</script>` });
    await page.locator('.panel').waitFor();
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('BODY');
    await parley(page, 'close');
    await page.evaluate(() => document.getElementById('contact')!.addEventListener('click', () => (window as unknown as Site).parley('open')));
    await page.locator('#contact').click();
    expect(await shows(page)).toEqual({ tab: true, panel: true });
    expect(await page.evaluate(() => document.querySelector('parley-chat')!.shadowRoot!.activeElement?.tagName)).toBe('TEXTAREA');
  });
});

describe('the demo shop', () => {
  it('shows the API: its own button opens the chat, the text box focused', async () => {
    const page = await scene.context.newPage();
    page.on('pageerror', (err) => scene.pageErrors.push(err.message));
    await page.goto(scene.server.url);
    await page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });
    expect(await shows(page)).toEqual({ tab: true, panel: false });
    await page.getByRole('button', { name: 'Questions about sizes? Ask us' }).click();
    expect(await shows(page)).toEqual({ tab: true, panel: true });
    expect(await page.evaluate(() => document.querySelector('parley-chat')!.shadowRoot!.activeElement?.tagName)).toBe('TEXTAREA');
  });
});

describe('listeners', () => {
  it("hear an operator's message with its text, the visitor closing the panel, and 'ready' even when registered late; off stops one", async () => {
    const { page } = await scene.open({ before: LISTENING });
    await parley(page, 'open');
    const dialogId = await visitorWrites(page, 'Is size 42 in stock?');
    await reply(dialogId, 'Yes, size 42 is in stock.');
    await expect
      .poll(() => heard(page))
      .toContainEqual(['message', { text: 'Yes, size 42 is in stock.', operator: 'Oscar Operator', files: [] }]);
    await page.locator('.panel .close').click();
    expect((await heard(page)).at(-1)).toBe('close');

    // Registered after the widget is up: called at once.
    expect(await page.evaluate(() => new Promise((resolve) => (window as unknown as Site).parley('on', 'ready', () => resolve('called'))))).toBe('called');

    // Off: that listener no longer hears; another one still does.
    await page.evaluate(() => {
      const w = window as unknown as Site & { counted: number; count: () => void };
      w.counted = 0;
      w.count = () => w.counted++;
      w.parley('on', 'message', w.count);
      w.parley('on', 'message', () => {
        throw new Error('a broken listener of the site');
      });
    });
    await reply(dialogId, 'Anything else?');
    await expect.poll(() => page.evaluate(() => (window as unknown as { counted: number }).counted)).toBe(1);
    await page.evaluate(() => {
      const w = window as unknown as Site & { count: () => void };
      w.parley('off', 'message', w.count);
    });
    await reply(dialogId, 'Have a nice day.');
    await expect.poll(async () => (await heard(page)).filter((e) => Array.isArray(e) && e[0] === 'message').length).toBe(3);
    expect(await page.evaluate(() => (window as unknown as { counted: number }).counted)).toBe(1);
    // The widget went on: every answer is shown.
    await expect.poll(() => page.locator('li.msg.operator').count()).toBe(3);
  });
});

describe('identify', () => {
  it('puts the customer on the client card with the first message; an operator’s edit stays, the rest follows the site', async () => {
    const { page } = await scene.open({
      before: `<script>${STUB} parley('identify', {name: 'Ada Lovelace', email: 'ada@example.com'}); parley('identify', {phone: '+44 20 7946 0000'});</script>`,
    });
    await parley(page, 'open');
    await say(page, 'Hello, about my order');
    const created = await scene.op.next((f) => f.type === 'dialog.created');
    expect(created.dialog.visitor.realName).toBe('Ada Lovelace');
    const dialogId: number = created.dialog.id;
    expect((await scene.operator.getDialog(scene.project.id, dialogId)).visitor.card).toEqual({
      realName: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: '+44 20 7946 0000',
      notes: null,
      fromSite: ['realName', 'phone', 'email'],
    });

    // An operator corrects the name; the next page of the site says the old name and a new email.
    await scene.operator.updateCard(scene.project.id, dialogId, { realName: 'Augusta Ada King' });
    await scene.op.next((f) => f.type === 'visitor.updated' && f.visitor.card.realName === 'Augusta Ada King');
    await page.evaluate(() => (window as unknown as Site).parley('identify', { name: 'Ada Lovelace', email: 'ada@lovelace.example' }));
    const updated = await scene.op.next((f) => f.type === 'visitor.updated' && f.visitor.card.email === 'ada@lovelace.example');
    expect(updated.visitor.card.realName).toBe('Augusta Ada King');
  });

  it('a value the card refuses is a console warning with the server’s words, and is not said again', async () => {
    const { page, warnings } = await scene.open();
    await parley(page, 'identify', { email: 'not an email' });
    await expect.poll(() => warnings).toEqual(['Parley widget: identify was refused: not a valid email address: "not an email"']);
    // The next word goes without the refused one (sent along, it would be refused again).
    await parley(page, 'identify', { name: 'Grace Hopper' });
    await parley(page, 'open');
    await say(page, 'Hi there');
    const created = await scene.op.next((f) => f.type === 'dialog.created');
    expect((await scene.operator.getDialog(scene.project.id, created.dialog.id)).visitor.card).toMatchObject({ realName: 'Grace Hopper', email: null });
    expect(warnings).toHaveLength(1);
  });
});

describe('bad calls', () => {
  it('get one console warning each naming what is wrong; nothing is thrown, and the widget goes on', async () => {
    const { page, warnings } = await scene.open({ before: `<script>${STUB} parley('opne');</script>` });
    const calls: unknown[][] = [
      [],
      [42],
      ['on', 'opened', () => {}],
      ['on', 'open', 'not a function'],
      ['identify', 'ada@example.com'],
      ['identify', { name: 'Ada', mail: 'ada@example.com' }],
      ['identify', { constructor: 'Ada' }],
      ['identify', { email: 42 }],
      ['identify', { name: 'x'.repeat(201) }],
      ['config', 'left'],
    ];
    for (const args of calls) {
      // A function cannot cross into the page: it is made there.
      const thrown = await page.evaluate(
        ([a, fn]) => {
          try {
            (window as unknown as Site).parley(...(fn ? [a[0], a[1], () => {}] : a));
            return null;
          } catch (err) {
            return String(err);
          }
        },
        [args.map((a) => (typeof a === 'function' ? null : a)), typeof args[2] === 'function'] as const,
      );
      expect(thrown, JSON.stringify(args)).toBeNull();
    }
    expect(warnings).toEqual([
      'Parley widget: unknown command "opne"; the commands are open, close, toggle, hide, show, identify, config, on, off',
      'Parley widget: unknown command undefined; the commands are open, close, toggle, hide, show, identify, config, on, off',
      'Parley widget: unknown command 42; the commands are open, close, toggle, hide, show, identify, config, on, off',
      'Parley widget: parley("on", EVENT, FUNCTION): EVENT is one of open, close, message, ready, not "opened"',
      'Parley widget: parley("on", EVENT, FUNCTION): FUNCTION is a function',
      'Parley widget: identify takes an object: parley("identify", {name, email, phone})',
      'Parley widget: identify takes name, email and phone, not "mail"',
      'Parley widget: identify takes name, email and phone, not "constructor"',
      'Parley widget: identify: email is a string (or null to clear it), not number',
      'Parley widget: identify: name is at most 200 characters',
      'Parley widget: config takes an object: parley("config", {position, offsetX, offsetY, zIndex, theme})',
    ]);
    await parley(page, 'open');
    expect(await shows(page)).toEqual({ tab: true, panel: true });
  });
});
