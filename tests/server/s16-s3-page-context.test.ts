// The page a visitor writes from, and the referrer that brought them, as a socket that skips the
// widget may send them: only an http(s) URL is kept as an address (anything else is kept as none),
// and the message is stored all the same.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';

let server: TestServer;
let admin: ParleyClient;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];

beforeAll(async () => {
  server = await startTestServer();
  admin = (await signedInAdmin(server)).client;
  const p = await admin.createProject('Page shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
});

afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  await server?.close();
});

/** A new visitor who wrote once with `page`: what the dialog and the lead journal keep of it. */
async function visitorWrote(page: Record<string, unknown>) {
  const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN);
  peers.push(peer);
  const clientId = randomUUID();
  const body = `Hello from ${clientId}`;
  peer.send({ type: 'message.send', clientId, body, page });
  const answer = await peer.next((f) => (f.type === 'message.stored' && f.clientId === clientId) || f.type === 'error');
  expect(answer.type).toBe('message.stored');
  const pages = await Promise.all((['mine', 'shared', 'archive'] as const).map((view) => admin.listDialogs(project.id, { view })));
  const dialogId = pages.flatMap((p) => p.dialogs).find((d) => d.lastMessage?.body === body)!.id;
  const { visitor, messages } = await admin.getDialog(project.id, dialogId);
  const lead = (await admin.leads(project.id)).leads.find((l) => l.dialogId === dialogId)!;
  return { visitor, messages, lead };
}

describe('the page context a visitor sends', () => {
  it('keeps no address that is not an http(s) URL; the message and the title are kept', async () => {
    const { visitor, messages, lead } = await visitorWrote({
      url: '+1+1',
      title: 'Shoes',
      referrer: '=HYPERLINK("http://evil.example/","click")',
    });
    expect(messages.map((m) => m.body)).toEqual([expect.stringMatching(/^Hello from /)]);
    expect(visitor.page).toEqual({ url: null, title: 'Shoes', referrer: null });
    expect(lead).toMatchObject({ landingPage: null, referrer: null, pageTitle: 'Shoes', utm: {} });
  });

  it.each([
    ['a script', 'javascript:alert(1)'],
    ['another scheme', 'ftp://files.example.com/a'],
    ['a data URL', 'data:text/html,<b>hi</b>'],
    ['a relative path', '/shoes?utm_source=news'],
    ['no host', 'https://'],
    ['a space in the host', 'https://shop example.com/'],
  ])('refuses %s as the page and as the referrer', async (_what, address) => {
    const { visitor, lead } = await visitorWrote({ url: address, referrer: address, title: 'T' });
    expect(visitor.page).toEqual({ url: null, title: 'T', referrer: null });
    expect(visitor.utm).toEqual({});
    expect([lead.landingPage, lead.referrer]).toEqual([null, null]);
  });

  it('keeps an http(s) URL as sent (any case of the scheme, spaces around it trimmed), with its UTM tags', async () => {
    const url = `${ORIGIN}/boots?utm_source=news&utm_campaign=fall`;
    const { visitor, lead } = await visitorWrote({ url: `  ${url} `, title: 'Boots', referrer: 'HTTP://Search.Example/q?x=1' });
    expect(visitor.page).toEqual({ url, title: 'Boots', referrer: 'HTTP://Search.Example/q?x=1' });
    expect(visitor.utm).toEqual({ source: 'news', campaign: 'fall' });
    expect(lead).toMatchObject({ landingPage: url, referrer: 'HTTP://Search.Example/q?x=1' });
  });

  it('judges the landing page on its own: a bad one is none, while the page written from is kept', async () => {
    const { visitor } = await visitorWrote({
      url: `${ORIGIN}/cart`,
      title: 'Cart',
      landing: { url: 'vbscript:msgbox(1)', title: 'Landing', referrer: 'https://ads.example/' },
    });
    expect(visitor.page).toEqual({ url: null, title: 'Landing', referrer: 'https://ads.example/' });
    expect(visitor.currentPage).toMatchObject({ url: `${ORIGIN}/cart` });
  });
});
