// Where the site puts the tab and how the widget looks (QA of session 16, findings 18 and 19), in
// real headless Chromium on a site of another origin:
// - data-position="left", data-offset-x/-y (pixels) and data-z-index on the script tag, and the
//   same through parley('config', {...}) before or after load; a bad value is a console warning
//   and the default;
// - a dark theme that follows the visitor's system (prefers-color-scheme), or the site's choice
//   (data-theme, config), with every text at least 4.5:1 on its background and the project's
//   accent colour kept.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../core/protocol/index.js';
import { say } from '../helpers/browser.js';
import { embedScene, STUB } from '../helpers/embed-site.js';

const scene = embedScene();

const parley = (page: Page, ...args: unknown[]) =>
  page.evaluate((a) => (window as unknown as { parley: (...x: unknown[]) => void }).parley(...a), args);

/** Where the tab is: its distance from the window's left, right and bottom edges, and its layer. */
async function tab(page: Page) {
  const box = (await page.locator('.launcher').boundingBox())!;
  const { width, height } = page.viewportSize()!;
  const zIndex = await page.locator('.root').evaluate((el) => getComputedStyle(el).zIndex);
  return { left: Math.round(box.x), right: Math.round(width - box.x - box.width), bottom: Math.round(height - box.y - box.height), zIndex };
}

const DEFAULT_Z = '2147483000';

describe('the tab’s placement', () => {
  it('is bottom right, 20 px from the edges, by default', async () => {
    const { page, warnings } = await scene.open();
    expect(await tab(page)).toMatchObject({ right: 20, bottom: 20, zIndex: DEFAULT_Z });
    expect(warnings).toEqual([]);
  });

  it('follows data-position, data-offset-x, data-offset-y and data-z-index; the open panel is on that side too', async () => {
    const { page, warnings } = await scene.open({ attrs: 'data-position="left" data-offset-x="40" data-offset-y="90" data-z-index="10"' });
    expect(await tab(page)).toEqual({ left: 40, right: expect.any(Number), bottom: 90, zIndex: '10' });
    await page.locator('.launcher').click();
    const panel = (await page.locator('.panel').boundingBox())!;
    expect(Math.round(panel.x)).toBe(40);
    // The panel fits above the tab, within the window.
    expect(panel.y).toBeGreaterThanOrEqual(0);
    expect(warnings).toEqual([]);
  });

  it('bad values: one console warning saying each, and the defaults', async () => {
    const { page, warnings } = await scene.open({
      attrs: 'data-position="top" data-offset-x="-5" data-offset-y="9999" data-z-index="high" data-theme="sepia"',
    });
    expect(await tab(page)).toMatchObject({ right: 20, bottom: 20, zIndex: DEFAULT_Z });
    expect(warnings).toEqual([
      'Parley widget: data-position is "left" or "right", not "top"; the default is used; ' +
        'data-offset-x is a whole number of pixels from 0 to 400, not "-5"; the default is used; ' +
        'data-offset-y is a whole number of pixels from 0 to 400, not "9999"; the default is used; ' +
        'data-z-index is a whole number from 0 to 2147483647, not "high"; the default is used; ' +
        'data-theme is "light", "dark" or "auto", not "sepia"; the default is used',
    ]);
  });

  it("parley('config') before load places the tab from the start; after load it moves it; a bad value is warned of and goes back to the default", async () => {
    const { page, warnings } = await scene.open({
      attrs: 'data-offset-y="50"',
      before: `<script>${STUB} parley('config', {position: 'left', offsetX: 0});</script>`,
    });
    // The attribute's offset stays; config added to it.
    expect(await tab(page)).toMatchObject({ left: 0, bottom: 50 });
    await parley(page, 'config', { position: 'right', offsetX: 30, zIndex: 5 });
    expect(await tab(page)).toMatchObject({ right: 30, bottom: 50, zIndex: '5' });
    await parley(page, 'config', { offsetY: 'lots', colour: 'red', toString: 1 });
    expect(await tab(page)).toMatchObject({ right: 30, bottom: 20, zIndex: '5' });
    expect(warnings).toEqual([
      'Parley widget: offsetY is a whole number of pixels from 0 to 400, not "lots"; the default is used; config has no "colour" (position, offsetX, offsetY, zIndex, theme); config has no "toString" (position, offsetX, offsetY, zIndex, theme)',
    ]);
  });

  it('on a phone: the tab keeps the vertical offset and its side, 8 px from the edge; the open panel takes the screen', async () => {
    const { page } = await scene.open({
      attrs: 'data-position="left" data-offset-x="120" data-offset-y="70"',
      prepare: (p) => p.setViewportSize({ width: 390, height: 844 }),
    });
    expect(await tab(page)).toMatchObject({ left: 8, bottom: 70 });
    await page.locator('.launcher').click();
    expect(await page.locator('.panel').boundingBox()).toEqual({ x: 0, y: 0, width: 390, height: 844 });
  });
});

/** The CSS colours of the page's widget parts as [r, g, b]. */
const rgb = (css: string) => css.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number);

/** A part's computed background colour. */
const background = (page: Page, selector: string) => page.locator(selector).first().evaluate((el) => getComputedStyle(el).backgroundColor);

describe('the theme', () => {
  const DARK_PANEL = 'rgb(22, 27, 34)';
  const LIGHT_PANEL = 'rgb(255, 255, 255)';
  const ACCENT = 'rgb(37, 99, 235)';

  it('follows the visitor’s system, live; the accent colour stays', async () => {
    const { page } = await scene.open({ prepare: (p) => p.emulateMedia({ colorScheme: 'dark' }) });
    await parley(page, 'open');
    expect(await background(page, '.panel')).toBe(DARK_PANEL);
    expect(await background(page, '.launcher')).toBe(ACCENT);
    expect(await background(page, 'header')).toBe(ACCENT);
    // The browser tells the page of the change at its next rendering.
    await page.emulateMedia({ colorScheme: 'light' });
    await expect.poll(() => background(page, '.panel')).toBe(LIGHT_PANEL);
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => background(page, '.panel')).toBe(DARK_PANEL);
  });

  it("data-theme and parley('config', {theme}) override the system; auto goes back to it", async () => {
    const dark = await scene.open({ attrs: 'data-theme="light"', prepare: (p) => p.emulateMedia({ colorScheme: 'dark' }) });
    await parley(dark.page, 'open');
    expect(await background(dark.page, '.panel')).toBe(LIGHT_PANEL);
    await parley(dark.page, 'config', { theme: 'auto' });
    expect(await background(dark.page, '.panel')).toBe(DARK_PANEL);

    const light = await scene.open({ attrs: 'data-theme="dark"', prepare: (p) => p.emulateMedia({ colorScheme: 'light' }) });
    await parley(light.page, 'open');
    expect(await background(light.page, '.panel')).toBe(DARK_PANEL);
    await parley(light.page, 'config', { theme: 'light' });
    expect(await background(light.page, '.panel')).toBe(LIGHT_PANEL);
    await parley(light.page, 'config', { theme: 'dark' });
    expect(await background(light.page, '.panel')).toBe(DARK_PANEL);
    expect([...dark.warnings, ...light.warnings]).toEqual([]);
  });

  it('dark: every text of a conversation is at least 4.5:1 on what it is drawn on', async () => {
    const { page } = await scene.open({ prepare: (p) => p.emulateMedia({ colorScheme: 'dark' }) });
    await parley(page, 'open');
    await say(page, 'Where can I pay? https://shop.example.com/pay');
    const created = await scene.op.next((f) => f.type === 'message.created');
    const dialogId = (created.message as Message).dialogId;
    await scene.operator.request('POST', `/api/v1/projects/${scene.project.id}/dialogs/${dialogId}/messages`, {
      clientId: 'dark-reply',
      body: 'Pay at https://pay.example.com/order',
    });
    await page.locator('li.msg.operator').waitFor();
    await page.locator('textarea').fill('');
    // Each text part against the nearest background drawn under it.
    const pairs = await page.evaluate(() => {
      const root = document.querySelector('parley-chat')!.shadowRoot!;
      const under = (el: Element | null): string => {
        for (; el; el = el.parentElement) {
          const bg = getComputedStyle(el).backgroundColor;
          if (bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') return bg;
        }
        return 'rgb(255, 255, 255)';
      };
      const parts = [
        'header span',
        '.msg.visitor .body',
        '.msg.visitor .meta',
        '.msg.visitor .body a',
        '.msg.operator .who .name',
        '.msg.operator .body',
        '.msg.operator .body a',
        '.msg.operator .meta',
        '.me',
        'textarea',
        'form .send',
        'form .attach',
        '.launcher',
      ];
      return parts.map((selector) => {
        const el = root.querySelector(selector);
        return { selector, fg: el ? getComputedStyle(el).color : 'missing', bg: under(el) };
      });
    });
    const luminance = ([r, g, b]: number[]) => {
      const [lr, lg, lb] = [r, g, b].map((c) => {
        const s = c / 255;
        return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * lr + 0.7152 * lg + 0.0722 * lb;
    };
    const contrast = (a: string, b: string) => {
      const [hi, lo] = [luminance(rgb(a)), luminance(rgb(b))].sort((x, y) => y - x);
      return (hi + 0.05) / (lo + 0.05);
    };
    for (const { selector, fg, bg } of pairs) {
      expect(fg, selector).not.toBe('missing');
      expect(contrast(fg, bg), `${selector}: ${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
    }
    // And it is dark: the text light, the list dark.
    expect(luminance(rgb(pairs.find((p) => p.selector === '.msg.operator .body')!.fg))).toBeGreaterThan(0.6);
    expect(luminance(rgb(await background(page, '.messages')))).toBeLessThan(0.02);
  });
});
