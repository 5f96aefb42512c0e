// The widget's history over real sockets: a hello on a new page gets the dialog's newest page,
// older pages come by `history` frames, and a reconnect gets what changed since its rev (or,
// when too much did, the newest page again). Nothing is lost or given twice.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { Message, VisitorMessage } from '../../core/protocol/index.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, type TestServer } from '../helpers/server.js';
import { watchOutbox, passwordFrom } from '../helpers/mail.js';
import { connectOperator, connectVisitor, type Peer, stillOpen, visitorHello, visitorWrites } from '../helpers/realtime.js';

const ORIGIN = 'https://shop.example.com';
/** The server's page (services/dialogs.ts VISITOR_PAGE) and resume limit (VISITOR_RESUME_MAX). */
const PAGE = 50;
const RESUME_MAX = 200;

let server: TestServer;
let admin: ParleyClient;
let operator: ParleyClient;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];

beforeEach(async () => {
  server = await startTestServer();
  ({ client: admin } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.request('PATCH', `/api/v1/projects/${p.id}`, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(project.id, { email: 'oli@example.com', firstName: 'Oli', lastName: 'Op', operator: true });
  const mail = await outbox.waitFor((m) => m.to === 'oli@example.com');
  outbox.close();
  operator = await signIn(server.url, 'oli@example.com', passwordFrom(mail), NEW_PASSWORD);
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
});

const site = () => ({ url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId: project.id, admin, peers });

/** `count` operator answers in the dialog, in order; resolves with them as stored. */
async function answers(dialogId: number, count: number, prefix = 'Answer'): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < count; i += 25) {
    const batch = Array.from({ length: Math.min(25, count - i) }, (_, k) => `${prefix} ${i + k + 1}`);
    // One after another within a batch would be slow; their order is their seq either way.
    out.push(...(await Promise.all(batch.map((body) => operator.request<Message>('POST', `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`, { clientId: randomUUID(), body })))));
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** A returning visitor's tab: hello with the token and no rev (a new page of the site). */
async function newPage(token: string, hello: Record<string, unknown> = {}) {
  const tab = await visitorHello(server.url, project.widgetKey, ORIGIN, { token, ...hello });
  peers.push(tab.peer);
  return tab;
}

/** Asks for the page before `before`; resolves with the answer. */
async function older(peer: Peer, before: unknown) {
  peer.send({ type: 'history', before });
  return peer.next((f) => f.type === 'history' || f.type === 'error');
}

const seqs = (ms: VisitorMessage[]) => ms.map((m) => m.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('a new page of the site', () => {
  it('gets the newest page only, and pages back in order to the first message, each once', async () => {
    const first = await visitorWrites(site(), 'I have a long story');
    await answers(first.dialogId, 2 * PAGE + 20);
    const total = 1 + 2 * PAGE + 20;

    const { peer, welcome } = await newPage(first.welcome.token);
    expect(welcome).toMatchObject({ resumed: false, more: true });
    expect(seqs(welcome.messages)).toEqual(range(total - PAGE + 1, total));
    // Its rev is the dialog's: a reconnect says it and gets only what changed after.
    const dialog = await operator.request<{ dialog: { rev: number } }>('GET', `/api/v1/projects/${project.id}/dialogs/${first.dialogId}`);
    expect(welcome.rev).toBe(dialog.dialog.rev);
    // About 30 KB instead of the whole history (at 3,000 messages, 874 KB on every page view).
    expect(JSON.stringify(welcome).length).toBeLessThan(PAGE * 400);

    const held: VisitorMessage[] = [...welcome.messages];
    let page = await older(peer, held[0].seq);
    expect(page).toMatchObject({ type: 'history', before: total - PAGE + 1, more: true });
    held.unshift(...page.messages);
    page = await older(peer, held[0].seq);
    expect(page.more).toBe(false);
    held.unshift(...page.messages);
    expect(seqs(held)).toEqual(range(1, total));
    expect(new Set(held.map((m) => m.id)).size).toBe(total);
    expect(held[0].body).toBe('I have a long story');
    // Before the first message there is nothing.
    expect(await older(peer, 1)).toMatchObject({ type: 'history', before: 1, more: false, messages: [] });
  });

  it('loads an answer edited after it was sent, in an unloaded page, as it is now', async () => {
    const first = await visitorWrites(site(), 'When do you ship?');
    const [typo] = await answers(first.dialogId, 1, 'We ship on Mondya');
    await answers(first.dialogId, PAGE);
    await operator.request('PATCH', `/api/v1/projects/${project.id}/messages/${typo.id}`, { body: 'We ship on Monday' });
    const { peer, welcome } = await newPage(first.welcome.token);
    expect(welcome.messages.map((m: VisitorMessage) => m.id)).not.toContain(typo.id);
    const page = await older(peer, welcome.messages[0].seq);
    expect(page.messages.find((m: VisitorMessage) => m.id === typo.id)).toMatchObject({ body: 'We ship on Monday', editedAt: expect.any(String) });
  });

  it('of a visitor without a dialog has no history', async () => {
    const { peer, welcome } = await visitorHello(server.url, project.widgetKey, ORIGIN);
    peers.push(peer);
    expect(welcome).toMatchObject({ resumed: false, more: false, rev: 0, messages: [] });
    expect(await older(peer, 10)).toMatchObject({ type: 'history', before: 10, more: false, messages: [] });
  });
});

describe('a history frame', () => {
  it('that is malformed, or comes before hello, gets an error frame; the socket and the server go on', async () => {
    const first = await visitorWrites(site(), 'Hello');
    const { peer } = await newPage(first.welcome.token);
    for (const before of [0, -3, 1.5, '12', null, true]) {
      const answer = await older(peer, before);
      expect(answer, JSON.stringify(before)).toMatchObject({ type: 'error', code: 'validation' });
      expect(answer.message).toMatch(/invalid "history" frame/);
    }
    peer.send({ type: 'history' });
    expect(await peer.next((f) => f.type === 'error')).toMatchObject({ code: 'validation', message: expect.stringMatching(/before/) });
    await stillOpen(peer);
    expect(await older(peer, 2)).toMatchObject({ type: 'history', messages: [{ seq: 1, body: 'Hello' }] });

    // Before hello: refused, and hello still works on that socket.
    const fresh = await connectVisitor(server.url, project.widgetKey, ORIGIN);
    peers.push(fresh);
    expect(await older(fresh, 5)).toMatchObject({ type: 'error', message: 'say hello first' });
    fresh.send({ type: 'hello', token: first.welcome.token });
    expect(await fresh.next((f) => f.type === 'welcome')).toMatchObject({ messages: [{ body: 'Hello' }] });
  });
});

describe("another visitor's history", () => {
  it('is never reached: a history frame pages only the dialog of its own socket', async () => {
    const a = await visitorWrites(site(), 'Private to A');
    const b = await visitorWrites(site(), 'From B');
    for (const page of [await older(b.peer, 1_000_000), await older(b.peer, 2)]) {
      expect(page.messages.map((m: VisitorMessage) => m.body)).not.toContain('Private to A');
    }
    expect((await older(b.peer, 1_000_000)).messages.map((m: VisitorMessage) => m.body)).toEqual(['From B']);
    expect((await older(a.peer, 1_000_000)).messages.map((m: VisitorMessage) => m.body)).toEqual(['Private to A']);
  });
});

describe('a reconnect on the same page', () => {
  it('gets what changed since its rev, edits included, each once', async () => {
    const first = await visitorWrites(site(), 'Is it in stock?');
    const [answer] = await answers(first.dialogId, 1);
    const { peer, welcome } = await newPage(first.welcome.token);
    await peer.close();
    await operator.request('PATCH', `/api/v1/projects/${project.id}/messages/${answer.id}`, { body: 'Yes, in blue' });
    const missed = await answers(first.dialogId, 3, 'Missed');
    const back = await newPage(first.welcome.token, { rev: welcome.rev });
    expect(back.welcome).toMatchObject({ resumed: true, more: false });
    expect(back.welcome.messages.map((m: VisitorMessage) => [m.id, m.body])).toEqual([
      [answer.id, 'Yes, in blue'],
      ...missed.map((m) => [m.id, m.body]),
    ]);
    expect(back.welcome.rev).toBeGreaterThan(welcome.rev);
  });

  it('after more changes than it is sent at once gets the newest page instead; paging back, nothing is lost or twice', async () => {
    const first = await visitorWrites(site(), 'I will be back');
    const before = await answers(first.dialogId, 10, 'Seen');
    const { peer, welcome } = await newPage(first.welcome.token);
    await peer.close();
    const missed = await answers(first.dialogId, RESUME_MAX + 1, 'Missed');

    const back = await newPage(first.welcome.token, { rev: welcome.rev });
    expect(back.welcome).toMatchObject({ resumed: false, more: true });
    expect(back.welcome.messages).toHaveLength(PAGE);
    expect(back.welcome.messages.at(-1).id).toBe(missed.at(-1)!.id);
    // The widget held the first eleven; paging back from the page reaches them, every message once.
    const held: VisitorMessage[] = [...back.welcome.messages];
    for (let more = true; more; ) {
      const page = await older(back.peer, held[0].seq);
      held.unshift(...page.messages);
      more = page.more;
    }
    expect(held[0].body).toBe('I will be back');
    expect(held.slice(1).map((m) => m.id)).toEqual([...before, ...missed].map((m) => m.id));
    expect(seqs(held)).toEqual(range(1, 1 + 10 + RESUME_MAX + 1));

    // Exactly as many as it is sent at once still come as changes.
    await back.peer.close();
    const more = await answers(first.dialogId, RESUME_MAX, 'More');
    const resumed = await newPage(first.welcome.token, { rev: back.welcome.rev });
    expect(resumed.welcome.resumed).toBe(true);
    expect(resumed.welcome.messages.map((m: VisitorMessage) => m.id)).toEqual(more.map((m) => m.id));
  });

  it("is not sent again the deliveries of what it holds (they raise the rev for operators); edits it is, and operators' resume keeps the delivery", async () => {
    const first = await visitorWrites(site(), 'Is it in stock?');
    const [answer] = await answers(first.dialogId, 1);
    const pushed = await first.peer.next((f) => f.type === 'message' && f.message.id === answer.id);
    const held = { rev: pushed.message.rev as number, seq: pushed.message.seq as number };
    first.peer.send({ type: 'ack', messageIds: [answer.id] });
    const path = `/api/v1/projects/${project.id}/dialogs/${first.dialogId}/messages`;
    await expect.poll(async () => (await operator.request<Message[]>('GET', path)).find((m) => m.id === answer.id)!.deliveredAt).not.toBeNull();
    await first.peer.close();

    // The widget says the newest seq it holds with its rev: the delivery is no news to it.
    const back = await newPage(first.welcome.token, { rev: held.rev, seq: held.seq });
    expect(back.welcome).toMatchObject({ resumed: true, messages: [] });
    // A client that does not say it gets it, as before.
    const older = await newPage(first.welcome.token, { rev: held.rev });
    expect(older.welcome.messages.map((m: VisitorMessage) => m.id)).toEqual([answer.id]);
    // An edit after it was held is news.
    await operator.request('PATCH', `/api/v1/projects/${project.id}/messages/${answer.id}`, { body: 'Yes, in blue' });
    const edited = await newPage(first.welcome.token, { rev: held.rev, seq: held.seq });
    expect(edited.welcome.messages).toMatchObject([{ id: answer.id, body: 'Yes, in blue' }]);

    // Operators resuming from before the delivery still learn of it.
    const op = await connectOperator(server.url, operator.token!, project.id);
    peers.push(op);
    await op.next((f) => f.type === 'ready');
    op.send({ type: 'resume', dialogs: { [first.dialogId]: held.rev } });
    const resumed = await op.next((f) => f.type === 'messages');
    expect(resumed.messages.find((m: Message) => m.id === answer.id).deliveredAt).not.toBeNull();
  });

  it('with a rev the dialog never reached (a server restored from a backup) starts over from the newest page', async () => {
    const first = await visitorWrites(site(), 'Hello again');
    const { welcome } = await newPage(first.welcome.token, { rev: first.rev + 1000 });
    expect(welcome).toMatchObject({ resumed: false, more: false, messages: [{ body: 'Hello again' }] });
  });
});
