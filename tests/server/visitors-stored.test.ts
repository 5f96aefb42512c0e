// A visitor is stored at their first message or file, not at the widget's hello: page views and
// scripts opening sockets add no rows, while every tab of a visitor still shows one name and
// hears the whole conversation from the first message on.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { DATABASE_FILE } from '../../server/config.js';
import { migrations } from '../../server/db/migrations.js';
import { openDatabase } from '../../server/db/sqlite.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { connectOperator, type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);

let server: TestServer;
let admin: ParleyClient;
let operator: ParleyClient;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];

async function track<T extends { peer: Peer } | Peer>(p: Promise<T>): Promise<T> {
  const v = await p;
  peers.push('peer' in v ? v.peer : v);
  return v;
}

function visitorRows(): Array<{ id: number; project_id: number; name: string }> {
  const conn = new Database(join(server.dataDir, DATABASE_FILE), { readonly: true });
  try {
    return conn.prepare('SELECT id, project_id, name FROM visitors ORDER BY id').all() as Array<{ id: number; project_id: number; name: string }>;
  } finally {
    conn.close();
  }
}

function upload(token: string) {
  const body = new FormData();
  body.append('file', new Blob([PNG], { type: 'image/png' }), 'shot.png');
  return fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
    method: 'POST',
    headers: { origin: ORIGIN, 'x-parley-visitor': token },
    body,
  });
}

async function send(peer: Peer, body: string, extra: Record<string, unknown> = {}) {
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body, ...extra });
  return peer.next((f) => f.type === 'message.stored' || (f.type === 'error' && f.ref === clientId));
}

beforeEach(async () => {
  server = await startTestServer({ rateLimits: { login: 1000 } });
  ({ client: admin } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.request('PATCH', `/api/v1/projects/${p.id}`, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(p.id, { email: 'oli@example.com', firstName: 'Oli', lastName: 'Op', operator: true });
  operator = await signIn(server.url, 'oli@example.com', passwordFrom(await outbox.waitFor((m) => m.to === 'oli@example.com')), NEW_PASSWORD);
  outbox.close();
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
});

describe('a visitor is stored when they first write', () => {
  it('hellos without a token store nothing, however many; the first message stores one visitor, under the name the widget showed', async () => {
    const op = await track(connectOperator(server.url, operator.token!, project.id));
    await op.next((f) => f.type === 'ready');
    const hellos = await Promise.all(Array.from({ length: 50 }, () => visitorHello(server.url, project.widgetKey, ORIGIN)));
    for (const h of hellos) peers.push(h.peer);
    expect(new Set(hellos.map((h) => h.welcome.token)).size).toBe(50);
    for (const h of hellos) {
      expect(h.welcome.token).toMatch(/^pvt_[A-Za-z0-9_-]{43}$/);
      expect(h.welcome.visitor.name).toMatch(/^\S+ \S+$/);
      expect(h.welcome.dialog).toBeNull();
    }
    expect(visitorRows()).toEqual([]);

    const writer = hellos[7];
    expect((await send(writer.peer, 'Do you ship to Norway?')).type).toBe('message.stored');
    const rows = visitorRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ project_id: project.id, name: writer.welcome.visitor.name });
    // Operators hear of the visitor (online) with the first message, not of the 49 who only looked.
    const presence = await op.next((f) => f.type === 'visitor.presence');
    expect(presence).toEqual({ type: 'visitor.presence', visitorId: rows[0].id, online: true });
    const created = await op.next((f) => f.type === 'dialog.created');
    expect(created.dialog.visitor.name).toBe(writer.welcome.visitor.name);
    expect(op.frames.filter((f) => f.type === 'visitor.presence')).toEqual([]);

    // Coming back with the token finds the stored visitor and the history.
    await writer.peer.close();
    const back = await track(visitorHello(server.url, project.widgetKey, ORIGIN, { token: writer.welcome.token }));
    expect(back.welcome.token).toBe(writer.welcome.token);
    expect(back.welcome.visitor.name).toBe(writer.welcome.visitor.name);
    expect(back.welcome.messages.map((m: { body: string }) => m.body)).toEqual(['Do you ship to Norway?']);
    expect(visitorRows()).toHaveLength(1);
  });

  it('every tab opened before the first message is the visitor\'s once one of them writes: same name, both hear the reply, operators see them leave with the last', async () => {
    const op = await track(connectOperator(server.url, operator.token!, project.id));
    await op.next((f) => f.type === 'ready');
    const tab1 = await track(visitorHello(server.url, project.widgetKey, ORIGIN, { language: 'ru-RU' }));
    const tab2 = await track(visitorHello(server.url, project.widgetKey, ORIGIN, { token: tab1.welcome.token, rev: 0, language: 'ru-RU' }));
    expect(tab2.welcome.token).toBe(tab1.welcome.token);
    expect(tab2.welcome.visitor.name).toBe(tab1.welcome.visitor.name);
    expect(tab1.welcome.visitor.name).toMatch(/^[А-ЯЁ][а-яё]+ [А-ЯЁ][а-яё]+$/);

    const stored = await send(tab1.peer, 'Здравствуйте');
    // The other tab shows the visitor's own message as it does for a stored visitor.
    expect((await tab2.peer.next((f) => f.type === 'message')).message.id).toBe(stored.message.id);
    const created = await op.next((f) => f.type === 'dialog.created');
    await operator.request('POST', `/api/v1/projects/${project.id}/dialogs/${created.dialog.id}/messages`, { clientId: randomUUID(), body: 'Добрый день!' });
    for (const tab of [tab1, tab2]) {
      const reply = await tab.peer.next((f) => f.type === 'message' && f.message.author === 'operator');
      expect(reply.message.body).toBe('Добрый день!');
      // Both tabs ack; the second tab's ack (a socket that was pending when it said hello) counts.
      tab.peer.send({ type: 'ack', messageIds: [reply.message.id] });
    }
    const delivered = await op.next((f) => f.type === 'message.updated' && f.message.deliveredAt !== null);
    expect(delivered.message.body).toBe('Добрый день!');
    expect(visitorRows()).toHaveLength(1);

    const came = await op.next((f) => f.type === 'visitor.presence');
    expect(came.online).toBe(true);
    await tab1.peer.close();
    const detail = await operator.request<{ visitorOnline: boolean }>('GET', `/api/v1/projects/${project.id}/dialogs/${created.dialog.id}`);
    expect(detail.visitorOnline).toBe(true);
    await tab2.peer.close();
    const left = await op.next((f) => f.type === 'visitor.presence');
    expect(left).toEqual({ type: 'visitor.presence', visitorId: came.visitorId, online: false });
  });

  it('two tabs writing their first messages at once make one visitor with one dialog', async () => {
    const tab1 = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    const tab2 = await track(visitorHello(server.url, project.widgetKey, ORIGIN, { token: tab1.welcome.token }));
    const [a, b] = await Promise.all([send(tab1.peer, 'from one'), send(tab2.peer, 'from two')]);
    expect([a.type, b.type]).toEqual(['message.stored', 'message.stored']);
    expect(visitorRows()).toHaveLength(1);
    const list = await operator.request<{ dialogs: Array<{ id: number; visitor: { name: string } }> }>('GET', `/api/v1/projects/${project.id}/dialogs`);
    expect(list.dialogs).toHaveLength(1);
    expect(list.dialogs[0].visitor.name).toBe(tab1.welcome.visitor.name);
  });

  it('an unknown token is kept when the widget holds nothing of it, and replaced when it held messages, is not ours, or is another site\'s visitor', async () => {
    const unused = `pvt_${Buffer.alloc(32, 7).toString('base64url')}`;
    const kept = await track(visitorHello(server.url, project.widgetKey, ORIGIN, { token: unused, rev: 0 }));
    expect(kept.welcome.token).toBe(unused);

    // A widget that saw messages under the token (rev) had a stored visitor the server lost.
    const lost = await track(visitorHello(server.url, project.widgetKey, ORIGIN, { token: unused, rev: 12 }));
    expect(lost.welcome.token).not.toBe(unused);
    expect(lost.welcome.token).toMatch(/^pvt_/);

    const odd = await track(visitorHello(server.url, project.widgetKey, ORIGIN, { token: 'hello-world' }));
    expect(odd.welcome.token).toMatch(/^pvt_[A-Za-z0-9_-]{43}$/);

    // A visitor of another project: its token is not taken over here.
    const other = await admin.createProject('Blog');
    await admin.request('PATCH', `/api/v1/projects/${other.id}`, { allowedOrigins: [ORIGIN] });
    const there = await track(visitorHello(server.url, other.widgetKey, ORIGIN));
    expect((await send(there.peer, 'hi from the blog')).type).toBe('message.stored');
    const here = await track(visitorHello(server.url, project.widgetKey, ORIGIN, { token: there.welcome.token }));
    expect(here.welcome.token).not.toBe(there.welcome.token);
    expect((await send(here.peer, 'hi from the shop')).type).toBe('message.stored');
    const rows = visitorRows();
    expect(rows.map((r) => r.project_id).sort()).toEqual([project.id, other.id].sort());
  });

  it('a file sent before any message stores the visitor; a token with no widget open is refused and stores nothing', async () => {
    const stranger = await upload(`pvt_${Buffer.alloc(32, 9).toString('base64url')}`);
    expect(stranger.status).toBe(401);
    expect((await stranger.json()).error.code).toBe('unauthenticated');
    expect(visitorRows()).toEqual([]);

    const tab = await track(visitorHello(server.url, project.widgetKey, ORIGIN));
    const res = await upload(tab.welcome.token);
    expect(res.status).toBe(201);
    const file = (await res.json()) as { id: number };
    const rows = visitorRows();
    expect(rows).toHaveLength(1);
    expect(rows[0].name).toBe(tab.welcome.visitor.name);
    // The socket is the stored visitor's now: the file goes out with the first message.
    const stored = await send(tab.peer, 'see the screenshot', { attachmentIds: [file.id] });
    expect(stored.type).toBe('message.stored');
    expect(stored.message.attachments.map((a: { id: number }) => a.id)).toEqual([file.id]);
    expect(visitorRows()).toHaveLength(1);
  });
});

describe('the upgrade', () => {
  it('deletes the visitors an earlier version stored at hello who never wrote nor sent a file, and keeps the others', async () => {
    const dir = await tempDir('parley-visitors-');
    const path = join(dir, 'p.db');
    const upgrade = migrations.findIndex((m) => m.name === 'visitors: stored when they first write');
    expect(upgrade).toBeGreaterThan(0);
    const raw = new Database(path);
    raw.pragma('foreign_keys = ON');
    for (const m of migrations.slice(0, upgrade)) raw.exec(m.sql);
    raw.pragma(`user_version = ${upgrade}`);
    raw.exec(`
      INSERT INTO projects (id, name, widget_key, allowed_origins, timezone, language, created_at, updated_at)
        VALUES (1, 'Shop', 'wk', '[]', 'UTC', 'en', 0, 0);
      INSERT INTO visitors (id, project_id, token_hash, name, created_at, last_seen_at) VALUES
        (1, 1, 'h1', 'Only Looked', 0, 0), (2, 1, 'h2', 'Wrote Once', 0, 0), (3, 1, 'h3', 'Sent A File', 0, 0), (4, 1, 'h4', 'Also Looked', 0, 0);
      INSERT INTO dialogs (id, project_id, visitor_id, status, created_at, last_message_at) VALUES (1, 1, 2, 'open', 0, 0);
      INSERT INTO attachments (project_id, visitor_id, uploaded_by, access_key, file, name, mime, size, created_at)
        VALUES (1, 3, 'visitor', 'k', 'f', 'a.png', 'image/png', 1, 0);
    `);
    raw.close();
    const db = await openDatabase(path);
    try {
      expect(await db.all('SELECT id, name FROM visitors ORDER BY id')).toEqual([
        { id: 2, name: 'Wrote Once' },
        { id: 3, name: 'Sent A File' },
      ]);
      expect(await db.all('SELECT visitor_id FROM dialogs')).toEqual([{ visitor_id: 2 }]);
      expect(await db.all('SELECT visitor_id FROM attachments')).toEqual([{ visitor_id: 3 }]);
    } finally {
      await db.close();
    }
  });
});
