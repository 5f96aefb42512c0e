// The Telegram bridge against a fake Bot API that speaks the real wire protocol, with a real
// Parley server and real widget sockets. The bridge runs in virtual time (its waits are
// recorded, not slept); the server's clock is manual where expiry matters.
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiError, ParleyClient } from '../../core/client/api.js';
import type { ManualClock } from '../../server/clock.js';
import { DATABASE_FILE } from '../../server/config.js';
import { request } from 'undici';
import { clientIdFor, DELIVERED_REACTION, webhookSecretFor } from '../../server/telegram/bridge.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, signIn, startTestServer, type TestServer } from '../helpers/server.js';
import { BOT, type FakeBotApi, startServerWithBot, type VirtualTimers } from '../helpers/telegram.js';
import * as scenario from '../helpers/telegram-scenario.js';
import { CHAT, linkCode, ORIGIN, type TelegramScenario } from '../helpers/telegram-scenario.js';

let t: TelegramScenario;
let fake: FakeBotApi;
let clock: ManualClock;
let timers: VirtualTimers;
let dataDir: string;
let server: TestServer;
let admin: ParleyClient;
let operator: ParleyClient;
let project: { id: number; widgetKey: string };
let peers: Peer[];

beforeEach(async () => {
  t = await scenario.startTelegramScenario();
  ({ fake, clock, timers, dataDir, server, admin, operator, project, peers } = t);
});

afterEach(async () => {
  // The tests here restart the server: the one running now is the one to close.
  t.server = server;
  await scenario.endTelegramScenario(t);
});

const nextSaid = (chatId: number, match?: RegExp) => fake.nextSaid(chatId, match);

/** Bea, a second operator of the project (her chat not linked), signed in. */
async function addBea(): Promise<ParleyClient> {
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(project.id, { email: 'bea@example.com', firstName: 'Bea', lastName: 'Op', operator: true });
  const bea = await signIn(server.url, 'bea@example.com', passwordFrom(await outbox.waitFor((m) => m.to === 'bea@example.com')));
  outbox.close();
  return bea;
}
const linkChat = (chatId = CHAT) => scenario.linkChat({ ...t, operator }, chatId);
const visitorWrites = (text: string, peer?: Peer) => scenario.visitorWrites({ ...t, server }, text, peer);

/** The operator replies in Telegram to a forwarded message. */
function replyInTelegram(forwardedId: number, text: string) {
  return fake.userSays(CHAT, text, { replyTo: forwardedId });
}

describe('linking a chat', () => {
  it('a valid code links the chat; the same code cannot link again', async () => {
    const link = await linkCode(operator);
    expect(link.bot).toBe(BOT.username);
    expect(link.url).toBe(`https://t.me/${BOT.username}?start=${link.code}`);
    expect(link.code).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
    expect(Date.parse(link.expiresAt) - clock.now()).toBe(15 * 60_000);

    let said = nextSaid(CHAT);
    fake.userSays(CHAT, `/start ${link.code}`);
    expect((await said).params.text).toMatch(/^Linked to Parley as Oli Op/);

    said = nextSaid(6002);
    fake.userSays(6002, `/start ${link.code}`);
    expect((await said).params.text).toMatch(/already used/);
    // The other chat stays unlinked: it gets the explanation.
    said = nextSaid(6002);
    fake.userSays(6002, 'hello?');
    expect((await said).params.text).toMatch(/parley telegram link/);
  });

  it("a code of another member in a linked chat moves the chat to them, and says whose link ended", async () => {
    await linkChat();
    const bea = await addBea();
    const { code } = await linkCode(bea);
    const said = nextSaid(CHAT);
    fake.userSays(CHAT, `/start ${code}`);
    expect((await said).params.text).toMatch(/^This chat was linked to Oli Op \(.+\); that link has ended\.\n\nLinked to Parley as Bea Op/);
    expect(await operator.request('DELETE', '/api/v1/telegram/link')).toEqual({ unlinked: false });
  });

  it('an expired or unknown code links nothing', async () => {
    const { code } = await linkCode(operator);
    clock.advance(15 * 60_000);
    let said = nextSaid(CHAT);
    fake.userSays(CHAT, `/start ${code}`);
    expect((await said).params.text).toMatch(/expired/);
    said = nextSaid(CHAT);
    fake.userSays(CHAT, '/start not-a-code');
    expect((await said).params.text).toMatch(/not valid/);
    said = nextSaid(CHAT);
    fake.userSays(CHAT, '/help');
    expect((await said).params.text).toMatch(/To link this chat, run "parley telegram link"/);
  });

  it('an unlinked chat gets a short explanation and nothing else, whatever it sends', async () => {
    await linkChat(CHAT);
    const { forwarded } = await visitorWrites('Do you ship to Norway?');
    const stranger = 6003;
    const from = fake.calls.length;
    for (const text of ['hi', '/dialogs', '/online']) {
      const said = nextSaid(stranger);
      fake.userSays(stranger, text);
      expect((await said).params.text).toMatch(/^This bot brings Parley chats to operators/);
    }
    // Replying to a forwarded message's id from another chat posts nothing either.
    const said = nextSaid(stranger);
    fake.userSays(stranger, 'Yes we do', { replyTo: forwarded.result.message_id });
    await said;
    const madeByStranger = fake.calls.slice(from).filter((c) => c.params.chat_id === stranger);
    expect(madeByStranger.map((c) => c.method)).toEqual(['sendMessage', 'sendMessage', 'sendMessage', 'sendMessage']);
    const { dialogs } = await operator.request<{ dialogs: Array<{ lastMessage: { body: string } }> }>(
      'GET',
      `/api/v1/projects/${project.id}/dialogs`,
    );
    expect(dialogs[0].lastMessage.body).toBe('Do you ship to Norway?');
  });

  it('/unlink and "DELETE /telegram/link" end the link', async () => {
    await linkChat();
    let said = nextSaid(CHAT);
    fake.userSays(CHAT, '/unlink');
    expect((await said).params.text).toMatch(/no longer linked/);
    said = nextSaid(CHAT);
    fake.userSays(CHAT, 'still there?');
    expect((await said).params.text).toMatch(/^This bot brings Parley chats/);

    await linkChat();
    said = nextSaid(CHAT);
    expect(await operator.request('DELETE', '/api/v1/telegram/link')).toEqual({ unlinked: true });
    expect((await said).params.text).toMatch(/no longer linked/);
    expect(await operator.request('DELETE', '/api/v1/telegram/link')).toEqual({ unlinked: false });
  });

  it('only operators link; a server without a token answers 503', async () => {
    const err = await linkCode(admin).catch((e: ApiError) => e);
    expect(err).toMatchObject({ status: 403 });
    const plain = await startTestServer();
    try {
      const { client } = await signedInAdmin(plain);
      expect(await linkCode(client).catch((e: ApiError) => e)).toMatchObject({ status: 503, code: 'unavailable' });
    } finally {
      await plain.close();
    }
  });
});

describe('visitor messages and replies', () => {
  it("a visitor message in the operator's My messages arrives with the visitor's name, the page and the text", async () => {
    await linkChat();
    const { forwarded } = await visitorWrites('Do you have it in size 44?');
    const { dialogs } = await operator.request<{ dialogs: Array<{ visitor: { name: string } }> }>(
      'GET',
      `/api/v1/projects/${project.id}/dialogs?view=mine`,
    );
    const text: string = forwarded.params.text;
    expect(text).toContain(dialogs[0].visitor.name);
    expect(text).toContain('Trail Runner 2');
    expect(text).toContain(`${ORIGIN}/shoes/trail-runner-2`);
    expect(text).toContain('Do you have it in size 44?');
  });

  it('a dialog in Shared (another operator took it) is not forwarded', async () => {
    await linkChat();
    const bea = await addBea();
    const { peer } = await visitorWrites('first');
    const dialogId = (await operator.request<{ dialogs: Array<{ id: number }> }>('GET', `/api/v1/projects/${project.id}/dialogs`)).dialogs[0].id;
    await bea.request('POST', `/api/v1/projects/${project.id}/dialogs/${dialogId}/take`);
    const from = fake.calls.length;
    peer.send({ type: 'message.send', clientId: randomUUID(), body: 'second, for Bea' });
    await peer.next((f) => f.type === 'message.stored');
    // Handled in order: once the next update's answer is out, the second message was not forwarded.
    const said = nextSaid(CHAT);
    fake.userSays(CHAT, '/help');
    await said;
    expect(fake.calls.slice(from).filter((c) => /second/.test(c.params.text ?? ''))).toEqual([]);
  });

  it('an operator given a dialog by a colleague hears of it with its last message and a button; taking or assigning to oneself says nothing', async () => {
    await linkChat();
    const bea = await addBea();
    const { peer } = await visitorWrites('Where is my order?');
    const dialogs = `/api/v1/projects/${project.id}/dialogs`;
    const dialogId = (await operator.request<{ dialogs: Array<{ id: number }> }>('GET', dialogs)).dialogs[0].id;
    await bea.request('POST', `${dialogs}/${dialogId}/take`);

    const notice = nextSaid(CHAT, /gave you the dialog/);
    await bea.request('POST', `${dialogs}/${dialogId}/assign`, { email: 'oli@example.com' });
    const said = await notice;
    expect(said.params.text).toMatch(/^👤 Bea Op gave you the dialog with \S+ \S+\.\n\n💬 Where is my order\?$/);
    expect(said.params.reply_markup.inline_keyboard.flat()).toEqual([{ text: 'Open the dialog', callback_data: `open:${dialogId}` }]);
    // A reply to the notice answers that dialog, as a reply to a forward does.
    fake.userSays(CHAT, 'On it, one moment', { replyTo: said.result.message_id });
    expect((await peer.next((f) => f.type === 'message' && f.message.author === 'operator')).message.body).toBe('On it, one moment');

    const from = fake.calls.length;
    await bea.request('POST', `${dialogs}/${dialogId}/take`);
    await operator.request('POST', `${dialogs}/${dialogId}/take`);
    await operator.request('POST', `${dialogs}/${dialogId}/assign`, { email: 'oli@example.com' });
    await operator.request('POST', `${dialogs}/${dialogId}/assign`, { email: 'bea@example.com' });
    // Handled in order: once the next update's answer is out, no other notice is coming.
    const help = nextSaid(CHAT);
    fake.userSays(CHAT, '/help');
    await help;
    expect(fake.calls.slice(from).filter((c) => /gave you/.test(c.params.text ?? ''))).toEqual([]);
  });

  it('a reply goes to the dialog under the delivery contract, once even when the update is served three times, and shows delivered', async () => {
    await linkChat();
    const { peer, forwarded } = await visitorWrites('Is it waterproof?');
    const { updateId, messageId } = replyInTelegram(forwarded.result.message_id, 'Yes, fully waterproof.');
    const pushed = await peer.next((f) => f.type === 'message' && f.message.author === 'operator');
    expect(pushed.message).toMatchObject({ body: 'Yes, fully waterproof.', operator: { name: 'Oli Op' } });

    peer.send({ type: 'ack', messageIds: [pushed.message.id] });
    const reaction = await fake.waitFor('setMessageReaction');
    expect(reaction.params).toEqual({ chat_id: CHAT, message_id: messageId, reaction: [{ type: 'emoji', emoji: DELIVERED_REACTION }] });

    // Telegram serves the same update twice more (three deliveries in all): nothing new is posted.
    fake.serveAgain(updateId);
    fake.serveAgain(updateId);
    const said = nextSaid(CHAT);
    fake.userSays(CHAT, '/help');
    await said;
    const detail = await operator.request<{ messages: Array<{ author: string; body: string; clientId: string; deliveredAt: string | null }> }>(
      'GET',
      `/api/v1/projects/${project.id}/dialogs/${(await operator.request<{ dialogs: Array<{ id: number }> }>('GET', `/api/v1/projects/${project.id}/dialogs`)).dialogs[0].id}`,
    );
    expect(detail.messages.map((m) => [m.author, m.body])).toEqual([
      ['visitor', 'Is it waterproof?'],
      ['operator', 'Yes, fully waterproof.'],
    ]);
    expect(detail.messages[1]).toMatchObject({ clientId: clientIdFor(CHAT, messageId) });
    expect(detail.messages[1].deliveredAt).not.toBeNull();
    expect(peer.frames.filter((f) => f.type === 'message' && f.message.author === 'operator')).toEqual([]);
    expect(fake.calls.filter((c) => c.method === 'setMessageReaction')).toHaveLength(1);
  });

  it('a reply to something that is not a forwarded message, or plain text, posts nothing and says how to answer', async () => {
    await linkChat();
    let said = nextSaid(CHAT);
    fake.userSays(CHAT, 'hello');
    expect((await said).params.text).toMatch(/reply to the message/);
    said = nextSaid(CHAT);
    fake.userSays(CHAT, 'hello', { replyTo: 1 });
    expect((await said).params.text).toMatch(/not a forwarded visitor message/);
  });
});

describe('commands', () => {
  it('/online and /offline switch the operator in their projects (the widget sees it); /status explains', async () => {
    await linkChat();
    const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN);
    peers.push(peer);
    let said = nextSaid(CHAT);
    fake.userSays(CHAT, '/online');
    expect((await said).params.text).toMatch(/^Shop: online \(manual switch/);
    expect(await peer.next((f) => f.type === 'operators')).toMatchObject({ online: true });
    said = nextSaid(CHAT);
    fake.userSays(CHAT, '/status');
    expect((await said).params.text).toMatch(/^Shop: online/);
    said = nextSaid(CHAT);
    fake.userSays(CHAT, '/offline@parley_test_bot');
    expect((await said).params.text).toMatch(/^Shop: offline/);
    expect(await peer.next((f) => f.type === 'operators')).toMatchObject({ online: false });
    said = nextSaid(CHAT);
    fake.userSays(CHAT, '/help');
    expect((await said).params.text).toMatch(/\/online, \/offline/);
  });
});

describe('reliability', () => {
  it('the polling offset survives a restart: nothing handled twice, nothing skipped; a lost offset still posts a reply once', async () => {
    await linkChat();
    const { peer, forwarded } = await visitorWrites('Open on Sundays?');
    const { updateId, messageId } = replyInTelegram(forwarded.result.message_id, 'Yes, 10 to 4.');
    const pushed = await peer.next((f) => f.type === 'message' && f.message.author === 'operator');
    // Delivered (👌) before the stop: a reply left undelivered would have its 5-second notice
    // after the start, racing the answer to /help.
    peer.send({ type: 'ack', messageIds: [pushed.message.id] });
    await fake.waitFor('setMessageReaction');
    await fake.waitFor('getUpdates', (c) => c.params.offset === updateId + 1);
    await server.close();

    // While the server is down, the operator writes.
    const help = fake.userSays(CHAT, '/help');
    const from = fake.calls.length;
    server = await startServerWithBot(fake, { clock, timers, dataDir });
    // (The bridge may answer before the start resolves: its calls are counted from before it.)
    const said = fake.waitFor('sendMessage', (c) => c.status === 200 && c.params.chat_id === CHAT, { from });
    const first = await fake.waitFor('getUpdates', () => true, { from });
    expect(first.params.offset).toBe(help.updateId);
    expect((await said).params.text).toMatch(/^Visitor messages/);
    await fake.waitFor('getUpdates', (c) => c.params.offset === help.updateId + 1, { from });
    expect(fake.calls.slice(from).filter((c) => c.method === 'sendMessage')).toHaveLength(1);

    // Even if the offset were lost (an old database restored), the reply is not posted twice.
    await server.close();
    const db = new Database(join(dataDir, DATABASE_FILE));
    db.prepare('UPDATE telegram_state SET update_offset = ?').run(updateId);
    db.close();
    fake.serveAgain(updateId);
    const again = fake.calls.length;
    server = await startServerWithBot(fake, { clock, timers, dataDir });
    // It handles the reply's update again, then asks for the next one.
    await fake.waitFor('getUpdates', (c) => c.params.offset === help.updateId, { from: again });
    const client = new ParleyClient({ url: server.url, token: operator.token! });
    const dialogId = (await client.request<{ dialogs: Array<{ id: number }> }>('GET', `/api/v1/projects/${project.id}/dialogs`)).dialogs[0].id;
    const detail = await client.request<{ messages: Array<{ clientId: string }> }>('GET', `/api/v1/projects/${project.id}/dialogs/${dialogId}`);
    expect(detail.messages.filter((m) => m.clientId === clientIdFor(CHAT, messageId))).toHaveLength(1);
  });

  it('a 429 waits retry_after and then sends; network failures while polling are retried', async () => {
    await linkChat();
    fake.fail('sendMessage', { kind: 'rate_limit', retryAfter: 7 });
    const before = timers.sleeps.length;
    const { forwarded } = await visitorWrites('Anyone there?');
    const attempts = fake.calls.filter((c) => c.method === 'sendMessage' && /Anyone there/.test(c.params.text));
    expect(attempts).toHaveLength(2);
    expect(attempts[1]).toBe(forwarded);
    expect(timers.sleeps.slice(before)).toContain(7000);
    expect(server.logs.some((l) => /rate limited/.test(l))).toBe(true);

    // The long poll waiting now answers the first update; the next two polls are cut off.
    fake.fail('getUpdates', { kind: 'network' }, 2);
    const from = fake.calls.length;
    let said = nextSaid(CHAT);
    fake.userSays(CHAT, '/status');
    await said;
    said = nextSaid(CHAT);
    fake.userSays(CHAT, '/help');
    expect((await said).params.text).toMatch(/^Visitor messages/);
    expect(fake.calls.slice(from).filter((c) => c.method === 'getUpdates' && c.status === 0)).toHaveLength(2);
  });
});

describe('webhook mode', () => {
  const WEBHOOK_URL = 'https://chat.example.com/telegram/webhook';

  /** Restarts the server in webhook mode; the setWebhook call it made (answered). */
  async function restartWithWebhook() {
    await server.close();
    const from = fake.calls.length;
    server = await startServerWithBot(fake, { clock, timers, dataDir, webhookUrl: WEBHOOK_URL });
    operator = new ParleyClient({ url: server.url, token: operator.token! });
    return { from, set: await fake.waitFor('setWebhook', (c) => c.status === 200, { from }) };
  }

  const postUpdate = async (update: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const res = await request(`${server.url}/telegram/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(update),
    });
    await res.body.dump();
    return res.statusCode;
  };

  it('sets the webhook with the URL and a secret token that survives a restart; updates posted with it are handled, no polling', async () => {
    const { from, set } = await restartWithWebhook();
    expect(set.params).toMatchObject({ url: WEBHOOK_URL, allowed_updates: ["message", "edited_message", "callback_query"] });
    const secret = set.params.secret_token as string;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{32,256}$/);
    expect(secret).not.toContain(fake.token.split(':')[1]);
    expect(fake.webhook).toMatchObject({ url: WEBHOOK_URL, secret_token: secret });

    // /start CODE arrives by webhook and links the chat.
    await linkChat();
    const said = nextSaid(CHAT);
    fake.userSays(CHAT, '/status');
    expect((await said).params.text).toMatch(/^Shop: /);
    // Deliveries go one at a time: /status was delivered once /start was answered 200.
    expect(fake.deliveries.length).toBeGreaterThan(0);
    expect(fake.deliveries.every((d) => d.status === 200)).toBe(true);
    expect(fake.calls.slice(from).filter((c) => c.method === 'getUpdates' || c.method === 'deleteWebhook')).toEqual([]);

    const again = await restartWithWebhook();
    expect(again.set.params.secret_token).toBe(secret);
  });

  it('a request with a wrong or missing secret token is refused with 403 and nothing is handled', async () => {
    const { set } = await restartWithWebhook();
    const { code } = await linkCode(operator);
    const update = {
      update_id: 999_999_999,
      message: { message_id: 1, date: 1, chat: { id: CHAT, type: 'private' }, from: { id: CHAT, is_bot: false, first_name: 'Mallory' }, text: `/start ${code}` },
    };
    const before = fake.calls.length;
    expect(await postUpdate(update)).toBe(403);
    expect(await postUpdate(update, { 'x-telegram-bot-api-secret-token': 'not-the-secret' })).toBe(403);
    expect(await postUpdate(update, { 'x-telegram-bot-api-secret-token': `${set.params.secret_token}x` })).toBe(403);
    expect(await postUpdate(update, { 'x-telegram-bot-api-secret-token': '' })).toBe(403);
    expect(fake.calls.slice(before)).toEqual([]);
    // The code was not spent and the update_id not taken: Telegram's own update links the chat.
    const said = nextSaid(CHAT);
    fake.userSays(CHAT, `/start ${code}`);
    expect((await said).params.text).toMatch(/^Linked to Parley as Oli Op/);
  });

  it('an update holding half a surrogate pair is taken (200) and handled, its text mended, not refused for Telegram to resend', async () => {
    await restartWithWebhook();
    await linkChat();
    const said = nextSaid(CHAT);
    const update = {
      update_id: fake.reserveUpdateId(),
      message: { message_id: 901, date: 1, chat: { id: CHAT, type: 'private' }, from: { id: CHAT, is_bot: false, first_name: 'Oli' }, text: 'half \ud83d here' },
    };
    expect(JSON.stringify(update)).toContain('\\ud83d');
    expect(await postUpdate(update, { 'x-telegram-bot-api-secret-token': fake.webhook!.secret_token! })).toBe(200);
    // Handled: plain text with no reply gets the bot's hint.
    expect((await said).params.text).toBeTruthy();
  });

  it('the same update posted twice (or again after a restart) is handled once', async () => {
    await restartWithWebhook();
    await linkChat();
    let said = nextSaid(CHAT);
    const help = fake.userSays(CHAT, '/help');
    expect((await said).params.text).toMatch(/^Visitor messages/);
    expect(await fake.deliverAgain(help.updateId)).toBe(200);
    // Updates are handled in order: once /status is answered, the redelivery was dealt with.
    said = nextSaid(CHAT);
    fake.userSays(CHAT, '/status');
    expect((await said).params.text).toMatch(/^Shop: /);

    await restartWithWebhook();
    expect(await fake.deliverAgain(help.updateId)).toBe(200);
    said = nextSaid(CHAT);
    fake.userSays(CHAT, '/status');
    await said;
    expect(fake.sentTo(CHAT).filter((c) => /^Visitor messages/.test(c.params.text))).toHaveLength(1);
  });

  it('an update answered 200 is kept until handled: one the server took but never handled (a crash) is handled at the next start', async () => {
    await restartWithWebhook();
    await linkChat();
    await server.close();
    // As a crash right after the 200 leaves it: stored, the offset not past it.
    const db = new Database(join(dataDir, DATABASE_FILE));
    const next = fake.reserveUpdateId();
    expect(db.prepare('SELECT update_offset FROM telegram_state').get()).toEqual({ update_offset: next });
    const update = {
      update_id: next,
      message: { message_id: 900, date: 1, chat: { id: CHAT, type: 'private' }, from: { id: CHAT, is_bot: false, first_name: 'Oli' }, text: '/status' },
    };
    db.prepare('INSERT INTO telegram_pending_updates (update_id, body) VALUES (?, ?)').run(next, JSON.stringify(update));
    db.close();
    const from = fake.calls.length;
    server = await startServerWithBot(fake, { clock, timers, dataDir, webhookUrl: WEBHOOK_URL });
    await fake.waitFor('sendMessage', (c) => c.status === 200 && /^Shop: /.test(c.params.text), { from });
    // Updates are handled one at a time: once /help is answered, the kept one is done and gone.
    const help = nextSaid(CHAT, /^Visitor messages/);
    fake.userSays(CHAT, '/help');
    await help;
    const after = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    try {
      expect(after.prepare('SELECT update_id FROM telegram_pending_updates WHERE update_id = ?').all(next)).toEqual([]);
      expect((after.prepare('SELECT update_offset FROM telegram_state').get() as { update_offset: number }).update_offset).toBeGreaterThan(next);
    } finally {
      after.close();
    }
    // Telegram delivering it again changes nothing.
    const before = fake.calls.length;
    expect(await postUpdate(update, { 'x-telegram-bot-api-secret-token': fake.webhook!.secret_token! })).toBe(200);
    const status = nextSaid(CHAT, /^Shop: /);
    fake.userSays(CHAT, '/status');
    await status;
    expect(fake.calls.slice(before).filter((c) => c.method === 'sendMessage' && /^Shop: /.test(c.params.text))).toHaveLength(1);
  });

  it('polling mode deletes the webhook before polling, again after a 409, and polls', async () => {
    // The server of beforeEach polls: deleteWebhook came before the first getUpdates.
    const methods = fake.calls.map((c) => c.method);
    expect(methods).toContain('deleteWebhook');
    expect(methods.indexOf('deleteWebhook')).toBeLessThan(methods.indexOf('getUpdates'));
    expect(fake.calls.find((c) => c.method === 'setWebhook')).toBeUndefined();

    // Back from webhook mode, with deleteWebhook failing at first: getUpdates answers 409 until
    // the webhook is gone, then the chat works by polling.
    await restartWithWebhook();
    await server.close();
    fake.fail('deleteWebhook', { kind: 'network' }, 2);
    const from = fake.calls.length;
    server = await startServerWithBot(fake, { clock, timers, dataDir });
    operator = new ParleyClient({ url: server.url, token: operator.token! });
    await linkChat();
    expect(fake.webhook).toBeNull();
    expect(fake.calls.slice(from).map((c) => `${c.method} ${c.status}`)).toEqual(
      expect.arrayContaining(['deleteWebhook 0', 'getUpdates 409', 'deleteWebhook 200', 'getUpdates 200']),
    );
    expect(await postUpdate({ update_id: 1 }, { 'x-telegram-bot-api-secret-token': webhookSecretFor(fake.token) })).toBe(404);
  });
});
