// QA14 D12: a site under a strict CSP of its own learns what to allow for the widget from
// `parley project show` (the project's `widgetCsp`, at the server's public URL, as the embed
// snippet), not from the demo page's header. Checked with the real binary and real Chromium: a
// site on another origin serves the printed snippet under exactly the printed directives (after
// `default-src 'none'`, so that nothing unlisted gets through), and the widget is styled, connects,
// uploads and shows images without one violation; the printed hash is that of the stylesheet the
// widget really puts in its shadow root in a browser without constructed stylesheets (where the
// browser has them, as this Chromium does, the widget needs no style-src at all:
// tests/widget/s16-w2-screen.test.ts). Here the page's CSSStyleSheet has no replaceSync, as in
// Safari before 16.4 or Firefox before 101.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { Message, Project } from '../../core/protocol/index.js';
import { launchChromium } from '../helpers/browser.js';
import { type Shell, shell } from '../helpers/cli-extra.js';
import { connectOperator, type Peer } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, type TestServer } from '../helpers/server.js';

const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** What `parley project show` prints for a site: the snippet line and the directive lines under the CSP heading. */
function advice(stdout: string): { snippet: string; directives: string[] } {
  const lines = stdout.split('\n');
  const snippet = lines[lines.indexOf('Embed the widget:') + 1]?.trim() ?? '';
  const from = lines.indexOf("Under a Content-Security-Policy, the site's policy must also allow:");
  expect(from, stdout).toBeGreaterThan(0);
  const directives: string[] = [];
  for (const line of lines.slice(from + 1)) {
    if (!line.startsWith('  ')) break;
    directives.push(line.trim());
  }
  return { snippet, directives };
}

const sha256Source = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describe('on a site with a strict CSP of its own', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let site: Server;
  let siteOrigin: string;
  let project: { id: number; widgetKey: string };
  let operator: ParleyClient;
  let op: Peer;
  let admin: Shell;
  /** What the site sends: its page and its Content-Security-Policy header. */
  const served = { html: '', csp: '' };
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    const demo = await server.app.services.admin.ensureDemo();
    project = { id: demo.projectId, widgetKey: demo.widgetKey };
    operator = await signIn(server.url, demo.operator.email, demo.operator.password!, NEW_PASSWORD);
    const owner = await signIn(server.url, demo.admin.email, demo.admin.password!, NEW_PASSWORD);
    await operator.setAvatar(PNG_1PX);
    await operator.setStatus(project.id, true);
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': served.csp });
      res.end(served.html);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    // Cross-site to the server (localhost vs 127.0.0.1).
    siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
    await owner.updateProject(project.id, { allowedOrigins: [siteOrigin] });
    admin = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: owner.token! });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
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

  /**
   * The site's page with the widget connected, in a browser without constructed stylesheets (the
   * widget falls back to a <style> element); CSP violations are recorded from the start.
   */
  async function openSite(): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.addInitScript(() => {
      delete (CSSStyleSheet.prototype as { replaceSync?: unknown }).replaceSync;
      const w = window as unknown as { violations: string[] };
      w.violations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
    });
    await page.goto(`${siteOrigin}/`);
    await page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });
    return page;
  }

  const violations = (page: Page) => page.evaluate(() => (window as unknown as { violations: string[] }).violations);

  const imageLoaded = (page: Page, selector: string) =>
    page.waitForFunction((sel) => {
      const img = document.querySelector('[data-parley]')!.shadowRoot!.querySelector<HTMLImageElement>(sel);
      return img?.complete && img.naturalWidth === 1;
    }, selector);

  it('the printed directives are all the widget needs: styled, connected, uploads and images, no violation', async () => {
    const shown = await admin.run(['project', 'show', '-p', String(project.id)]);
    expect(shown, shown.stderr).toMatchObject({ code: 0, stderr: '' });
    const { snippet, directives } = advice(shown.stdout);
    expect(snippet).toBe(`<script src="${server.url}/widget.js" data-project="${project.widgetKey}" async></script>`);
    expect(directives.map((d) => d.split(' ')[0])).toEqual(['script-src', 'connect-src', 'img-src', 'style-src']);
    served.html = `<!doctype html><html lang="en"><title>Strict shop</title><h1>Strict shop</h1>\n${snippet}\n</html>`;
    served.csp = ["default-src 'none'", ...directives].join('; ');

    const page = await openSite();
    // The stylesheet applied: the tab has the accent colour and is fixed to the screen's corner.
    const launcher = page.locator('.launcher');
    expect(await launcher.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(37, 99, 235)');
    expect(await page.locator('.root').evaluate((el) => getComputedStyle(el).position)).toBe('fixed');
    // The printed hash is the one stylesheet the widget injects.
    const styles = await page.evaluate(() =>
      [...document.querySelector('[data-parley]')!.shadowRoot!.querySelectorAll('style')].map((s) => s.textContent ?? ''),
    );
    expect(styles).toHaveLength(1);
    expect(directives.at(-1)).toBe(`style-src ${sha256Source(styles[0])}`);

    // Everything the widget does: a message (WebSocket), an upload (fetch), the operator's avatar and an image.
    await launcher.click();
    await page.locator('textarea').fill('hello from a strict site');
    await page.locator('textarea').press('Enter');
    const created = await op.next((f) => f.type === 'message.created' && f.message.body === 'hello from a strict site');
    const dialogId = (created.message as Message).dialogId;
    await page.locator('input[type=file]').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: PNG_1PX });
    const upload = await op.next((f) => f.type === 'message.created' && f.message.attachments.length === 1);
    await imageLoaded(page, `li[data-id="${upload.message.id}"] .files img`);
    const sent = await operator.request<Message>('POST', `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`, {
      clientId: randomUUID(),
      body: 'Here you are',
    });
    await imageLoaded(page, `li[data-id="${sent.id}"] img.avatar`);
    expect(await violations(page)).toEqual([]);
  });

  it('without the printed style-src hash, the browser refuses the stylesheet (the check above can fail)', async () => {
    const { snippet, directives } = advice((await admin.run(['project', 'show', '-p', String(project.id)])).stdout);
    served.html = `<!doctype html><html lang="en"><title>Strict shop</title>\n${snippet}\n</html>`;
    served.csp = ["default-src 'none'", ...directives.filter((d) => !d.startsWith('style-src'))].join('; ');
    const page = await openSite();
    await expect.poll(() => violations(page)).toContainEqual(expect.stringMatching(/^style-src-elem inline$/));
  });
});

describe("at the server's public URL, as the snippet", () => {
  it('https gives wss, a port stays, a path does not (the widget talks to its script\'s origin); --json has widgetCsp', async () => {
    const server = await startTestServer({ env: { PARLEY_PUBLIC_URL: 'https://chat.example.com:8443/parley' } });
    try {
      const { client } = await signedInAdmin(server);
      const { id } = await client.createProject('Shop');
      const sh = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: client.token! });
      const origin = 'https://chat.example.com:8443';
      const shown = await sh.run(['project', 'show', '-p', String(id)]);
      expect(advice(shown.stdout)).toEqual({
        snippet: expect.stringMatching(/^<script src="https:\/\/chat\.example\.com:8443\/parley\/widget\.js" /),
        directives: [`script-src ${origin}`, `connect-src ${origin} wss://chat.example.com:8443`, `img-src ${origin}`, expect.stringMatching(/^style-src 'sha256-[A-Za-z0-9+/]{43}='$/)],
      });
      const json = await sh.json<Project>(['project', 'show', '-p', String(id)]);
      expect(json.widgetCsp).toEqual({
        'script-src': [origin],
        'connect-src': [origin, 'wss://chat.example.com:8443'],
        'img-src': [origin],
        'style-src': [advice(shown.stdout).directives[3].slice('style-src '.length)],
      });
    } finally {
      await server.close();
    }
  });
});
