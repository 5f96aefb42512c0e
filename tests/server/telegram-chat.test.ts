// What an operator does from their Telegram chat beyond plain replies: the 5-second delivery rule
// with its resend button, files both ways, /dialogs with buttons, /take, /close, /tpl, edits
// within 10 minutes, and a forward whose fate Telegram left unknown. A fake Bot API speaking the
// real wire protocol, a real server, real widget sockets; the deadline runs on a manual clock.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../../core/protocol/index.js';
import { DELIVERED_REACTION } from '../../server/telegram/bridge.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { ManualTime } from '../helpers/manual-time.js';
import {
  CHAT,
  endTelegramScenario,
  addLinkedOperator,
  linkChat,
  ORIGIN,
  startTelegramScenario,
  type TelegramScenario,
  until,
  visitorWrites,
} from '../helpers/telegram-scenario.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(300, 7)]);
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(500, 0x41)]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0xf8, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(240, 3)]);

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

async function dialogId(): Promise<number> {
  const { dialogs } = await t.operator.request<{ dialogs: Array<{ id: number }> }>('GET', `/api/v1/projects/${t.project.id}/dialogs?view=mine`);
  return dialogs[0].id;
}

async function messagesOf(id: number) {
  return (await t.operator.request<{ messages: Message[] }>('GET', `/api/v1/projects/${t.project.id}/dialogs/${id}`)).messages;
}

describe('the 5-second delivery rule', () => {
  it('a reply the widget does not ack within 5 s is marked with a resend button; resending pushes it once more and 👌 follows the ack', async () => {
    const { peer, forwarded } = await visitorWrites(t, 'Is it in stock?');
    const { messageId } = t.fake.userSays(CHAT, 'Yes, two left.', { replyTo: forwarded.result.message_id });
    const first = await operatorMessage(peer);
    await until(() => time.pending === 1, 'the deadline armed');
    // 4.9 s: still sending, nothing said.
    time.advance(4900);
    const notice = t.fake.nextSaid(CHAT, /Not delivered/);
    time.advance(100);
    const said = await notice;
    expect(said.params.text).toBe("⚠️ Not delivered within 5 seconds: the visitor's widget did not confirm it.");
    expect(said.params.reply_parameters.message_id).toBe(messageId);
    expect(said.params.reply_markup.inline_keyboard).toEqual([[{ text: '🔁 Resend', callback_data: `resend:${messageId}` }]]);

    const { queryId } = t.fake.userTaps(CHAT, said.result.message_id, `resend:${messageId}`);
    // A second tap before the first is handled (a laggy phone): the notice already reads so, and
    // the tap is answered the same.
    const tapAgain = t.fake.userTaps(CHAT, said.result.message_id, `resend:${messageId}`);
    const again = await operatorMessage(peer);
    // The same message (id, seq), pushed again: the widget shows it once.
    expect(again.message).toMatchObject({ id: first.message.id, seq: first.message.seq, body: 'Yes, two left.' });
    const answered = await t.fake.waitFor('answerCallbackQuery', (c) => c.params.callback_query_id === queryId);
    expect(answered.params.text).toBe('Sent again.');
    const answeredAgain = await t.fake.waitFor('answerCallbackQuery', (c) => c.params.callback_query_id === tapAgain.queryId);
    expect(answeredAgain.params.text).toBe('Sent again.');
    await operatorMessage(peer);
    await t.fake.waitFor('editMessageText', (c) => c.params.message_id === said.result.message_id && /Sent again/.test(c.params.text));
    peer.send({ type: 'ack', messageIds: [first.message.id] });
    const reaction = await t.fake.waitFor('setMessageReaction');
    expect(reaction.params).toMatchObject({ chat_id: CHAT, message_id: messageId, reaction: [{ type: 'emoji', emoji: DELIVERED_REACTION }] });
    const delivered = await t.fake.waitFor('editMessageText', (c) => c.params.message_id === said.result.message_id && c.params.text === '✅ Delivered.');
    expect(delivered.params.reply_markup).toBeUndefined();
    // The deadline of the resend was disarmed by the delivery: time passing says nothing more.
    expect(time.pending).toBe(0);
    const messages = await messagesOf(await dialogId());
    expect(messages.filter((m) => m.author === 'operator')).toHaveLength(1);
  });

  it("with the visitor's site closed, the notice says they get it when they come back; a late delivery turns it into 👌", async () => {
    const { peer, token, forwarded } = await visitorWrites(t, 'Call me back later');
    await peer.close();
    const { messageId } = t.fake.userSays(CHAT, 'Sure, tomorrow at 10.', { replyTo: forwarded.result.message_id });
    await until(() => time.pending === 1, 'the deadline armed');
    const notice = t.fake.nextSaid(CHAT, /Not delivered/);
    time.advance(5000);
    expect((await notice).params.text).toMatch(/the visitor's site is closed \(they get it when they come back\)/);

    // The visitor comes back (same token): the message is in the welcome, the widget acks it.
    const back = await visitorHello(t.server.url, t.project.widgetKey, ORIGIN, { token });
    t.peers.push(back.peer);
    const missed = back.welcome.messages.find((m: Message) => m.author === 'operator');
    expect(missed.body).toBe('Sure, tomorrow at 10.');
    back.peer.send({ type: 'ack', messageIds: [missed.id] });
    const reaction = await t.fake.waitFor('setMessageReaction');
    expect(reaction.params.message_id).toBe(messageId);
    await t.fake.waitFor('editMessageText', (c) => c.params.text === '✅ Delivered.');
  });
});

describe('files', () => {
  async function widgetUpload(token: string, bytes: Buffer, name: string): Promise<number> {
    const form = new FormData();
    form.append('file', new Blob([bytes]), name);
    const res = await fetch(`${t.server.url}/widget/uploads?key=${t.project.widgetKey}`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'x-parley-visitor': token },
      body: form,
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: number }).id;
  }

  it("a visitor's photo and PDF arrive as a photo and a document with their bytes; replying to the document answers the dialog", async () => {
    const { peer, token } = await visitorWrites(t, 'Hello');
    const photo = await widgetUpload(token!, PNG, 'shoe.png');
    const pdf = await widgetUpload(token!, PDF, 'invoice.pdf');
    const { forwarded } = await visitorWrites(t, 'See these', peer, { attachmentIds: [photo, pdf] });
    expect(forwarded.params.text).toContain('📎 2 files: shoe.png, invoice.pdf');
    const sentPhoto = await t.fake.waitFor('sendPhoto', (c) => c.status === 200);
    expect(sentPhoto.file).toMatchObject({ field: 'photo', name: 'shoe.png', type: 'image/png' });
    expect(sentPhoto.file!.bytes.equals(PNG)).toBe(true);
    expect(sentPhoto.params.reply_parameters.message_id).toBe(forwarded.result.message_id);
    const sentDoc = await t.fake.waitFor('sendDocument', (c) => c.status === 200);
    expect(sentDoc.file).toMatchObject({ field: 'document', name: 'invoice.pdf', type: 'application/pdf' });
    expect(sentDoc.file!.bytes.equals(PDF)).toBe(true);

    t.fake.userSays(CHAT, 'Got the invoice, thanks.', { replyTo: sentDoc.result.message_id });
    expect((await operatorMessage(peer)).message.body).toBe('Got the invoice, thanks.');
  });

  it('a file the operator sends as a reply reaches the widget as their attachment, fetched with getFile; a too large one is refused before downloading', async () => {
    const { peer, forwarded } = await visitorWrites(t, 'Can you send the manual?');
    t.fake.userSendsFile(CHAT, { bytes: PDF, name: 'manual.pdf', mime: 'application/pdf', caption: 'Here it is', replyTo: forwarded.result.message_id });
    const pushed = await operatorMessage(peer);
    expect(pushed.message.body).toBe('Here it is');
    expect(pushed.message.attachments).toMatchObject([{ name: 'manual.pdf', mime: 'application/pdf', size: PDF.length }]);
    const file = await fetch(`${t.server.url}${pushed.message.attachments[0].url}`);
    expect(Buffer.from(await file.arrayBuffer()).equals(PDF)).toBe(true);
    expect(t.fake.downloads).toEqual([{ path: expect.stringMatching(/^documents\//), status: 200 }]);

    // A photo without a caption: the largest size is taken.
    t.fake.userSendsFile(CHAT, { bytes: PNG, name: 'x.png', mime: 'image/png', as: 'photo', replyTo: forwarded.result.message_id });
    const photo = await operatorMessage(peer);
    expect(photo.message).toMatchObject({ body: '', attachments: [{ mime: 'image/png', size: PNG.length }] });
    const getFiles = t.fake.calls.filter((c) => c.method === 'getFile');
    expect(getFiles.at(-1)!.params.file_id).not.toMatch(/thumb/);

    // Over the limit (the server's 10 MB upload limit is below the Bot API's 20 MB): refused, nothing fetched.
    const before = t.fake.calls.filter((c) => c.method === 'getFile').length;
    const said = t.fake.nextSaid(CHAT, /Not sent/);
    t.fake.userSendsFile(CHAT, { bytes: PDF, name: 'huge.pdf', mime: 'application/pdf', claimedSize: 15 * 1024 * 1024, replyTo: forwarded.result.message_id });
    expect((await said).params.text).toBe('Not sent: files from Telegram may be at most 10 MB.');
    expect(t.fake.calls.filter((c) => c.method === 'getFile')).toHaveLength(before);
  });
});

describe('what else an operator can send from Telegram', () => {
  it('a still sticker goes as its image; an animated one as its emoji; a location, a venue and a contact as text with a map link; a poll is refused', async () => {
    const { peer, forwarded } = await visitorWrites(t, 'Where is your shop?');
    const replyTo = forwarded.result.message_id;
    t.fake.userSendsFile(CHAT, { bytes: WEBP, name: 'sticker.webp', mime: 'image/webp', as: 'sticker', replyTo });
    const sticker = await operatorMessage(peer);
    expect(sticker.message).toMatchObject({ body: '', attachments: [{ name: 'sticker.webp', mime: 'image/webp', size: WEBP.length }] });
    expect(Buffer.from(await (await fetch(`${t.server.url}${sticker.message.attachments[0].url}`)).arrayBuffer()).equals(WEBP)).toBe(true);

    const animated = { file_id: 'anim-1', file_unique_id: 'anim-1', type: 'regular', width: 512, height: 512, is_animated: true, is_video: false, emoji: '🎉' };
    t.fake.userSends(CHAT, { sticker: animated }, { replyTo });
    expect((await operatorMessage(peer)).message).toMatchObject({ body: '🎉', attachments: [] });

    t.fake.userSends(CHAT, { location: { latitude: 59.3293, longitude: 18.0686 } }, { replyTo });
    expect((await operatorMessage(peer)).message.body).toBe('📍 https://www.openstreetmap.org/?mlat=59.329300&mlon=18.068600#map=17/59.329300/18.068600');
    const location = { latitude: 59.33258, longitude: 18.0649 };
    t.fake.userSends(CHAT, { location, venue: { location, title: 'Parley Store', address: 'Drottninggatan 1, Stockholm' } }, { replyTo });
    expect((await operatorMessage(peer)).message.body).toBe(
      '📍 Parley Store, Drottninggatan 1, Stockholm\nhttps://www.openstreetmap.org/?mlat=59.332580&mlon=18.064900#map=17/59.332580/18.064900',
    );
    t.fake.userSends(CHAT, { contact: { phone_number: '+46 8 123 456', first_name: 'Support', last_name: 'Desk' } }, { replyTo });
    expect((await operatorMessage(peer)).message.body).toBe('👤 Support Desk: +46 8 123 456');

    const refused = t.fake.nextSaid(CHAT, /cannot be sent to a visitor/);
    t.fake.userSends(CHAT, { poll: { id: 'p1', question: 'Which size?', options: [] } }, { replyTo });
    expect((await refused).params.text).toBe('This kind of message cannot be sent to a visitor: send text, photos, files, stickers, a location or a contact.');
    expect((await messagesOf(await dialogId())).filter((m) => m.author === 'operator')).toHaveLength(5);
  });
});

describe('commands and buttons', () => {
  it('/find TEXT lists the dialogs that match with buttons to open them; /find alone says how; no match says so', async () => {
    const { peer } = await visitorWrites(t, 'My parcel 88123 never arrived');
    await visitorWrites(t, 'Another question');
    const found = t.fake.nextSaid(CHAT, /Dialogs matching "PARCEL 88123"/);
    t.fake.userSays(CHAT, '/find PARCEL 88123');
    const said = await found;
    expect(said.params.text).toMatch(/Shop: 1 found\n• .+ \(mine\): My parcel 88123 never arrived/);
    const buttons: Array<{ callback_data: string }> = said.params.reply_markup.inline_keyboard.flat();
    const { dialogs } = await t.operator.request<{ dialogs: Array<{ id: number; lastMessage: { body: string } }> }>(
      'GET',
      `/api/v1/projects/${t.project.id}/dialogs?view=mine`,
    );
    const parcel = dialogs.find((d) => d.lastMessage.body === 'My parcel 88123 never arrived')!.id;
    expect(buttons.map((b) => b.callback_data)).toEqual([`open:${parcel}`]);
    const card = t.fake.nextSaid(CHAT, /Reply to this message to answer/);
    t.fake.userTaps(CHAT, said.result.message_id, buttons[0].callback_data);
    const opened = await card;
    expect(opened.params.text).toContain('My parcel 88123 never arrived');
    t.fake.userSays(CHAT, 'Let me check the parcel', { replyTo: opened.result.message_id });
    expect((await operatorMessage(peer)).message.body).toBe('Let me check the parcel');

    const how = t.fake.nextSaid(CHAT, /Find what\?/);
    t.fake.userSays(CHAT, '/find');
    await how;
    const none = t.fake.nextSaid(CHAT, /No dialog matches "zebra crossing"\./);
    t.fake.userSays(CHAT, '/find zebra crossing');
    await none;
  });

  it('/dialogs lists My messages with buttons; a card opened from it answers, /take and /close act on it', async () => {
    const { peer: fox } = await visitorWrites(t, 'First visitor here');
    await visitorWrites(t, 'Second visitor here');
    const list = t.fake.nextSaid(CHAT, /Your open dialogs/);
    t.fake.userSays(CHAT, '/dialogs');
    const said = await list;
    expect(said.params.text).toMatch(/Shop: 2 open/);
    expect(said.params.text).toContain('First visitor here');
    const buttons: Array<{ text: string; callback_data: string }> = said.params.reply_markup.inline_keyboard.flat();
    expect(buttons).toHaveLength(2);
    const { dialogs } = await t.operator.request<{ dialogs: Array<{ id: number; visitor: { name: string }; lastMessage: { body: string } }> }>(
      'GET',
      `/api/v1/projects/${t.project.id}/dialogs?view=mine`,
    );
    const first = dialogs.find((d) => d.lastMessage.body === 'First visitor here')!;
    const firstButton = buttons.find((b) => b.callback_data === `open:${first.id}`)!;
    expect(firstButton.text).toBe(first.visitor.name);

    const card = t.fake.nextSaid(CHAT, /Reply to this message to answer/);
    const tap = t.fake.userTaps(CHAT, said.result.message_id, firstButton.callback_data);
    const opened = await card;
    // The tap is answered (the button's spinner stops) right after the card, not a second later
    // in the chat's one-message-a-second pace: an answer is not a message.
    const cardAt = t.timers.now();
    await t.fake.waitFor('answerCallbackQuery', (c) => c.params.callback_query_id === tap.queryId);
    expect(t.timers.now()).toBe(cardAt);
    expect(opened.params.text).toContain(`${first.visitor.name}: First visitor here`);
    expect(opened.params.text).toContain('Waiting for an operator');
    expect(opened.params.reply_markup.inline_keyboard.flat().map((b: { callback_data: string }) => b.callback_data)).toEqual([
      `take:${first.id}:0`,
      `close:${first.id}`,
    ]);

    t.fake.userSays(CHAT, 'Answering from the card', { replyTo: opened.result.message_id });
    expect((await operatorMessage(fox)).message.body).toBe('Answering from the card');

    // /close without a reply acts on the dialog opened last.
    const closed = t.fake.nextSaid(CHAT, /is closed/);
    t.fake.userSays(CHAT, '/close');
    expect((await closed).params.text).toBe(`✅ The dialog with ${first.visitor.name} is closed.`);
    const after = await t.operator.request<{ dialog: { status: string; assignee: { name: string } | null } }>(
      'GET',
      `/api/v1/projects/${t.project.id}/dialogs/${first.id}`,
    );
    expect(after.dialog).toMatchObject({ status: 'closed', assignee: { name: 'Oli Op' } });

    // The card's Take button acts on its dialog, and the card then shows the dialog as it is:
    // a button of what is done does not stay to be tapped again.
    const cardId = opened.result.message_id;
    const buttonsOf = (c: { params: { reply_markup?: { inline_keyboard: Array<Array<{ callback_data: string }>> } } }) =>
      (c.params.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data);
    const took = t.fake.nextSaid(CHAT, /is yours/);
    const edits = t.fake.calls.length;
    t.fake.userTaps(CHAT, cardId, `take:${first.id}:0`);
    expect((await took).params.text).toBe(`✋ The dialog with ${first.visitor.name} is yours.`);
    const afterTake = await t.fake.waitFor('editMessageText', (c) => c.params.message_id === cardId, { from: edits });
    expect(afterTake.params.text).toContain('\nClosed\n');
    expect(buttonsOf(afterTake)).toEqual([`reopen:${first.id}`]);
    expect(() => t.fake.userTaps(CHAT, cardId, `take:${first.id}:0`)).toThrow(/has no button/);

    const reopened = t.fake.nextSaid(CHAT, /is open again/);
    const before = t.fake.calls.length;
    t.fake.userTaps(CHAT, cardId, `reopen:${first.id}`);
    await reopened;
    const afterReopen = await t.fake.waitFor('editMessageText', (c) => c.params.message_id === cardId, { from: before });
    expect(afterReopen.params.text).toContain('\nYours\n');
    expect(buttonsOf(afterReopen)).toEqual([`close:${first.id}`]);
    // Replying to the card still answers the dialog.
    t.fake.userSays(CHAT, 'Back again', { replyTo: cardId });
    expect((await operatorMessage(fox)).message.body).toBe('Back again');
  });

  it("Take on a card drawn before a colleague took the dialog says who has it and redraws the card; Take then takes it over", async () => {
    await visitorWrites(t, 'Who is there?');
    const ana = await addLinkedOperator(t, { email: 'ana@example.com', firstName: 'Ana', lastName: 'Op' }, CHAT + 1);
    const id = await dialogId();
    const list = t.fake.nextSaid(CHAT, /Your open dialogs/);
    t.fake.userSays(CHAT, '/dialogs');
    const listed = await list;
    const card = t.fake.nextSaid(CHAT, /Reply to this message to answer/);
    t.fake.userTaps(CHAT, listed.result.message_id, `open:${id}`);
    const opened = await card;
    const cardId = opened.result.message_id;
    const buttonsOf = (c: { params: { reply_markup?: { inline_keyboard: Array<Array<{ callback_data: string }>> } } }) =>
      (c.params.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.callback_data);
    expect(buttonsOf(opened)).toEqual([`take:${id}:0`, `close:${id}`]);
    // Ana takes it from the TUI; Oli's card still shows it waiting.
    const anaId = (await ana.me()).user.id;
    await ana.takeDialog(t.project.id, id, null);
    let edits = t.fake.calls.length;
    const tap = t.fake.userTaps(CHAT, cardId, `take:${id}:0`);
    const answer = await t.fake.waitFor('answerCallbackQuery', (c) => c.params.callback_query_id === tap.queryId);
    expect(answer.params.text).toBe('Ana Op took this dialog meanwhile: take it again to take it over');
    const redrawn = await t.fake.waitFor('editMessageText', (c) => c.params.message_id === cardId, { from: edits });
    expect(redrawn.params.text).toContain('\nAssigned to Ana Op\n');
    expect(buttonsOf(redrawn)).toEqual([`take:${id}:${anaId}`, `close:${id}`]);
    expect((await ana.getDialog(t.project.id, id)).dialog.assignee?.name).toBe('Ana Op');
    // Tapped again, knowing it is Ana's: Oli takes it over.
    const took = t.fake.nextSaid(CHAT, /is yours/);
    edits = t.fake.calls.length;
    t.fake.userTaps(CHAT, cardId, `take:${id}:${anaId}`);
    await took;
    const after = await t.fake.waitFor('editMessageText', (c) => c.params.message_id === cardId, { from: edits });
    expect(after.params.text).toContain('\nYours\n');
    expect((await ana.getDialog(t.project.id, id)).dialog.assignee?.name).toBe('Oli Op');
  });

  it('/take with nothing to act on says how; /tpl NAME sends the template with placeholders filled; /tpl alone lists them', async () => {
    let said = t.fake.nextSaid(CHAT, /Which dialog/);
    t.fake.userSays(CHAT, '/take');
    expect((await said).params.text).toMatch(/Reply to one of its messages/);

    await t.admin.request('POST', `/api/v1/projects/${t.project.id}/templates`, {
      name: 'greet',
      text: 'Hello {visitor.name}, this is {operator.first_name} from {project.name}. ${7*7}',
    });
    const { peer, forwarded } = await visitorWrites(t, 'Anyone?');
    const { dialogs } = await t.operator.request<{ dialogs: Array<{ visitor: { name: string } }> }>('GET', `/api/v1/projects/${t.project.id}/dialogs?view=mine`);
    t.fake.userSays(CHAT, '/tpl Greet', { replyTo: forwarded.result.message_id });
    expect((await operatorMessage(peer)).message.body).toBe(`Hello ${dialogs[0].visitor.name}, this is Oli from Shop. \${7*7}`);

    said = t.fake.nextSaid(CHAT, /No template/);
    t.fake.userSays(CHAT, '/tpl bye', { replyTo: forwarded.result.message_id });
    expect((await said).params.text).toBe('No template "bye". Templates: greet');
    said = t.fake.nextSaid(CHAT, /Templates/);
    t.fake.userSays(CHAT, '/tpl');
    expect((await said).params.text).toBe('Templates (send one with /tpl NAME):\ngreet');
  });

  it("an edit of a reply within 10 minutes edits the widget's message; later it is refused and the chat says why", async () => {
    const { peer, forwarded } = await visitorWrites(t, 'What sizes?');
    const { messageId } = t.fake.userSays(CHAT, 'From 38 to 44', { replyTo: forwarded.result.message_id });
    const sent = await operatorMessage(peer);
    t.fake.userEdits(CHAT, messageId, 'From 38 to 46');
    const edited = await peer.next((f) => f.type === 'message' && f.message.id === sent.message.id && f.message.editedAt !== null);
    expect(edited.message.body).toBe('From 38 to 46');

    t.clock.advance(10 * 60_000 + 1);
    const said = t.fake.nextSaid(CHAT, /Not edited/);
    t.fake.userEdits(CHAT, messageId, 'From 36 to 46');
    expect((await said).params.text).toBe('Not edited: messages can be edited only within 10 minutes of sending');
    const messages = await messagesOf(await dialogId());
    expect(messages.find((m) => m.id === sent.message.id)!.body).toBe('From 38 to 46');
  });
});

describe('texts past what a Telegram message holds', () => {
  it("a visitor's message longer than a Telegram message arrives whole, in parts cut between characters; a reply to any part answers", async () => {
    const { peer } = await visitorWrites(t, 'Hello');
    // Emoji are two UTF-16 units: one of the two bodies puts the cut in the middle of one.
    for (const body of ['😀'.repeat(2500) + ' THE END', `x${'😀'.repeat(2500)} THE END`]) {
      const from = t.fake.sentTo(CHAT).length;
      const last = t.fake.nextSaid(CHAT, /THE END$/);
      peer.send({ type: 'message.send', clientId: randomUUID(), body });
      await last;
      const parts = t.fake.sentTo(CHAT).slice(from);
      expect(parts.length).toBeGreaterThan(1);
      for (const part of parts) expect(part.params.text.length).toBeLessThanOrEqual(4096);
      expect(parts.map((p) => p.params.text).join('')).toContain(body);
    }
    const second = t.fake.sentTo(CHAT).at(-1)!;
    t.fake.userSays(CHAT, 'Read it all', { replyTo: second.result.message_id });
    expect((await operatorMessage(peer)).message.body).toBe('Read it all');
  });

  it('/dialogs lists a dialog whose last message is emoji past the excerpt; a card opened for it too', async () => {
    await visitorWrites(t, '😀'.repeat(40));
    const list = t.fake.nextSaid(CHAT, /Your open dialogs/);
    t.fake.userSays(CHAT, '/dialogs');
    const said = await list;
    expect(said.params.text).toContain(`${'😀'.repeat(29)}…`);
    const card = t.fake.nextSaid(CHAT, /Reply to this message to answer/);
    t.fake.userTaps(CHAT, said.result.message_id, said.params.reply_markup.inline_keyboard.flat()[0].callback_data);
    expect((await card).params.text).toContain('😀'.repeat(40));
  });

  it('a reply starting with a slash that is no command is the answer; such a message on its own is told there is no such command', async () => {
    const { peer, forwarded } = await visitorWrites(t, 'When can I pick it up?');
    t.fake.userSays(CHAT, '/s typo: I meant Tuesday', { replyTo: forwarded.result.message_id });
    expect((await operatorMessage(peer)).message.body).toBe('/s typo: I meant Tuesday');
    const said = t.fake.nextSaid(CHAT, /no command/);
    t.fake.userSays(CHAT, '/nosuch');
    expect((await said).params.text).toMatch(/^There is no command \/nosuch\.\n\nVisitor messages/);
  });
});

describe('unknown fate', () => {
  it('a forward Telegram may have posted without answering is not posted again; the chat is told it may be missing', async () => {
    t.fake.fail('sendMessage', { kind: 'network' });
    const { peer } = await visitorHello(t.server.url, t.project.widgetKey, ORIGIN);
    t.peers.push(peer);
    const warned = t.fake.nextSaid(CHAT, /did not confirm/);
    peer.send({ type: 'message.send', clientId: 'lost-1', body: 'Where is my order?' });
    const said = await warned;
    const id = await dialogId();
    expect(said.params.reply_markup.inline_keyboard).toEqual([[{ text: 'Open the dialog', callback_data: `open:${id}` }]]);
    expect(t.fake.calls.filter((c) => c.method === 'sendMessage' && /Where is my order/.test(c.params.text))).toHaveLength(1);

    const card = t.fake.nextSaid(CHAT, /Where is my order/);
    t.fake.userTaps(CHAT, said.result.message_id, `open:${id}`);
    expect((await card).params.text).toContain('Where is my order?');
  });
});
