// Review finding 1: at start, delivery deadlines are armed again only for recent replies (an old
// reply never settled gets no "Not delivered" months late), and one reply whose notice fails (a
// chat that blocked the bot) neither stops the others' notices nor comes back at every start. A
// fake Bot API speaking the real wire protocol, a real server restarted on its data directory,
// real widget sockets; the bridge in virtual time, the delivery deadline on a manual clock.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { REARM_HORIZON_MS } from '../../server/telegram/relay.js';
import { ManualTime } from '../helpers/manual-time.js';
import { startServerWithBot } from '../helpers/telegram.js';
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

let t: TelegramScenario;
let time: ManualTime;

beforeEach(async () => {
  time = new ManualTime();
  t = await startTelegramScenario({ deadlines: time });
  await linkChat(t);
});

afterEach(async () => {
  await endTelegramScenario(t);
});

const restart = async () => {
  await t.server.close();
  t.server = await startServerWithBot(t.fake, { clock: t.clock, timers: t.timers, dataDir: t.dataDir, deadlines: time });
};

/** "Not delivered" notices the bot tried to post in a chat (answered or not). */
const noticeTries = (chatId: number) =>
  t.fake.calls.filter((c) => c.method === 'sendMessage' && c.params.chat_id === chatId && /Not delivered/.test(c.params.text));

/** Says /help in the chat and waits for the answer: whatever the start posted before is in. */
async function settled(chatId: number): Promise<void> {
  const help = t.fake.nextSaid(chatId, /^Visitor messages/);
  t.fake.userSays(chatId, '/help');
  await help;
}

it('a reply older than the horizon still waiting is settled at the start with nothing said; a recent one gets its notice, once', async () => {
  const old = await visitorWrites(t, 'An old question');
  await old.peer.close();
  const oldReply = t.fake.userSays(CHAT, 'An old answer', { replyTo: old.forwarded.result.message_id });
  await until(() => time.pending === 1, 'the old deadline armed');

  t.clock.advance(REARM_HORIZON_MS + 60_000);
  const recent = await visitorWrites(t, 'A recent question');
  await recent.peer.close();
  const recentReply = t.fake.userSays(CHAT, 'A recent answer', { replyTo: recent.forwarded.result.message_id });
  await until(() => time.pending === 2, 'the recent deadline armed');

  // Down for a minute: both deadlines passed meanwhile.
  await t.server.close();
  t.clock.advance(60_000);
  const notice = t.fake.nextSaid(CHAT, /Not delivered/);
  t.server = await startServerWithBot(t.fake, { clock: t.clock, timers: t.timers, dataDir: t.dataDir, deadlines: time });
  expect((await notice).params.reply_parameters.message_id).toBe(recentReply.messageId);
  await settled(CHAT);
  expect(noticeTries(CHAT).map((c) => c.params.reply_parameters.message_id)).toEqual([recentReply.messageId]);
  expect(oldReply.messageId).not.toBe(recentReply.messageId);

  // The old one stays settled: another start says nothing either.
  await restart();
  await settled(CHAT);
  expect(noticeTries(CHAT)).toHaveLength(1);
  expect(time.pending).toBe(0);
});

it("a chat that blocked the bot: its notice fails, the other chat's still comes; the next start does not try it again", async () => {
  await addLinkedOperator(t, { email: 'bea@example.com', firstName: 'Bea', lastName: 'Op' }, BEA_CHAT);
  const beaForward = t.fake.nextSaid(BEA_CHAT, /Is the blue one back/);
  const { peer, forwarded } = await visitorWrites(t, 'Is the blue one back?');
  const toBea = await beaForward;
  await peer.close();
  t.fake.userSays(CHAT, 'Oli: checking.', { replyTo: forwarded.result.message_id });
  await until(() => time.pending === 1, "Oli's deadline armed");
  const beaReply = t.fake.userSays(BEA_CHAT, 'Bea: yes, since Monday.', { replyTo: toBea.result.message_id });
  await until(() => time.pending === 2, "Bea's deadline armed");

  await t.server.close();
  t.clock.advance(60_000);
  // Oli's chat (the first in order) blocked the bot meanwhile.
  t.fake.fail('sendMessage', { kind: 'error', code: 403, description: 'Forbidden: bot was blocked by the user' });
  const beaNotice = t.fake.nextSaid(BEA_CHAT, /Not delivered/);
  t.server = await startServerWithBot(t.fake, { clock: t.clock, timers: t.timers, dataDir: t.dataDir, deadlines: time });
  expect((await beaNotice).params.reply_parameters.message_id).toBe(beaReply.messageId);
  expect(noticeTries(CHAT).map((c) => c.status)).toEqual([403]);
  expect(t.server.logs.some((l) => /delivery deadline not re-armed/.test(l))).toBe(true);

  // Next start: neither chat hears of these replies again.
  await restart();
  await settled(CHAT);
  await settled(BEA_CHAT);
  expect(noticeTries(CHAT).map((c) => c.status)).toEqual([403]);
  expect(noticeTries(BEA_CHAT)).toHaveLength(1);
});
