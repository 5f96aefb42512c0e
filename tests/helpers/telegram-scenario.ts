// The Telegram tests' common ground: a fake Bot API, a Parley server whose bridge talks to it (in
// virtual time, the server clock manual), a project "Shop" with an operator Oli, and the steps
// every scenario takes (link the chat, a visitor writes, the operator replies).
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { TelegramLinkReply } from '../../core/protocol/index.js';
import { ManualClock } from '../../server/clock.js';
import { webhookSecretFor } from '../../server/telegram/bridge.js';
import type { DeadlineTimers } from '../../server/telegram/timers.js';
import { passwordFrom, watchOutbox } from './mail.js';
import { type Peer, visitorHello } from './realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, tempDir, type TestServer } from './server.js';
import { type FakeBotApi, startFakeBotApi, startServerWithBot, VirtualTimers } from './telegram.js';

export const ORIGIN = 'https://shop.example.com';
export const CHAT = 5001;

export interface TelegramScenario {
  fake: FakeBotApi;
  clock: ManualClock;
  timers: VirtualTimers;
  dataDir: string;
  server: TestServer;
  admin: ParleyClient;
  operator: ParleyClient;
  project: { id: number; widgetKey: string };
  /** Widget sockets opened, closed at the end. */
  peers: Peer[];
}

export async function startTelegramScenario(opts: { deadlines?: DeadlineTimers; timers?: VirtualTimers } = {}): Promise<TelegramScenario> {
  const fake = await startFakeBotApi();
  const clock = new ManualClock(Date.now());
  const timers = opts.timers ?? new VirtualTimers();
  const dataDir = await tempDir();
  const server = await startServerWithBot(fake, { clock, timers, dataDir, deadlines: opts.deadlines });
  const { client: admin } = await signedInAdmin(server);
  const p = await admin.createProject('Shop');
  await admin.request('PATCH', `/api/v1/projects/${p.id}`, { allowedOrigins: [ORIGIN] });
  const project = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(project.id, { email: 'oli@example.com', firstName: 'Oli', lastName: 'Op', operator: true });
  const mail = await outbox.waitFor((m) => m.to === 'oli@example.com');
  outbox.close();
  const operator = await signIn(server.url, 'oli@example.com', passwordFrom(mail), NEW_PASSWORD);
  return { fake, clock, timers, dataDir, server, admin, operator, project, peers: [] };
}

/** Closes everything, then checks that neither the bot token nor the webhook secret reached a log line. */
export async function endTelegramScenario(t: TelegramScenario): Promise<void> {
  await Promise.all(t.peers.splice(0).map((p) => p.close()));
  await t.server.close();
  await t.fake.close();
  const logs = t.server.logs.join('\n');
  expect(logs).not.toContain(t.fake.token);
  expect(logs).not.toContain(t.fake.token.split(':')[1]);
  expect(logs).not.toContain(webhookSecretFor(t.fake.token));
}

export const linkCode = (client: ParleyClient) => client.request<TelegramLinkReply>('POST', '/api/v1/telegram/link');

/** Links the chat to Oli with a fresh code. */
export async function linkChat(t: TelegramScenario, chatId = CHAT): Promise<void> {
  const { code } = await linkCode(t.operator);
  const said = t.fake.nextSaid(chatId);
  t.fake.userSays(chatId, `/start ${code}`);
  expect((await said).params.text).toMatch(/^Linked to Parley as Oli Op \(oli@example\.com\)/);
}

/**
 * A visitor with page context who wrote `text` (on a new socket unless given one); their socket,
 * their token (a new socket's) and the forwarded message.
 */
export async function visitorWrites(t: TelegramScenario, text: string, peer?: Peer, extra: { attachmentIds?: number[] } = {}) {
  let token: string | undefined;
  if (!peer) {
    let welcome: Record<string, any>;
    ({ peer, welcome } = await visitorHello(t.server.url, t.project.widgetKey, ORIGIN));
    token = welcome.token;
    t.peers.push(peer);
  }
  const forwarded = t.fake.nextSaid(CHAT, new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  peer.send({
    type: 'message.send',
    clientId: randomUUID(),
    body: text,
    page: { url: `${ORIGIN}/shoes/trail-runner-2`, title: 'Trail Runner 2' },
    ...extra,
  });
  await peer.next((f) => f.type === 'message.stored');
  return { peer, token, forwarded: await forwarded };
}

/** Another operator of the project, signed in, their own chat `chatId` linked to them. */
export async function addLinkedOperator(
  t: TelegramScenario,
  person: { email: string; firstName: string; lastName: string },
  chatId: number,
): Promise<ParleyClient> {
  const outbox = await watchOutbox(t.server.dataDir);
  await t.admin.addMember(t.project.id, { ...person, operator: true });
  const mail = await outbox.waitFor((m) => m.to === person.email);
  outbox.close();
  const client = await signIn(t.server.url, person.email, passwordFrom(mail), NEW_PASSWORD);
  const { code } = await linkCode(client);
  const said = t.fake.nextSaid(chatId);
  t.fake.userSays(chatId, `/start ${code}`);
  expect((await said).params.text).toContain(`Linked to Parley as ${person.firstName} ${person.lastName}`);
  return client;
}

/** Resolves once `check` holds, looking after each turn of the event loop (bounded). */
export async function until(check: () => boolean, what: string, turns = 2000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`never happened: ${what}`);
}
