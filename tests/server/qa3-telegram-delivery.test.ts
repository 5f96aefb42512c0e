// The Telegram bridge when Telegram fails or is slow: a 5xx is retried; a forward that still
// fails leaves a "may be missing" note once Telegram answers; a failed 👌 is said in words; an
// operator's answer does not wait behind other visitors' forwards; "not delivered" deadlines
// survive a restart. A fake Bot API speaking the real wire protocol, a real server and real
// widget sockets; the bridge in virtual time, the delivery deadline on a manual clock.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DELIVERED_REACTION } from '../../server/telegram/bridge.js';
import { ManualTime } from '../helpers/manual-time.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { startServerWithBot } from '../helpers/telegram.js';
import {
  CHAT,
  endTelegramScenario,
  linkChat,
  ORIGIN,
  startTelegramScenario,
  type TelegramScenario,
  until,
  visitorWrites,
} from '../helpers/telegram-scenario.js';

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

const operatorMessage = (peer: Peer) => peer.next((f) => f.type === 'message' && f.message.author === 'operator');
const BAD_GATEWAY = { kind: 'error', code: 502, description: 'Bad Gateway' } as const;

async function dialogIds(): Promise<number[]> {
  const { dialogs } = await t.operator.request<{ dialogs: Array<{ id: number }> }>('GET', `/api/v1/projects/${t.project.id}/dialogs?view=mine`);
  return dialogs.map((d) => d.id);
}

/** A visitor's widget, open on the shop's page. */
async function visitor(): Promise<Peer> {
  const { peer } = await visitorHello(t.server.url, t.project.widgetKey, ORIGIN);
  t.peers.push(peer);
  return peer;
}

const write = (peer: Peer, body: string) =>
  peer.send({ type: 'message.send', clientId: randomUUID(), body, page: { url: `${ORIGIN}/shoes`, title: 'Shoes' } });

describe('when Telegram answers 5xx', () => {
  it('a forward answered 502 is sent again and arrives', async () => {
    t.fake.fail('sendMessage', BAD_GATEWAY);
    const { forwarded } = await visitorWrites(t, 'Do you ship to Iceland?');
    const attempts = t.fake.calls.filter((c) => c.method === 'sendMessage' && /ship to Iceland/.test(c.params.text));
    expect(attempts.map((c) => c.status)).toEqual([502, 200]);
    expect(attempts[1]).toBe(forwarded);
  });

  it('a forward still failing after every retry leaves a "may be missing" note with an Open button once Telegram answers, before what comes next', async () => {
    // The forward's six tries fail, then the note's first seven (more than a forward's): Telegram
    // is back at the note's eighth.
    t.fake.fail('sendMessage', BAD_GATEWAY, 13);
    const peer = await visitor();
    const note = t.fake.nextSaid(CHAT, /may be missing/);
    write(peer, 'Lost in the outage');
    const said = await note;
    const [dialogId] = await dialogIds();
    expect(said.params.text).toMatch(/^⚠️ Telegram did not confirm a message from .+: it may be missing above\. Open the dialog to see it\.$/);
    expect(said.params.reply_markup.inline_keyboard).toEqual([[{ text: 'Open the dialog', callback_data: `open:${dialogId}` }]]);
    const tries = t.fake.calls.filter((c) => c.method === 'sendMessage' && /Lost in the outage/.test(c.params.text));
    expect(tries.map((c) => c.status)).toEqual([502, 502, 502, 502, 502, 502]);
    const noteTries = t.fake.calls.filter((c) => c.method === 'sendMessage' && /may be missing/.test(c.params.text));
    expect(noteTries.map((c) => c.status)).toEqual([...Array(7).fill(502), 200]);
    expect(t.server.logs.some((l) => /forward failed/.test(l))).toBe(true);

    // The visitor's next message comes after the note; the note's button opens the dialog.
    const next = t.fake.nextSaid(CHAT, /Still there\?/);
    write(peer, 'Still there?');
    expect(t.fake.calls.indexOf(await next)).toBeGreaterThan(t.fake.calls.indexOf(said));
    const card = t.fake.nextSaid(CHAT, /Reply to this message to answer/);
    t.fake.userTaps(CHAT, said.result.message_id, `open:${dialogId}`);
    expect((await card).params.text).toContain('Lost in the outage');
  });

  it('a 👌 answered 500 once is set again', async () => {
    const { peer, forwarded } = await visitorWrites(t, 'Is it in stock?');
    t.fake.fail('setMessageReaction', { kind: 'error', code: 500, description: 'Internal Server Error' });
    const { messageId } = t.fake.userSays(CHAT, 'Yes, two left.', { replyTo: forwarded.result.message_id });
    const pushed = await operatorMessage(peer);
    peer.send({ type: 'ack', messageIds: [pushed.message.id] });
    const set = await t.fake.waitFor('setMessageReaction', (c) => c.status === 200);
    expect(set.params).toMatchObject({ message_id: messageId, reaction: [{ type: 'emoji', emoji: DELIVERED_REACTION }] });
    expect(t.fake.calls.filter((c) => c.method === 'setMessageReaction').map((c) => c.status)).toEqual([500, 200]);
  });

  it('a 👌 Telegram keeps refusing is said in words under the answer, so the chat shows it delivered', async () => {
    const { peer, forwarded } = await visitorWrites(t, 'Is it in stock?');
    t.fake.fail('setMessageReaction', { kind: 'error', code: 500, description: 'Internal Server Error' }, 6);
    const { messageId } = t.fake.userSays(CHAT, 'Yes, two left.', { replyTo: forwarded.result.message_id });
    const pushed = await operatorMessage(peer);
    await until(() => time.pending === 1, 'the deadline armed');
    const delivered = t.fake.nextSaid(CHAT, /Delivered/);
    peer.send({ type: 'ack', messageIds: [pushed.message.id] });
    const said = await delivered;
    expect(said.params.text).toBe('✅ Delivered.');
    expect(said.params.reply_parameters.message_id).toBe(messageId);
    expect(t.fake.calls.filter((c) => c.method === 'setMessageReaction').map((c) => c.status)).toEqual([500, 500, 500, 500, 500, 500]);
    // Delivered: no "not delivered" notice follows.
    expect(time.pending).toBe(0);
  });
});

describe("an operator's answer and the bot's outgoing queue", () => {
  it('an answer reaches its visitor while another visitor\'s forward is still waiting for Telegram', async () => {
    const { peer: anna, forwarded } = await visitorWrites(t, 'Question from Anna');
    const bob = await visitor();
    const held = t.fake.hold('sendMessage', (c) => /Line 1 from Bob/.test(c.params.text));
    write(bob, 'Line 1 from Bob');
    write(bob, 'Line 2 from Bob');
    const { call, release } = await held;

    // Bob's first line is with Telegram, unanswered; his second waits behind it.
    t.fake.userSays(CHAT, 'Answer for Anna', { replyTo: forwarded.result.message_id });
    expect((await operatorMessage(anna)).message.body).toBe('Answer for Anna');
    expect(call.status).toBeUndefined();
    expect(t.fake.calls.some((c) => /Line 2 from Bob/.test(c.params.text ?? ''))).toBe(false);

    const second = t.fake.nextSaid(CHAT, /Line 2 from Bob/);
    release();
    await second;
    expect(call.status).toBe(200);
  });

  it('a reply to a forward Telegram posted but the bridge has not recorded yet waits for it and answers that dialog', async () => {
    const peer = await visitor();
    const held = t.fake.hold('sendMessage', (c) => /Where is my parcel\?/.test(c.params.text));
    write(peer, 'Where is my parcel?');
    const { call, release } = await held;
    // The operator sees the message (Telegram posted it) and replies before the bot has its answer.
    const { updateId } = t.fake.userSays(CHAT, 'It left today', { replyTo: call.result.message_id });
    await t.fake.waitFor('getUpdates', (c) => c.status === 200 && c.result.some((u: { update_id: number }) => u.update_id === updateId));
    release();
    expect((await operatorMessage(peer)).message.body).toBe('It left today');
    expect(t.fake.sentTo(CHAT).filter((c) => /not a forwarded visitor message/.test(c.params.text))).toEqual([]);
  });
});

describe('delivery deadlines across a restart', () => {
  async function replyToAbsentVisitor() {
    const { peer, forwarded } = await visitorWrites(t, 'Call me back later');
    await peer.close();
    const { messageId } = t.fake.userSays(CHAT, 'Sure, tomorrow at 10.', { replyTo: forwarded.result.message_id });
    await until(() => time.pending === 1, 'the deadline armed');
    return messageId;
  }

  const restart = async () => {
    t.server = await startServerWithBot(t.fake, { clock: t.clock, timers: t.timers, dataDir: t.dataDir, deadlines: time });
  };

  it('a deadline running when the server stopped runs on after the start, for what was left of it', async () => {
    const messageId = await replyToAbsentVisitor();
    t.clock.advance(2000);
    await t.server.close();
    expect(time.pending).toBe(0);
    await restart();
    await until(() => time.pending === 1, 'the deadline armed again');
    time.advance(2999);
    expect(time.pending).toBe(1);
    const notice = t.fake.nextSaid(CHAT, /Not delivered/);
    time.advance(1);
    const said = await notice;
    expect(said.params.text).toMatch(/the visitor's site is closed/);
    expect(said.params.reply_parameters.message_id).toBe(messageId);
    expect(said.params.reply_markup.inline_keyboard).toEqual([[{ text: '🔁 Resend', callback_data: `resend:${messageId}` }]]);
  });

  it('a deadline that passed while the server was down gives its notice at the start, once', async () => {
    const messageId = await replyToAbsentVisitor();
    await t.server.close();
    t.clock.advance(60_000);
    const notice = t.fake.nextSaid(CHAT, /Not delivered/);
    await restart();
    expect((await notice).params.reply_parameters.message_id).toBe(messageId);
    expect(time.pending).toBe(0);

    // Another restart: the notice is there, nothing is said again.
    await t.server.close();
    await restart();
    const help = t.fake.nextSaid(CHAT, /^Visitor messages/);
    t.fake.userSays(CHAT, '/help');
    await help;
    expect(t.fake.sentTo(CHAT).filter((c) => /Not delivered/.test(c.params.text))).toHaveLength(1);
  });
});
