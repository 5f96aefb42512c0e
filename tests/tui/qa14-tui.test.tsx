// Defects of the TUI's QA pass 14 (the TUI at its edges, in tmux), against a real server where
// the screen matters: dialogs lost from a pane of more than 200 once new ones arrive (D1), a long
// real name hiding the message text (D2), pane keys acting on the pane's old selection after the
// finder opened another dialog, and windows that do not say which dialog they act on (D3), a
// stored login thrown away while the server is down (D7), a held key on long content doing work
// in proportion to the whole text (D6), and focus, selection and cursor shown only in colour (D8).
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import * as textLayout from '../../core/text-layout.js';
import type { DialogList, DialogSummary } from '../../core/protocol/dialogs.js';
import { Gate } from '../../tui/login/Gate.js';
import { emptyDialogs, reduceDialogs, selectedDialog } from '../../tui/state/dialogs.js';
import { BACKSPACE, CTRL_F, DOWN, ENTER, ESC, PASTE_END, PASTE_START, press, renderSized, waitForFrame } from '../helpers/ink.js';
import { ManualTime } from '../helpers/manual-time.js';
import { netCut } from '../helpers/netcut.js';
import { type Peer, visitorHello, visitorWrites as writeAsVisitor } from '../helpers/realtime.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { shopWithOli } from '../helpers/shop.js';
import { dialog } from '../helpers/tui-fixtures.js';
import { startTuiApp } from '../helpers/tui-app.js';

// Colours on in the frames (chalk reads this when Ink loads): D8 checks that none are drawn.
const forceColor = vi.hoisted(() => {
  const before = process.env.FORCE_COLOR;
  process.env.FORCE_COLOR = '1';
  return before;
});
afterAll(() => {
  if (forceColor === undefined) delete process.env.FORCE_COLOR;
  else process.env.FORCE_COLOR = forceColor;
});

// The text layout's row and grapheme steps, counted: the work a key does (D6), never its time.
vi.mock('../../core/text-layout.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../core/text-layout.js')>();
  return { ...real, wrapAtWidth: vi.fn(real.wrapAtWidth), previousBoundary: vi.fn(real.previousBoundary) };
});

const ORIGIN = 'https://shop.example.com';
const OLI = 'oli@example.com';
const PAGE_UP = '\x1b[5~';
const PAGE_DOWN = '\x1b[6~';
const CTRL_U = '\x15';
const CTRL_Y = '\x19';

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

/** A visitor who wrote `body`: the dialog's id and the visitor's generated name. */
async function visitorWrites(body: string) {
  const site = { url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId: project.id, admin, peers };
  const { dialogId, welcome } = await writeAsVisitor(site, body);
  return { dialogId, name: welcome.visitor.name as string };
}

/** `count` visitors who each wrote once and left, `concurrency` at a time. */
async function visitorsWrote(count: number, concurrency = 16): Promise<void> {
  let next = 0;
  const one = async () => {
    for (let i = next++; i < count; i = next++) {
      const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN);
      const clientId = randomUUID();
      peer.send({ type: 'message.send', clientId, body: `seeded ${i}` });
      await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
      await peer.close();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, one));
}

/** The ids of a view's dialogs in the server's order, every page. */
async function serverOrder(view: 'mine' | 'shared' | 'archive'): Promise<number[]> {
  const ids: number[] = [];
  let before: string | undefined;
  do {
    const page = await admin.listDialogs(project.id, { view, limit: 200, before });
    ids.push(...page.dialogs.map((d) => d.id));
    before = page.next ?? undefined;
  } while (before);
  return ids;
}

const startApp = (size: { columns: number; rows: number }) => startTuiApp({ url: server.url, user: oli, projectId: project.id, size, teardown });

/** The frame's rows between the box borders as one line: text wrapped at spaces over several rows reads whole. */
const inside = (frame: string) =>
  frame
    .split('\n')
    .map((row) => row.replace(/^[\s│║]+|[\s│║]+$/g, ''))
    .join(' ')
    .replace(/\s+/g, ' ');

describe('more than 200 dialogs in a pane, and new ones arriving (D1)', () => {
  /** Dialogs 1..n, dialog 1 the newest, as the server lists them. */
  const listed = (n: number, from = 1) =>
    Array.from({ length: n }, (_, i) => dialog(from + i, { lastMessageAt: new Date(Date.UTC(2026, 0, 1) - (from + i) * 1000).toISOString() }));
  const cursor = (d: DialogSummary) => `${Date.parse(d.lastMessageAt)}:${d.id}`;
  const page = (dialogs: DialogSummary[], next: string | null, mine: number): DialogList => ({
    view: 'mine',
    counts: { mine, shared: 0, archive: 0 },
    dialogs,
    next,
  });
  const empty = page([], null, 0);

  it('keeps every loaded dialog below the fresh first page, and the selection on its dialog', () => {
    const all = listed(340);
    let s = reduceDialogs(emptyDialogs, { type: 'loaded', pages: { mine: page(all.slice(0, 200), cursor(all[199]), 340), shared: empty, archive: empty } });
    s = reduceDialogs(s, { type: 'more', view: 'mine', page: page(all.slice(200), null, 340), before: cursor(all[199]) });
    // The selection on a dialog near the end of the first page: arrivals push it onto the second.
    s = reduceDialogs(s, { type: 'move', view: 'mine', by: 197 });
    expect(selectedDialog(s, 'mine')?.id).toBe(198);

    // Five new visitors write: the first page is theirs and the newest 195 of before.
    const arrived = Array.from({ length: 5 }, (_, i) => dialog(1000 + i, { lastMessageAt: new Date(Date.UTC(2026, 0, 2) - i * 1000).toISOString() }));
    for (const d of arrived) s = reduceDialogs(s, { type: 'changed', dialogId: d.id, dialog: { ...d, view: 'mine' } });
    const first = [...arrived, ...all.slice(0, 195)];
    s = reduceDialogs(s, { type: 'loaded', pages: { mine: page(first, cursor(all[194]), 345), shared: empty, archive: empty } });

    expect(s.lists.mine.map((d) => d.id)).toEqual([...arrived, ...all].map((d) => d.id));
    expect(s.lists.mine).toHaveLength(s.counts.mine);
    expect(s.next.mine).toBeNull();
    expect(selectedDialog(s, 'mine')?.id).toBe(198);
  });

  it('a dialog leaving the pane (closed by a colleague) leaves it; one given to the operator takes its place in the order', () => {
    const all = listed(300);
    let s = reduceDialogs(emptyDialogs, { type: 'loaded', pages: { mine: page(all.slice(0, 200), cursor(all[199]), 250), shared: empty, archive: empty } });
    s = reduceDialogs(s, { type: 'more', view: 'mine', page: page(all.slice(200, 250), null, 250), before: cursor(all[199]) });
    s = reduceDialogs(s, { type: 'move', view: 'mine', by: 230 });
    const selected = selectedDialog(s, 'mine')!.id;
    // Dialog 220 is closed by a colleague; dialog 260 (Shared until now) is given to the operator.
    s = reduceDialogs(s, { type: 'changed', dialogId: 220, dialog: { ...all[219], status: 'closed', view: 'archive' } });
    s = reduceDialogs(s, { type: 'changed', dialogId: 260, dialog: { ...all[259], view: 'mine' } });
    s = reduceDialogs(s, { type: 'loaded', pages: { mine: page(all.slice(0, 200), cursor(all[199]), 250), shared: empty, archive: page([{ ...all[219], status: 'closed' }], null, 250) } });
    const ids = s.lists.mine.map((d) => d.id);
    expect(ids).not.toContain(220);
    expect(ids.slice(-5)).toEqual([247, 248, 249, 250, 260]);
    expect(ids).toHaveLength(250);
    expect(selectedDialog(s, 'mine')?.id).toBe(selected);
  });

  it('in the TUI: after arrivals every dialog is still listed, and c closes the dialog selected before they came', async () => {
    await visitorsWrote(203);
    const order = await serverOrder('mine');
    expect(order).toHaveLength(203);
    // Wide enough for the title's "↑N" and unread count whole.
    const { app } = await startApp({ columns: 200, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (203) ●200+'), 'the first page loaded');
    // Down to the 199th dialog: close to the end of the first page, the next one loads meanwhile.
    await press(app, ...Array<string>(198).fill(DOWN));
    await waitForFrame(app, (f) => f.includes('My messages (203) ●203 '), 'every dialog loaded');

    for (let i = 0; i < 3; i++) await visitorWrites(`arrived ${i}`);
    await waitForFrame(app, (f) => f.includes('My messages (206) ●206 '), 'every dialog still listed after the arrivals');
    await press(app, 'c');
    await waitForFrame(app, (f) => f.includes('closed: moved to Archive'), 'closed');
    expect(await serverOrder('archive')).toEqual([order[198]]);
  });
});

describe('a long real name (D2)', () => {
  const LONG = 'Maria Fernanda de los Ángeles García-Rodríguez';
  const HUGE = `${'Anna-Lena Hildegard '.repeat(10).trim()}`;

  it("at 80x24 the visitor's text shows beside the name, which is cut to leave it room", async () => {
    const v = await visitorWrites('LONGNAME test');
    await oli.updateCard(project.id, v.dialogId, { realName: LONG });
    const { app } = await startApp({ columns: 80, rows: 24 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER);
    const frame = await waitForFrame(app, (f) => f.includes('LONGNAME test'), "the visitor's text");
    const row = frame.split('\n').find((l) => l.includes('LONGNAME test'))!;
    expect(row).toMatch(/\d\d:\d\d Maria Fernanda[^│]*…: LONGNAME test/);
  });

  it('v shows a 200-character name whole, and the text under it', async () => {
    expect(HUGE.length).toBeGreaterThan(195);
    const v = await visitorWrites('HUGENAME text');
    await oli.updateCard(project.id, v.dialogId, { realName: HUGE });
    const { app } = await startApp({ columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER);
    let frame = await waitForFrame(app, (f) => f.includes('HUGENAME text'), "the visitor's text in the pane");
    // Esc: the message pane has the keys; v reads the selected (last) message whole.
    await press(app, ESC, 'v');
    frame = await waitForFrame(app, (f) => f.includes('The whole message'), 'the reader');
    expect(inside(frame)).toContain(`${HUGE}: HUGENAME text`);
  });
});

describe('the finder, then the pane keys; windows that name their dialog (D3)', () => {
  it('a dialog opened from Ctrl+F is the selected one of its pane after Esc: c, a, l and i act on it and say so', async () => {
    const marten = await visitorWrites('marten here');
    const walrus = await visitorWrites('walrus here');
    await oli.updateCard(project.id, marten.dialogId, { realName: 'Mia Marten' });
    await oli.updateCard(project.id, walrus.dialogId, { realName: 'Walt Walrus' });
    const { app } = await startApp({ columns: 120, rows: 30 });
    // My messages has the keys, its selection on the newest dialog: Walt's.
    await waitForFrame(app, (f) => f.includes('My messages (2)') && f.includes('Walt Walrus'), 'both dialogs listed');

    await press(app, CTRL_F, 'marten', ENTER);
    await waitForFrame(app, (f) => f.includes('Mia Marten') && f.includes('Enter opens the dialog'), 'the finder found it');
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes('marten here') && f.includes('Ctrl+Enter / Ctrl+S / Alt+Enter send'), 'the dialog open');
    await press(app, ESC, ESC);

    await press(app, 'a');
    await waitForFrame(app, (f) => f.includes('Assign to:') && f.includes('for the dialog with Mia Marten'), 'the assign window names the dialog');
    await press(app, ESC, 'l');
    await waitForFrame(app, (f) => f.includes('Lead class:') && f.includes('for the dialog with Mia Marten'), 'the lead class window names the dialog');
    await press(app, ESC, 'i');
    await waitForFrame(app, (f) => f.includes('Client card of Mia Marten'), 'the card form names the dialog');
    await press(app, ESC, 'c');
    await waitForFrame(app, (f) => f.includes('closed: moved to Archive (Mia Marten)'), 'the close names the dialog');
    expect(await serverOrder('archive')).toEqual([marten.dialogId]);
    expect(await serverOrder('mine')).toEqual([walrus.dialogId]);
  });
});

describe('starting while the server is down (D7)', () => {
  it('keeps the stored login, says it cannot reach the server and retries, and goes on to the main screen once it answers', async () => {
    const cut = await netCut(server.url);
    teardown.push(() => cut.close());
    cut.block();
    const time = new ManualTime();
    const saved: unknown[] = [];
    const app = await renderSized(
      <Gate boot={{ url: cut.url, token: oli.token!, email: OLI }} services={{ saveLogin: (s) => saved.push(s) }} clock={time} />,
      { columns: 100, rows: 30 },
    );
    teardown.push(() => app.unmount());
    let frame = await waitForFrame(app, (f) => f.includes('Cannot reach the Parley server') && f.includes('retrying… (1 try so far)'), 'cannot reach, retrying');
    expect(frame).not.toContain('Password');

    // Still down at the next try: still waiting, never the password form.
    await expect.poll(() => time.pending).toBe(1);
    time.advance(15_000);
    frame = await waitForFrame(app, (f) => f.includes('retrying… (2 tries so far)'), 'the second try failed too');
    expect(frame).not.toContain('Password');

    cut.unblock();
    await expect.poll(() => time.pending).toBe(1);
    time.advance(15_000);
    await waitForFrame(app, (f) => f.includes('My messages') && f.includes('connected'), 'the main screen');
    expect(saved).toEqual([]);
  });
});

describe('held keys on long content (D6)', () => {
  const wrapAtWidth = vi.mocked(textLayout.wrapAtWidth);
  const previousBoundary = vi.mocked(textLayout.previousBoundary);
  /**
   * Counts the layout's work from now on; the function returned says how much there was: rows
   * wrapped, and the characters read (the text each row was cut from, and each step back's).
   */
  function layoutWork() {
    wrapAtWidth.mockClear();
    previousBoundary.mockClear();
    return () => ({
      rows: wrapAtWidth.mock.calls.length,
      read: wrapAtWidth.mock.calls.reduce((n, [text]) => n + text.length, 0) + previousBoundary.mock.calls.reduce((n, [text, at]) => n + Math.min(at, text.length), 0),
    });
  }
  /** Words of six characters, "w0001 w0002 …", `length` characters in all. */
  const words = (length: number) =>
    Array.from({ length: Math.ceil(length / 6) }, (_, i) => `w${String(i + 1).padStart(4, '0')} `)
      .join('')
      .slice(0, length);

  it('PgDn and PgUp in the reader on a 10,000-character message lay nothing out again', async () => {
    // The widget's own socket: the dialog lists show only the start of so long a message.
    const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN);
    peers.push(peer);
    peer.send({ type: 'message.send', clientId: randomUUID(), body: words(10_000) });
    await peer.next((f) => f.type === 'message.stored');
    const { app } = await startApp({ columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes('(v reads all)'), 'the message cut in the pane');
    await press(app, ESC, 'v');
    const first = await waitForFrame(app, (f) => /rows 1-25 of \d+/.test(f), 'the reader');
    const total = Number(/rows 1-25 of (\d+)/.exec(first)![1]);

    const work = layoutWork();
    await press(app, ...Array<string>(6).fill(PAGE_DOWN));
    await waitForFrame(app, (f) => f.includes(`-${total} of ${total}`), 'the end of the message');
    await press(app, ...Array<string>(6).fill(PAGE_UP));
    await waitForFrame(app, (f) => f.includes(`rows 1-25 of ${total}`), 'its start again');
    // Twelve keys, each laying out (and drawing) the message's 90 rows before: now none.
    expect(work().rows).toBe(0);
  });

  it('Backspace held in a 9,000-character draft reads a few rows of it per key, not all of it', async () => {
    const draft = words(9_000);
    await visitorWrites('Please paste the terms');
    const { app } = await startApp({ columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes('Ctrl+Enter / Ctrl+S / Alt+Enter send'), 'the composer');
    await press(app, PASTE_START + draft + PASTE_END);
    await waitForFrame(app, (f) => f.includes('w1499 w1500'), 'the end of the draft in the composer');

    const work = layoutWork();
    const keys = 60;
    await press(app, ...Array<string>(keys).fill(BACKSPACE));
    // Ten words of six characters: the draft ends with w1490 now.
    await waitForFrame(app, (f) => f.includes('w1489 w1490') && !f.includes('w1491'), 'sixty characters erased');
    const { rows, read } = work();
    // Before: each key segmented the whole line and wrapped all 150 rows of it, twice.
    expect(rows / keys).toBeLessThan(10);
    expect(read / keys).toBeLessThan(draft.length / 3);
  });

  it('Ctrl+U erases the whole draft at once and Ctrl+Y puts it back; ? lists both', async () => {
    const draft = words(9_000);
    await visitorWrites('Please paste the terms');
    const { app } = await startApp({ columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes('Ctrl+Enter / Ctrl+S / Alt+Enter send'), 'the composer');
    await press(app, PASTE_START + draft + PASTE_END);
    await waitForFrame(app, (f) => f.includes('w1499 w1500'), 'the draft in the composer');

    await press(app, CTRL_U);
    await waitForFrame(app, (f) => f.includes('text erased: Ctrl+Y puts it back') && !f.includes('w1500'), 'the draft erased');
    await press(app, CTRL_Y);
    await waitForFrame(app, (f) => f.includes('w1499 w1500'), 'the draft back');
    await press(app, CTRL_U, 'short one', ESC, ESC, '?');
    // At 120x30 the help scrolls: the composer's keys are at its end.
    await waitForFrame(app, (f) => f.includes('Keys (rows 1-'), 'the help');
    await press(app, '\x1b[F');
    const help = await waitForFrame(app, (f) => f.includes('Ctrl+U'), 'the end of the help');
    expect(help).toMatch(/Ctrl\+U\s+erase all the text \(in the composer\)/);
    expect(help).toMatch(/Ctrl\+Y\s+put back the text Ctrl\+U erased/);
  });
});

describe('without colour (D8)', () => {
  /** An SGR sequence that sets a foreground or background colour. */
  const COLOUR = /\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9;]*)?m/;

  it('NO_COLOR, TERM=dumb, a mono terminal and FORCE_COLOR=0 turn colour off', async () => {
    const { wantsColor } = await import('../../tui/input/terminal-modes.js');
    const tty = { isTTY: true, hasColors: (env: NodeJS.ProcessEnv) => env.FORCE_COLOR !== '0' } as unknown as NodeJS.WriteStream;
    expect(wantsColor(tty, { TERM: 'xterm-256color' })).toBe(true);
    expect(wantsColor(tty, { TERM: 'xterm-256color', NO_COLOR: '1' })).toBe(false);
    expect(wantsColor(tty, { TERM: 'xterm-256color', NO_COLOR: '' })).toBe(true);
    expect(wantsColor(tty, { TERM: 'dumb' })).toBe(false);
    expect(wantsColor(tty, { TERM: 'xterm-mono' })).toBe(false);
    expect(wantsColor(tty, { TERM: 'xterm-256color', FORCE_COLOR: '0' })).toBe(false);
  });

  it('marks the focused pane with a bold border, the selected dialog with ▸ and the cursor with ▏, in no colour', async () => {
    const older = await visitorWrites('first question');
    const newer = await visitorWrites('second question');
    await oli.updateCard(project.id, older.dialogId, { realName: 'Olga Older' });
    await oli.updateCard(project.id, newer.dialogId, { realName: 'Nina Newer' });
    const app = await renderSized(<Gate boot={{ url: server.url, token: oli.token!, email: OLI }} services={{ saveLogin: () => undefined }} color={false} />, {
      columns: 120,
      rows: 30,
    });
    teardown.push(() => app.unmount());
    let frame = await waitForFrame(app, (f) => f.includes('My messages (2)') && f.includes('connected') && f.includes('Olga Older'), 'the main screen');
    const row = (name: string) => frame.split('\n').find((l) => l.includes(name))!;
    // My messages has the keys: its box is drawn bold, its selected (newest) dialog marked.
    expect(frame.split('\n')[0]).toMatch(/^┏━+┓┌/);
    expect(row('Nina Newer')).toMatch(/┃ ▸[● ]Nina Newer/);
    expect(row('Olga Older')).not.toContain('▸');
    await press(app, DOWN);
    frame = await waitForFrame(app, (f) => /┃ ▸[● ]Olga Older/.test(f), 'the selection moved down');
    expect(row('Nina Newer')).not.toContain('▸');

    await press(app, ENTER, 'hi');
    frame = await waitForFrame(app, (f) => f.includes('hi▏'), 'the cursor after the typed text');
    expect(row('hi▏')).toMatch(/┃ hi▏ +┃/);
    expect(app.stdout.frames.some((f) => COLOUR.test(f))).toBe(false);
  });
});
