// What people type reaches mails and Telegram as inert text: mails are text/plain only (no HTML
// part a client would render) and a line break in a name cannot add a mail header; the bot
// sends plain text without parse_mode, so markup in a visitor's message is shown as typed.
// (The widget's side is tests/widget/security.test.ts; CSV exports: csv-injection.test.ts.)
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { TelegramLinkReply } from '../../core/protocol/index.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, type TestServer } from '../helpers/server.js';
import { type FakeBotApi, startFakeBotApi, startServerWithBot } from '../helpers/telegram.js';

const ORIGIN = 'https://shop.example.com';
const CHAT = 8001;
const MARKUP = '<img src=x onerror=alert(1)>';
const PROJECT_NAME = `<b>Shop</b>\r\nBcc: evil@example.com`;

let fake: FakeBotApi;
let server: TestServer;
let operator: ParleyClient;
let project: { id: number; widgetKey: string };
let welcomeFile: string;
const peers: Peer[] = [];

beforeAll(async () => {
  fake = await startFakeBotApi();
  server = await startServerWithBot(fake);
  const { client: admin } = await signedInAdmin(server);
  // Names with a line break are refused now; a database from before that rule may hold one.
  const p = await admin.createProject('Shop');
  await server.app.db.write((tx) => tx.run('UPDATE projects SET name = ? WHERE id = ?', [PROJECT_NAME, p.id]));
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(p.id, { email: 'oli@example.com', firstName: MARKUP, lastName: '*Op*', operator: true });
  const mail = await outbox.waitFor((m) => m.to === 'oli@example.com');
  outbox.close();
  operator = await signIn(server.url, 'oli@example.com', passwordFrom(mail), NEW_PASSWORD);
  const dir = join(server.dataDir, 'outbox');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.eml'));
  const raws = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  welcomeFile = raws.find((r) => /^To: oli@example\.com$/m.test(r))!;
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server?.close();
  await fake?.close();
});

describe('mails', () => {
  it('are text/plain only, with names as typed', async () => {
    const [head, ...rest] = welcomeFile.split(/\r?\n\r?\n/);
    expect(head).toMatch(/^Content-Type: text\/plain; charset=utf-8$/m);
    expect(welcomeFile).not.toMatch(/text\/html/i);
    expect(rest.join('\n\n')).toContain(`Hello ${MARKUP},`);
  });

  it('a line break in a name cannot add a header', async () => {
    const [head] = welcomeFile.split(/\r?\n\r?\n/);
    expect(head).not.toMatch(/^Bcc:/im);
    const subject = head.split(/\r?\n/).find((l) => l.startsWith('Subject:'))!;
    expect(subject).toBe('Subject: Your Parley account for <b>Shop</b> Bcc: evil@example.com');
  });
});

describe('Telegram', () => {
  it('forwards a visitor message with markup as plain text, without parse_mode', async () => {
    await operator.request('PUT', `/api/v1/projects/${project.id}/status`, { online: true });
    const { code } = await operator.request<TelegramLinkReply>('POST', '/api/v1/telegram/link');
    const linked = fake.nextSaid(CHAT, /^Linked/);
    fake.userSays(CHAT, `/start ${code}`);
    await linked;

    const body = `${MARKUP} <b>bold</b> *star* _under_ [pay here](javascript:alert(1)) \`code\``;
    const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN);
    peers.push(peer);
    const forwarded = fake.nextSaid(CHAT, /pay here/);
    peer.send({ type: 'message.send', clientId: randomUUID(), body, page: { url: `${ORIGIN}/`, title: `<i>${MARKUP}</i>` } });
    const call = await forwarded;
    expect(call.params.text).toContain(body);
    expect(call.params.text).toContain(`<i>${MARKUP}</i>`);
    // Nothing the bot sent, in any call, asks Telegram to read markup.
    const texts = fake.calls.filter((c) => typeof c.params.text === 'string' || typeof c.params.caption === 'string');
    expect(texts.length).toBeGreaterThanOrEqual(2);
    for (const c of texts) {
      expect(c.params.parse_mode, c.method).toBeUndefined();
      expect(c.params.entities, c.method).toBeUndefined();
      expect(c.params.caption_entities, c.method).toBeUndefined();
    }
  });
});
