// The shop scene (shop.ts) on a real server, new for each test of the file or describe block
// that calls liveShop(): the visitors' sockets opened through it and the TUI apps started
// through it are closed after each test, then the server.
import { afterEach, beforeEach } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { type Peer, visitorWrites } from './realtime.js';
import { startTestServer, type TestServer } from './server.js';
import { shopWithOli } from './shop.js';
import { startTuiApp } from './tui-app.js';

export interface LiveShop {
  server: TestServer;
  admin: ParleyClient;
  oli: ParleyClient;
  project: { id: number; widgetKey: string };
  peers: Peer[];
  /** What ends the apps and sockets a test started, run last first after it. */
  teardown: Array<() => unknown>;
  /** A visitor on the page (from the shop's origin) who wrote `body`: their socket and dialog. */
  visitorWrites(body: string, hello?: Record<string, unknown>): ReturnType<typeof visitorWrites>;
  /** The TUI signed in as Oli, on the shop, at `size`; its socket to `socketUrl` if given. */
  startApp(size: { columns: number; rows: number }, socketUrl?: string): ReturnType<typeof startTuiApp>;
}

export function liveShop(origin: string): LiveShop {
  const shop = {
    peers: [],
    teardown: [],
    visitorWrites: (body, hello) => {
      const site = { url: shop.server.url, widgetKey: shop.project.widgetKey, origin, projectId: shop.project.id, admin: shop.admin, peers: shop.peers };
      return visitorWrites(site, body, hello);
    },
    startApp: (size, socketUrl) =>
      startTuiApp({ url: shop.server.url, socketUrl, user: shop.oli, projectId: shop.project.id, size, teardown: shop.teardown }),
  } as Partial<LiveShop> as LiveShop;
  beforeEach(async () => {
    shop.server = await startTestServer();
    Object.assign(shop, await shopWithOli(shop.server, origin));
  });
  afterEach(async () => {
    for (const t of shop.teardown.splice(0).reverse()) await t();
    await Promise.all(shop.peers.splice(0).map((p) => p.close()));
    await shop.server.close();
  });
  return shop;
}
