// `parley dialogs show` printed the landing page as `page:`, while the TUI's client card calls
// the visitor's current page (where they write from) "Page" and the landing one "Landed". The
// CLI now says both as the card does: `page:` the current page with its title, `landed:` the
// page the visit began on, when it is another one.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { type Shell, shell } from '../helpers/cli-extra.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const LANDING = { url: `${ORIGIN}/shoes?utm_source=news`, title: 'Shoes', referrer: 'https://search.example/' };
const CHECKOUT = { url: `${ORIGIN}/checkout`, title: 'Checkout' };

let server: TestServer;
let admin: ParleyClient;
let cli: Shell;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];

beforeAll(async () => {
  server = await startTestServer();
  ({ client: admin } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  await admin.updateMember(p.id, 'root@example.com', { operator: true });
  project = { id: p.id, widgetKey: p.widgetKey };
  cli = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: admin.token! });
});

afterAll(async () => {
  for (const peer of peers) await peer.close();
  await server?.close();
});

/** A visitor who writes from each of `pages` in turn (the widget sends the landing page along); their dialog's id. */
async function visitorOn(pages: Array<{ url: string; title: string }>): Promise<number> {
  const { peer, welcome } = await visitorHello(server.url, project.widgetKey, ORIGIN);
  peers.push(peer);
  for (const page of pages) {
    const clientId = randomUUID();
    peer.send({ type: 'message.send', clientId, body: `from ${page.title}`, page: { ...page, referrer: LANDING.referrer, landing: LANDING } });
    await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  }
  const { dialogs } = await admin.listDialogs(project.id);
  return dialogs.find((d) => d.visitor.name === welcome.visitor.name)!.id;
}

/** The header lines of `dialogs show`, by label. */
async function shown(dialogId: number): Promise<Map<string, string>> {
  const r = await cli.run(['dialogs', 'show', String(dialogId), '-p', String(project.id)]);
  expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
  const header = r.stdout.split('\n\n')[0].split('\n');
  return new Map(header.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
}

describe('parley dialogs show', () => {
  it('says the page the visitor writes from as page:, and the one they landed on as landed:', async () => {
    const id = await visitorOn([LANDING, CHECKOUT]);
    const lines = await shown(id);
    expect(lines.get('page')).toBe(`${CHECKOUT.url} "Checkout"`);
    expect(lines.get('landed')).toBe(`${LANDING.url} "Shoes"`);
    expect(lines.get('referrer')).toBe(LANDING.referrer);
    expect([...lines.keys()].slice(6, 9)).toEqual(['page', 'landed', 'referrer']);
    // --json has both as the API does.
    const json = JSON.parse((await cli.run(['dialogs', 'show', String(id), '-p', String(project.id), '--json'])).stdout);
    expect(json.visitor.page).toMatchObject({ url: LANDING.url, title: 'Shoes' });
    expect(json.visitor.currentPage).toEqual(CHECKOUT);
  });

  it('has no landed: line while the visitor is still on the page they came to', async () => {
    const id = await visitorOn([LANDING]);
    const lines = await shown(id);
    expect(lines.get('page')).toBe(`${LANDING.url} "Shoes"`);
    expect(lines.has('landed')).toBe(false);
  });
});
