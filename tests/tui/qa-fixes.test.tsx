// Findings 2, 3, 5 and 6 of the TUI's QA pass in tmux, against a real server: the lists follow
// `groups.changed`; skin-tone and ZWJ emoji in the overlays' fields keep the frame whole; the
// status bar's notices (a stale "cannot reach the server" after a reconnect, close and reopen
// confirmed); the `?` help shows every description whole at 120x32.
import { Box } from 'ink';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { StateChange } from '../../core/client/realtime.js';
import { displayWidth } from '../../core/text-layout.js';
import { KEYMAP, keysOf, type Command } from '../../tui/input/keybindings.js';
import { TextField } from '../../tui/login/TextField.js';
import { BACKSPACE, CTRL_F, DOWN, ENTER, press, renderSized, TAB, waitForFrame } from '../helpers/ink.js';
import { netCut } from '../helpers/netcut.js';
import { type Peer, visitorWrites as writeAsVisitor } from '../helpers/realtime.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { shopWithOli } from '../helpers/shop.js';
import { startTuiApp } from '../helpers/tui-app.js';

const ORIGIN = 'https://shop.example.com';
const OLI = 'oli@example.com';

let server: TestServer;
let admin: ParleyClient;
let oli: ParleyClient;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];
const teardown: Array<() => unknown> = [];

beforeEach(async () => {
  server = await startTestServer({ rateLimits: { login: 1000, forgot: 1000 } });
  ({ admin, oli, project } = await shopWithOli(server, ORIGIN));
});

afterEach(async () => {
  for (const t of teardown.splice(0).reverse()) await t();
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
});

/** A visitor who wrote `body` (with the embed's `hello` fields): the dialog's id and the visitor's name. */
async function visitorWrites(body: string, hello: Record<string, unknown> = {}) {
  const site = { url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId: project.id, admin, peers };
  const { dialogId, welcome } = await writeAsVisitor(site, body, hello);
  return { dialogId, name: welcome.visitor.name as string };
}

/** The TUI signed in as Oli in a terminal of `size`; `url`: where it reaches the server (`socketUrl`: where its socket does, if elsewhere). */
const startApp = (size: { columns: number; rows: number }, url = server.url, socketUrl = url) =>
  startTuiApp({ url, socketUrl, user: oli, projectId: project.id, size, teardown });

/**
 * The columns a row takes in tmux, which draws each part of an emoji sequence on its own (👍🏽 in
 * four columns, 👩‍💻 in four) where string-width, and so Ink, counts two.
 */
const tmuxWidth = (row: string) => [...row].reduce((n, ch) => n + displayWidth(ch), 0);
const tooWideInTmux = (frame: string, columns: number) => frame.split('\n').filter((row) => tmuxWidth(row) > columns);

describe('groups.changed (finding 2)', () => {
  it('an operator added to a group sees its dialog move from Shared to My messages, with no other event', async () => {
    // A group without Oli: its unassigned dialogs are Shared for him.
    await admin.createGroup(project.id, 'wholesale');
    const b2b = await visitorWrites('Wholesale prices for 40 pairs?', { group: 'wholesale' });
    const { app, connection } = await startApp({ columns: 120, rows: 32 });
    let frame = await waitForFrame(app, (f) => f.includes('My messages (0)') && f.includes('Shared messages (1)'), 'the b2b dialog in Shared');
    expect(frame).toContain(b2b.name);

    const events: string[] = [];
    connection.on('event', (e) => events.push(e.type));
    await admin.updateGroup(project.id, 'wholesale', { add: [OLI] });
    frame = await waitForFrame(app, (f) => f.includes('My messages (1)') && f.includes('Shared messages (0)'), 'the b2b dialog in My messages');
    expect(frame).toContain(b2b.name);
    expect(events).toEqual(['groups.changed']);

    // And back when he leaves the group.
    await admin.updateGroup(project.id, 'wholesale', { remove: [OLI] });
    await waitForFrame(app, (f) => f.includes('My messages (0)') && f.includes('Shared messages (1)'), 'the b2b dialog in Shared again');
    expect(events).toEqual(['groups.changed', 'groups.changed']);
  });
});

describe('skin-tone and ZWJ emoji in fields (finding 3)', () => {
  it('the finder draws its query with base emoji, the frame stays within the terminal, and the search is for the whole emoji', async () => {
    const toned = await visitorWrites('Great 👍🏽 see you');
    const plainThumb = await visitorWrites('Great 👍 see you too');
    const { app } = await startApp({ columns: 120, rows: 32 });
    await waitForFrame(app, (f) => f.includes('My messages (2)'), 'two dialogs');
    await press(app, CTRL_F, '👍🏽 👩‍💻');
    let frame = await waitForFrame(app, (f) => f.includes('Find a dialog: 👍'), 'the query');
    expect(tooWideInTmux(frame, 120)).toEqual([]);
    expect(frame.split('\n')).toHaveLength(31);
    expect(frame).toContain('Find a dialog: 👍 👩');

    // Searched as typed: only the dialog with the toned thumb matches, not the plain one.
    await press(app, BACKSPACE, BACKSPACE, ENTER);
    frame = await waitForFrame(app, (f) => f.includes('wrote: Great 👍 see you') || f.includes('no dialog matches'), 'the answer');
    expect(frame).toContain(toned.name);
    expect(frame).not.toContain(plainThumb.name);
    expect(tooWideInTmux(frame, 120)).toEqual([]);
  });

  it('the client card form draws a note with base emoji, the frame stays within the terminal, and the card saves the whole emoji', async () => {
    const v = await visitorWrites('Do you have size 44?');
    const { app } = await startApp({ columns: 120, rows: 32 });
    await waitForFrame(app, (f) => f.includes(v.name), 'the dialog listed');
    await press(app, 'i');
    await waitForFrame(app, (f) => f.includes('Client card') && f.includes('Notes:'), 'the card form');
    const note = 'wants 44 in white 👍🏽 VIP 👩‍💻';
    await press(app, DOWN, DOWN, DOWN, note);
    const frame = await waitForFrame(app, (f) => f.includes('VIP'), 'the note');
    expect(tooWideInTmux(frame, 120)).toEqual([]);
    expect(frame.split('\n')).toHaveLength(31);
    expect(frame).toContain('wants 44 in white 👍 VIP 👩');
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes('client card saved'), 'saved');
    expect((await oli.getDialog(project.id, v.dialogId)).visitor.card.notes).toBe(note);
  });

  it('the client card saves only the fields changed in the form: a colleague\'s change to another field meanwhile stays', async () => {
    const v = await visitorWrites('Call me back please');
    await oli.updateCard(project.id, v.dialogId, { realName: 'Anna', notes: 'first\nsecond line' });
    const { app } = await startApp({ columns: 120, rows: 32 });
    await waitForFrame(app, (f) => f.includes('Anna'), 'the dialog listed');
    await press(app, 'i');
    await waitForFrame(app, (f) => f.includes('Client card') && f.includes('Notes:'), 'the card form');
    // Meanwhile the phone is saved from elsewhere (a colleague, the API); the form, which shows
    // none, changes the real name.
    await oli.updateCard(project.id, v.dialogId, { phone: '+47 555 0100' });
    await press(app, BACKSPACE, BACKSPACE, BACKSPACE, BACKSPACE, 'Anna Berg');
    await waitForFrame(app, (f) => f.includes('Anna Berg'), 'the new name');
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes('client card saved'), 'saved');
    const card = (await oli.getDialog(project.id, v.dialogId)).visitor.card;
    // The notes, shown on one line in the form and not edited, keep their line break.
    expect(card).toMatchObject({ realName: 'Anna Berg', phone: '+47 555 0100', notes: 'first\nsecond line' });
  });

  it("the sign-in screen's text field draws base emoji by columns: a long value shows its end within the width", async () => {
    const field = (value: string) => (
      <Box width={30}>
        <TextField label="Email" labelWidth={8} value={value} width={22} focused />
      </Box>
    );
    const app = await renderSized(field('a👍🏽b👩‍💻c'), { columns: 30, rows: 3 });
    teardown.push(() => app.unmount());
    const short = await waitForFrame(app, (f) => f.includes('Email'), 'the field');
    expect(tooWideInTmux(short, 30)).toEqual([]);
    expect(short).toContain('a👍b👩c');
    // 15 emoji are 30 columns: the field shows the end of them, cursor included, in its 22.
    const app2 = await renderSized(field('👍🏽'.repeat(14) + '👩‍💻'), { columns: 30, rows: 3 });
    teardown.push(() => app2.unmount());
    const frame = await waitForFrame(app2, (f) => f.includes('Email'), 'the long field');
    expect(tooWideInTmux(frame, 30)).toEqual([]);
    expect(frame).toMatch(/^Email {3}…(👍){9}👩 *$/m);
  });
});

describe('status-bar notices (finding 5)', () => {
  it('"cannot reach the server" goes once the connection is back', async () => {
    await visitorWrites('Hello?');
    const cut = await netCut(server.url);
    teardown.push(() => cut.close());
    const { app, time, connection } = await startApp({ columns: 200, rows: 32 }, cut.url);
    const states: StateChange[] = [];
    connection.on('state', (change) => void states.push(change));
    cut.block();
    await waitForFrame(app, (f) => f.includes('disconnected'), 'disconnected');
    // The status is read again each minute: this time the server cannot be reached (and the
    // retry due meanwhile fails too).
    time.advance(60_000);
    await waitForFrame(app, (f) => f.includes('could not read your status: cannot reach the Parley server'), 'the failure');
    await expect.poll(() => states.some((c) => c.state === 'connecting') && states.at(-1)!.state === 'offline').toBe(true);
    cut.unblock();
    // Back on the next retry (at most 15 s): well before an error notice's 20 s are up.
    time.advance(states.at(-1)!.retryInMs!);
    await waitForFrame(app, (f) => f.includes('· connected') && !f.includes('cannot reach'), 'connected, the failure gone');
  });

  it('"cannot reach the server" from a request goes at the next answer, though the socket never dropped', async () => {
    await visitorWrites('Hello?');
    const cut = await netCut(server.url);
    teardown.push(() => cut.close());
    // Requests go through the cut; the socket does not.
    const { app, time } = await startApp({ columns: 200, rows: 32 }, cut.url, server.url);
    cut.block();
    time.advance(60_000);
    await waitForFrame(app, (f) => f.includes('could not read your status: cannot reach the Parley server'), 'the failure');
    cut.unblock();
    // Opening the dialog asks the server (no time passes: the notice's own 20 s are not up).
    await press(app, ENTER);
    const frame = await waitForFrame(app, (f) => f.includes('Hello?') && !f.includes('cannot reach'), 'the dialog open, the failure gone');
    expect(frame).toContain('· connected');
  });

  it('c confirms the close and u the reopen, as t and a confirm theirs', async () => {
    const v = await visitorWrites('Close me');
    const { app } = await startApp({ columns: 200, rows: 32 });
    await waitForFrame(app, (f) => f.includes('My messages (1)') && f.includes(v.name), 'the dialog listed');
    await press(app, 'c');
    await waitForFrame(app, (f) => f.includes('closed: moved to Archive') && f.includes('Archive (1)'), 'the close confirmed');
    await press(app, TAB, TAB, 'u');
    await waitForFrame(app, (f) => f.includes('reopened') && f.includes('Archive (0)'), 'the reopen confirmed');
    expect((await oli.getDialog(project.id, v.dialogId)).dialog.status).toBe('open');
  });
});

/**
 * The overlay's text as one line, also read down each of its two columns (`x`: where the right
 * one starts): a description wrapped over rows reads whole.
 */
function readings(frame: string, x: number): string[] {
  const rows = frame.split('\n').map((row) => row.replace(/^║ ?| ?║$/g, ''));
  const flat = (parts: string[]) => parts.join(' ').replace(/\s+/g, ' ');
  return [flat(rows), flat(rows.map((r) => r.slice(0, x - 2))), flat(rows.map((r) => r.slice(x - 2)))];
}

describe('the ? help (finding 6)', () => {
  it('at 120x32 every command is shown with its whole description, nothing cut', async () => {
    const { app } = await startApp({ columns: 120, rows: 32 });
    await press(app, '?');
    const frame = await waitForFrame(app, (f) => f.includes('Keys (Esc, ? or q close)'), 'the help');
    expect(frame).not.toContain('…');
    expect(tooWideInTmux(frame, 120)).toEqual([]);
    const last = frame.split('\n').find((row) => row.includes(keysOf('QuitAnywhere')))!;
    const texts = readings(frame, last.indexOf(keysOf('QuitAnywhere')));
    const commands = (Object.keys(KEYMAP) as Command[]).filter((c) => !KEYMAP[c].hidden);
    const missing = commands.filter((c) => !texts.some((t) => t.includes(`${keysOf(c)} ${KEYMAP[c].help}`)));
    expect(missing).toEqual([]);
  });

  it('in a narrow, tall terminal (60x60) one column with wrapped descriptions shows them all whole', async () => {
    const { app } = await startApp({ columns: 60, rows: 60 });
    await press(app, '?');
    const frame = await waitForFrame(app, (f) => f.includes('Keys (Esc, ? or q close)'), 'the help');
    expect(tooWideInTmux(frame, 60)).toEqual([]);
    // The window's rows (the status bar under it is cut at this width, as always).
    const help = frame.split('\n').filter((row) => row.startsWith('║')).join('\n');
    expect(help).not.toContain('…');
    const [text] = readings(help, 0);
    const commands = (Object.keys(KEYMAP) as Command[]).filter((c) => !KEYMAP[c].hidden);
    expect(commands.filter((c) => !text.includes(`${keysOf(c)} ${KEYMAP[c].help}`))).toEqual([]);
  });
});
