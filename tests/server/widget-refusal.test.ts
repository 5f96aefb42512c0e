// A widget connection refused (an origin not allowed, an unknown key) as the widget asks for it
// (`refusal=close`): accepted and closed at once with a code, since a browser shows the page
// nothing of a refused upgrade but a 1006. Other clients still get the HTTP status.
import WebSocket from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';
import { connectVisitor, visitorHello } from '../helpers/realtime.js';

const ORIGIN = 'https://shop.example.com';

let server: TestServer;
let project: { id: number; widgetKey: string };

beforeEach(async () => {
  server = await startTestServer();
  const { client: admin } = await signedInAdmin(server);
  const p = await admin.createProject('Shop');
  await admin.request('PATCH', `/api/v1/projects/${p.id}`, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
});

afterEach(() => server.close());

/** A widget's connection with refusal=close: whether it opened, and how it closed. */
function widgetConnection(key: string, origin: string): Promise<{ opened: boolean; code: number; reason: string; frames: string[] }> {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/visitor?key=${encodeURIComponent(key)}&refusal=close`, { origin });
  let opened = false;
  const frames: string[] = [];
  ws.on('open', () => (opened = true));
  ws.on('message', (raw) => frames.push(raw.toString()));
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.on('close', (code, reason) => resolve({ opened, code, reason: reason.toString(), frames }));
  });
}

describe('a refused widget connection, with refusal=close', () => {
  it('from an origin not allowed closes with 4403 and no frame; the server logs why, once', async () => {
    for (let i = 0; i < 3; i++) {
      expect(await widgetConnection(project.widgetKey, 'https://other.example')).toEqual({ opened: true, code: 4403, reason: 'origin not allowed', frames: [] });
    }
    const logged = server.logs.map((l) => JSON.parse(l) as { msg: string; origin?: string }).filter((l) => l.origin === 'https://other.example');
    expect(logged).toHaveLength(1);
    expect(logged[0].msg).toContain(`parley project set ${project.id} --add-origin https://other.example`);
  });

  it('with an unknown key closes with 4404', async () => {
    expect(await widgetConnection('pk_nope', ORIGIN)).toMatchObject({ opened: true, code: 4404, reason: 'unknown widget key' });
  });

  it('from an allowed origin is an ordinary connection', async () => {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/visitor?key=${project.widgetKey}&refusal=close`, { origin: ORIGIN });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'hello' }));
    const welcome = await new Promise<{ type: string }>((resolve) => ws.once('message', (raw) => resolve(JSON.parse(raw.toString()))));
    expect(welcome.type).toBe('welcome');
    ws.close();
  });

  it('without it is still refused by the upgrade (403, 404)', async () => {
    await expect(connectVisitor(server.url, project.widgetKey, 'https://other.example')).rejects.toThrow(/403/);
    await expect(connectVisitor(server.url, 'pk_nope', ORIGIN)).rejects.toThrow(/404/);
    const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN);
    await peer.close();
  });
});
