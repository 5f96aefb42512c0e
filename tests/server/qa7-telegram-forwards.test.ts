// Review findings 6 and 7. A start after the bridge was off for a while forwards only the visitor
// messages of the last hour; each chat hears how many older ones it was not sent. With no chat
// linked, a visitor message costs the bridge no write, and the first link still starts the
// forwards from that moment. A fake Bot API speaking the real wire protocol, a real server
// (restarted on its data directory, without the bridge for a while), real widget sockets.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../server/config.js';
import { FORWARD_HORIZON_MS } from '../../server/telegram/relay.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { startTestServer } from '../helpers/server.js';
import { startServerWithBot } from '../helpers/telegram.js';
import {
  CHAT,
  endTelegramScenario,
  linkChat,
  ORIGIN,
  startTelegramScenario,
  type TelegramScenario,
  visitorWrites,
} from '../helpers/telegram-scenario.js';

let t: TelegramScenario;

beforeEach(async () => {
  t = await startTelegramScenario();
});

afterEach(async () => {
  await endTelegramScenario(t);
});

/** A new visitor's widget on the server running now. */
async function visitor(): Promise<Peer> {
  const { peer } = await visitorHello(t.server.url, t.project.widgetKey, ORIGIN);
  t.peers.push(peer);
  return peer;
}

/** A visitor writes; resolves once the server stored it, with its id. */
async function write(peer: Peer, body: string): Promise<number> {
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body, page: { url: `${ORIGIN}/shoes`, title: 'Shoes' } });
  return (await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId)).message.id;
}

/** The bridge's mark (the last message whose forwards were written down), read from the file. */
function forwardsMark(): number | null {
  const db = new Database(join(t.dataDir, DATABASE_FILE), { readonly: true });
  try {
    return (db.prepare('SELECT forwards_through FROM telegram_state WHERE id = 1').get() as { forwards_through: number | null } | undefined)?.forwards_through ?? null;
  } finally {
    db.close();
  }
}

const forwardedTexts = () => t.fake.sentTo(CHAT).map((c) => c.params.text as string);

it('after the bridge was off, a start forwards the last hour only; the chat hears first how many older messages it was not sent', async () => {
  await linkChat(t);
  await visitorWrites(t, 'Before the bridge went off');
  await Promise.all(t.peers.splice(0).map((p) => p.close()));
  await t.server.close();

  // The server runs without the bridge (no token) for a while; visitors write.
  t.server = await startTestServer({ dataDir: t.dataDir, clock: t.clock });
  const early = await visitor();
  await write(early, 'Old one, long answered in the TUI');
  await write(early, 'Old two, long answered in the TUI');
  await write(await visitor(), 'Old three, another visitor');
  t.clock.advance(FORWARD_HORIZON_MS + 5 * 60_000);
  await write(early, 'Recent, still waiting for an answer');
  await Promise.all(t.peers.splice(0).map((p) => p.close()));
  await t.server.close();

  const recent = t.fake.nextSaid(CHAT, /Recent, still waiting/);
  t.server = await startServerWithBot(t.fake, { clock: t.clock, timers: t.timers, dataDir: t.dataDir });
  const forwarded = await recent;
  const said = forwardedTexts();
  expect(said.filter((text) => /Old (one|two|three)/.test(text))).toEqual([]);
  const notes = said.filter((text) => text.startsWith('📭'));
  expect(notes).toEqual(['📭 3 visitor messages from more than an hour ago came while the bridge was off and are not forwarded: /dialogs shows them.']);
  expect(said.indexOf(notes[0])).toBeLessThan(said.indexOf(forwarded.params.text));

  // Another start owes nothing and says nothing again.
  await t.server.close();
  t.server = await startServerWithBot(t.fake, { clock: t.clock, timers: t.timers, dataDir: t.dataDir });
  const help = t.fake.nextSaid(CHAT, /^Visitor messages/);
  t.fake.userSays(CHAT, '/help');
  await help;
  expect(forwardedTexts().filter((text) => /^📭|Recent, still waiting/.test(text))).toHaveLength(2);
});

it('with no chat linked a visitor message costs the bridge no write; the first link forwards what comes after it only', async () => {
  const peer = await visitor();
  await write(peer, 'Nobody has Telegram yet');
  await t.server.app.telegram!.settled();
  expect(forwardsMark()).toBeNull();

  await linkChat(t);
  const afterId = await write(peer, 'Written after the link');
  await t.fake.nextSaid(CHAT, /Written after the link/);
  expect(forwardedTexts().filter((text) => /Nobody has Telegram yet/.test(text))).toEqual([]);
  expect(forwardsMark()).toBe(afterId);
});
