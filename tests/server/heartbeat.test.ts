// The server's heartbeat: every socket is pinged once per heartbeat (a slice of them at a time),
// and one that did not answer its previous ping is dropped; peers that answer stay.
import { once } from 'node:events';
import { afterEach, beforeEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const HEARTBEAT_MS = 900;

let server: TestServer;
let widgetUrl: string;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  server = await startTestServer({ heartbeatMs: HEARTBEAT_MS });
  const { client: admin } = await signedInAdmin(server);
  const p = await admin.createProject('Shop');
  await admin.request('PATCH', `/api/v1/projects/${p.id}`, { allowedOrigins: [ORIGIN] });
  widgetUrl = `${server.url.replace(/^http/, 'ws')}/ws/visitor?key=${encodeURIComponent(p.widgetKey)}`;
});

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await server.close();
});

async function open(autoPong: boolean): Promise<WebSocket> {
  const ws = new WebSocket(widgetUrl, { origin: ORIGIN, autoPong });
  sockets.push(ws);
  await once(ws, 'open');
  ws.send(JSON.stringify({ type: 'hello' }));
  return ws;
}

const pings = (ws: WebSocket, n: number) =>
  new Promise<void>((resolve) => {
    let seen = 0;
    ws.on('ping', () => ++seen === n && resolve());
  });

it('drops a peer that stopped answering pings and keeps the ones that answer', async () => {
  const live = await open(true);
  const silent = await open(false);
  const livePinged = pings(live, 3);
  const silentPinged = pings(silent, 1);
  const silentClosed = once(silent, 'close') as Promise<[number, Buffer]>;

  await silentPinged;
  const [code] = await silentClosed;
  // Terminated, not closed politely: the peer is presumed gone.
  expect(code).toBe(1006);
  await livePinged;
  expect(live.readyState).toBe(WebSocket.OPEN);
  expect(server.app.hub.counts().visitors).toBe(1);
});
