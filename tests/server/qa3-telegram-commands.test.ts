// Commands and message kinds in the operator's Telegram chat: /tpl alone lists templates without
// a dialog, /help names every command, edits of commands are not applied (and the chat says
// so), a round video note is sent like a video, and a visitor's file-only message is forwarded
// without an empty body. A fake Bot API speaking the real wire protocol, a real server and real
// widget sockets.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../../core/protocol/index.js';
import type { Peer } from '../helpers/realtime.js';
import {
  CHAT,
  endTelegramScenario,
  linkChat,
  ORIGIN,
  startTelegramScenario,
  type TelegramScenario,
  visitorWrites,
} from '../helpers/telegram-scenario.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(300, 7)]);
const MP4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42'), Buffer.alloc(400, 5)]);
const COMMAND_EDIT = 'Edits of commands are not applied; send the command again.';

let t: TelegramScenario;

beforeEach(async () => {
  t = await startTelegramScenario();
  await linkChat(t);
});

afterEach(async () => {
  await endTelegramScenario(t);
});

const operatorMessage = (peer: Peer) => peer.next((f) => f.type === 'message' && f.message.author === 'operator');
const addTemplate = (projectId: number, name: string, text: string) =>
  t.admin.request('POST', `/api/v1/projects/${projectId}/templates`, { name, text });

async function theDialog() {
  const { dialogs } = await t.operator.request<{ dialogs: Array<{ id: number; status: string; visitor: { name: string } }> }>(
    'GET',
    `/api/v1/projects/${t.project.id}/dialogs?view=mine`,
  );
  const { dialog, messages } = await t.operator.request<{ dialog: { status: string }; messages: Message[] }>(
    'GET',
    `/api/v1/projects/${t.project.id}/dialogs/${dialogs[0].id}`,
  );
  return { ...dialogs[0], status: dialog.status, messages };
}

describe('/tpl alone and /help', () => {
  it('/tpl alone lists the templates with no dialog opened or replied to', async () => {
    await addTemplate(t.project.id, 'greet', 'Hello {visitor.name}');
    await addTemplate(t.project.id, 'bye', 'Bye!');
    const said = t.fake.nextSaid(CHAT);
    t.fake.userSays(CHAT, '/tpl');
    expect((await said).params.text).toBe('Templates (send one with /tpl NAME):\nbye\ngreet');
  });

  it('/tpl alone, for an operator in two projects, lists each project\'s templates under its name', async () => {
    const outlet = await t.admin.createProject('Outlet');
    await t.admin.addMember(outlet.id, { email: 'oli@example.com', firstName: 'Oli', lastName: 'Op', operator: true });
    await addTemplate(t.project.id, 'greet', 'Hello');
    await addTemplate(outlet.id, 'sale', 'Everything -50%');
    const said = t.fake.nextSaid(CHAT);
    t.fake.userSays(CHAT, '/TPL');
    expect((await said).params.text).toBe('Templates (send one with /tpl NAME):\nShop: greet\nOutlet: sale');
  });

  it('/help names /reopen with /take and /close', async () => {
    const said = t.fake.nextSaid(CHAT);
    t.fake.userSays(CHAT, '/help');
    expect((await said).params.text).toContain('/take, /close, /reopen: take, close or reopen the dialog');
  });
});

describe('edits of commands', () => {
  it("editing a /tpl that sent a template leaves the visitor's message as sent and says so", async () => {
    await addTemplate(t.project.id, 'hi', 'Hello from the template');
    const { peer, forwarded } = await visitorWrites(t, 'Hello?');
    const { messageId } = t.fake.userSays(CHAT, '/tpl hi', { replyTo: forwarded.result.message_id });
    expect((await operatorMessage(peer)).message.body).toBe('Hello from the template');

    const said = t.fake.nextSaid(CHAT);
    t.fake.userEdits(CHAT, messageId, 'totally different text');
    const told = await said;
    expect(told.params.text).toBe(COMMAND_EDIT);
    expect(told.params.reply_parameters.message_id).toBe(messageId);
    const { messages } = await theDialog();
    expect(messages.filter((m) => m.author === 'operator').map((m) => [m.body, m.editedAt])).toEqual([['Hello from the template', null]]);
    expect(peer.frames.filter((f) => f.type === 'message' && f.message.author === 'operator')).toEqual([]);
  });

  it('a reply edited into a command runs nothing and changes nothing; the chat says so', async () => {
    const { peer, forwarded } = await visitorWrites(t, 'Can I return it?');
    const { messageId } = t.fake.userSays(CHAT, 'Yes, within 30 days.', { replyTo: forwarded.result.message_id });
    await operatorMessage(peer);

    const said = t.fake.nextSaid(CHAT);
    t.fake.userEdits(CHAT, messageId, '/close please');
    expect((await said).params.text).toBe(COMMAND_EDIT);
    const dialog = await theDialog();
    expect(dialog.status).toBe('open');
    expect(dialog.messages.filter((m) => m.author === 'operator').map((m) => [m.body, m.editedAt])).toEqual([['Yes, within 30 days.', null]]);

    // A command fixed by an edit (a typo in the name) is not run either: the chat says so.
    await addTemplate(t.project.id, 'delivery', 'Delivery takes 2 days.');
    const typo = t.fake.nextSaid(CHAT, /No template/);
    const { messageId: tpl } = t.fake.userSays(CHAT, '/tpl delivry', { replyTo: forwarded.result.message_id });
    await typo;
    const fixed = t.fake.nextSaid(CHAT);
    t.fake.userEdits(CHAT, tpl, '/tpl delivery');
    expect((await fixed).params.text).toBe(COMMAND_EDIT);
    expect((await theDialog()).messages.filter((m) => m.author === 'operator')).toHaveLength(1);
  });

  it('an edit of a plain reply still edits the message in the widget', async () => {
    const { peer, forwarded } = await visitorWrites(t, 'Which colours?');
    const { messageId } = t.fake.userSays(CHAT, 'Red and blue', { replyTo: forwarded.result.message_id });
    const sent = await operatorMessage(peer);
    t.fake.userEdits(CHAT, messageId, 'Red, blue and green');
    const edited = await peer.next((f) => f.type === 'message' && f.message.id === sent.message.id && f.message.editedAt !== null);
    expect(edited.message.body).toBe('Red, blue and green');
  });
});

describe('message kinds', () => {
  it('a round video note sent as a reply reaches the widget as a video file', async () => {
    const { peer, forwarded } = await visitorWrites(t, 'Show me how it folds?');
    t.fake.userSendsFile(CHAT, { bytes: MP4, name: 'note.mp4', mime: 'video/mp4', as: 'video_note', replyTo: forwarded.result.message_id });
    const pushed = await operatorMessage(peer);
    expect(pushed.message.body).toBe('');
    expect(pushed.message.attachments).toMatchObject([{ name: expect.stringMatching(/^video\.mp4/), size: MP4.length }]);
    const file = await fetch(`${t.server.url}${pushed.message.attachments[0].url}`);
    expect(Buffer.from(await file.arrayBuffer()).equals(MP4)).toBe(true);
  });

  it("a visitor's message with a file and no text is forwarded with the file line right after the header", async () => {
    const { peer, token } = await visitorWrites(t, 'Hello');
    const form = new FormData();
    form.append('file', new Blob([PNG]), 'only.png');
    const res = await fetch(`${t.server.url}/widget/uploads?key=${t.project.widgetKey}`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'x-parley-visitor': token! },
      body: form,
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: number };
    const forwarded = t.fake.nextSaid(CHAT, /only\.png/);
    peer.send({ type: 'message.send', clientId: randomUUID(), body: '', attachmentIds: [id] });
    const { visitor } = await theDialog();
    expect((await forwarded).params.text).toBe(`💬 ${visitor.name}\n📄 Trail Runner 2 — ${ORIGIN}/shoes/trail-runner-2\n\n📎 1 file: only.png`);
  });
});
