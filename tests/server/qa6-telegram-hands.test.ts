// QA finding 4: colleagues who got a dialog in Telegram hear once when it changes hands (someone
// answers it first, or takes it), so nobody answers in the dark; whoever acted hears nothing. A
// fake Bot API speaking the real wire protocol, a real server and real widget sockets, two
// operators with linked chats: Oli (CHAT) and Bea (BEA_CHAT).
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { Peer } from '../helpers/realtime.js';
import type { BotCall } from '../helpers/telegram.js';
import {
  addLinkedOperator,
  CHAT,
  endTelegramScenario,
  linkChat,
  startTelegramScenario,
  type TelegramScenario,
  visitorWrites,
} from '../helpers/telegram-scenario.js';

const BEA_CHAT = 5002;
const STILL = 'Its new messages go to them; a reply of yours here still goes to the visitor.';

let t: TelegramScenario;
let bea: ParleyClient;

beforeEach(async () => {
  t = await startTelegramScenario();
  await linkChat(t);
  bea = await addLinkedOperator(t, { email: 'bea@example.com', firstName: 'Bea', lastName: 'Op' }, BEA_CHAT);
});

afterEach(async () => {
  await endTelegramScenario(t);
});

const operatorMessage = (peer: Peer) => peer.next((f) => f.type === 'message' && f.message.author === 'operator');
/** What the bot said in a chat that is about a dialog changing hands. */
const handNotices = (chatId: number) => t.fake.sentTo(chatId).filter((c) => /^↪️/.test(c.params.text));
const write = (peer: Peer, body: string) => peer.send({ type: 'message.send', clientId: randomUUID(), body });
/** The visitor's name as their forward shows it. */
const visitorOf = (forward: BotCall) => /💬 (.+)\n/.exec(forward.params.text)![1];

async function onlyDialog(): Promise<number> {
  const { dialogs } = await t.operator.request<{ dialogs: Array<{ id: number }> }>('GET', `/api/v1/projects/${t.project.id}/dialogs`);
  expect(dialogs).toHaveLength(1);
  return dialogs[0].id;
}

/** A visitor writes; both chats get the 🆕 forward (nobody has the dialog yet). */
async function bothGetNewDialog(text: string) {
  const beaForward = t.fake.nextSaid(BEA_CHAT, new RegExp(text));
  const { peer, token, forwarded } = await visitorWrites(t, text);
  const toBea = await beaForward;
  expect(forwarded.params.text).toMatch(/^🆕 New dialog/);
  expect(toBea.params.text).toBe(forwarded.params.text);
  return { peer, token, toOli: forwarded, toBea, visitor: visitorOf(forwarded) };
}

it('Oli answers a dialog both got: Bea hears once that it is his, her reply still reaches the visitor, Oli hears nothing', async () => {
  const { peer, toOli, visitor } = await bothGetNewDialog('Where is my order');
  const dialogId = await onlyDialog();

  const notice = t.fake.nextSaid(BEA_CHAT, /^↪️/);
  t.fake.userSays(CHAT, 'Checking it now.', { replyTo: toOli.result.message_id });
  expect((await operatorMessage(peer)).message.body).toBe('Checking it now.');
  const said = await notice;
  expect(said.params.text).toBe(`↪️ Oli Op answered ${visitor}; the dialog is theirs now. ${STILL}`);
  expect(said.params.reply_markup.inline_keyboard).toEqual([[{ text: 'Open the dialog', callback_data: `open:${dialogId}` }]]);

  // More messages both ways, and changes that are not of hands, say nothing more.
  await visitorWrites(t, 'It was due Monday', peer);
  await t.operator.request('PUT', `/api/v1/projects/${t.project.id}/dialogs/${dialogId}/lead-class`, { leadClass: 'target' });
  await t.operator.request('POST', `/api/v1/projects/${t.project.id}/dialogs/${dialogId}/take`);
  const fromBea = t.fake.userSays(BEA_CHAT, 'Bea here: it left the warehouse today.', { replyTo: said.result.message_id });
  const answer = await operatorMessage(peer);
  expect(answer.message.body).toBe('Bea here: it left the warehouse today.');
  expect(answer.message.operator?.name).toMatch(/^Bea/);
  expect(fromBea.messageId).toBeGreaterThan(0);
  // Still Oli's: the visitor's next message goes to him only, after anything said before it.
  const from = t.fake.calls.length;
  await visitorWrites(t, 'Great, thanks', peer);
  expect(t.fake.calls.slice(from).filter((c) => c.method === 'sendMessage' && c.params.chat_id === BEA_CHAT)).toEqual([]);

  expect(handNotices(BEA_CHAT)).toEqual([said]);
  expect(handNotices(CHAT)).toEqual([]);
});

it('Oli takes a dialog Bea was answering: Bea hears it once; Bea takes it back from a reply to that notice: Oli hears it once', async () => {
  const { peer, toBea, visitor } = await bothGetNewDialog('Do you ship abroad');
  const dialogId = await onlyDialog();

  // Bea answers first: the dialog is hers; Oli hears that (and Bea nothing).
  const toOli = t.fake.nextSaid(CHAT, /^↪️/);
  t.fake.userSays(BEA_CHAT, 'Yes, to most countries.', { replyTo: toBea.result.message_id });
  await operatorMessage(peer);
  expect((await toOli).params.text).toBe(`↪️ Bea Op answered ${visitor}; the dialog is theirs now. ${STILL}`);

  // Oli takes it in the TUI (REST): Bea, who was answering it, is told, once.
  const toBeaNotice = t.fake.nextSaid(BEA_CHAT, /^↪️/);
  await t.operator.request('POST', `/api/v1/projects/${t.project.id}/dialogs/${dialogId}/take`);
  const took = await toBeaNotice;
  expect(took.params.text).toBe(`↪️ Oli Op took the dialog with ${visitor}. ${STILL}`);
  // The visitor's follow-up goes to Oli only.
  const from = t.fake.calls.length;
  await visitorWrites(t, 'follow-up after take', peer);
  expect(t.fake.calls.slice(from).filter((c) => c.method === 'sendMessage' && c.params.chat_id === BEA_CHAT)).toEqual([]);

  // Bea takes it back with /take as a reply to the notice: she hears "yours", Oli hears she took it.
  const oliHears = t.fake.nextSaid(CHAT, /^↪️ Bea/);
  const beaHears = t.fake.nextSaid(BEA_CHAT, /is yours/);
  t.fake.userSays(BEA_CHAT, '/take', { replyTo: took.result.message_id });
  expect((await beaHears).params.text).toBe(`✋ The dialog with ${visitor} is yours.`);
  expect((await oliHears).params.text).toBe(`↪️ Bea Op took the dialog with ${visitor}. ${STILL}`);

  // Taking what one has already, and closing, change no hands.
  await bea.request('POST', `/api/v1/projects/${t.project.id}/dialogs/${dialogId}/take`);
  await bea.request('POST', `/api/v1/projects/${t.project.id}/dialogs/${dialogId}/close`);
  // The visitor comes back: the dialog opens again, Bea's, and only she gets the message.
  const flushed = t.fake.nextSaid(BEA_CHAT, /back again/);
  write(peer, 'back again');
  await flushed;

  expect(handNotices(BEA_CHAT).map((c) => c.params.text)).toEqual([took.params.text]);
  expect(handNotices(CHAT).map((c) => c.params.text)).toEqual([
    `↪️ Bea Op answered ${visitor}; the dialog is theirs now. ${STILL}`,
    `↪️ Bea Op took the dialog with ${visitor}. ${STILL}`,
  ]);
});

it('a dialog given to a colleague: the giver hears nothing of it, the colleague gets the usual "gave you" notice only', async () => {
  const { peer, toBea } = await bothGetNewDialog('Can I pay by invoice');
  const dialogId = await onlyDialog();
  t.fake.userSays(BEA_CHAT, 'Let me ask.', { replyTo: toBea.result.message_id });
  await operatorMessage(peer);
  await t.fake.nextSaid(CHAT, /^↪️ Bea Op answered/);

  const gave = t.fake.nextSaid(CHAT, /gave you/);
  await bea.request('POST', `/api/v1/projects/${t.project.id}/dialogs/${dialogId}/assign`, { email: 'oli@example.com' });
  expect((await gave).params.text).toMatch(/^👤 Bea Op gave you the dialog with /);
  const flushed = t.fake.nextSaid(CHAT, /Invoice then\?/);
  await visitorWrites(t, 'Invoice then?', peer);
  await flushed;

  expect(handNotices(BEA_CHAT)).toEqual([]);
  expect(handNotices(CHAT).map((c) => c.params.text)).toEqual([expect.stringMatching(/^↪️ Bea Op answered/)]);
});

it('the operator who had a dialog stops answering (role taken away): a colleague who got it hears it waits, and takes it by replying', async () => {
  const { peer, toOli, visitor } = await bothGetNewDialog('Is the shop open on Sunday');
  const dialogId = await onlyDialog();
  const answeredNotice = t.fake.nextSaid(BEA_CHAT, /^↪️ Oli Op answered/);
  t.fake.userSays(CHAT, 'Let me check.', { replyTo: toOli.result.message_id });
  await operatorMessage(peer);
  await answeredNotice;

  const waits = t.fake.nextSaid(BEA_CHAT, /no longer answers/);
  await t.admin.updateMember(t.project.id, 'oli@example.com', { operator: false, access: 'settings' });
  const notice = await waits;
  expect(notice.params.text).toBe(
    `↪️ Oli Op no longer answers in this project: the dialog with ${visitor} waits for an operator; a reply of yours here takes it.`,
  );
  // Nobody "took" it, and Oli, who is no operator now, hears nothing of it.
  expect(handNotices(BEA_CHAT).map((c) => c.params.text).filter((x: string) => / took /.test(x))).toEqual([]);
  expect(handNotices(CHAT)).toEqual([]);

  t.fake.userSays(BEA_CHAT, 'Yes, 10 to 4.', { replyTo: notice.result.message_id });
  expect((await operatorMessage(peer)).message.body).toBe('Yes, 10 to 4.');
  const detail = await bea.request<{ dialog: { assignee: { name: string } | null } }>('GET', `/api/v1/projects/${t.project.id}/dialogs/${dialogId}`);
  expect(detail.dialog.assignee?.name).toBe('Bea Op');
});

it('under round-robin the dialog of one who stops answering goes to the next online operator: the heir is told it is theirs, a colleague who got it hears where it went, nobody "took" it', async () => {
  const CAI_CHAT = 5003;
  await addLinkedOperator(t, { email: 'cai@example.com', firstName: 'Cai', lastName: 'Op' }, CAI_CHAT);
  const caiForward = t.fake.nextSaid(CAI_CHAT, /Where do you deliver/);
  const { peer, toOli, visitor } = await bothGetNewDialog('Where do you deliver');
  await caiForward;
  const dialogId = await onlyDialog();
  const caiHeard = t.fake.nextSaid(CAI_CHAT, /^↪️ Oli Op answered/);
  t.fake.userSays(CHAT, 'All over the city.', { replyTo: toOli.result.message_id });
  await operatorMessage(peer);
  await caiHeard;

  // Round-robin from now on; Bea is the one online besides Oli (Cai is offline).
  await t.admin.request('PUT', `/api/v1/projects/${t.project.id}/routing`, { assignment: 'round-robin', rules: [] });
  await t.operator.request('PUT', `/api/v1/projects/${t.project.id}/status`, { online: true });
  await bea.request('PUT', `/api/v1/projects/${t.project.id}/status`, { online: true });

  const beaHears = t.fake.nextSaid(BEA_CHAT, /is yours now/);
  const caiHears = t.fake.nextSaid(CAI_CHAT, /no longer answers/);
  await t.admin.updateMember(t.project.id, 'oli@example.com', { operator: false, access: 'settings' });
  const heir = await beaHears;
  expect(heir.params.text).toBe(`👤 The dialog with ${visitor} is yours now: Oli Op no longer answers in this project.\n\n↪️ All over the city.`);
  expect(heir.params.reply_markup.inline_keyboard).toEqual([[{ text: 'Open the dialog', callback_data: `open:${dialogId}` }]]);
  expect((await caiHears).params.text).toBe(`↪️ Oli Op no longer answers in this project: the dialog with ${visitor} went to Bea Op. ${STILL}`);
  const detail = await bea.request<{ dialog: { assignee: { name: string } | null } }>('GET', `/api/v1/projects/${t.project.id}/dialogs/${dialogId}`);
  expect(detail.dialog.assignee?.name).toBe('Bea Op');

  // A reply to the heir's notice answers the dialog.
  t.fake.userSays(BEA_CHAT, 'Bea here: we deliver tomorrow.', { replyTo: heir.result.message_id });
  expect((await operatorMessage(peer)).message.body).toBe('Bea here: we deliver tomorrow.');
  const tookNotices = [...t.fake.sentTo(CHAT), ...t.fake.sentTo(BEA_CHAT), ...t.fake.sentTo(CAI_CHAT)].filter((c) => / took the dialog /.test(c.params.text));
  expect(tookNotices).toEqual([]);
  expect(handNotices(CHAT)).toEqual([]);
});

it('under round-robin a dialog that waited goes to Bea coming online: she hears it is hers with its last message, Oli where it went', async () => {
  await t.admin.request('PUT', `/api/v1/projects/${t.project.id}/routing`, { assignment: 'round-robin' });
  const { visitor } = await bothGetNewDialog('Is anyone on duty');
  const id = await onlyDialog();
  const toBea = t.fake.nextSaid(BEA_CHAT, /is yours now/);
  const toOli = t.fake.nextSaid(CHAT, /^↪️/);
  await bea.setStatus(t.project.id, true);
  expect((await toBea).params.text).toBe(`👤 The dialog with ${visitor} is yours now: it was waiting for an operator.\n\n💬 Is anyone on duty`);
  expect((await toOli).params.text).toBe(`↪️ The dialog with ${visitor}, waiting for an operator, went to Bea Op. ${STILL}`);
  expect(handNotices(BEA_CHAT)).toEqual([]);
  const { dialog } = await t.operator.request<{ dialog: { assignee: { name: string } | null } }>('GET', `/api/v1/projects/${t.project.id}/dialogs/${id}`);
  expect(dialog.assignee?.name).toBe('Bea Op');
});
