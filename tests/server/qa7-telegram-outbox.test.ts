// Review finding 2: a call waiting out its retry backoff (after a 5xx) holds up no other chat's
// calls. Oli's forward is answered 502 and waits its 2 s backoff; meanwhile Bea taps a button in
// her chat: the tap is answered and her card comes at once, not after Oli's backoff. A fake Bot
// API speaking the real wire protocol, a real server and real widget sockets; the bridge in
// virtual time, except that a backoff lasts until the test ends it (or the outbox cuts it short).
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type BotCall, VirtualTimers } from '../helpers/telegram.js';
import {
  addLinkedOperator,
  CHAT,
  endTelegramScenario,
  linkChat,
  startTelegramScenario,
  type TelegramScenario,
  until,
  visitorWrites,
} from '../helpers/telegram-scenario.js';

const BEA_CHAT = 5002;
/** The outbox's first backoff after a failure; a chat's pace is shorter (1 s). */
const FIRST_BACKOFF_MS = 2000;

/** Virtual time, except that a wait as long as a backoff lasts until `release()` or until it is cut short. */
class BackoffsHeld extends VirtualTimers {
  private readonly virtualSleep = this.sleep;
  private held = new Set<() => void>();
  get waiting() {
    return this.held.size;
  }
  sleep = async (ms: number, signal?: AbortSignal) => {
    if (ms < FIRST_BACKOFF_MS || !signal) return this.virtualSleep(ms);
    this.sleeps.push(ms);
    await new Promise<void>((resolve) => {
      const end = (elapsed: boolean) => {
        if (!this.held.delete(release)) return;
        if (elapsed) this.t += ms;
        resolve();
      };
      const release = () => end(true);
      if (signal.aborted) return resolve();
      this.held.add(release);
      signal.addEventListener('abort', () => end(false), { once: true });
    });
  };
  /** The waits held now run their full length. */
  release() {
    for (const release of [...this.held]) release();
  }
}

let t: TelegramScenario;
let timers: BackoffsHeld;

beforeEach(async () => {
  timers = new BackoffsHeld();
  t = await startTelegramScenario({ timers });
  await linkChat(t);
  await addLinkedOperator(t, { email: 'bea@example.com', firstName: 'Bea', lastName: 'Op' }, BEA_CHAT);
});

afterEach(async () => {
  timers.release();
  await endTelegramScenario(t);
});

it("while one chat's forward waits out its backoff after a 502, a tap in another chat is answered and its card sent at once", async () => {
  const beaFirst = t.fake.nextSaid(BEA_CHAT, /First question/);
  const { peer } = await visitorWrites(t, 'First question');
  await beaFirst;
  const list = t.fake.nextSaid(BEA_CHAT, /Your open dialogs/);
  t.fake.userSays(BEA_CHAT, '/dialogs');
  const listed = await list;
  const open: string = listed.params.reply_markup.inline_keyboard[0][0].callback_data;
  // Long enough that no chat's pace holds anything back below.
  timers.t += 10_000;

  t.fake.fail('sendMessage', { kind: 'error', code: 502, description: 'Bad Gateway' });
  const failed = t.fake.waitFor('sendMessage', (c) => c.status === 502);
  peer.send({ type: 'message.send', clientId: randomUUID(), body: 'Second question' });
  expect((await failed).params.chat_id).toBe(CHAT);
  await until(() => timers.waiting === 1, "Oli's forward waiting out its backoff");

  const card = t.fake.nextSaid(BEA_CHAT, /Reply to this message to answer/);
  const tap = t.fake.userTaps(BEA_CHAT, listed.result.message_id, open);
  const answered = await t.fake.waitFor('answerCallbackQuery', (c) => c.params.callback_query_id === tap.queryId && c.status === 200);
  expect((await card).params.text).toContain('First question');
  // Oli's backoff is still running: nothing of the second question went out again yet.
  await until(() => timers.waiting === 1, "Oli's forward still waiting out its backoff");
  // (Bea's card shows the second question too: only Oli's forward counts here.)
  const oliTries = () => t.fake.calls.filter((c) => c.method === 'sendMessage' && c.params.chat_id === CHAT && /Second question/.test(c.params.text));
  expect(oliTries().map((c) => c.status)).toEqual([502]);
  expect(answered.status).toBe(200);

  // The backoff over, Oli's forward goes again and arrives, then Bea's.
  const isForward = (chatId: number) => (c: BotCall) => c.status === 200 && c.params.chat_id === chatId && /^💬 [^\n·]+\n📄[^]*\n\nSecond question$/.test(c.params.text);
  timers.release();
  const toOli = await t.fake.waitFor('sendMessage', isForward(CHAT));
  const toBea = await t.fake.waitFor('sendMessage', isForward(BEA_CHAT));
  expect(oliTries().map((c) => c.status)).toEqual([502, 200]);
  expect(t.fake.calls.indexOf(toOli)).toBeLessThan(t.fake.calls.indexOf(toBea));
});
