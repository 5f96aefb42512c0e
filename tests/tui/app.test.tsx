// The operator TUI against a real server: the app on a random port, real sockets, and a real
// widget-side visitor socket that acks. Keys go in through stdin as a terminal sends them; the
// assertions read the frames with ANSI codes stripped.
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParleyClient as ParleyClientClass, type ParleyClient } from '../../core/client/api.js';
import type { Outbox } from '../../core/client/outbox.js';
import { dialogListing, OperatorConnection } from '../../core/client/realtime.js';
import { App } from '../../tui/App.js';
import { ParleyProvider } from '../../tui/context/ParleyProvider.js';
import { ManualClock } from '../../server/clock.js';
import { displayWidth } from '../../core/text-layout.js';
import { Gate } from '../../tui/login/Gate.js';
import { netCut } from '../helpers/netcut.js';
import { useEffect, type ReactNode } from 'react';
import {
  ALT_ENTER,
  BACKSPACE,
  BACKSPACE_CTRL_H,
  CTRL_ENTER,
  CTRL_ENTER_XTERM,
  CTRL_F,
  CTRL_N,
  CTRL_O,
  CTRL_S,
  CTRL_X,
  DELETE,
  DOWN,
  ENTER,
  ESC,
  overflow,
  PASTE_END,
  PASTE_START,
  plain,
  press,
  renderSized,
  SHIFT_ENTER,
  SHIFT_ENTER_XTERM,
  SHIFT_TAB,
  TAB,
  UP,
  waitForFrame,
} from '../helpers/ink.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { ManualTime } from '../helpers/manual-time.js';
import { type Peer, visitorHello, visitorWrites as writeAsVisitor } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);

let server: TestServer;
let clock: ManualClock;
let admin: ParleyClient;
let oli: ParleyClient;
let ana: ParleyClient;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];
const teardown: Array<() => unknown> = [];

async function operator(email: string, firstName: string): Promise<ParleyClient> {
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(project.id, { email, firstName, lastName: 'Op', operator: true });
  const mail = await outbox.waitFor((m) => m.to === email);
  outbox.close();
  return signIn(server.url, email, passwordFrom(mail), NEW_PASSWORD);
}

beforeEach(async () => {
  clock = new ManualClock(Date.now());
  server = await startTestServer({ clock, rateLimits: { login: 1000, forgot: 1000 } });
  ({ client: admin } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
  oli = await operator('oli@example.com', 'Oli');
  ana = await operator('ana@example.com', 'Ana');
});

afterEach(async () => {
  for (const t of teardown.splice(0).reverse()) await t();
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
});

/** A visitor on the page who wrote `body`: their socket, welcome and dialog. */
const visitorWrites = (body: string, hello: Record<string, unknown> = {}) =>
  writeAsVisitor({ url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId: project.id, admin, peers }, body, hello);

/** A file the visitor's widget uploads (as the widget does, with the visitor's token). */
async function widgetUpload(token: string, bytes: Buffer, name: string): Promise<{ id: number; url: string; name: string }> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  const res = await fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
    method: 'POST',
    headers: { origin: ORIGIN, 'x-parley-visitor': token },
    body: form,
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number; url: string; name: string };
}

/** The text that starts with `start` in the frame, followed down the rows it was wrapped over. */
function unwrapped(frame: string, start: string): string {
  const lines = frame.split('\n');
  const first = lines.findIndex((l) => l.includes(start));
  if (first < 0) return '';
  const column = lines[first].indexOf(start);
  return lines
    .slice(first)
    .map((l) => /^[^\s│]*/.exec(l.slice(column))![0])
    .join('');
}

async function nameOf(dialogId: number): Promise<string> {
  return (await admin.getDialog(project.id, dialogId)).visitor.name;
}

/**
 * The TUI signed in as `client`, its clock (the connection's and the TUI's) in the test's hands;
 * `size` gives it a terminal of that size.
 */
async function startApp(
  client: ParleyClient,
  size?: { columns: number; rows: number },
  opts: { hyperlinks?: boolean; socketUrl?: string; beside?: ReactNode } = {},
) {
  const time = new ManualTime();
  const me = await client.me();
  const connection = new OperatorConnection({
    url: opts.socketUrl ?? server.url,
    token: client.token!,
    projectId: project.id,
    heartbeatMs: 0,
    discover: dialogListing(client, project.id),
    now: time.now,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
  });
  const tree = (
    <ParleyProvider session={{ client, connection, projectId: project.id, me, clock: time, hyperlinks: opts.hyperlinks }}>
      <App />
      {opts.beside}
    </ParleyProvider>
  );
  const app = size ? await renderSized(tree, size) : render(tree);
  teardown.push(() => connection.close(), () => app.unmount());
  await waitForFrame(app, (f) => f.includes('connected') && !f.includes('loading'), 'connected and loaded');
  /** Resolves once the outbox satisfies `check`. */
  const outboxUntil = (check: (box: Outbox) => boolean) =>
    new Promise<void>((resolve) => {
      if (check(connection.outbox)) return resolve();
      const off = connection.on('outbox', (_e, box) => {
        if (check(box)) {
          off();
          resolve();
        }
      });
    });
  return { app, time, connection, outboxUntil };
}

/** Opens the first dialog of My messages; the composer then has the focus. */
async function openFirst(app: Awaited<ReturnType<typeof startApp>>['app'], name: string) {
  // (A narrow list cuts a long name: its first 12 characters show at every size.)
  await waitForFrame(app, (f) => f.includes(name.slice(0, 12)), `${name} listed`);
  await press(app, ENTER);
  await waitForFrame(app, (f) => /Ctrl\+Enter \/ Ctrl\+S( \/ Alt\+Enter)? send/.test(f), 'the composer');
}

const operatorBodies = async (dialogId: number) =>
  (await oli.listMessages(project.id, dialogId)).filter((m) => m.author === 'operator').map((m) => m.body);

describe('the operator TUI', () => {
  it('fills My messages, Shared messages and Archive per the Views rules, for two operators', async () => {
    const open = await visitorWrites('Do you ship to Norway?');
    const anas = await visitorWrites('Where is my order?');
    const done = await visitorWrites('Thanks, bye');
    await ana.takeDialog(project.id, anas.dialogId);
    await ana.closeDialog(project.id, done.dialogId);
    const [openName, anasName, doneName] = await Promise.all([open, anas, done].map((v) => nameOf(v.dialogId)));

    const { app } = await startApp(oli);
    let frame = await waitForFrame(app, (f) => f.includes('My messages (1)'), 'My messages counted');
    expect(frame).toContain(openName);
    expect(frame).not.toContain(anasName);
    await press(app, TAB);
    frame = await waitForFrame(app, (f) => f.includes('Shared messages (1)'), 'Shared messages');
    expect(frame).toContain(anasName);
    expect(frame).not.toContain(openName);
    await press(app, TAB);
    frame = await waitForFrame(app, (f) => f.includes('Archive (1)'), 'Archive');
    expect(frame).toContain(doneName);

    // Ana sees the same dialogs the other way round.
    const other = await startApp(ana);
    frame = await waitForFrame(other.app, (f) => f.includes('My messages (2)'), "Ana's My messages");
    expect(frame).toContain(anasName);
    expect(frame).toContain(openName);
    await press(other.app, TAB);
    await waitForFrame(other.app, (f) => f.includes('Shared messages (0)') && f.includes('no dialogs'), "Ana's Shared");
  });

  it('Ctrl+Enter (kitty and xterm), Ctrl+S and Alt+Enter send; Enter and pasted newlines stay in the composer', async () => {
    const v = await visitorWrites('Hello?');
    const { app } = await startApp(oli);
    await openFirst(app, await nameOf(v.dialogId));

    await press(app, 'one', CTRL_ENTER);
    await waitForFrame(app, (f) => f.includes('you: one'), 'one sent');
    await press(app, 'two', CTRL_ENTER_XTERM, 'three', CTRL_S, 'four', ALT_ENTER);
    await waitForFrame(app, (f) => f.includes('you: four'), 'four sent');
    await press(app, 'line 1', ENTER, 'line 2', 'pasted\nlines');
    const typed = await waitForFrame(app, (f) => f.includes('line 2pasted'), 'the composer keeps the lines');
    expect(typed).toMatch(/│ line 1[\s│]*\n[\s│]*│ line 2pasted/);
    expect(typed).not.toContain('you: line 1');
    await press(app, CTRL_S);
    const sent = await waitForFrame(app, (f) => /you: line 1[\s│]*\n[\s│]*line 2pasted[\s│]*\n[\s│]*lines/.test(f), 'the multi-line message sent');
    expect(sent).not.toContain('line 2pasted\n│ Ctrl');

    await expect.poll(() => operatorBodies(v.dialogId)).toEqual(['one', 'two', 'three', 'four', 'line 1\nline 2pasted\nlines']);
  });

  it('Shift+Enter inserts a line break in the composer in both encodings (kitty and modifyOtherKeys)', async () => {
    const v = await visitorWrites('Two lines please');
    const { app } = await startApp(oli);
    await openFirst(app, await nameOf(v.dialogId));
    await press(app, 'alpha', SHIFT_ENTER, 'beta', SHIFT_ENTER_XTERM, 'gamma');
    const typed = await waitForFrame(app, (f) => f.includes('gamma'), 'the composer has three lines');
    expect(typed).toMatch(/│ alpha[\s│]*\n[\s│]*│ beta[\s│]*\n[\s│]*│ gamma/);
    expect(typed).not.toMatch(/13;2u|27;2;13~/);
    await press(app, CTRL_ENTER);
    await expect.poll(() => operatorBodies(v.dialogId)).toEqual(['alpha\nbeta\ngamma']);
  });

  it("shows the visitor's files under their messages: name, type, size and the whole URL to open, also a file sent with no text", async () => {
    const v = await visitorWrites('I have a question about my order');
    const name = await nameOf(v.dialogId);
    const photo = await widgetUpload(v.welcome.token, PNG, 'photo.png');
    const invoice = await widgetUpload(v.welcome.token, Buffer.from('%PDF-1.4 tiny'), 'the-quarterly-invoice-from-accounting-2024-final-v2.pdf');
    v.peer.send({ type: 'message.send', clientId: 'only-a-photo', body: '', attachmentIds: [photo.id] });
    await v.peer.next((f) => f.type === 'message.stored' && f.clientId === 'only-a-photo');
    v.peer.send({ type: 'message.send', clientId: 'with-text', body: 'and the invoice', attachmentIds: [invoice.id] });
    await v.peer.next((f) => f.type === 'message.stored' && f.clientId === 'with-text');

    const { app } = await startApp(oli, { columns: 200, rows: 40 });
    await openFirst(app, name);
    const photoUrl = `${server.url}${photo.url}`;
    let frame = await waitForFrame(app, (f) => f.includes('📎 photo.png (image/png, 72 B)') && f.includes('and the invoice'), 'the files');
    // A file with no text starts on the message's own row, its URL whole below it.
    expect(frame).toMatch(new RegExp(`\\d\\d:\\d\\d ${name}: 📎 photo\\.png \\(image/png, 72 B\\)`));
    expect(frame).toContain(photoUrl);
    const lines = frame.split('\n');
    const text = lines.findIndex((l) => l.includes(`${name}: and the invoice`));
    expect(lines[text + 1]).toContain('  📎 the-quarterly-invoice-from-accounting-2024-final-v2.pdf (application/pdf, 13 B)');
    expect(frame).toContain(`${server.url}${invoice.url}`);
    expect((await fetch(photoUrl)).status).toBe(200);

    // At 80 columns the long name loses its middle (not its extension) and the URL is wrapped
    // over rows, never cut, and nothing overflows.
    (app as Awaited<ReturnType<typeof renderSized>>).resize(80, 24);
    frame = await waitForFrame(app, (f) => overflow(f, 80, 23).length === 0 && f.includes('…') && f.includes('photo.png'), 'the files at 80x24');
    expect(frame).toMatch(/📎 the-quarter\S*…\S*v2\.pdf \(application\/pdf, 13 B\)/);
    expect(unwrapped(frame, `${server.url}/files/${photo.id}/`).startsWith(photoUrl)).toBe(true);
  });

  it('Ctrl+O attaches a file by its path (typed, or dropped: quoted); it goes with the next message, also alone; Ctrl+X drops them', async () => {
    const v = await visitorWrites('Can you send me the invoice?');
    const dir = await tempDir();
    const invoice = join(dir, 'My Invoice.pdf');
    const photo = join(dir, 'photo.png');
    await writeFile(invoice, '%PDF-1.4 invoice');
    await writeFile(photo, PNG);
    const { app } = await startApp(oli, { columns: 200, rows: 40 });
    await openFirst(app, await nameOf(v.dialogId));

    // A path that is not there: said in the window, nothing attached.
    await press(app, CTRL_O);
    await waitForFrame(app, (f) => f.includes('Attach a file to your next message'), 'the attach window');
    await press(app, join(dir, 'nope.pdf'), ENTER);
    await waitForFrame(app, (f) => f.includes(`no such file: ${join(dir, 'nope.pdf')}`), 'the missing file named');
    // Dropped onto the terminal: the quoted path comes as a paste.
    await press(app, ESC, CTRL_O, PASTE_START, `'${invoice}'`, PASTE_END, ENTER);
    await waitForFrame(app, (f) => f.includes('📎 My Invoice.pdf (16 B)') && f.includes('Ctrl+X drops them'), 'the file listed in the composer');
    await press(app, 'Here it is', CTRL_S);
    const pushed = await v.peer.next((f) => f.type === 'message' && f.message.body === 'Here it is');
    expect(pushed.message.attachments.map((a: { name: string; mime: string }) => [a.name, a.mime])).toEqual([['My Invoice.pdf', 'application/pdf']]);
    expect(await (await fetch(server.url + pushed.message.attachments[0].url)).text()).toBe('%PDF-1.4 invoice');
    await waitForFrame(
      app,
      (f) => f.includes('📎 My Invoice.pdf (application/pdf, 16 B)') && !f.includes('📎 My Invoice.pdf (16 B)'),
      'sent with its file, the composer empty',
    );

    // A file alone, with no text.
    await press(app, CTRL_O, photo, ENTER);
    await waitForFrame(app, (f) => f.includes('📎 photo.png (72 B)') && f.includes('send the files'), 'the photo attached');
    await press(app, CTRL_S);
    const alone = await v.peer.next((f) => f.type === 'message' && f.message.attachments[0]?.name === 'photo.png');
    expect(alone.message.body).toBe('');

    // Attached, then dropped: the text goes alone.
    await press(app, CTRL_O, photo, ENTER);
    await waitForFrame(app, (f) => f.includes('📎 photo.png (72 B)'), 'attached again');
    await press(app, CTRL_X);
    await waitForFrame(app, (f) => f.includes('attached files dropped') && !f.includes('📎 photo.png (72 B)'), 'dropped');
    await press(app, 'Anything else?', CTRL_S);
    const last = await v.peer.next((f) => f.type === 'message' && f.message.body === 'Anything else?');
    expect(last.message.attachments).toEqual([]);
    const files = (await oli.listMessages(project.id, v.dialogId)).filter((m) => m.author === 'operator').map((m) => m.attachments.map((a) => a.name));
    expect(files).toEqual([['My Invoice.pdf'], ['photo.png'], []]);
  });

  it('a file dragged onto the terminal (a paste of its quoted path) in the composer is attached; a path to no file stays text', async () => {
    const v = await visitorWrites('Send me the label please');
    const dir = await tempDir();
    const label = join(dir, 'return label.pdf');
    await writeFile(label, '%PDF-1.4 label');
    const { app } = await startApp(oli, { columns: 160, rows: 40 });
    await openFirst(app, await nameOf(v.dialogId));
    await press(app, PASTE_START, `'${label}'`, PASTE_END);
    await waitForFrame(app, (f) => f.includes('📎 return label.pdf (14 B)') && f.includes('dropped on the terminal'), 'attached by the drop');
    expect(app.lastFrame()).not.toContain(`'${label}'`);
    await press(app, PASTE_START, join(dir, 'nothing-here.pdf'), PASTE_END);
    await waitForFrame(app, (f) => f.includes('nothing-here.pdf') && !f.includes('📎 nothing-here.pdf'), 'the missing path as text');
    await press(app, CTRL_S);
    const pushed = await v.peer.next((f) => f.type === 'message' && f.message.author === 'operator');
    expect(pushed.message.body).toBe(join(dir, 'nothing-here.pdf'));
    expect(pushed.message.attachments.map((a: { name: string }) => a.name)).toEqual(['return label.pdf']);
  });

  it('Ctrl+F finds a dialog by words of its messages or the client card, and Enter opens it', async () => {
    const needle = await visitorWrites('My parcel 88123 never arrived');
    await visitorWrites('Something else entirely');
    await oli.updateCard(project.id, needle.dialogId, { realName: 'Petra Nilsson', email: 'petra@example.com' });
    const { app } = await startApp(oli, { columns: 160, rows: 40 });
    await press(app, CTRL_F);
    await waitForFrame(app, (f) => f.includes('Find a dialog') && f.includes('then Enter'), 'the finder');
    await press(app, 'nothing like this', ENTER);
    await waitForFrame(app, (f) => f.includes('no dialog matches "nothing like this"'), 'no match said');
    // A new query: typed over the old one, Enter searches; the list shows where it matched.
    await press(app, ...Array.from({ length: 'nothing like this'.length }, () => BACKSPACE), 'PARCEL 88123', ENTER);
    const name = await nameOf(needle.dialogId);
    await waitForFrame(app, (f) => f.includes(`${name} (Petra Nilsson)`) && f.includes('wrote: My parcel 88123 never arrived'), 'the match');
    expect(app.lastFrame()).toContain('Enter opens the dialog');
    await press(app, ENTER);
    // The thread names the visitor by the card's real name.
    await waitForFrame(app, (f) => f.includes('Petra Nilsson: My parcel 88123 never arrived') && !f.includes('Find a dialog'), 'the dialog open');

    // By the card, in another case.
    await press(app, CTRL_F, 'PETRA@', ENTER);
    await waitForFrame(app, (f) => f.includes('email: petra@example.com'), 'found by email');
  });

  it('a dialog whose last message is only a file says so in the list', async () => {
    const v = await visitorWrites('Here is a picture');
    const name = await nameOf(v.dialogId);
    const photo = await widgetUpload(v.welcome.token, PNG, 'photo.png');
    v.peer.send({ type: 'message.send', clientId: 'just-the-photo', body: '', attachmentIds: [photo.id] });
    await v.peer.next((f) => f.type === 'message.stored' && f.clientId === 'just-the-photo');
    const { app } = await startApp(oli, { columns: 120, rows: 30 });
    const frame = await waitForFrame(app, (f) => f.includes(name), 'the dialog in the list');
    // (The row may cut "file" after a long name.)
    expect(frame).toMatch(new RegExp(`${name} 📎( f|…)`));
  });

  it('shows "… is typing…" under the open dialog until 4 s after the visitor\'s last typing frame, or until their message comes', async () => {
    const v = await visitorWrites('Let me look for the order number');
    const name = await nameOf(v.dialogId);
    const { app, time, connection } = await startApp(oli);
    await openFirst(app, name);
    const typingArrives = () => new Promise<void>((resolve) => {
      const off = connection.on('event', (e) => {
        if (e.type === 'typing' && e.dialogId === v.dialogId) {
          off();
          resolve();
        }
      });
    });
    const indicator = `${name} is typing…`;
    const started = Date.now();
    const shown = async () => {
      await press(app); // a turn for any re-render
      return plain(app.lastFrame()).includes(indicator);
    };

    let arrived = typingArrives();
    v.peer.send({ type: 'typing' });
    await arrived;
    await waitForFrame(app, (f) => f.includes(indicator), 'the typing indicator');
    time.advance(3_000);
    expect(await shown()).toBe(true);
    // Another frame moves the 4 s on: 6 s after the first, 3 s after the second, still typing.
    arrived = typingArrives();
    v.peer.send({ type: 'typing' });
    await arrived;
    time.advance(3_000);
    expect(await shown()).toBe(true);
    time.advance(1_000);
    await waitForFrame(app, (f) => !f.includes('is typing') && f.includes('Let me look'), 'the indicator gone after 4 s');

    // Typing, then the message: the indicator goes with the message, no waiting.
    arrived = typingArrives();
    v.peer.send({ type: 'typing' });
    await arrived;
    await waitForFrame(app, (f) => f.includes(indicator), 'typing again');
    v.peer.send({ type: 'message.send', clientId: randomUUID(), body: 'It is 4711' });
    await waitForFrame(app, (f) => f.includes('It is 4711') && !f.includes('is typing'), 'the message instead of the indicator');
    // The seconds were the test's clock, not waited for.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('links each file with an OSC 8 hyperlink when the terminal takes them', async () => {
    const v = await visitorWrites('See the photo');
    const photo = await widgetUpload(v.welcome.token, PNG, 'photo.png');
    v.peer.send({ type: 'message.send', clientId: 'photo', body: '', attachmentIds: [photo.id] });
    await v.peer.next((f) => f.type === 'message.stored' && f.clientId === 'photo');
    const { app } = await startApp(oli, { columns: 200, rows: 40 }, { hyperlinks: true });
    await openFirst(app, await nameOf(v.dialogId));
    await waitForFrame(app, (f) => f.includes('📎 photo.png'), 'the file');
    const url = `${server.url}${photo.url}`;
    expect(app.lastFrame()).toContain(`\x1b]8;;${url}\x07📎 photo.png (image/png, 72 B)\x1b]8;;\x07`);
    expect(app.lastFrame()).toContain(`\x1b]8;;${url}\x07${url}\x1b]8;;\x07`);
  });

  it('shows sending, then delivered when the widget acks', async () => {
    const v = await visitorWrites('Is it in stock?');
    const { app } = await startApp(oli);
    await openFirst(app, await nameOf(v.dialogId));
    await press(app, 'Yes, size 42 too', CTRL_ENTER);
    await waitForFrame(app, (f) => f.includes('Yes, size 42 too · sending'), 'sending');
    const pushed = await v.peer.next((f) => f.type === 'message' && f.message.body === 'Yes, size 42 too');
    v.peer.send({ type: 'ack', messageIds: [pushed.message.id] });
    await waitForFrame(app, (f) => f.includes('Yes, size 42 too ✓ delivered'), 'delivered');
  });

  it('not delivered in 5 s: failed with the reason; r resends the same clientId and it is delivered once', async () => {
    const v = await visitorWrites('I will be right back');
    const { app, time, connection, outboxUntil } = await startApp(oli);
    await openFirst(app, await nameOf(v.dialogId));
    await v.peer.close();

    await press(app, 'Take your time', CTRL_ENTER);
    await outboxUntil((box) => box.order.some((id) => box.entries[id].message !== null));
    time.advance(5_000);
    await waitForFrame(app, (f) => /Take your time[\s│]*✗ failed: the visitor (left the page|is offline)/.test(f), 'failed');
    const [clientId] = connection.outbox.order;

    // Back on the page; the widget holds its ack until after the resend.
    const back = await visitorHello(server.url, project.widgetKey, ORIGIN, { token: v.welcome.token, rev: v.rev });
    peers.push(back.peer);
    await press(app, ESC, 'r');
    await waitForFrame(app, (f) => f.includes('Take your time · sending'), 'sending again');
    // Visitors never see an operator message's clientId: the resend is the same stored id.
    const messageId = connection.outbox.entries[clientId].message!.id;
    const again = await back.peer.next((f) => f.type === 'message' && f.message.id === messageId);
    back.peer.send({ type: 'ack', messageIds: [again.message.id] });
    await waitForFrame(app, (f) => f.includes('Take your time ✓ delivered'), 'delivered after the resend');

    const stored = await oli.listMessages(project.id, v.dialogId);
    expect(stored.filter((m) => m.clientId === clientId)).toHaveLength(1);
    expect(stored.find((m) => m.clientId === clientId)?.deliveredAt).not.toBeNull();
    expect(connection.outbox.entries[clientId].attempts).toBe(2);
  });

  it('c closes the selected dialog: it leaves My messages for Archive', async () => {
    const first = await visitorWrites('First');
    const second = await visitorWrites('Second');
    const secondName = await nameOf(second.dialogId);
    const { app } = await startApp(oli);
    await waitForFrame(app, (f) => f.includes('My messages (2)'), 'two dialogs');
    // Newest activity first: the second visitor is on top, the first below it.
    await press(app, DOWN, 'c');
    let frame = await waitForFrame(app, (f) => f.includes('My messages (1)'), 'one left');
    expect(frame).toContain(secondName);
    await press(app, TAB, TAB);
    frame = await waitForFrame(app, (f) => f.includes('Archive (1)'), 'Archive');
    expect(frame).toContain(await nameOf(first.dialogId));
    expect((await oli.getDialog(project.id, first.dialogId)).dialog.status).toBe('closed');
  });
  it('Backspace erases in the composer whether it comes as \\x7f (tmux) or \\x08; Delete erases under the cursor', async () => {
    const v = await visitorWrites('Backspace test');
    const { app } = await startApp(oli);
    await openFirst(app, await nameOf(v.dialogId));
    await press(app, 'Sizes 42x', BACKSPACE);
    await waitForFrame(app, (f) => f.includes('│ Sizes 42 ') && !f.includes('42x'), 'x erased by \\x7f');
    await press(app, '!', BACKSPACE_CTRL_H, ' and 44');
    await waitForFrame(app, (f) => f.includes('Sizes 42 and 44') && !f.includes('!'), '! erased by \\x08');
    await press(app, '\x1b[D', '\x1b[D', DELETE, CTRL_S);
    await expect.poll(() => operatorBodies(v.dialogId)).toEqual(['Sizes 42 and 4']);
  });

  it('Enter on a dialog and the reply typed on in the same chunk: the text goes to that dialog, no letter is a command', async () => {
    const first = await visitorWrites('Are you open today?');
    const second = await visitorWrites('Do you sell gift cards?');
    const secondName = await nameOf(second.dialogId);
    const { app } = await startApp(oli);
    await waitForFrame(app, (f) => f.includes('My messages (2)') && f.includes(secondName), 'two dialogs');
    // One write, as a terminal delivers a burst: Enter opens the dialog (a request to the server),
    // and "can" would be c (close) and a (assign) if the pane still had the keys.
    await press(app, `\rcan do, sir${CTRL_S}`);
    await expect.poll(() => operatorBodies(second.dialogId)).toEqual(['can do, sir']);
    expect((await oli.getDialog(project.id, second.dialogId)).dialog.status).toBe('open');
    expect(await operatorBodies(first.dialogId)).toEqual([]);
    await waitForFrame(app, (f) => f.includes('you: can do, sir') && !f.includes('Assign to'), 'the reply shown, no picker');
  });

  it('e edits an own message within 10 minutes; later the server refuses, the TUI says so and keeps the text', async () => {
    const v = await visitorWrites('Hi there');
    const { app, outboxUntil } = await startApp(oli);
    await openFirst(app, await nameOf(v.dialogId));
    await press(app, 'Helo', CTRL_S);
    await outboxUntil((box) => box.order.some((id) => box.entries[id].message !== null));
    // Esc leaves the composer for the messages; the newest (our own) is selected.
    await press(app, ESC, 'e');
    await waitForFrame(app, (f) => f.includes('editing your message'), 'the message in the composer');
    await press(app, ' there', CTRL_S);
    await waitForFrame(app, (f) => f.includes('you: Helo there (edited)'), 'edited');
    expect(await operatorBodies(v.dialogId)).toEqual(['Helo there']);

    clock.advance(11 * 60_000);
    await press(app, ESC, 'e');
    await waitForFrame(app, (f) => f.includes('editing your message'), 'editing again');
    await press(app, '!', CTRL_S);
    // Too late: said so, out of the edit mode, the text kept as a new message to send.
    const refused = await waitForFrame(app, (f) => f.includes('too late to edit') && !f.includes('editing your message'), 'the refusal');
    expect(refused).toContain('Helo there!');
    expect(await operatorBodies(v.dialogId)).toEqual(['Helo there']);
    await press(app, CTRL_S);
    await expect.poll(() => operatorBodies(v.dialogId)).toEqual(['Helo there', 'Helo there!']);
  });

  it('templates: / in an empty composer opens the picker, a fuzzy search finds one, Enter inserts it filled in; Ctrl+N saves a new one', async () => {
    await admin.createTemplate(project.id, { name: 'Shipping', text: 'We ship in 2 days.' });
    await admin.createTemplate(project.id, { name: 'Greeting', text: 'Hello {visitor.name}, I am {operator.first_name}.' });
    const v = await visitorWrites('Anyone?');
    const name = await nameOf(v.dialogId);
    const { app } = await startApp(oli);
    await openFirst(app, name);
    await press(app, '/');
    await waitForFrame(app, (f) => f.includes('Templates:') && f.includes('Shipping'), 'the picker');
    await press(app, 'grt');
    const found = await waitForFrame(app, (f) => f.includes('Templates: grt') && !f.includes('Shipping'), 'the search');
    expect(found).toContain('Greeting');
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes(`Hello ${name}, I am Oli.`) && !f.includes('Templates:'), 'inserted');
    await press(app, ' Bye', CTRL_S);
    await expect.poll(() => operatorBodies(v.dialogId)).toEqual([`Hello ${name}, I am Oli. Bye`]);

    await press(app, 'Thanks for waiting!', CTRL_N);
    await waitForFrame(app, (f) => f.includes('Template name:'), 'the name form');
    await press(app, 'Thanks', ENTER);
    await waitForFrame(app, (f) => f.includes('template "Thanks" saved'), 'saved');
    const { templates } = await admin.templates(project.id);
    expect(templates.find((t) => t.name === 'Thanks')?.text).toBe('Thanks for waiting!');
  });

  it('a bracketed paste with line breaks stays in the composer and never sends', async () => {
    const v = await visitorWrites('Paste test');
    const { app } = await startApp(oli);
    await openFirst(app, await nameOf(v.dialogId));
    await press(app, PASTE_START, 'first\rsecond', ENTER, 'third', PASTE_END);
    await waitForFrame(app, (f) => /│ first[\s│]*\n[\s│]*│ second[\s│]*\n[\s│]*│ third/.test(f), 'three lines in the composer');
    expect(await operatorBodies(v.dialogId)).toEqual([]);
  });

  it('a new dialog in My messages rings the bell and marks the pane; b turns the bell off', async () => {
    const v = await visitorWrites('First one');
    const { app } = await startApp(oli);
    await openFirst(app, await nameOf(v.dialogId));
    const bells = () => app.stdout.frames.filter((f) => f.includes('\x07')).length;
    await visitorWrites('A second visitor');
    await waitForFrame(app, (f) => f.includes('★'), 'the pane marked');
    await expect.poll(bells).toBe(1);
    await press(app, ESC, 'b');
    await waitForFrame(app, (f) => f.includes('no more bell'), 'bell off');
    await visitorWrites('A third visitor');
    await waitForFrame(app, (f) => f.includes('Mine 3') || f.includes('My messages (3)'), 'three dialogs');
    expect(bells()).toBe(1);
    // Looking at the pane (Esc from the messages goes back to it) clears its mark.
    await press(app, ESC);
    await waitForFrame(app, (f) => f.includes('My messages (3)') && !f.includes('★'), 'mark cleared');
  });

  it('a assigns the dialog to another operator (it moves to Shared); u reopens a closed one', async () => {
    const v = await visitorWrites('Assign me');
    const name = await nameOf(v.dialogId);
    const { app } = await startApp(oli);
    await waitForFrame(app, (f) => f.includes(name.slice(0, 12)), 'listed');
    await press(app, 'a');
    await waitForFrame(app, (f) => f.includes('Assign to:') && f.includes('ana@example.com'), 'the operators');
    await press(app, 'ana', ENTER);
    await waitForFrame(app, (f) => f.includes('My messages (0)') && f.includes('Shared 1'), 'moved to Shared');
    expect((await oli.getDialog(project.id, v.dialogId)).dialog.assignee?.name).toMatch(/^Ana/);

    await ana.closeDialog(project.id, v.dialogId);
    await press(app, TAB, TAB);
    await waitForFrame(app, (f) => f.includes('Archive (1)') && f.includes(name), 'in Archive');
    await press(app, 'u');
    await waitForFrame(app, (f) => f.includes('Archive (0)'), 'reopened');
    expect((await oli.getDialog(project.id, v.dialogId)).dialog.status).toBe('open');
  });

  it('lays out without overlap or wrapping at every size, one side pane at a time at 80x24, and follows resizes', async () => {
    const v = await visitorWrites('A fairly long first message from the visitor that will not fit on one line of a small terminal');
    const name = await nameOf(v.dialogId);
    const { app } = await startApp(oli, { columns: 80, rows: 24 });
    await openFirst(app, name);
    await press(app, 'Some reply text', ENTER, 'and a second line');
    const check = async (columns: number, rows: number, expectIn: string[]) => {
      (app as Awaited<ReturnType<typeof renderSized>>).resize(columns, rows);
      // Ink redraws the old tree at the new width once before the App re-renders for it: the
      // frame to judge is the one after that.
      return waitForFrame(app, (f) => overflow(f, columns, rows - 1).length === 0 && expectIn.every((t) => f.includes(t)), `${columns}x${rows} without overflow`);
    };
    let frame = await check(80, 24, ['My messages (1)', 'Shared 0', 'and a second line', 'Ctrl+Enter']);
    expect(frame).not.toContain('Lead class');
    frame = await check(160, 48, ['My messages (1)', 'Shared messages (0)', 'Archive (0)', 'Lead class', 'and a second line']);
    await check(120, 30, ['Shared messages (0)', 'Lead class']);
    await check(100, 16, ['My messages (1)', 'and a second line']);
    // Narrow: the focused pane (the composer's dialog) takes the whole width.
    frame = await check(50, 20, ['and a second line']);
    expect(frame).not.toContain('My messages');
    await check(30, 10, []);
    await press(app, ESC, ESC);
    frame = await check(50, 20, ['My messages (1)']);
    // At 80 columns Tab reaches the client card, which then takes the side pane.
    await check(80, 24, ['My messages (1)']);
    await press(app, TAB, TAB, TAB, TAB, TAB);
    frame = await check(80, 24, ['Lead class', 'i edit']);
    expect(frame).not.toContain('My messages');
    await press(app, '?');
    frame = await check(80, 24, ['Keys (rows 1-', 'Ctrl+Enter / Ctrl+S / Alt+Enter', 'send the message']);
    // What does not fit scrolls into view: nothing is cut.
    await press(app, PGDN);
    frame = await check(80, 24, ['Ctrl+T']);
    expect(plain(frame)).not.toContain('…');
  });
});

const PGUP = '\x1b[5~';
const PGDN = '\x1b[6~';

/** Lines of a frame wider than `columns` terminal columns (a CJK character or an emoji takes two). */
const tooWide = (frame: string, columns: number) => frame.split('\n').filter((l) => displayWidth(l) > columns);

describe('what the QA pass found', () => {
  it('a tab or wide characters in a visitor message keep the frame whole: borders, header, every character shown', async () => {
    const cjk = '你好，我想问一下这双鞋有没有四十四码的黑色款式，如果有的话请帮我预留一双，谢谢您😀';
    const v = await visitorWrites('Order:\t\t88123\tsize\t44\tcolour\tblack');
    v.peer.send({ type: 'message.send', clientId: randomUUID(), body: cjk });
    await v.peer.next((f) => f.type === 'message.stored');
    await oli.updateCard(project.id, v.dialogId, { realName: 'Anna Berg', notes: 'tabs\tin\tnotes' });
    // A tab in a name is refused now; a database from before that rule may hold one.
    const { visitor_id: visitorId } = (await server.app.db.get<{ visitor_id: number }>('SELECT visitor_id FROM dialogs WHERE id = ?', [v.dialogId]))!;
    await server.app.db.write((tx) => tx.run('UPDATE visitors SET real_name = ? WHERE id = ?', ['Anna\tBerg', visitorId]));
    const { app } = await startApp(oli, { columns: 120, rows: 30 });
    await openFirst(app, 'Anna Berg');
    const frame = await waitForFrame(app, (f) => f.includes('88123') && f.includes('你好'), 'both messages');
    expect(frame).not.toContain('\t');
    expect(tooWide(frame, 120)).toEqual([]);
    expect(frame.split('\n')).toHaveLength(29);
    expect(frame).toMatch(/Anna Berg ● on the site/);
    expect(frame).toContain('Order:');
    // The CJK message, read back across its rows, is whole.
    const lines = frame.split('\n');
    const first = lines.findIndex((l) => l.includes('你好'));
    const text = lines
      .slice(first, first + 6)
      .map((l) => l.split('│').filter(Boolean)[1] ?? '')
      .join('')
      .replace(/\s|\d\d:\d\d|Anna Berg:/g, '');
    expect(text).toContain(cjk);
  });

  it('an edit can be cancelled with Esc (the draft comes back) or left by emptying the composer; a new message then stays new', async () => {
    const v = await visitorWrites('Hi there');
    const { app, outboxUntil } = await startApp(oli);
    await openFirst(app, await nameOf(v.dialogId));
    await press(app, 'Helo', CTRL_S);
    await outboxUntil((box) => box.order.some((id) => box.entries[id].message !== null));
    await press(app, 'half a reply', ESC, 'e');
    await waitForFrame(app, (f) => f.includes('editing your message') && f.includes('Esc cancels the edit') && !f.includes('half a reply'), 'editing');
    await press(app, ESC);
    await waitForFrame(app, (f) => f.includes('half a reply') && !f.includes('editing your message'), 'the draft back');
    // QA's way: e, Tab away and back, empty the composer, write anew.
    await press(app, ...Array.from({ length: 12 }, () => BACKSPACE), ESC, 'e', TAB, SHIFT_TAB);
    await waitForFrame(app, (f) => f.includes('editing your message'), 'editing again');
    await press(app, ...Array.from({ length: 4 }, () => BACKSPACE), 'A new message', CTRL_S);
    await expect.poll(() => operatorBodies(v.dialogId)).toEqual(['Helo', 'A new message']);
  });

  it('after a reconnect on the first retry, the lists and the open dialog show what changed meanwhile (taken by Ana, the visitor gone)', async () => {
    const v = await visitorWrites('Are you there?');
    const cut = await netCut(server.url);
    teardown.push(() => cut.close());
    const { app, time, connection } = await startApp(oli, { columns: 120, rows: 30 }, { socketUrl: cut.url });
    const name = await nameOf(v.dialogId);
    await openFirst(app, name);
    await waitForFrame(app, (f) => f.includes(`${name} ● on the site`) && f.includes('My messages (1)'), 'open, the visitor here');
    const attempts: number[] = [];
    connection.on('state', (c) => c.state === 'online' && attempts.push(c.attempt));
    cut.block();
    await waitForFrame(app, (f) => f.includes('disconnected'), 'disconnected');
    await ana.takeDialog(project.id, v.dialogId);
    await v.peer.close();
    cut.unblock();
    time.advance(15_000);
    await waitForFrame(app, (f) => f.includes('My messages (0)') && f.includes(`${name} ○ away`) && f.includes('with Ana'), 'the changes shown');
    expect(attempts).toEqual([1]);
  });

  it('a dialog that fails to open gives the keys back to its list: what is typed next is no reply to the dialog still shown', async () => {
    const first = await visitorWrites('The first visitor');
    const second = await visitorWrites('The second visitor');
    // Requests go through a cut that can fail them; the socket stays up.
    const cut = await netCut(server.url);
    teardown.push(() => cut.close());
    const viaCut = new ParleyClientClass({ url: cut.url, token: oli.token! });
    const { app, connection } = await startApp(viaCut, { columns: 120, rows: 30 });
    const [firstName, secondName] = [await nameOf(first.dialogId), await nameOf(second.dialogId)];
    await waitForFrame(app, (f) => f.includes(firstName) && f.includes(secondName), 'both listed');
    // The newest is on top: the second visitor's dialog, opened; then the first, which fails.
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes(`${secondName} ● on the site`), 'the second open');
    // Esc twice: from the composer to the messages, then to the list.
    await press(app, ESC, ESC, DOWN);
    cut.block();
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes('could not open the dialog'), 'the open failed');
    await press(app, 'zzz', CTRL_S);
    expect(connection.outbox.order).toEqual([]);
    cut.unblock();
    await press(app, ENTER);
    const shown = await waitForFrame(app, (f) => f.includes(`${firstName} ● on the site`), 'the first open');
    expect(shown).not.toContain('zzz');
    expect(await operatorBodies(second.dialogId)).toEqual([]);
    expect(await operatorBodies(first.dialogId)).toEqual([]);
  });

  it('t on a dialog Ana took meanwhile (the socket down, so not shown yet) says so and shows it hers; t again takes it over', async () => {
    const v = await visitorWrites('Who answers?');
    const cut = await netCut(server.url);
    teardown.push(() => cut.close());
    const { app } = await startApp(oli, { columns: 160, rows: 30 }, { socketUrl: cut.url });
    const name = await nameOf(v.dialogId);
    await openFirst(app, name);
    await press(app, ESC);
    cut.block();
    await waitForFrame(app, (f) => f.includes('disconnected'), 'disconnected');
    await ana.takeDialog(project.id, v.dialogId);
    await press(app, 't');
    const refused = await waitForFrame(app, (f) => f.includes('took this dialog meanwhile') && f.includes('with Ana'), 'refused, shown as Ana\'s');
    expect(refused.replace(/[\s│]+/g, ' ')).toContain('Ana Op took this dialog meanwhile: take it again to take it over');
    expect((await admin.getDialog(project.id, v.dialogId)).dialog.assignee?.name).toBe('Ana Op');
    await press(app, 't');
    await waitForFrame(app, (f) => f.includes('the dialog is yours'), 'taken over');
    expect((await admin.getDialog(project.id, v.dialogId)).dialog.assignee?.name).toBe('Oli Op');
  });

  it('PgUp pages through a long history showing every message; a reply below says "↓ 1 new"; sending brings the view down', async () => {
    // Nine messages of four lines each: more than two screenfuls (the widget allows ten at once).
    const body = (i: number) => `msg ${String(i).padStart(2, '0')}\nsecond line\nthird line\nfourth line`;
    const v = await visitorWrites(body(0));
    for (let i = 1; i <= 8; i++) {
      const clientId = randomUUID();
      v.peer.send({ type: 'message.send', clientId, body: body(i) });
      await v.peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
    }
    const { app } = await startApp(oli, { columns: 120, rows: 24 });
    await openFirst(app, await nameOf(v.dialogId));
    let frame = await waitForFrame(app, (f) => f.includes(': msg 08'), 'the newest');
    expect(frame).not.toContain('msg 05');
    const seen = new Set(frame.match(/msg \d\d/g));
    await press(app, ESC);
    for (let i = 0; i < 20 && !frame.includes('msg 00'); i++) {
      const before = frame;
      await press(app, PGUP);
      frame = await waitForFrame(app, (f) => f !== before, 'a page up');
      for (const m of frame.match(/msg \d\d/g) ?? []) seen.add(m);
    }
    expect([...seen].sort()).toEqual(Array.from({ length: 9 }, (_, i) => `msg ${String(i).padStart(2, '0')}`));

    v.peer.send({ type: 'message.send', clientId: randomUUID(), body: 'a reply below' });
    frame = await waitForFrame(app, (f) => f.includes('↓ 1 new'), 'the new-message marker');
    expect(frame).not.toContain('a reply below');
    await press(app, TAB, 'Thanks, checking', CTRL_S);
    frame = await waitForFrame(app, (f) => f.includes('you: Thanks, checking') && f.includes('a reply below'), 'the view at the newest');
    expect(frame).not.toContain('↓');
  });

  it('a message taller than the pane says "(v reads all)"; v shows it whole, scrolling; moving up keeps the newer messages in view', async () => {
    const long = `${Array.from({ length: 40 }, (_, i) => `Item ${i + 1}: Trail Runner 2, size 44.`).join(' ')} PLEASE NOTE: pickup point 7731.`;
    const v = await visitorWrites('an order');
    for (const body of [long, 'the second', 'the third']) {
      const clientId = randomUUID();
      v.peer.send({ type: 'message.send', clientId, body });
      await v.peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
    }
    const { app } = await startApp(oli, { columns: 100, rows: 24 });
    await openFirst(app, await nameOf(v.dialogId));
    await press(app, ESC, UP);
    // The one before the newest is selected: the newest stays in view below it.
    let frame = await waitForFrame(app, (f) => f.includes('the second') && f.includes('the third'), 'the view kept');
    await press(app, UP);
    frame = await waitForFrame(app, (f) => f.includes('(v reads all)'), 'the long message, cut');
    expect(frame).not.toContain('7731');
    await press(app, 'v');
    frame = await waitForFrame(app, (f) => f.includes('The whole message'), 'the reader');
    expect(frame).toContain('Item 1:');
    for (let i = 0; i < 10 && !frame.includes('pickup point 7731'); i++) {
      const before = frame;
      await press(app, PGDN);
      frame = await waitForFrame(app, (f) => f !== before, 'a page down');
    }
    expect(frame).toContain('PLEASE NOTE: pickup point 7731.');
    expect(overflow(frame, 100, 24)).toEqual([]);
    await press(app, ESC);
    await waitForFrame(app, (f) => f.includes('(v reads all)') && !f.includes('The whole message'), 'the reader closed');
  });

  it('a dialog pane scrolled down says how many dialogs are above the rows in view', async () => {
    for (let i = 0; i < 10; i++) await visitorWrites(`question ${i}`);
    const { app } = await startApp(oli, { columns: 120, rows: 24 });
    let frame = await waitForFrame(app, (f) => f.includes('My messages (10)'), 'the dialogs');
    expect(frame).not.toContain('↑');
    await press(app, ...Array<string>(9).fill(DOWN));
    frame = await waitForFrame(app, (f) => /↑\d+ My messages \(10\) ●10/.test(f), 'the mark');
    // Exactly the dialogs not in view, the newest (question 9) among them.
    const above = Number(/↑(\d+)/.exec(frame)![1]);
    expect(frame).not.toContain('question 9');
    expect(above).toBe(10 - (frame.match(/●\S+ \S+ q/g) ?? []).length);
  });

  it('Backspace after an emoji erases all of it: no half a character is sent', async () => {
    const v = await visitorWrites('Emoji test');
    const { app } = await startApp(oli);
    await openFirst(app, await nameOf(v.dialogId));
    await press(app, 'Hi 😀', BACKSPACE, '👍🏽', '\x1b[D', BACKSPACE, '!', CTRL_S);
    await expect.poll(() => operatorBodies(v.dialogId)).toEqual(['Hi!👍🏽']);
  });

  it('a draft stays with its dialog: another dialog opens with its own, coming back brings this one back', async () => {
    const first = await visitorWrites('First visitor');
    const second = await visitorWrites('Second visitor');
    const [firstName, secondName] = [await nameOf(first.dialogId), await nameOf(second.dialogId)];
    const { app } = await startApp(oli, { columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (2)'), 'two dialogs');
    // Newest first: the second visitor on top.
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes(`${secondName}: Second visitor`), 'the second open');
    await press(app, 'for the second', ESC, ESC, DOWN, ENTER);
    await waitForFrame(app, (f) => f.includes(`${firstName}: First visitor`) && !f.includes('for the second'), 'the first open with its own (empty) draft');
    await press(app, 'for the first', ESC, ESC, UP, ENTER);
    await waitForFrame(app, (f) => f.includes(`${secondName}: Second visitor`) && f.includes('for the second') && !f.includes('for the first'), 'the second draft back');
    await press(app, CTRL_S);
    await expect.poll(() => operatorBodies(second.dialogId)).toEqual(['for the second']);
    await press(app, ESC, ESC, DOWN, ENTER);
    await waitForFrame(app, (f) => f.includes('for the first'), 'the first draft back');
    await press(app, CTRL_S);
    await expect.poll(() => operatorBodies(first.dialogId)).toEqual(['for the first']);
    expect(await operatorBodies(second.dialogId)).toEqual(['for the second']);
  });

  it('a message over 10,000 characters is refused in the composer with a notice, and its text stays', async () => {
    const v = await visitorWrites('Send me everything');
    const { app, connection } = await startApp(oli);
    await openFirst(app, await nameOf(v.dialogId));
    await press(app, PASTE_START, `${'long '.repeat(2_000)}😀`, PASTE_END);
    await waitForFrame(app, (f) => f.includes('too long: 10,001 of 10,000'), 'the length in the hint');
    await press(app, CTRL_S);
    await waitForFrame(app, (f) => f.includes('too long to send: 10,001 characters') && f.includes('long long'), 'refused, kept');
    expect(connection.outbox.order).toEqual([]);
    await press(app, BACKSPACE, BACKSPACE, CTRL_S);
    await expect.poll(async () => (await operatorBodies(v.dialogId)).map((b) => [...b].length)).toEqual([9_999]);
  });

  it("the status bar follows a schedule an admin sets or clears at once (the server says the reason changed)", async () => {
    await oli.setStatus(project.id, false);
    const { app } = await startApp(oli, { columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('offline (manual; o: go online)'), 'manual at first');
    const schedules = `/api/v1/projects/${project.id}/schedules`;
    await admin.request('PUT', schedules, { operators: ['oli@example.com'], days: 'all', from: '00:00', to: '00:01' });
    await waitForFrame(app, (f) => /offline by schedule until/.test(f), 'by schedule, well before the minute poll');
    await admin.request('POST', `${schedules}/clear`, { operators: ['oli@example.com'] });
    await waitForFrame(app, (f) => f.includes('offline (manual; o: go online)'), 'manual again');
  });

  it('q while online by the switch asks first: Esc stays, o goes offline and quits, y quits staying online', async () => {
    await oli.setStatus(project.id, true);
    let unmounted = false;
    function Probe() {
      useEffect(() => () => void (unmounted = true), []);
      return null;
    }
    const first = await startApp(oli, { columns: 120, rows: 30 }, { beside: <Probe /> });
    await press(first.app, 'q');
    const asked = await waitForFrame(first.app, (f) => f.includes('You are online in Shop'), 'the question');
    expect(asked.replace(/[\s║]+/g, ' ')).toContain(
      'You are online in Shop: visitors see the chat and wait for an answer. o: go offline and quit · y: quit, staying online (to answer from Telegram) · n or Esc: back',
    );
    expect(asked).not.toContain('not sent yet');
    await press(first.app, ESC);
    await waitForFrame(first.app, (f) => !f.includes('You are online in Shop'), 'back');
    expect(unmounted).toBe(false);
    await press(first.app, 'q');
    await waitForFrame(first.app, (f) => f.includes('You are online in Shop'), 'asked again');
    await press(first.app, 'o');
    await expect.poll(() => unmounted).toBe(true);
    expect((await oli.getStatus(project.id)).online).toBe(false);
    // The frame left on the terminal shows the operator offline, not the question and "online".
    expect(first.app.lastFrame()).not.toContain('You are online in Shop');
    expect(first.app.lastFrame()).toContain('○ offline');

    // Offline, q quits at once; online again, y quits and leaves the status as it is.
    unmounted = false;
    const second = await startApp(oli, { columns: 120, rows: 30 }, { beside: <Probe /> });
    await press(second.app, 'q');
    await expect.poll(() => unmounted).toBe(true);
    await oli.setStatus(project.id, true);
    unmounted = false;
    const third = await startApp(oli, { columns: 120, rows: 30 }, { beside: <Probe /> });
    await press(third.app, 'q');
    await waitForFrame(third.app, (f) => f.includes('You are online in Shop'), 'the question');
    await press(third.app, 'y');
    await expect.poll(() => unmounted).toBe(true);
    expect((await oli.getStatus(project.id)).online).toBe(true);
  });

  it('q with a message not sent asks first (n stays, Ctrl+C asks again, y quits)', async () => {
    const v = await visitorWrites('Quit test');
    const cut = await netCut(server.url);
    teardown.push(() => cut.close());
    let unmounted = false;
    function Probe() {
      useEffect(() => () => void (unmounted = true), []);
      return null;
    }
    const { app } = await startApp(oli, undefined, { socketUrl: cut.url, beside: <Probe /> });
    await openFirst(app, await nameOf(v.dialogId));
    cut.block();
    await waitForFrame(app, (f) => f.includes('disconnected'), 'offline');
    await press(app, 'not yet out', CTRL_S, ESC, 'q');
    await waitForFrame(app, (f) => f.includes('1 message is not sent yet: quit anyway? y/n'), 'the question');
    await press(app, 'n');
    await waitForFrame(app, (f) => f.includes('not yet out') && !f.includes('quit anyway'), 'back');
    await press(app, '\x03');
    await waitForFrame(app, (f) => f.includes('quit anyway? y/n'), 'asked again');
    expect(unmounted).toBe(false);
    await press(app, 'y');
    await expect.poll(() => unmounted).toBe(true);
  });

  it('a revoked session: a message waiting fails after 5 s, the TUI says the session ended, and Enter leads to the sign-in screen', async () => {
    const v = await visitorWrites('Anyone?');
    const time = new ManualTime();
    const sessions: Array<{ connection: OperatorConnection }> = [];
    const app = render(
      <Gate
        boot={{ url: server.url, token: oli.token!, email: 'oli@example.com' }}
        services={{ saveLogin: () => undefined }}
        connect={(client, projectId) =>
          new OperatorConnection({ url: client.url, token: client.token!, projectId, heartbeatMs: 0, discover: dialogListing(client, projectId), now: time.now, setTimeout: time.setTimeout, clearTimeout: time.clearTimeout })
        }
        onSession={(s) => sessions.push(s)}
      />,
    );
    teardown.push(() => app.unmount());
    await waitForFrame(app, (f) => f.includes('connected') && !f.includes('loading'), 'the main screen');
    await openFirst(app, await nameOf(v.dialogId));
    await v.peer.close();
    const { connection } = sessions[0];
    await press(app, 'Still there?', CTRL_S);
    await expect.poll(() => connection.outbox.order.map((id) => connection.outbox.entries[id].message !== null)).toEqual([true]);
    // Signed out elsewhere (the same token).
    const socketEnded = new Promise((resolve) => connection.on('fatal', resolve));
    await oli.logout();
    const ended = await waitForFrame(app, (f) => f.includes('Your session ended') && f.includes('Enter: sign in again'), 'the session-ended window');
    expect(ended).toContain('Your session ended: signed out, revoked or expired.');
    // One sent after the socket heard of the end (as a script on the same connection would) fails
    // alike. (A request of the TUI's may have met the end first, and the window come up then.)
    await socketEnded;
    const late = connection.send(v.dialogId, 'after the end');
    time.advance(5_000);
    expect(connection.outbox.order.map((id) => connection.outbox.entries[id].state)).toEqual(['failed', 'failed']);
    expect(connection.entry(late.clientId)?.failure).toEqual({ kind: 'offline' });
    await press(app, ENTER);
    const signIn = await waitForFrame(app, (f) => f.includes('Forgot password?'), 'the sign-in screen');
    expect(signIn.replace(/[\s│]+/g, ' ')).toContain('Your session ended (signed out, revoked or expired): sign in again.');
    expect(signIn).toContain('oli@example.com');
  });

  it('a session that a request finds revoked before the socket does ends in the same words', async () => {
    const v = await visitorWrites('Anyone?');
    // The socket goes on another sign-in of Oli's, so only requests meet the revoked token.
    const other = await signIn(server.url, 'oli@example.com', NEW_PASSWORD);
    const app = render(
      <Gate
        boot={{ url: server.url, token: oli.token!, email: 'oli@example.com' }}
        services={{ saveLogin: () => undefined }}
        connect={(client, projectId) =>
          new OperatorConnection({ url: client.url, token: other.token!, projectId, heartbeatMs: 0, discover: dialogListing(client, projectId) })
        }
      />,
    );
    teardown.push(() => app.unmount());
    await waitForFrame(app, (f) => f.includes('connected') && !f.includes('loading'), 'the main screen');
    const name = await nameOf(v.dialogId);
    await waitForFrame(app, (f) => f.includes(name.slice(0, 12)), 'the dialog listed');
    await oli.logout();
    await press(app, ENTER);
    const ended = await waitForFrame(app, (f) => f.includes('Your session ended') && f.includes('Enter: sign in again'), 'the session-ended window');
    expect(ended).toContain('Your session ended: signed out, revoked or expired.');
    await press(app, ENTER);
    const again = await waitForFrame(app, (f) => f.includes('Forgot password?'), 'the sign-in screen');
    expect(again.replace(/[\s│]+/g, ' ')).toContain('Your session ended (signed out, revoked or expired): sign in again.');
  });
});
