// QA finding 1, "nothing lost": visitor messages owed to an operator's Telegram chat are written
// down, so a server stopped while they wait (a 429 pause, the per-chat pace) sends them after the
// next start, in order and once; a forward that was with Telegram unanswered when it stopped is
// not posted again: the chat gets the "may be missing" note instead. A fake Bot API speaking the
// real wire protocol, a real server restarted on the same data directory, real widget sockets.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { type BotCall, startServerWithBot, VirtualTimers } from '../helpers/telegram.js';
import {
  CHAT,
  endTelegramScenario,
  linkChat,
  ORIGIN,
  startTelegramScenario,
  type TelegramScenario,
  visitorWrites,
} from '../helpers/telegram-scenario.js';

const RETRY_AFTER_S = 45;

/**
 * Virtual time, except that waiting out a 429's retry_after lasts until the bridge stops (its
 * signal aborts): the server is stopped in the middle of the pause.
 */
class TimersStuckInPause extends VirtualTimers {
  private readonly virtualSleep = this.sleep;
  sleep = async (ms: number, signal?: AbortSignal) => {
    if (ms < RETRY_AFTER_S * 1000 || !signal) return this.virtualSleep(ms);
    this.sleeps.push(ms);
    await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  };
}

let t: TelegramScenario;

beforeEach(async () => {
  t = await startTelegramScenario({ timers: new TimersStuckInPause() });
  await linkChat(t);
});

afterEach(async () => {
  await endTelegramScenario(t);
});

/** A visitor writes on their open widget; resolves once the server stored it. */
async function write(peer: Peer, body: string): Promise<void> {
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body, page: { url: `${ORIGIN}/shoes`, title: 'Shoes' } });
  await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
}

/** The server stopped (SIGTERM) and started again on its data directory, with Telegram answering at once. */
async function restart(): Promise<void> {
  await Promise.all(t.peers.splice(0).map((p) => p.close()));
  await t.server.close();
  t.server = await startServerWithBot(t.fake, { clock: t.clock, timers: new VirtualTimers(), dataDir: t.dataDir });
}

/** Messages Telegram posted in the chat (answered or not) whose text has `text`. */
const posted = (text: string): BotCall[] =>
  t.fake.calls.filter((c) => c.method === 'sendMessage' && c.params.chat_id === CHAT && c.result && c.params.text.includes(text));

it('messages waiting out a 429 when the server stops reach the chat after the start, in order, each once', async () => {
  const { peer, token } = await visitorWrites(t, 'message one');
  t.fake.fail('sendMessage', { kind: 'rate_limit', retryAfter: RETRY_AFTER_S });
  const limited = t.fake.waitFor('sendMessage', (c) => c.status === 429);
  await write(peer, 'message two (during 429)');
  expect((await limited).params.text).toContain('message two');
  await write(peer, 'message three (during 429)');
  expect(t.fake.calls.some((c) => c.params.text?.includes('message three'))).toBe(false);

  const three = t.fake.nextSaid(CHAT, /message three/);
  await restart();
  await three;
  // The visitor, back after the restart, writes again: it comes after what was owed.
  const { peer: back } = await visitorHello(t.server.url, t.project.widgetKey, ORIGIN, { token });
  t.peers.push(back);
  const four = t.fake.nextSaid(CHAT, /message four/);
  await write(back, 'message four');
  await four;

  const texts = ['message one', 'message two', 'message three', 'message four'];
  for (const text of texts) expect(posted(text), text).toHaveLength(1);
  const order = texts.map((text) => t.fake.calls.indexOf(posted(text)[0]));
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(t.fake.sentTo(CHAT).filter((c) => /may be missing/.test(c.params.text))).toEqual([]);
});

it('stopped while a forward is with Telegram unanswered and the next waits its turn: the first is noted as maybe missing, never posted twice; the next arrives once', async () => {
  const { peer } = await visitorWrites(t, 'burst A');
  const held = t.fake.hold('sendMessage', (c) => /burst B/.test(c.params.text));
  await write(peer, 'burst B');
  await write(peer, 'burst C');
  await held; // Telegram posted B; the bot never hears back. C waits behind it.
  expect(t.fake.calls.some((c) => c.params.text?.includes('burst C'))).toBe(false);

  const c = t.fake.nextSaid(CHAT, /burst C/);
  await restart();
  await c;
  const note = t.fake.sentTo(CHAT).filter((call) => /may be missing/.test(call.params.text));
  expect(note).toHaveLength(1);
  expect(note[0].params.text).toMatch(/^⚠️ Telegram did not confirm a message from .+: it may be missing above\./);
  for (const text of ['burst A', 'burst B', 'burst C']) expect(posted(text), text).toHaveLength(1);
  // The note comes before what the chat gets next.
  expect(t.fake.calls.indexOf(note[0])).toBeLessThan(t.fake.calls.indexOf(posted('burst C')[0]));

  // Another restart owes nothing: nothing is said again.
  await restart();
  const help = t.fake.nextSaid(CHAT, /^Visitor messages/);
  t.fake.userSays(CHAT, '/help');
  await help;
  expect(t.fake.sentTo(CHAT).filter((call) => /burst|may be missing/.test(call.params.text))).toHaveLength(3);
});
