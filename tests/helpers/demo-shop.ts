// The scene most widget tests play in: a real server with the demo project, its operator signed
// in and online, Debian's Chromium, a fresh browser context and an operator socket per test, and
// every page error collected (a test fails on any). `demoShop()` registers the hooks; the scene's
// fields are set by them, so tests and hooks read them as `scene.server`, `scene.op`, ...
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { launchChromium, openShop, type Shop, startDialog } from './browser.js';
import { connectOperator, type Peer } from './realtime.js';
import { NEW_PASSWORD, signIn, startTestServer, type TestServer } from './server.js';

export interface DemoShop {
  server: TestServer;
  browser: Browser;
  project: { id: number; widgetKey: string };
  /** The demo operator, signed in (a new password chosen) and online. */
  operator: ParleyClient;
  /** This test's browser context. */
  context: BrowserContext;
  /** This test's operator socket, past `ready`. */
  op: Peer;
  /** The page errors of this test's pages (expected empty after each test). */
  pageErrors: string[];
  shop(): Shop;
  /** The demo page, connected (and its chat open unless `open: false`). */
  openShop(opts?: { path?: string; open?: boolean }): Promise<Page>;
  /** A visitor who wrote `text`, as the operator got it. */
  startDialog(text: string): ReturnType<typeof startDialog>;
}

export function demoShop(
  opts: { server?: Parameters<typeof startTestServer>[0]; context?: () => BrowserContextOptions } = {},
): DemoShop {
  const scene = { pageErrors: [] as string[] } as DemoShop;
  scene.shop = () => ({ context: scene.context, url: scene.server.url, pageErrors: scene.pageErrors });
  scene.openShop = (o = {}) => openShop(scene.shop(), o);
  scene.startDialog = (text) => startDialog(scene.shop(), scene.op, text);

  beforeAll(async () => {
    scene.server = await startTestServer(opts.server);
    scene.browser = await launchChromium();
    const demo = await scene.server.app.services.admin.ensureDemo();
    scene.project = { id: demo.projectId, widgetKey: demo.widgetKey };
    scene.operator = await signIn(scene.server.url, demo.operator.email, demo.operator.password!, NEW_PASSWORD);
    await scene.operator.request('PUT', `/api/v1/projects/${scene.project.id}/status`, { online: true });
  });

  afterAll(async () => {
    await scene.browser?.close();
    await scene.server?.close();
  });

  eachTestFresh(scene, opts.context);
  return scene;
}

/** The per-test part of a scene: a fresh browser context and operator socket (past `ready`), and no page error at the end. */
export function eachTestFresh(
  scene: Pick<DemoShop, 'server' | 'browser' | 'project' | 'operator' | 'context' | 'op' | 'pageErrors'>,
  context?: () => BrowserContextOptions,
) {
  beforeEach(async () => {
    scene.context = await scene.browser.newContext(context?.());
    scene.pageErrors.length = 0;
    scene.op = await connectOperator(scene.server.url, scene.operator.token!, scene.project.id);
    await scene.op.next((f) => f.type === 'ready');
  });

  afterEach(async () => {
    await scene.context.close();
    await scene.op.close();
    expect(scene.pageErrors).toEqual([]);
  });
}
