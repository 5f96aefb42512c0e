// Finding dialogs (GET /api/v1/projects/:p/dialogs/search): by the visitor's generated name,
// the client card (real name in any script and case, email, phone by its digits, notes) and by
// message text; newest activity first, each with its view for the caller; `more` when the limit
// cuts; only the caller's project; and over more dialogs and messages than one page of reading.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { SEARCH_PAGE } from '../../server/services/search.js';
import { expectApiError } from '../helpers/accounts-extra.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';

let server: TestServer;
let root: ParleyClient;
let shop: { id: number; widgetKey: string };
let blog: { id: number; widgetKey: string };
const peers: Peer[] = [];

/** A visitor of `project` who wrote `body`; their dialog's id. */
async function visitorWrites(project: { id: number; widgetKey: string }, body: string): Promise<number> {
  const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN);
  peers.push(peer);
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body });
  await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  const { dialogs } = await root.listDialogs(project.id, { view: 'mine' });
  return dialogs.find((d) => d.lastMessage?.body === body)!.id;
}

let order: number;
let anna: number;
let notes: number;
let oldest: number;

beforeAll(async () => {
  server = await startTestServer();
  root = (await signedInAdmin(server)).client;
  shop = await root.createProject('Shop');
  blog = await root.createProject('Blog');
  for (const p of [shop, blog]) await root.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  await root.updateMember(shop.id, 'root@example.com', { operator: true });

  // Many dialogs and messages first (oldest), so a search reads several pages to reach the
  // oldest one, which has the only "blue umbrella" and the only card with that email.
  const pages = 2 * SEARCH_PAGE + 321;
  const t0 = Date.UTC(2026, 0, 1);
  await server.app.db.write(async (tx) => {
    for (let i = 0; i < pages; i++) {
      const { lastID: visitorId } = await tx.run(
        'INSERT INTO visitors (project_id, token_hash, name, email, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)',
        [shop.id, randomUUID(), `Seeded Visitor ${i}`, i === 0 ? 'umbrella.owner@example.com' : null, t0 + i, t0 + i],
      );
      const { lastID: dialogId } = await tx.run(
        'INSERT INTO dialogs (project_id, visitor_id, created_at, last_seq, rev, last_message_at) VALUES (?, ?, ?, 1, 1, ?)',
        [shop.id, visitorId, t0 + i, t0 + i],
      );
      if (i === 0) oldest = dialogId;
      await tx.run(
        `INSERT INTO messages (dialog_id, seq, rev, author, body, client_id, created_at) VALUES (?, 1, 1, 'visitor', ?, ?, ?)`,
        [dialogId, i === 0 ? 'I left my Blue Umbrella on the counter' : `Hello number ${i}`, randomUUID(), t0 + i],
      );
    }
  });

  order = await visitorWrites(shop, 'Where is my order 4711? It was due on Monday, and I have been waiting all week long for it.');
  anna = await visitorWrites(shop, 'Hej!');
  await root.updateCard(shop.id, anna, { realName: 'Анна Берг', email: 'anna@example.com', phone: '+46 70 123 45 67' });
  notes = await visitorWrites(shop, 'Do you ship to Norway?');
  await root.updateCard(shop.id, notes, { notes: 'Wholesale buyer, wants the Trail Runner in bulk' });
  await visitorWrites(blog, 'About order 4711 from the blog');
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server?.close();
});

const ids = (r: { results: Array<{ dialog: { id: number } }> }) => r.results.map((x) => x.dialog.id);

describe('dialog search', () => {
  it('finds words of a message, with the text around them and the dialog as the caller sees it', async () => {
    const found = await root.searchDialogs(shop.id, 'ORDER 4711');
    expect(ids(found)).toEqual([order]);
    const [{ dialog, match }] = found.results;
    expect(match.field).toBe('message');
    expect(match.text).toContain('order 4711');
    expect(match.text.length).toBeLessThanOrEqual(82);
    expect(dialog).toMatchObject({ id: order, status: 'open', view: 'mine' });
    expect(found).toMatchObject({ query: 'ORDER 4711', more: false });
  });

  it('finds the client card: a real name in any case and script, an email, a phone by its digits, notes', async () => {
    expect((await root.searchDialogs(shop.id, 'анна')).results).toEqual([expect.objectContaining({ match: { field: 'realName', text: 'Анна Берг' } })]);
    expect(ids(await root.searchDialogs(shop.id, 'ANNA@example'))).toEqual([anna]);
    const phone = await root.searchDialogs(shop.id, '4670123');
    expect(phone.results.map((r) => [r.dialog.id, r.match])).toEqual([[anna, { field: 'phone', text: '+46 70 123 45 67' }]]);
    expect((await root.searchDialogs(shop.id, '+46 70 123')).results[0].match.field).toBe('phone');
    const bulk = await root.searchDialogs(shop.id, 'trail runner');
    expect(bulk.results.map((r) => [r.dialog.id, r.match.field])).toEqual([[notes, 'notes']]);
  });

  it("finds the visitor's generated name", async () => {
    const name = (await root.getDialog(shop.id, notes)).visitor.name;
    const found = await root.searchDialogs(shop.id, name.toLowerCase());
    expect(found.results.find((r) => r.dialog.id === notes)?.match).toEqual({ field: 'name', text: name });
  });

  it('reads past the first pages: the oldest dialog is found by its message and by its card', async () => {
    expect(ids(await root.searchDialogs(shop.id, 'blue umbrella'))).toEqual([oldest]);
    expect((await root.searchDialogs(shop.id, 'umbrella.owner')).results.map((r) => [r.dialog.id, r.match.field])).toEqual([[oldest, 'email']]);
    expect(await root.searchDialogs(shop.id, 'no such words anywhere')).toEqual({ query: 'no such words anywhere', results: [], more: false });
  });

  it('newest activity first; `more` when the limit cuts', async () => {
    const found = await root.searchDialogs(shop.id, 'Hello number 1', 3);
    expect(found.results).toHaveLength(3);
    expect(found.more).toBe(true);
    const times = found.results.map((r) => r.dialog.lastMessageAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(found.results.every((r) => r.match.field === 'message' && r.match.text.startsWith('Hello number 1'))).toBe(true);
  });

  it('a limit cuts by newest activity, not by the newest matching message', async () => {
    // X asks first, then Y and Z, then X writes again (no match): X has the newest activity,
    // Y and Z the newest matching messages.
    const { peer: x } = await visitorHello(server.url, shop.widgetKey, ORIGIN);
    peers.push(x);
    const say = async (body: string) => {
      const clientId = randomUUID();
      x.send({ type: 'message.send', clientId, body });
      await x.next((f) => f.type === 'message.stored' && f.clientId === clientId);
      const { dialogs } = await root.listDialogs(shop.id, { view: 'mine' });
      return dialogs.find((d) => d.lastMessage?.body === body)!.id;
    };
    const first = await say('A quick Kayak question: is it in stock?');
    const second = await visitorWrites(shop, 'Another kayak question, about the paddles');
    const third = await visitorWrites(shop, 'My kayak question is about delivery');
    expect(await say('Thanks, waiting for your answer')).toBe(first);
    const top = await root.searchDialogs(shop.id, 'kayak question', 1);
    expect([ids(top), top.more]).toEqual([[first], true]);
    expect(top.results[0].match).toEqual({ field: 'message', text: 'A quick Kayak question: is it in stock?' });
    expect(ids(await root.searchDialogs(shop.id, 'kayak question', 2))).toEqual([first, third]);
    expect(ids(await root.searchDialogs(shop.id, 'kayak question'))).toEqual([first, third, second]);
  });

  it('one person runs at most two searches at once: a third meanwhile is 429, and afterwards searching works again', async () => {
    // Each of these reads every page (nothing matches), a page per turn of the event loop.
    const settled = await Promise.allSettled([1, 2, 3].map((i) => root.searchDialogs(shop.id, `nothing like this ${i}`)));
    const refused = settled.filter((r) => r.status === 'rejected');
    expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(refused).toHaveLength(1);
    const err = (refused[0] as PromiseRejectedResult).reason as { status: number; code: string; retryAfter: number | null };
    expect([err.status, err.code, err.retryAfter]).toEqual([429, 'rate_limited', 1]);
    expect(ids(await root.searchDialogs(shop.id, 'blue umbrella'))).toEqual([oldest]);
    expect(ids(await root.searchDialogs(shop.id, 'blue umbrella'))).toEqual([oldest]);
  });

  it("never another project's dialogs; an unknown project is 404; a bad query is 400", async () => {
    const fromBlog = await root.searchDialogs(blog.id, 'order 4711');
    expect(fromBlog.results).toHaveLength(1);
    expect(ids(fromBlog)).not.toContain(order);
    await expectApiError(root.searchDialogs(999_999, 'x'), 404);
    await expectApiError(root.searchDialogs(shop.id, ''), 400);
    await expectApiError(root.searchDialogs(shop.id, 'x'.repeat(101)), 400);
    await expectApiError(root.searchDialogs(shop.id, '   '), 400);
    await expectApiError(root.searchDialogs(shop.id, 'x', 101), 400);
  });
});
