// A customer's site embedding the widget, for the tests of what a site does with it (its
// `parley(...)` API, the script tag's data-* settings): a small HTTP server of its own on another
// origin (localhost, the Parley server being 127.0.0.1), whose pages are each test's own HTML,
// with the snippet as a site writes it. Around it the demo project, its operator online, real
// headless Chromium, a fresh browser context and an operator socket per test (demo-shop.ts
// eachTestFresh); page errors fail a test, and each page's console warnings are kept for it to
// read.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { launchChromium } from './browser.js';
import { eachTestFresh } from './demo-shop.js';
import type { Peer } from './realtime.js';
import { NEW_PASSWORD, signIn, startTestServer, type TestServer } from './server.js';

export interface SitePage {
  /** Attributes added to the widget's script tag, as written (`data-position="left"`). */
  attrs?: string;
  /** HTML before the widget's script tag: the site's stub and its early calls. */
  before?: string;
  /** Wait for the widget to connect (default true). */
  connected?: boolean;
  /** Done to the page before it loads (its colour scheme, its viewport). */
  prepare?: (page: Page) => Promise<void>;
}

export interface EmbedScene {
  server: TestServer;
  browser: Browser;
  project: { id: number; widgetKey: string };
  /** The demo operator, signed in and online. */
  operator: ParleyClient;
  admin: ParleyClient;
  context: BrowserContext;
  op: Peer;
  pageErrors: string[];
  /** The site's origin (allowed for the project). */
  siteOrigin: string;
  /** Opens a page of the site with this snippet; `warnings` are its console warnings so far. */
  open(page?: SitePage): Promise<{ page: Page; warnings: string[]; errors: string[] }>;
}

/** The snippet's stub, as the README gives it. */
export const STUB = 'window.parley = window.parley || function(){(parley.q = parley.q || []).push(arguments)};';

export function embedScene(opts: { context?: () => BrowserContextOptions } = {}): EmbedScene {
  const scene = { pageErrors: [] as string[] } as EmbedScene;
  const pages = new Map<string, string>();
  let site: Server;
  let served = 0;

  beforeAll(async () => {
    scene.server = await startTestServer();
    scene.browser = await launchChromium();
    const demo = await scene.server.app.services.admin.ensureDemo();
    scene.project = { id: demo.projectId, widgetKey: demo.widgetKey };
    scene.operator = await signIn(scene.server.url, demo.operator.email, demo.operator.password!, NEW_PASSWORD);
    scene.admin = await signIn(scene.server.url, demo.admin.email, demo.admin.password!, NEW_PASSWORD);
    await scene.operator.request('PUT', `/api/v1/projects/${scene.project.id}/status`, { online: true });
    site = createServer((req, res) => {
      const html = pages.get(req.url ?? '');
      res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html ?? '');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    scene.siteOrigin = `http://localhost:${(site.address() as AddressInfo).port}`;
    await scene.admin.updateProject(scene.project.id, { allowedOrigins: [scene.server.url, scene.siteOrigin] });
  });

  afterAll(async () => {
    await scene.browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await scene.server?.close();
  });

  eachTestFresh(scene, opts.context);

  scene.open = async ({ attrs = '', before = '', connected = true, prepare } = {}) => {
    const path = `/page-${++served}`;
    pages.set(
      path,
      `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Shoe shop</title></head>
  <body>
    <h1>Shoe shop</h1>
    <button id="contact">Contact support</button>
    ${before}
    <script src="${scene.server.url}/widget.js" data-project="${scene.project.widgetKey}" ${attrs} async></script>
  </body>
</html>`,
    );
    const page = await scene.context.newPage();
    const warnings: string[] = [];
    const errors: string[] = [];
    page.on('pageerror', (err) => scene.pageErrors.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
      if (m.type() === 'error') errors.push(m.text());
    });
    await prepare?.(page);
    await page.goto(`${scene.siteOrigin}${path}`);
    if (connected) await page.locator('[data-parley][data-connection="open"]').waitFor({ state: 'attached' });
    return { page, warnings, errors };
  };

  return scene;
}
