// What a site says of its visitor (the widget's `parley('identify')`, the visitor socket's
// `identify` frame) goes on their client card: name, email, phone, checked as the card's own edit
// checks them. The values come from the page, unverified: a field an operator has set by hand
// stays theirs. A visitor not stored yet is not stored for it: the values wait on the connection
// for their first message. Operators hear of a change as of any card edit (visitor.updated).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { migrations } from '../../server/db/migrations.js';
import { openDatabase } from '../../server/db/sqlite.js';
import { connectOperator, connectVisitor, type Peer, stillOpen, visitorHello } from '../helpers/realtime.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { shopWithOli } from '../helpers/shop.js';

const ORIGIN = 'https://shop.example.com';

let server: TestServer;
let oli: ParleyClient;
let project: { id: number; widgetKey: string };
let watcher: Peer;
const peers: Peer[] = [];

beforeAll(async () => {
  server = await startTestServer();
  ({ oli, project } = await shopWithOli(server, ORIGIN));
});

afterAll(async () => {
  await server?.close();
});

beforeEach(async () => {
  watcher = await connectOperator(server.url, oli.token!, project.id);
  peers.push(watcher);
  await watcher.next((f) => f.type === 'ready');
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

/** A new visitor's socket, welcomed. */
async function visitor() {
  const { peer, welcome } = await visitorHello(server.url, project.widgetKey, ORIGIN);
  peers.push(peer);
  return { peer, token: welcome.token as string };
}

/**
 * The visitor writes `body`: the dialog it is in, as operators were told of it. A first message
 * (`first`) also brings operators the new visitor's card (visitor.updated, sent before the message).
 */
async function write(peer: Peer, body: string, first = true) {
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body });
  await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  const created = await watcher.next((f) => f.type === 'message.created' && f.message.body === body);
  const dialogId = created.message.dialogId as number;
  if (first) await watcher.next((f) => f.type === 'visitor.updated' && f.dialogId === dialogId);
  return dialogId;
}

/** The site identifies the visitor: the server's answer (`identified`, or an error). */
async function identify(peer: Peer, fields: Record<string, unknown>) {
  const ref = `identify-${randomUUID()}`;
  peer.send({ type: 'identify', ref, ...fields });
  return peer.next((f) => (f.type === 'identified' || f.type === 'error') && f.ref === ref);
}

const cardOf = async (dialogId: number) => (await oli.getDialog(project.id, dialogId)).visitor.card;

describe('a visitor who has written', () => {
  it('gets the name, email and phone on their card, checked and trimmed; operators hear of it; said again unchanged, nothing happens', async () => {
    const { peer } = await visitor();
    const dialogId = await write(peer, 'Where is my order?');

    expect(await identify(peer, { realName: '  Ada Lovelace ', email: 'Ada@Example.com', phone: '+44 20 7946 0000' })).toMatchObject({
      type: 'identified',
    });
    const card = { realName: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 20 7946 0000', notes: null, fromSite: ['realName', 'phone', 'email'] };
    const updated = await watcher.next((f) => f.type === 'visitor.updated');
    expect(updated).toMatchObject({ dialogId, visitor: { card } });
    // Lists show the real name: the dialog is announced again.
    expect(await watcher.next((f) => f.type === 'dialog.updated')).toMatchObject({ dialog: { id: dialogId, visitor: { realName: 'Ada Lovelace' } } });
    expect(await cardOf(dialogId)).toEqual(card);

    // Every page of the site says it again: no write, no event. The next event is the next change.
    expect((await identify(peer, { realName: 'Ada Lovelace', email: 'ada@example.com' })).type).toBe('identified');
    expect((await identify(peer, { phone: '+44 20 7946 0001' })).type).toBe('identified');
    expect((await watcher.next((f) => f.type === 'visitor.updated')).visitor.card).toEqual({ ...card, phone: '+44 20 7946 0001' });
    // Null clears a field the site gave.
    expect((await identify(peer, { phone: null })).type).toBe('identified');
    expect((await watcher.next((f) => f.type === 'visitor.updated')).visitor.card.phone).toBeNull();
  });

  it("leaves alone every field an operator has set by hand, cleared ones too; a card saved with a field unchanged leaves that field the site's", async () => {
    const { peer } = await visitor();
    const dialogId = await write(peer, 'Hello');
    await identify(peer, { realName: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 1' });
    await watcher.next((f) => f.type === 'visitor.updated');

    // The operator corrects the name, clears the email, and saves the phone as it was.
    await oli.updateCard(project.id, dialogId, { realName: 'Augusta Ada King', email: null, phone: '+44 1', notes: 'VIP' });
    await watcher.next((f) => f.type === 'visitor.updated');

    expect((await identify(peer, { realName: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 2' })).type).toBe('identified');
    // Only the phone changes: the operator's name and their clearing of the email stand.
    expect((await watcher.next((f) => f.type === 'visitor.updated')).visitor.card).toEqual({
      realName: 'Augusta Ada King',
      email: null,
      phone: '+44 2',
      notes: 'VIP',
      fromSite: ['phone'],
    });
    // Only operator fields said: nothing to write, nothing announced (the next event is the next change).
    expect((await identify(peer, { realName: 'Someone Else', email: 'else@example.com' })).type).toBe('identified');
    await identify(peer, { phone: '+44 3' });
    expect((await watcher.next((f) => f.type === 'visitor.updated')).visitor.card).toMatchObject({ realName: 'Augusta Ada King', email: null, phone: '+44 3' });
  });
});

describe('a visitor not stored yet (nothing written)', () => {
  it('is not stored by identify; the values wait for their first message, whose dialog comes with the card filled in', async () => {
    const count = async () => (await server.app.db.get<{ n: number }>('SELECT count(*) AS n FROM visitors'))!.n;
    const before = await count();
    const { peer } = await visitor();
    expect((await identify(peer, { realName: 'Grace Hopper', phone: '+1 555 0100' })).type).toBe('identified');
    // A later word adds to the first.
    expect((await identify(peer, { email: 'grace@example.com' })).type).toBe('identified');
    expect(await count()).toBe(before);

    const clientId = randomUUID();
    peer.send({ type: 'message.send', clientId, body: 'First message' });
    const created = await watcher.next((f) => f.type === 'dialog.created');
    expect(created.dialog.visitor.realName).toBe('Grace Hopper');
    const dialogId = created.dialog.id as number;
    const card = { realName: 'Grace Hopper', email: 'grace@example.com', phone: '+1 555 0100', notes: null, fromSite: ['realName', 'phone', 'email'] };
    expect(await watcher.next((f) => f.type === 'visitor.updated')).toMatchObject({ dialogId, visitor: { card } });
    expect(await cardOf(dialogId)).toEqual(card);
    expect(await count()).toBe(before + 1);
  });

  it('is told at once of a value the card would refuse, and nothing is kept of it', async () => {
    const { peer } = await visitor();
    expect(await identify(peer, { email: 'not an email' })).toMatchObject({ type: 'error', code: 'validation', message: 'not a valid email address: "not an email"' });
    const dialogId = await write(peer, 'Hi');
    expect((await cardOf(dialogId)).email).toBeNull();
  });
});

describe('bad identify frames', () => {
  it('get the protocol’s error with their ref (the words of the card’s own edit), and the socket goes on', async () => {
    const { peer } = await visitor();
    const dialogId = await write(peer, 'Hello there');
    // The card's edit refuses the same value with the same words.
    const rest = await oli.updateCard(project.id, dialogId, { realName: 'Ada\nLovelace' }).catch((e: Error) => e);
    expect(rest).toBeInstanceOf(Error);
    const refused = await identify(peer, { realName: 'Ada\nLovelace' });
    expect(refused).toMatchObject({ type: 'error', code: 'validation' });
    expect(refused.message).toBe('the real name "Ada\\nLovelace" has a line break or control character');
    expect((rest as Error).message).toContain(refused.message);

    for (const [fields, words] of [
      [{ realName: 'x'.repeat(201) }, /^invalid "identify" frame: \/realName .*200/],
      [{ phone: '1'.repeat(61) }, /^invalid "identify" frame: \/phone .*60/],
      [{ email: 5 }, /^invalid "identify" frame: \/email/],
      // The widget API's word for it is not the frame's: refused rather than lost without a word.
      [{ name: 'Ada' }, /^invalid "identify" frame: it has no field "name"$/],
      [{ realName: 'Ada\u202eecilA' }, /text direction control/],
    ] as const) {
      const answer = await identify(peer, fields);
      expect(answer, JSON.stringify(fields)).toMatchObject({ type: 'error', code: 'validation' });
      expect(answer.message, JSON.stringify(fields)).toMatch(words);
    }
    await stillOpen(peer);
    await write(peer, 'still here', false);
    expect(await cardOf(dialogId)).toEqual({ realName: null, email: null, phone: null, notes: null, fromSite: [] });
  });

  it('before hello: say hello first', async () => {
    const peer = await connectVisitor(server.url, project.widgetKey, ORIGIN);
    peers.push(peer);
    peer.send({ type: 'identify', ref: 'early', realName: 'Ada' });
    expect(await peer.next((f) => f.type === 'error')).toMatchObject({ code: 'validation', message: 'say hello first' });
    peer.send({ type: 'hello' });
    await peer.next((f) => f.type === 'welcome');
  });

  it('changes come in a burst of 5, then one a minute (rate_limited); the same values said again are always answered', async () => {
    const { peer } = await visitor();
    await write(peer, 'Hi');
    for (let i = 1; i <= 5; i++) expect((await identify(peer, { realName: `Name ${i}` })).type).toBe('identified');
    expect(await identify(peer, { realName: 'Name 6' })).toMatchObject({ type: 'error', code: 'rate_limited' });
    expect((await identify(peer, { realName: 'Name 5' })).type).toBe('identified');
    await stillOpen(peer);
  });
});

describe('the upgrade', () => {
  it('takes the card fields set before it as the operators’ (only they could set them)', async () => {
    const dir = await tempDir('parley-identify-');
    const path = join(dir, 'p.db');
    const upgrade = migrations.findIndex((m) => m.name === 'visitors: the card fields operators set');
    expect(upgrade).toBeGreaterThan(0);
    const raw = new Database(path);
    raw.pragma('foreign_keys = ON');
    for (const m of migrations.slice(0, upgrade)) raw.exec(m.sql);
    raw.pragma(`user_version = ${upgrade}`);
    raw.exec(`
      INSERT INTO projects (id, name, widget_key, allowed_origins, timezone, language, created_at, updated_at)
        VALUES (1, 'Shop', 'wk', '[]', 'UTC', 'en', 0, 0);
      INSERT INTO visitors (id, project_id, token_hash, name, real_name, phone, email, created_at, last_seen_at) VALUES
        (1, 1, 'h1', 'Blank Card', NULL, NULL, NULL, 0, 0),
        (2, 1, 'h2', 'Named', 'Ada', NULL, NULL, 0, 0),
        (3, 1, 'h3', 'Full Card', 'Grace', '+1 555', 'g@example.com', 0, 0),
        (4, 1, 'h4', 'Email Only', NULL, NULL, 'e@example.com', 0, 0);
    `);
    raw.close();
    const db = await openDatabase(path);
    try {
      expect(await db.all('SELECT id, card_by_operator FROM visitors ORDER BY id')).toEqual([
        { id: 1, card_by_operator: 0 },
        { id: 2, card_by_operator: 1 },
        { id: 3, card_by_operator: 7 },
        { id: 4, card_by_operator: 4 },
      ]);
    } finally {
      await db.close();
    }
  });
});
