// The TUI at narrow widths (30 to 80 columns): the `?` help puts keys too wide for its key column
// on a row of their own instead of wrapping their description letter by letter, and no row loses
// its key hint to a cut: the failed-message note, the composer's hint, the finder's and the status
// bar are worded shorter (or given a second row) until they fit, their keys whole.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { displayWidth } from '../../core/text-layout.js';
import { MAX_BODY } from '../../core/protocol/constants.js';
import { composerHint } from '../../tui/components/Composer.js';
import { KEYMAP, keysOf, type Command } from '../../tui/input/keybindings.js';
import { cutBeforeHint, cutRow, fitHint, fitWording, HINT_SEPARATOR } from '../../tui/state/cut.js';
import { helpLayout } from '../../tui/state/help.js';
import { CTRL_F, CTRL_S, ENTER, ESC, overflow, press, waitForFrame } from '../helpers/ink.js';
import { type Peer, visitorWrites as writeAsVisitor } from '../helpers/realtime.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { shopWithOli } from '../helpers/shop.js';
import { startTuiApp } from '../helpers/tui-app.js';

const ORIGIN = 'https://shop.example.com';
const COMMANDS = (Object.keys(KEYMAP) as Command[]).filter((c) => !KEYMAP[c].hidden);

describe('the ? help from 30 columns up', () => {
  /** The help's rows as drawn: each cell's keys padded to its key column, its description and "(where)". */
  const drawn = (width: number, height: number) =>
    helpLayout(width, height).rows.map((row) => row.map((c) => `${c.keys.padEnd(c.keyWidth)}${c.help}${c.where}`.padEnd(c.width)).join(''));

  it('never leaves a description fewer than 16 columns: keys too wide for that take a row of their own', () => {
    for (let width = 30; width <= 90; width++) {
      const { rows } = helpLayout(width, 24);
      for (const cell of rows.flat()) {
        expect(displayWidth(`${cell.keys.padEnd(cell.keyWidth)}${cell.help}${cell.where}`), `${width}: ${cell.keys}${cell.help}`).toBeLessThanOrEqual(cell.width);
        if (cell.help || cell.where) expect(cell.width - cell.keyWidth, `${width}: ${cell.help}`).toBeGreaterThanOrEqual(16);
      }
    }
  });

  it('at 30 columns: Send\'s keys on their own rows, the description indented under them; 216 rows are now far fewer', () => {
    const rows = drawn(30, 19);
    const send = rows.findIndex((r) => r.startsWith('Ctrl+Enter'));
    expect(rows.slice(send, send + 4).map((r) => r.trimEnd())).toEqual(['Ctrl+Enter / Ctrl+S /', 'Alt+Enter', '  send the message (or', '  save the edit)']);
    expect(rows.length).toBeLessThan(140);
    // Read top-down, every command is its keys and then its description, whole.
    const text = rows.join(' ').replace(/\s+/g, ' ');
    expect(COMMANDS.filter((c) => !text.includes(`${keysOf(c)} ${KEYMAP[c].help}`))).toEqual([]);
  });

  it('at 40 columns the ordinary keys keep their column; Send and Enter / Shift+Enter go above their descriptions', () => {
    const rows = drawn(40, 24).map((r) => r.trimEnd());
    expect(rows).toContain('Tab          next pane');
    expect(rows).toContain('Ctrl+Enter / Ctrl+S / Alt+Enter');
    expect(rows).toContain('Enter / Shift+Enter');
    expect(rows).toContain('  new line (in the composer)');
    // From 50 columns, Enter / Shift+Enter has its room beside; Send's three still do not.
    const fifty = drawn(50, 24).map((r) => r.trimEnd());
    expect(fifty).toContain('Enter / Shift+Enter  new line');
    expect(fifty).toContain('Ctrl+Enter / Ctrl+S / Alt+Enter');
    // At 80 every key has its room beside its description, as before.
    expect(drawn(80, 24).map((r) => r.trimEnd())).toContain('Ctrl+Enter / Ctrl+S / Alt+Enter  send the message (or save the edit)');
  });
});

describe('cutting a row keeps its key hint', () => {
  it('cutRow keeps the last pieces whole and cuts the ones before them', () => {
    expect(cutRow(['Lucky Raccoon the Second ', '○', ' (t takes)'], 26, 2)).toEqual(['Lucky Raccoon …', '○', ' (t takes)']);
    // Without `keep` the hint is what goes.
    expect(cutRow(['Lucky Raccoon the Second ', '○', ' (t takes)'], 26)).toEqual(['Lucky Raccoon the Second ', '…', '']);
    // Too narrow even for the kept pieces: cut as a whole.
    expect(displayWidth(cutRow(['ab', ' (t takes)'], 8, 1).join(''))).toBeLessThanOrEqual(8);
  });

  it('cutBeforeHint shortens the hint to its key, then cuts the words before it', () => {
    const note = ' ✗ failed: not connected (goes on reconnect, r resends)';
    expect(cutBeforeHint(note, 60)).toBe(note);
    expect(cutBeforeHint(note, 40)).toBe(' ✗ failed: not connected (r resends)');
    expect(cutBeforeHint(' ✗ failed: the visitor is offline (r resends)', 34)).toBe(' ✗ failed: the visito… (r resends)');
    expect(cutBeforeHint(' ✗ failed: the visitor is offline (r resends)', 24)).toBe(' ✗ failed… (r resends)');
    expect(cutBeforeHint('no hint at all here', 10)).toBe('no hint a…');
    for (let columns = 1; columns <= 50; columns++) expect(displayWidth(cutBeforeHint(note, columns))).toBeLessThanOrEqual(columns);
  });

  it('fitWording and fitHint take the first wording that fits, else the last', () => {
    const w = (...texts: string[]) => texts.map((text) => ({ text }));
    expect(fitWording([w('a long one'), w('short')], 6)).toEqual(w('short'));
    expect(fitWording([w('a long one'), w('still long')], 6)).toEqual(w('still long'));
    const one = [w('Ctrl+S send', 'Enter new line')];
    const two = [w('editing'), w('Ctrl+S save')];
    expect(fitHint([one, two], 30)).toEqual(one);
    expect(fitHint([one, two], 20)).toEqual(two);
  });
});

describe("the composer's hint at every width", () => {
  const text = (rows: ReturnType<typeof composerHint>) => rows.map((row) => row.map((p) => p.text).join(HINT_SEPARATOR));
  const editing = { messageId: 1, dialogId: 1, before: { text: '', cursor: 0 } };

  it('fits from 20 columns up with a send key whole; Ctrl+S, which every terminal sends, is the last to stay', () => {
    const states = [
      { text: 'hi', files: [], editing: null },
      { text: '', files: [{ id: 'f', name: 'a.pdf', mime: 'application/pdf', size: 10, url: '/f' }] as never[], editing: null },
      { text: 'hi', files: [], editing },
      { text: 'x'.repeat(MAX_BODY + 1), files: [], editing },
    ];
    for (const state of states) {
      for (let width = 20; width <= 200; width++) {
        const rows = text(composerHint(state, true, width));
        expect(rows.length, `${width}: ${rows}`).toBeLessThanOrEqual(2);
        for (const row of rows) expect(displayWidth(row), `${width}: ${row}`).toBeLessThanOrEqual(width - 4);
        expect(rows.at(-1), `${width}`).toMatch(/Ctrl\+S( \/ Alt\+Enter)? (send|save)/);
        if (state.editing) expect(rows[0], `${width}`).toMatch(/(^| )Esc( cancels|$)/);
        if (state.text.length > MAX_BODY) expect(rows.join(' '), `${width}`).toContain('too long');
      }
    }
    expect(text(composerHint(states[0], true, 20))).toEqual(['Ctrl+S send']);
    expect(text(composerHint(states[0], true, 30))).toEqual(['Ctrl+Enter / Ctrl+S send']);
    expect(text(composerHint(states[2], true, 30))).toEqual(['editing · Esc cancels', 'Ctrl+Enter / Ctrl+S save']);
    // Squeezed to one row (a short terminal), the edit's words get shorter instead.
    expect(text(composerHint(states[2], true, 30, 1))).toEqual(['Esc cancels · Ctrl+S save']);
    expect(text(composerHint(states[0], false, 20))).toEqual(['open a dialog']);
  });
});

describe('the main screen at 30, 40, 60 and 80 columns against a real server', () => {
  let server: TestServer;
  let admin: ParleyClient;
  let oli: ParleyClient;
  let project: { id: number; widgetKey: string };
  const peers: Peer[] = [];
  const teardown: Array<() => unknown> = [];

  beforeEach(async () => {
    server = await startTestServer();
    ({ admin, oli, project } = await shopWithOli(server, ORIGIN));
  });

  afterEach(async () => {
    for (const t of teardown.splice(0).reverse()) await t();
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await server.close();
  });

  const visitorWrites = (body: string) => writeAsVisitor({ url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId: project.id, admin, peers }, body);
  const startApp = (size: { columns: number; rows: number }) => startTuiApp({ url: server.url, user: oli, projectId: project.id, size, teardown });
  const statusBar = (frame: string) => frame.split('\n').at(-1)!;
  /** The rows of the frame that hold `text`. */
  const rowsWith = (frame: string, text: string) => frame.split('\n').filter((row) => row.includes(text));

  it.each([30, 40, 60, 80])('at %i columns the status bar, the composer and a failed message keep their keys', async (columns) => {
    const rows = columns === 80 ? 24 : 20;
    const v = await visitorWrites('Can I pay by invoice, please? I would like to order two pairs');
    const { app, time, connection } = await startApp({ columns, rows });
    let frame = await waitForFrame(app, (f) => f.includes('●'), 'the dialog listed');
    expect(overflow(frame, columns, rows - 1)).toEqual([]);
    // The status bar drops whole hints, never cutting one: "? keys" (which leads to all) stays.
    expect(statusBar(frame)).not.toContain('…');
    expect(statusBar(frame)).toMatch(/\? keys( · |\s*$)/);
    // 30 columns exactly: the row is the screen's width, not a column short of it.
    if (columns === 30) expect(statusBar(frame)).toBe('○ offline · connected · ? keys');
    if (columns === 80) expect(statusBar(frame)).toBe('○ offline (manual; o: go online) · connected · ? keys · Tab panes · q quit');

    await press(app, ENTER);
    frame = await waitForFrame(app, (f) => f.includes('Ctrl+S send'), 'the composer');
    const hint = rowsWith(frame, 'Ctrl+S send');
    expect(hint).toHaveLength(1);
    expect(hint[0]).not.toContain('…');
    if (columns >= 40) expect(hint[0]).toContain('Ctrl+Enter / Ctrl+S');
    if (columns >= 80) expect(hint[0]).toContain('Enter new line');

    await v.peer.close();
    await press(app, 'Yes, we take invoices', CTRL_S);
    // Stored, then not delivered in 5 s: the visitor is offline.
    await expect.poll(() => Object.values(connection.outbox.entries).some((e) => e.message !== null)).toBe(true);
    time.advance(5_000);
    frame = await waitForFrame(app, (f) => f.includes('✗ failed'), 'the failure');
    expect(overflow(frame, columns, rows - 1)).toEqual([]);
    const note = rowsWith(frame, '✗ failed')[0];
    expect(note).toContain('(r resends)');
    if (columns === 80) expect(note).toMatch(/✗ failed: the visitor (left the page|is offline) \(r resends\)/);
    else expect(note).toMatch(/✗ failed(: the.*)?… \(r resends\) +│$/);
  });

  it('at 30 columns the edit keeps its Esc on a hint row of its own, and the header its u to reopen', async () => {
    await visitorWrites('Hi');
    const { app, connection } = await startApp({ columns: 30, rows: 20 });
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes(': Hi') && f.includes('Ctrl+S send'), 'the dialog open');
    await press(app, 'Sent once', CTRL_S);
    await expect.poll(() => Object.values(connection.outbox.entries).some((e) => e.message !== null)).toBe(true);
    await press(app, ESC, 'e');
    let frame = await waitForFrame(app, (f) => f.includes('Esc cancels'), 'editing');
    expect(overflow(frame, 30, 19)).toEqual([]);
    expect(rowsWith(frame, 'Esc cancels')[0]).toMatch(/^│ editing · Esc cancels +│$/);
    expect(rowsWith(frame, ' save')[0]).toMatch(/^│ Ctrl\+Enter \/ Ctrl\+S save +│$/);
    // The edit cancelled, the hint is one row again; c closes the dialog, whose header offers u.
    await press(app, ESC);
    frame = await waitForFrame(app, (f) => !f.includes('Esc cancels'), 'the edit cancelled');
    expect(rowsWith(frame, 'Ctrl+S send')).toHaveLength(1);
    await press(app, ESC, 'c');
    frame = await waitForFrame(app, (f) => f.includes('reopens'), 'closed');
    // The generated name, cut if need be, then the dot and the key: "closed" gave way.
    expect(frame.split('\n')[1]).toMatch(/^│ \S.* [●○] \(u reopens\) +│$/);
    expect(overflow(frame, 30, 19)).toEqual([]);
  });

  it('at 30 columns the finder says what to type and its keys whole; ? says how it scrolls and closes', async () => {
    await visitorWrites('Where is my parcel?');
    const { app } = await startApp({ columns: 30, rows: 20 });
    await press(app, CTRL_F);
    let frame = await waitForFrame(app, (f) => f.includes('Find a dialog'), 'the finder');
    expect(frame.replace(/[\s║]+/g, ' ')).toContain('type what you remember of the dialog, then Enter');
    expect(frame.split('\n').at(-3)).toMatch(/^║ Enter searches · Esc +║$/);
    await press(app, 'parcel', ENTER);
    frame = await waitForFrame(app, (f) => f.includes('Enter opens'), 'the results');
    expect(frame.split('\n').at(-3)).toMatch(/^║ (1 dialog · )?(↑\/↓ · )?Enter opens · Esc +║$/);
    await press(app, ESC, ESC, '?');
    frame = await waitForFrame(app, (f) => f.includes('Keys'), 'the help');
    expect(overflow(frame, 30, 19)).toEqual([]);
    expect(frame.split('\n')[1]).toMatch(/^║ Keys 1-\d+\/\d+ ↑↓ Esc +║$/);
    expect(frame).not.toContain('…');
  });

  it('at 100 and 120 columns the long wordings stay: the composer hint and the edit whole, the help title', async () => {
    await visitorWrites('Wide terminal');
    const { app, connection } = await startApp({ columns: 120, rows: 30 });
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes('Ctrl+Enter / Ctrl+S / Alt+Enter send · Enter new line'), 'the whole send keys');
    await press(app, 'Sent once', CTRL_S);
    await expect.poll(() => Object.values(connection.outbox.entries).some((e) => e.message !== null)).toBe(true);
    await press(app, ESC, 'e');
    const frame = await waitForFrame(app, (f) => f.includes('editing your message · Esc cancels the edit'), 'editing');
    expect(frame).toContain('Ctrl+Enter / Ctrl+S save the edit');
    expect(overflow(frame, 120, 29)).toEqual([]);
    await press(app, ESC, ESC, '?');
    await waitForFrame(app, (f) => f.includes('Keys (rows 1-') && f.includes('↑↓ PgUp PgDn scroll, Esc, ? or q close)'), 'the help title');
  });
});
