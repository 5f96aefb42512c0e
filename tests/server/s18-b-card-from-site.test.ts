// The client card says which of its values the site gave (the widget's identify): `fromSite`,
// the card fields whose value is the site's word, unverified, where the others were typed by an
// operator. An operator's edit of a field makes it theirs, and a field an operator has set stays
// out of it whatever the site says. Every card the server gives says it: a dialog's detail, the
// card edit's answer, and `visitor.updated` on the operators' socket. Values kept from before
// sites could identify were an operator's.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { VisitorRow } from '../../server/db/dialogs.js';
import { migrations } from '../../server/db/migrations.js';
import { openDatabase } from '../../server/db/sqlite.js';
import { presentVisitor } from '../../server/services/present.js';
import { connectOperator, type Peer, visitorHello } from '../helpers/realtime.js';
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
  const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN);
  peers.push(peer);
  return peer;
}

/** The visitor writes `body`: the dialog it is in, once operators heard of its card. */
async function write(peer: Peer, body: string) {
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body });
  await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  const created = await watcher.next((f) => f.type === 'message.created' && f.message.body === body);
  const dialogId = created.message.dialogId as number;
  await watcher.next((f) => f.type === 'visitor.updated' && f.dialogId === dialogId);
  return dialogId;
}

/** The site identifies the visitor; the server must take it. */
async function identify(peer: Peer, fields: Record<string, unknown>) {
  const ref = `identify-${randomUUID()}`;
  peer.send({ type: 'identify', ref, ...fields });
  expect(await peer.next((f) => (f.type === 'identified' || f.type === 'error') && f.ref === ref)).toMatchObject({ type: 'identified' });
}

/** The card as operators next hear of it (visitor.updated on their socket). */
const announced = async (dialogId: number) => (await watcher.next((f) => f.type === 'visitor.updated' && f.dialogId === dialogId)).visitor.card;
const cardOf = async (dialogId: number) => (await oli.getDialog(project.id, dialogId)).visitor.card;

describe('fromSite', () => {
  it('lists the fields the site gave, in the card’s order, on the event and the detail; a card nobody filled has none', async () => {
    const peer = await visitor();
    const dialogId = await write(peer, 'Where is my order?');
    expect(await cardOf(dialogId)).toEqual({ realName: null, phone: null, email: null, notes: null, fromSite: [] });

    await identify(peer, { email: 'ada@example.com', realName: 'Ada Lovelace', phone: '+44 20 7946 0000' });
    const card = { realName: 'Ada Lovelace', phone: '+44 20 7946 0000', email: 'ada@example.com', notes: null, fromSite: ['realName', 'phone', 'email'] };
    expect(await announced(dialogId)).toEqual(card);
    expect(await cardOf(dialogId)).toEqual(card);

    // A value the site clears is no value of the site's.
    await identify(peer, { phone: null });
    expect(await announced(dialogId)).toMatchObject({ phone: null, fromSite: ['realName', 'email'] });
  });

  it("loses a field an operator edits: their value is theirs, in the edit's answer, the event and the detail", async () => {
    const peer = await visitor();
    const dialogId = await write(peer, 'Hello');
    await identify(peer, { realName: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 1' });
    await announced(dialogId);

    const saved = await oli.updateCard(project.id, dialogId, { email: 'ada@lovelace.example' });
    expect(saved.card).toMatchObject({ email: 'ada@lovelace.example', fromSite: ['realName', 'phone'] });
    expect((await announced(dialogId)).fromSite).toEqual(['realName', 'phone']);
    expect((await cardOf(dialogId)).fromSite).toEqual(['realName', 'phone']);

    // Cleared by the operator: no value, and the site's next word does not bring it back.
    await oli.updateCard(project.id, dialogId, { phone: null });
    expect((await announced(dialogId)).fromSite).toEqual(['realName']);
    await identify(peer, { phone: '+44 2', realName: 'Ada King' });
    expect(await announced(dialogId)).toMatchObject({ realName: 'Ada King', phone: null, fromSite: ['realName'] });

    // A whole card saved with the name as it was leaves the name the site's (as identify treats it).
    const whole = await oli.updateCard(project.id, dialogId, { realName: 'Ada King', phone: null, email: 'ada@lovelace.example', notes: 'VIP' });
    expect(whole.card).toEqual({ realName: 'Ada King', phone: null, email: 'ada@lovelace.example', notes: 'VIP', fromSite: ['realName'] });
  });

  it('leaves out a field the operator set before the site spoke, which the site does not change', async () => {
    const peer = await visitor();
    const dialogId = await write(peer, 'Call me');
    await oli.updateCard(project.id, dialogId, { phone: '+47 555 0100' });
    expect((await announced(dialogId)).fromSite).toEqual([]);

    await identify(peer, { phone: '+1 555 0199', email: 'grace@example.com' });
    expect(await announced(dialogId)).toMatchObject({ phone: '+47 555 0100', email: 'grace@example.com', fromSite: ['email'] });
    expect((await cardOf(dialogId)).fromSite).toEqual(['email']);
    // The lead journal, where contact details leave Parley for a CRM, says so too.
    const lead = (await oli.leads(project.id)).leads.find((l) => l.dialogId === dialogId);
    expect(lead?.visitor).toMatchObject({ phone: '+47 555 0100', email: 'grace@example.com', fromSite: ['email'] });
  });

  it('comes with the first message of a visitor identified before writing', async () => {
    const peer = await visitor();
    await identify(peer, { realName: 'Grace Hopper' });
    const dialogId = await write(peer, 'First message');
    expect(await cardOf(dialogId)).toMatchObject({ realName: 'Grace Hopper', fromSite: ['realName'] });
  });
});

describe('the upgrade', () => {
  it('leaves the values kept before it out of fromSite: only operators could set them', async () => {
    const dir = await tempDir('parley-from-site-');
    const path = join(dir, 'p.db');
    const upgrade = migrations.findIndex((m) => m.name === 'visitors: the card fields operators set');
    const raw = new Database(path);
    raw.pragma('foreign_keys = ON');
    for (const m of migrations.slice(0, upgrade)) raw.exec(m.sql);
    raw.pragma(`user_version = ${upgrade}`);
    raw.exec(`
      INSERT INTO projects (id, name, widget_key, allowed_origins, timezone, language, created_at, updated_at)
        VALUES (1, 'Shop', 'wk', '[]', 'UTC', 'en', 0, 0);
      INSERT INTO visitors (id, project_id, token_hash, name, real_name, phone, email, created_at, last_seen_at)
        VALUES (1, 1, 'h1', 'Full Card', 'Grace', '+1 555', 'g@example.com', 0, 0);
    `);
    raw.close();
    const db = await openDatabase(path);
    try {
      const row = (await db.get<VisitorRow>('SELECT * FROM visitors WHERE id = 1'))!;
      expect(presentVisitor(row).card).toMatchObject({ realName: 'Grace', phone: '+1 555', email: 'g@example.com', fromSite: [] });
    } finally {
      await db.close();
    }
  });
});
