// Private notes in Telegram: `/note TEXT` where an operator would answer (a reply to a forward or
// card, or the dialog opened last) stores a note in the dialog, a photo captioned "/note …" one
// with that file, and an edit of the /note changes the note; the chat is told only operators see
// it, no 👌, no delivery deadline (not even after a restart); a reply to one's /note is not sent
// to the visitor. Colleagues' notes show in the card, marked; a colleague's note is not an answer
// when the dialog then changes hands. The visitor's widget never gets anything of a note. A fake Bot API
// speaking the real wire protocol, a real server and real widget sockets; the delivery deadline
// on a manual clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Message } from '../../core/protocol/index.js';
import { ManualTime } from '../helpers/manual-time.js';
import type { Peer } from '../helpers/realtime.js';
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

const ANA_CHAT = 5002;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(300, 7)]);

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

interface Detail {
  dialog: { id: number; assignee: { name: string } | null; firstResponseAt: string | null; status: string };
  visitor: { name: string };
  messages: Message[];
}

/** The one dialog of the project, as an operator sees it. */
async function theDialog(): Promise<Detail> {
  const { dialogs } = await t.operator.request<{ dialogs: Array<{ id: number }> }>('GET', `/api/v1/projects/${t.project.id}/dialogs`);
  expect(dialogs).toHaveLength(1);
  return t.operator.request<Detail>('GET', `/api/v1/projects/${t.project.id}/dialogs/${dialogs[0].id}`);
}

const notes = (d: Detail) => d.messages.filter((m) => m.private);
const operatorMessage = (peer: Peer, body: string) => peer.next((f) => f.type === 'message' && f.message.body === body);
const framesWith = (peer: Peer, text: string) => peer.frames.filter((f) => JSON.stringify(f).includes(text));

/** Says /help and waits for the answer: updates are handled in order, so every one before it was. */
async function handled(chatId = CHAT): Promise<void> {
  const help = t.fake.nextSaid(chatId, /^Visitor messages/);
  t.fake.userSays(chatId, '/help');
  await help;
}

describe('/note', () => {
  it('in reply to a forward stores a private note there; the chat is told; no 👌, no deadline; the dialog and the visitor are untouched', async () => {
    const { peer, forwarded } = await visitorWrites(t, 'Where is my parcel?');
    const told = t.fake.nextSaid(CHAT, /Private note/);
    const { messageId } = t.fake.userSays(CHAT, '/note Parcel 88123 is stuck at customs', { replyTo: forwarded.result.message_id });
    const said = await told;
    const before = await theDialog();
    expect(said.params.text).toBe(`🔒 Private note stored in the dialog with ${before.visitor.name}: only operators see it.`);
    expect(said.params.reply_parameters.message_id).toBe(messageId);
    expect(notes(before).map((m) => [m.body, m.operator?.name, m.deliveredAt])).toEqual([['Parcel 88123 is stuck at customs', 'Oli Op', null]]);
    // Not an answer: nobody's yet, no first response.
    expect(before.dialog).toMatchObject({ assignee: null, firstResponseAt: null });
    expect(time.pending).toBe(0);

    // An answer afterwards reaches the visitor (and is acked): by then the widget has all that
    // was ever pushed to it, and nothing of the note.
    t.fake.userSays(CHAT, 'Let me check that for you.', { replyTo: forwarded.result.message_id });
    const answer = await operatorMessage(peer, 'Let me check that for you.');
    peer.send({ type: 'ack', messageIds: [answer.message.id] });
    await t.fake.waitFor('setMessageReaction', (c) => c.status === 200);
    expect(framesWith(peer, 'customs')).toEqual([]);
    time.advance(60_000);
    await handled();
    const reactions = t.fake.calls.filter((c) => c.method === 'setMessageReaction');
    expect(reactions.map((c) => c.params.message_id)).not.toContain(messageId);
    expect(t.fake.calls.filter((c) => c.method === 'sendMessage' && /Not delivered/.test(c.params.text))).toEqual([]);
  });

  it('without a reply goes to the dialog opened last; alone it asks what; with no dialog it asks which', async () => {
    const { peer } = await visitorWrites(t, 'Can you call me back?');
    const which = t.fake.nextSaid(CHAT, /Which dialog\?/);
    t.fake.userSays(CHAT, '/note Wants a call at 5');
    await which;
    const what = t.fake.nextSaid(CHAT, /Note what\?/);
    t.fake.userSays(CHAT, '/note');
    expect((await what).params.text).toBe(
      'Note what? /note followed by the text for your colleagues (the visitor never sees it), or a photo or file captioned /note TEXT.',
    );
    expect(notes(await theDialog())).toEqual([]);

    const list = t.fake.nextSaid(CHAT, /Your open dialogs/);
    t.fake.userSays(CHAT, '/dialogs');
    const listed = await list;
    const card = t.fake.nextSaid(CHAT, /Reply to this message to answer/);
    t.fake.userTaps(CHAT, listed.result.message_id, listed.params.reply_markup.inline_keyboard[0][0].callback_data);
    const opened = await card;
    const told = t.fake.nextSaid(CHAT, /Private note stored/);
    t.fake.userSays(CHAT, '/NOTE@parley_test_bot Wants a call at 5');
    await told;
    expect(notes(await theDialog()).map((m) => m.body)).toEqual(['Wants a call at 5']);

    t.fake.userSays(CHAT, 'I will call you at five.', { replyTo: opened.result.message_id });
    await operatorMessage(peer, 'I will call you at five.');
    expect(framesWith(peer, 'call at 5')).toEqual([]);
  });

  it('a photo captioned /note is a note with that file; the visitor gets neither', async () => {
    const { peer, forwarded } = await visitorWrites(t, 'The box arrived broken');
    const told = t.fake.nextSaid(CHAT, /Private note stored/);
    t.fake.userSendsFile(CHAT, { bytes: PNG, name: 'box.png', mime: 'image/png', as: 'photo', caption: '/note Courier photo of the box', replyTo: forwarded.result.message_id });
    await told;
    const [note] = notes(await theDialog());
    expect(note.body).toBe('Courier photo of the box');
    expect(note.attachments).toHaveLength(1);
    const file = await fetch(`${t.server.url}${note.attachments[0].url}`);
    expect(Buffer.from(await file.arrayBuffer()).equals(PNG)).toBe(true);

    // A photo with an ordinary caption is still an answer.
    t.fake.userSendsFile(CHAT, { bytes: PNG, name: 'label.png', mime: 'image/png', as: 'photo', caption: 'Is this your label?', replyTo: forwarded.result.message_id });
    const answer = await operatorMessage(peer, 'Is this your label?');
    expect(answer.message.attachments).toHaveLength(1);
    expect(framesWith(peer, 'Courier photo')).toEqual([]);
    expect(framesWith(peer, note.attachments[0].url)).toEqual([]);
  });

  it('an album captioned /note: every photo of it is a note, none goes to the visitor; an album captioned otherwise is answers', async () => {
    const { peer, forwarded } = await visitorWrites(t, 'The box arrived broken');
    const replyTo = forwarded.result.message_id;
    // Telegram gives the album's caption to its first item, and each item carries the reply.
    const told = t.fake.nextSaid(CHAT, /Private note stored/);
    t.fake.userSendsFile(CHAT, { bytes: PNG, name: 'a.png', mime: 'image/png', as: 'photo', caption: '/note Courier photos, do not share', replyTo, album: 'al1' });
    await told;
    const second = t.fake.nextSaid(CHAT, /Private note stored/);
    t.fake.userSendsFile(CHAT, { bytes: PNG, name: 'b.png', mime: 'image/png', as: 'photo', replyTo, album: 'al1' });
    await second;
    // Another album, captioned as an answer: its items are answers, as before.
    t.fake.userSendsFile(CHAT, { bytes: PNG, name: 'c.png', mime: 'image/png', as: 'photo', caption: 'Is this your label?', replyTo, album: 'al2' });
    t.fake.userSendsFile(CHAT, { bytes: PNG, name: 'd.png', mime: 'image/png', as: 'photo', replyTo, album: 'al2' });
    const answered = () => peer.frames.filter((f) => f.type === 'message' && f.message.author === 'operator').length;
    await until(() => answered() === 2, "the other album's two answers reach the visitor");
    await handled();

    const d = await theDialog();
    expect(notes(d).map((m) => [m.body, m.attachments.length])).toEqual([
      ['Courier photos, do not share', 1],
      ['', 1],
    ]);
    const answers = d.messages.filter((m) => m.author === 'operator' && !m.private);
    expect(answers.map((m) => [m.body, m.attachments.length])).toEqual([
      ['Is this your label?', 1],
      ['', 1],
    ]);
    for (const note of notes(d)) expect(framesWith(peer, note.attachments[0].url)).toEqual([]);
  });

  it('an edit of the /note changes the note, not saying "edits of commands are not applied"; the visitor gets nothing', async () => {
    const { peer, forwarded } = await visitorWrites(t, 'Is the red one back?');
    const told = t.fake.nextSaid(CHAT, /Private note stored/);
    const { messageId } = t.fake.userSays(CHAT, '/note Restock on Friday', { replyTo: forwarded.result.message_id });
    await told;
    t.fake.userEdits(CHAT, messageId, '/note Restock on Monday');
    await handled();
    const [note] = notes(await theDialog());
    expect(note.body).toBe('Restock on Monday');
    expect(note.editedAt).not.toBeNull();
    expect(t.fake.sentTo(CHAT).filter((c) => /Edits of commands/.test(c.params.text))).toEqual([]);

    t.fake.userSays(CHAT, 'Back on Monday!', { replyTo: forwarded.result.message_id });
    await operatorMessage(peer, 'Back on Monday!');
    expect(framesWith(peer, 'Restock')).toEqual([]);
  });

  it("a reply to one's own /note is not sent to the visitor (it may be meant as more of the note); the chat says how to do either", async () => {
    const { peer, forwarded } = await visitorWrites(t, 'Do you gift-wrap?');
    const told = t.fake.nextSaid(CHAT, /Private note stored/);
    const { messageId } = t.fake.userSays(CHAT, '/note Ask if it is a birthday', { replyTo: forwarded.result.message_id });
    await told;
    const refused = t.fake.nextSaid(CHAT, /^Not sent/);
    const reply = t.fake.userSays(CHAT, 'and offer the gold paper', { replyTo: messageId });
    const said = await refused;
    expect(said.params.text).toBe(
      'Not sent: that is your private note, and a reply to it does not go to the visitor. Reply to a message of the dialog to answer, or send /note TEXT to add a note.',
    );
    expect(said.params.reply_parameters.message_id).toBe(reply.messageId);

    t.fake.userSays(CHAT, 'Yes, for free.', { replyTo: forwarded.result.message_id });
    await operatorMessage(peer, 'Yes, for free.');
    expect(framesWith(peer, 'gold paper')).toEqual([]);
    expect((await theDialog()).messages.filter((m) => m.author === 'operator').map((m) => [m.body, m.private])).toEqual([
      ['Ask if it is a birthday', true],
      ['Yes, for free.', false],
    ]);
  });

  it('a note is not waited for after a restart: no "Not delivered" notice, no deadline', async () => {
    const { forwarded } = await visitorWrites(t, 'Hello?');
    const told = t.fake.nextSaid(CHAT, /Private note stored/);
    t.fake.userSays(CHAT, '/note First contact, be patient', { replyTo: forwarded.result.message_id });
    await told;
    await t.server.close();
    t.clock.advance(60_000);
    t.server = await startServerWithBot(t.fake, { clock: t.clock, timers: t.timers, dataDir: t.dataDir, deadlines: time });
    await handled();
    expect(time.pending).toBe(0);
    expect(t.fake.calls.filter((c) => c.method === 'sendMessage' && /Not delivered/.test(c.params.text))).toEqual([]);
  });

  it('/help lists /note', async () => {
    const help = t.fake.nextSaid(CHAT, /^Visitor messages/);
    t.fake.userSays(CHAT, '/help');
    expect((await help).params.text).toContain('\n/note TEXT: a private note in that dialog for your colleagues; the visitor never sees it');
  });
});

describe("colleagues' notes", () => {
  it('show marked in the card; /dialogs and the notice of a dialog given to the operator show the conversation, not the note', async () => {
    const { peer } = await visitorWrites(t, 'I ordered twice by mistake');
    const { dialog, visitor } = await theDialog();
    await t.admin.updateMember(t.project.id, 'root@example.com', { operator: true });
    await t.admin.sendMessage(t.project.id, dialog.id, randomUUID(), 'Refund the second order', [], { private: true });

    const list = t.fake.nextSaid(CHAT, /Your open dialogs/);
    t.fake.userSays(CHAT, '/dialogs');
    const listed = await list;
    expect(listed.params.text).toContain(`• ${visitor.name}: I ordered twice by mistake`);
    const card = t.fake.nextSaid(CHAT, /Reply to this message to answer/);
    t.fake.userTaps(CHAT, listed.result.message_id, `open:${dialog.id}`);
    const opened = (await card).params.text;
    expect(opened).toContain(`\n${visitor.name}: I ordered twice by mistake\n🔒 Root Admin (private note): Refund the second order\n`);
    expect(opened).toContain('reply with /note TEXT for a private note');

    const given = t.fake.nextSaid(CHAT, /gave you the dialog/);
    await t.admin.assignDialog(t.project.id, dialog.id, 'oli@example.com');
    expect((await given).params.text).toBe(`👤 Root Admin gave you the dialog with ${visitor.name}.\n\n💬 I ordered twice by mistake`);
    expect(framesWith(peer, 'second order')).toEqual([]);
  });

  it('a colleague who writes a note and then takes the dialog took it: the chat does not hear they answered', async () => {
    const ana = await addLinkedOperator(t, { email: 'ana@example.com', firstName: 'Ana', lastName: 'Op' }, ANA_CHAT);
    await visitorWrites(t, 'Anyone there?');
    await until(() => t.fake.sentTo(ANA_CHAT).some((c) => /Anyone there\?/.test(c.params.text)), "Ana's forward");
    const { dialog, visitor } = await theDialog();
    await ana.sendMessage(t.project.id, dialog.id, randomUUID(), 'I know this customer, taking it', [], { private: true });
    const notice = t.fake.nextSaid(CHAT, /^↪️/);
    await ana.takeDialog(t.project.id, dialog.id, null);
    expect((await notice).params.text).toBe(
      `↪️ Ana Op took the dialog with ${visitor.name}. Its new messages go to them; a reply of yours here still goes to the visitor.`,
    );
  });
});
