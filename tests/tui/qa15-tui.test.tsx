// The low defects of the TUI's QA pass 14 left after pass 15's fixes, against a real server where
// the screen matters: a focused pane that left its top as dialogs arrived (D9), status-bar text
// that was stale or cut in the wrong place (D10), keys that did nothing and said nothing (D11), a
// `?` help that differed from the README and was cut at 80x24 (D12), control characters in a
// paste typed as letters (D13), a sign-in screen that did not follow a resize (D14), cut rows a
// column too wide, a client card and a finder that hid what did not fit (D15), and the selected
// message marked only by inverse without colour.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { StateChange } from '../../core/client/realtime.js';
import type { DialogSummary } from '../../core/protocol/dialogs.js';
import { displayWidth } from '../../core/text-layout.js';
import { KEYMAP, keysOf, type Command } from '../../tui/input/keybindings.js';
import { parseKeys } from '../../tui/input/keys.js';
import { Gate } from '../../tui/login/Gate.js';
import { emptyDialogs, paneRows, reduceDialogs, selectedDialog } from '../../tui/state/dialogs.js';
import { cutRow } from '../../tui/state/cut.js';
import { CTRL_F, DOWN, ENTER, ESC, PASTE_END, PASTE_START, press, renderSized, SHIFT_TAB, TAB, UP, waitForFrame } from '../helpers/ink.js';
import { netCut } from '../helpers/netcut.js';
import { type Peer, visitorHello, visitorWrites as writeAsVisitor } from '../helpers/realtime.js';
import { PARLEY_BIN } from '../helpers/cli.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { OLI, shopWithOli } from '../helpers/shop.js';
import { dialog } from '../helpers/tui-fixtures.js';
import { startTuiApp } from '../helpers/tui-app.js';

const ORIGIN = 'https://shop.example.com';
const HOME = '\x1b[H';
const END = '\x1b[F';
const PAGE_DOWN = '\x1b[6~';

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

/** A visitor who wrote `body` (with the embed's `hello` fields): the dialog's id and the visitor's generated name. */
async function visitorWrites(body: string, hello: Record<string, unknown> = {}) {
  const site = { url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId: project.id, admin, peers };
  const { dialogId, welcome } = await writeAsVisitor(site, body, hello);
  return { dialogId, name: welcome.visitor.name as string };
}

/** `count` visitors who each wrote once and left. */
async function visitorsWrote(count: number, body = (i: number) => `earlier ${i}`): Promise<void> {
  for (let i = 0; i < count; i++) {
    const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN);
    const clientId = randomUUID();
    peer.send({ type: 'message.send', clientId, body: body(i) });
    await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
    await peer.close();
  }
}

/** The names of a view's dialogs, newest activity first, as the server lists them. */
async function listed(view: 'mine' | 'shared' | 'archive'): Promise<string[]> {
  const page = await oli.listDialogs(project.id, { view, limit: 200 });
  return page.dialogs.map((d: DialogSummary) => d.visitor.realName ?? d.visitor.name);
}

/** The TUI signed in as Oli; `url`: where it reaches the server (`socketUrl`: where its socket does, if elsewhere). */
const startApp = (size: { columns: number; rows: number }, url = server.url, socketUrl = url) =>
  startTuiApp({ url, socketUrl, user: oli, projectId: project.id, size, teardown });

const statusBar = (frame: string) => frame.split('\n').at(-1)!;

/** The columns a row takes in tmux, which draws each part of an emoji sequence on its own. */
const tmuxWidth = (row: string) => [...row].reduce((n, ch) => n + displayWidth(ch), 0);
const tooWide = (frame: string, columns: number) => frame.split('\n').filter((row) => tmuxWidth(row) > columns);

/** A stacked pane of the left column at 120 columns (28 wide): its title and rows without the border. */
function pane(frame: string, title: string): { title: string; rows: string[] } {
  const lines = frame.split('\n').map((l) => l.slice(0, 28));
  const top = lines.findIndex((l) => l.slice(2).startsWith(title) || /^. ↑\d+ /.test(l) && l.includes(title));
  const end = lines.findIndex((l, i) => i > top && /^[└┗]/.test(l));
  return { title: lines[top].slice(2, 26), rows: lines.slice(top + 1, end).map((l) => l.slice(2, 26).trimEnd()).filter(Boolean) };
}

describe('a focused pane at its top while dialogs arrive (D9)', () => {
  const many = (n: number, from = 1) => Array.from({ length: n }, (_, i) => dialog(from + i));
  const page = (dialogs: DialogSummary[]) => ({ view: 'mine' as const, counts: { mine: dialogs.length, shared: 0, archive: 0 }, dialogs, next: null });
  const loaded = (mine: DialogSummary[]) => ({ type: 'loaded', pages: { mine: page(mine), shared: page([]), archive: page([]) } }) as const;

  it('in the reducer: the view stays at the top with the arrivals, the selection on its dialog below it; a key brings the view to it', () => {
    let s = reduceDialogs(emptyDialogs, loaded(many(10, 100)));
    s = reduceDialogs(s, loaded([...many(8, 1), ...many(10, 100)]));
    expect(selectedDialog(s, 'mine')?.id).toBe(100);
    // Row 8 of a 7-row pane: out of the view, which stays where the operator left it.
    expect(paneRows(s, 'mine', 7, true)).toEqual({ start: 0, end: 7 });
    s = reduceDialogs(s, { type: 'move', view: 'mine', by: 1, rows: 7 });
    expect(selectedDialog(s, 'mine')?.id).toBe(101);
    expect(paneRows(s, 'mine', 7, true)).toEqual({ start: 3, end: 10 });
    // Scrolled down, more arrivals: the same dialogs stay in view (the selection with them).
    s = reduceDialogs(s, loaded([...many(8, 20), ...many(8, 1), ...many(10, 100)]));
    expect(paneRows(s, 'mine', 7, true)).toEqual({ start: 11, end: 18 });
    expect(selectedDialog(s, 'mine')?.id).toBe(101);
    // A dialog opened from the finder: the view goes to it.
    s = reduceDialogs(s, { type: 'select', view: 'mine', dialogId: 105 });
    const { start, end } = paneRows(s, 'mine', 7, true);
    expect(s.selected.mine).toBeGreaterThanOrEqual(start);
    expect(s.selected.mine).toBeLessThan(end);
  });

  it('at 120x32 the pane keeps showing the newest dialogs, says where the selection went, and Enter opens that dialog', async () => {
    await visitorsWrote(10);
    const { app } = await startApp({ columns: 120, rows: 32 });
    await waitForFrame(app, (f) => f.includes('My messages (10)'), 'ten dialogs');
    const [first] = await listed('mine');
    await visitorsWrote(8, (i) => `batch2 ${i}`);
    const frame = await waitForFrame(app, (f) => f.includes('My messages (18)'), 'eighteen dialogs');
    const mine = pane(frame, 'My messages');
    expect(mine.title).toMatch(/^My messages \(18\) ●18/);
    const names = await listed('mine');
    // The six newest, then the row that says where the selected dialog is.
    expect(mine.rows.slice(0, 6).every((row, i) => row.slice(1).startsWith(names[i]))).toBe(true);
    expect(mine.rows[6]).toBe(`↓ ${first} (selected, further down)`.slice(0, 23) + '…');
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes(`${first}: earlier 9`), 'the dialog selected before they came open');
  });
});

describe('the status bar (D10)', () => {
  it('counts down to the next try while disconnected', async () => {
    await visitorWrites('Hello?');
    const cut = await netCut(server.url);
    teardown.push(() => cut.close());
    const { app, time, connection } = await startApp({ columns: 160, rows: 30 }, server.url, cut.url);
    const states: StateChange[] = [];
    connection.on('state', (change) => void states.push(change));
    cut.block();
    await waitForFrame(app, (f) => f.includes('disconnected'), 'disconnected');
    // Failed tries until one waits 4 s or more.
    while (!((states.at(-1)?.retryInMs ?? 0) >= 4000 && states.at(-1)!.state === 'offline')) {
      const last = states.at(-1);
      if (last?.state === 'offline' && last.retryInMs !== undefined) time.advance(last.retryInMs);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const wait = states.at(-1)!.retryInMs!;
    const seconds = Math.ceil(wait / 1000);
    await waitForFrame(app, (f) => statusBar(f).includes(`retrying in ${seconds} s`), `${seconds} s to wait`);
    time.advance(wait - (seconds - 1) * 1000);
    await waitForFrame(app, (f) => statusBar(f).includes(`retrying in ${seconds - 1} s`), 'a second less');
    time.advance(1000);
    await waitForFrame(app, (f) => statusBar(f).includes(`retrying in ${seconds - 2} s`), 'another second less');
  });

  it('after the session ended it offers only the keys that still work', async () => {
    await visitorWrites('Hello?');
    const { app } = await startApp({ columns: 120, rows: 30 });
    await oli.logout();
    const frame = await waitForFrame(app, (f) => f.includes('Your session ended'), 'the session-ended window');
    expect(statusBar(frame)).toMatch(/^○ session ended · q quit\s*$/);
  });

  it('at 80x24 a pane scrolled down keeps its unread mark whole in its title: the name gives way', async () => {
    await visitorsWrote(25);
    const { app } = await startApp({ columns: 80, rows: 24 });
    await waitForFrame(app, (f) => f.includes('My messages (25) ●25'), 'the dialogs');
    await press(app, PAGE_DOWN);
    const frame = await waitForFrame(app, (f) => /↑\d+ /.test(f), 'scrolled down');
    expect(frame).toMatch(/│ ↑\d+ Mine \(25\) ●25 +│/);
  });

  it('a long notice keeps what failed and why: the server URL goes, then the status words and the connection', async () => {
    const v = await visitorWrites('Take me');
    const cut = await netCut(server.url);
    teardown.push(() => cut.close());
    // Requests go through the cut; the socket does not.
    const { app } = await startApp({ columns: 80, rows: 24 }, cut.url, server.url);
    // (A long name is cut in the 80-column list.)
    await waitForFrame(app, (f) => f.includes('My messages (1)') && f.includes(v.name.slice(0, 10)), 'the dialog listed');
    cut.block();
    await press(app, 't');
    const frame = await waitForFrame(app, (f) => f.includes('could not take the dialog'), 'the failure');
    expect(statusBar(frame)).toMatch(/^○ could not take the dialog: cannot reach the Parley server \(ECONN[A-Z]+\)\s*$/);
  });
});

describe('keys that did nothing (D11)', () => {
  it('say why: r on a message that has not failed, e, v and r in a pane, Enter in an empty pane and in the card', async () => {
    await visitorWrites('Hello there');
    const { app } = await startApp({ columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, 'v');
    await waitForFrame(app, (f) => statusBar(f).includes("v: on a message; Tab to the dialog's messages and pick one"), 'v in the pane');
    await press(app, TAB);
    await waitForFrame(app, (f) => /│ Shared messages \(0\)/.test(f) && f.includes('┐'), 'Shared has the keys');
    await press(app, ENTER);
    await waitForFrame(app, (f) => statusBar(f).includes('no dialog here'), 'Enter in the empty pane');
    await press(app, 'c');
    await waitForFrame(app, (f) => statusBar(f).includes('no dialog here (and none is open)'), 'c with no dialog anywhere');

    // Open the dialog from My messages; in its message pane r on the visitor's message.
    await press(app, SHIFT_TAB, ENTER);
    await waitForFrame(app, (f) => f.includes('Ctrl+Enter / Ctrl+S / Alt+Enter send'), 'the dialog open');
    await press(app, ESC, 'r');
    await waitForFrame(app, (f) => statusBar(f).includes('r: this message has not failed'), 'r on a delivered message');
    await press(app, TAB, TAB, ENTER);
    await waitForFrame(app, (f) => statusBar(f).includes('i edits the client card, l picks the lead class'), 'Enter in the card');
  });

  it('the dialog keys in an empty pane act on the open dialog, as the README says', async () => {
    const v = await visitorWrites('Close me from Shared');
    const { app } = await startApp({ columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes('Ctrl+Enter / Ctrl+S / Alt+Enter send'), 'the dialog open');
    // Esc twice: back in My messages; Tab: Shared messages, empty.
    await press(app, ESC, ESC, TAB, 'c');
    await waitForFrame(app, (f) => f.includes(`closed: moved to Archive (${v.name})`), 'closed from the empty pane');
    expect((await oli.getDialog(project.id, v.dialogId)).dialog.status).toBe('closed');
  });

  it('Home and End go to the first and last dialog of a pane, and the first and last message of the dialog', async () => {
    await visitorsWrote(12);
    const names = await listed('mine');
    const { app } = await startApp({ columns: 120, rows: 32 });
    await waitForFrame(app, (f) => f.includes('My messages (12)'), 'the dialogs');
    await press(app, END);
    let frame = await waitForFrame(app, (f) => pane(f, 'My messages').title.startsWith('↑5 My messages'), 'at the end');
    expect(pane(frame, 'My messages').rows.at(-1)!.slice(1)).toContain(names[11].slice(0, 20));
    await press(app, HOME, ENTER);
    await waitForFrame(app, (f) => f.includes(`${names[0]}: earlier 11`), 'the first dialog open');
    await press(app, ESC, ESC);

    // Its messages: Home selects the first (v reads it), End the last.
    const site = { url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId: project.id, admin, peers };
    const { peer } = await writeAsVisitor(site, 'one of many');
    for (const body of ['two of many', 'three of many']) {
      const clientId = randomUUID();
      peer.send({ type: 'message.send', clientId, body });
      await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
    }
    await waitForFrame(app, (f) => f.includes('(13) ●12'), 'the new dialog listed');
    await press(app, HOME, ENTER);
    await waitForFrame(app, (f) => f.includes('three of many'), 'its messages');
    await press(app, ESC, HOME, 'v');
    await waitForFrame(app, (f) => f.includes('The whole message') && f.includes('one of many'), 'the first message read');
    await press(app, ESC, END, 'v');
    await waitForFrame(app, (f) => f.includes('The whole message') && f.includes('three of many'), 'the last message read');
  });
});

describe('the ? help (D12)', () => {
  const commands = (Object.keys(KEYMAP) as Command[]).filter((c) => !KEYMAP[c].hidden);

  it('at 80x24 scrolls instead of cutting: every description whole, in the README words for Esc', async () => {
    const { app } = await startApp({ columns: 80, rows: 24 });
    await press(app, '?');
    let frame = await waitForFrame(app, (f) => f.includes('Keys (rows 1-'), 'the help');
    const total = Number(/rows 1-\d+ of (\d+)/.exec(frame)![1]);
    const pages: string[] = [frame];
    while (!new RegExp(`rows \\d+-${total} of ${total}`).test(frame)) {
      await press(app, PAGE_DOWN);
      const before = frame;
      frame = await waitForFrame(app, (f) => f !== before && f.includes('Keys (rows'), 'the next page');
      pages.push(frame);
    }
    for (const p of pages) {
      expect(p).not.toContain('…');
      expect(tooWide(p, 80)).toEqual([]);
    }
    const text = pages
      .flatMap((p) => p.split('\n').filter((row) => row.startsWith('║')).slice(1))
      .map((row) => row.replace(/^║ ?| ?║$/g, ''))
      .join(' ')
      .replace(/\s+/g, ' ');
    expect(commands.filter((c) => !text.includes(`${keysOf(c)} ${KEYMAP[c].help}`))).toEqual([]);
    expect(text).toContain('Esc back out (close a window; in the composer while editing, cancel the edit; from the open dialog, back to the pane it was opened from)');
    await press(app, 'q');
    await waitForFrame(app, (f) => f.includes('My messages'), 'closed by q');
  });
});

describe('control characters in a paste (D13)', () => {
  it('a pasted BEL or other control character is dropped, not typed as its letter', async () => {
    await visitorWrites('Paste here');
    const { app } = await startApp({ columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes('Ctrl+Enter / Ctrl+S / Alt+Enter send'), 'the composer');
    await press(app, `${PASTE_START}bell\x07 ring\x01\x02\tend\r\nnext${PASTE_END}`);
    const frame = await waitForFrame(app, (f) => f.includes('next'), 'the paste in the composer');
    expect(frame).toContain('bell ring  end');
    expect(frame).not.toMatch(/bellg|ringab/);
  });

  it('in the sign-in form too', async () => {
    const app = await renderSized(<Gate boot={{ url: server.url }} services={{ saveLogin: () => undefined }} />, { columns: 80, rows: 24 });
    teardown.push(() => app.unmount());
    await waitForFrame(app, (f) => f.includes('Sign in'), 'the sign-in screen');
    // The email field has the keys (the first empty one).
    await press(app, `${PASTE_START}oli\x07@example.com${PASTE_END}`);
    await waitForFrame(app, (f) => f.includes('Email         oli@example.com '), 'the pasted email, without a g');
    expect(parseKeys('a\x07').map((k) => k.input)).toEqual(['a', 'g']);
  });
});

describe('the sign-in screen and a resize (D14)', () => {
  it('in tmux, narrower: the box is drawn again at the new width, and nothing of the old one is left', async () => {
    const dir = await tempDir('parley-qa15-');
    const socket = `parley-qa15-${process.pid}-${randomUUID().slice(0, 8)}`;
    const env = { PATH: process.env.PATH, TERM: 'xterm-256color', HOME: dir, TMUX_TMPDIR: dir };
    const tmux = async (...args: string[]) => (await promisify(execFile)('/usr/bin/tmux', ['-L', socket, ...args], { env })).stdout;
    teardown.push(() => tmux('kill-server').catch(() => undefined));
    const conf = join(dir, 'tmux.conf');
    await writeFile(conf, 'set -g status off\nset -g escape-time 0\n');
    const command = `'${process.execPath}' '${PARLEY_BIN}' tui --url ${server.url}`;
    await tmux('-f', conf, 'new-session', '-d', '-s', 'tui', '-x', '60', '-y', '20', '-e', `PARLEY_CONFIG_DIR=${dir}`, '-e', `HOME=${dir}`, command);
    const screen = () => tmux('capture-pane', '-p', '-t', 'tui');
    const box = (s: string, width: number) => s.split('\n').filter((row) => row.trim() !== '')[0] === `╭${'─'.repeat(width - 2)}╮`;
    await vi.waitFor(async () => expect(box(await screen(), 60)).toBe(true), { timeout: 15_000, interval: 50 });
    await tmux('resize-window', '-t', 'tui', '-x', '40', '-y', '15');
    await vi.waitFor(async () => expect(box(await screen(), 40)).toBe(true), { timeout: 15_000, interval: 50 });
    // One box, and no row of the old one (the terminal wrapped those) above or below it.
    const rows = (await screen()).split('\n').filter((row) => row.trim() !== '');
    expect(rows.filter((row) => row.startsWith('╭'))).toHaveLength(1);
    expect(rows.filter((row) => row.includes('Email'))).toHaveLength(1);
    expect(rows.at(-1)).toBe(`╰${'─'.repeat(38)}╯`);
  });

  it('lays itself out again for the new width', async () => {
    const app = await renderSized(<Gate boot={{ url: server.url }} services={{ saveLogin: () => undefined }} />, { columns: 60, rows: 20 });
    teardown.push(() => app.unmount());
    let frame = await waitForFrame(app, (f) => f.includes('Sign in'), 'the sign-in screen');
    expect(frame.split('\n')[0]).toMatch(/^╭─{58}╮$/);
    app.resize(40, 15);
    frame = await waitForFrame(app, (f) => /^╭─{38}╮$/.test(f.split('\n')[0]), 'the box 40 wide');
    expect(tooWide(frame, 40)).toEqual([]);
  });
});

describe('cut rows, the client card and the finder (D15)', () => {
  it('cutRow never leaves a row wider than its columns, whatever character is at the cut', () => {
    const pieces = ['●', '🦊👍 Фокс', ' 👨 emoji 😀😃😄😁😆😅'];
    for (let columns = 1; columns <= 30; columns++) {
      const cut = cutRow(pieces, columns);
      expect(displayWidth(cut.join(''))).toBeLessThanOrEqual(columns);
    }
    // 김 would end in the …'s column: a space takes its place.
    expect(cutRow(['Name: ', '王小明 山田太郎 김철수'], 24)).toEqual(['Name: ', '王小明 山田太郎  …']);
    expect(cutRow(['a', 'b'], 5)).toEqual(['a', 'b']);
  });

  it('a wide character at the cut keeps the dialog rows and the card in their columns', async () => {
    const v = await visitorWrites('🦊👍 Фокс 👨 emoji 😀😃😄😁😆😅😂🤣');
    await oli.updateCard(project.id, v.dialogId, { realName: '王小明 山田太郎 김철수 이영희' });
    const { app } = await startApp({ columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER);
    const frame = await waitForFrame(app, (f) => f.includes('Name: 王小明'), 'the card');
    expect(tooWide(frame, 120)).toEqual([]);
    // Every row of the frame ends at the right border: none pushed it out.
    expect(frame.split('\n').slice(0, -1).filter((row) => !/[│┃┐┘]$/.test(row))).toEqual([]);
  });

  it('the card shows a long page title, URL and referrer whole, wrapped', async () => {
    const url = `https://shop.example.com/catalogue/running/trail-runner-2?colour=black&size=44&ref=${'x'.repeat(30)}`;
    const referrer = 'https://www.google.com/search?q=trail+runner+2+black+size+44';
    const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN);
    peers.push(peer);
    const page = { url, title: 'Trail Runner 2 — the light shoe for long runs', referrer };
    peer.send({ type: 'message.send', clientId: randomUUID(), body: 'Where is my parcel?', page });
    await peer.next((f) => f.type === 'message.stored');
    const { app } = await startApp({ columns: 120, rows: 40 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER);
    const frame = await waitForFrame(app, (f) => f.includes('URL: '), 'the card');
    // The card's column (the right 28 columns), its rows joined: each value reads whole.
    const card = frame
      .split('\n')
      .map((row) => row.slice(-28).replace(/^[│┃] ?| ?[│┃]$/g, '').trimEnd())
      .join('');
    expect(card).toContain(`URL: ${url}`);
    expect(card).toContain(`From: ${referrer}`);
    // A title wraps at its spaces.
    expect(card.replace(/\s/g, '')).toContain('Page:TrailRunner2—thelightshoeforlongruns');
  });

  it('the finder counts what it found and says when more are below the rows in view', async () => {
    for (let i = 0; i < 25; i++) await visitorWrites(`parcel question ${i}`);
    const { app } = await startApp({ columns: 120, rows: 24 });
    await waitForFrame(app, (f) => f.includes('My messages (25)'), 'the dialogs');
    await press(app, CTRL_F, 'parcel', ENTER);
    let frame = await waitForFrame(app, (f) => f.includes('Enter opens the dialog'), 'the results');
    expect(frame).toMatch(/1-\d+ of 25 dialogs, ↓ more below · /);
    await press(app, ...Array<string>(30).fill(DOWN));
    frame = await waitForFrame(app, (f) => / of 25 dialogs, ↑ more above · /.test(f), 'at the end');
    await press(app, ...Array<string>(30).fill(UP), ESC);
  });
});

describe('without colour', () => {
  it('the selected message in the message pane is marked ▸', async () => {
    await visitorWrites('first question');
    const app = await renderSized(<Gate boot={{ url: server.url, token: oli.token!, email: OLI }} services={{ saveLogin: () => undefined }} color={false} />, {
      columns: 120,
      rows: 30,
    });
    teardown.push(() => app.unmount());
    await waitForFrame(app, (f) => f.includes('My messages (1)') && f.includes('connected'), 'the main screen');
    await press(app, ENTER, 'my answer', '\x13');
    await waitForFrame(app, (f) => f.includes('you: my answer'), 'the answer sent');
    await press(app, ESC);
    let frame = await waitForFrame(app, (f) => /▸\d\d:\d\d you: my answer/.test(f), 'the newest message marked');
    expect(frame).not.toMatch(/▸\d\d:\d\d \S+: first question/);
    await press(app, UP);
    frame = await waitForFrame(app, (f) => /▸\d\d:\d\d \S+ \S+: first question/.test(f), 'the selection moved up');
    expect(frame).not.toMatch(/▸\d\d:\d\d you: my answer/);
  });
});
