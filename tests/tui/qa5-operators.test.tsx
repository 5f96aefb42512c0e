// Findings 1, 3, 6, 7 and 8 of the QA pass with several operators in tmux at 120x32, against a
// real server: new dialogs arriving above a pane's rows (and its ↑N cut from the title), Esc from
// the dialog landing in the pane Tab passed last, the sign-in hint for someone in no project, the
// failure and notice texts, and `e` on a message past the edit window.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { View } from '../../core/protocol/constants.js';
import type { DialogSummary } from '../../core/protocol/dialogs.js';
import { ManualClock } from '../../server/clock.js';
import { Gate } from '../../tui/login/Gate.js';
import { chooseProject } from '../../tui/login/state.js';
import { emptyDialogs, paneRows, reduceDialogs, selectedDialog } from '../../tui/state/dialogs.js';
import { initialFocus, reduceFocus } from '../../tui/state/focus.js';
import { keptRows } from '../../tui/state/window.js';
import { runCli } from '../helpers/cli.js';
import { CTRL_S, DOWN, ENTER, ESC, press, renderSized, TAB, UP, waitForFrame } from '../helpers/ink.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { netCut } from '../helpers/netcut.js';
import { type Peer, visitorWrites as writeAsVisitor } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { dialog } from '../helpers/tui-fixtures.js';
import { startTuiApp } from '../helpers/tui-app.js';

const ORIGIN = 'https://shop.example.com';
const OLI = 'oli@example.com';
const WIDE = { columns: 120, rows: 32 };

let server: TestServer;
let clock: ManualClock;
let admin: ParleyClient;
let oli: ParleyClient;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];
const teardown: Array<() => unknown> = [];

/** Adds `email` to `projectId` (`operator`, else with settings access); the one-time password mailed. */
async function addMember(projectId: number, email: string, firstName: string, operator = true): Promise<string> {
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(projectId, { email, firstName, lastName: 'Op', ...(operator ? { operator: true } : { access: 'settings' as const }) });
  const mail = await outbox.waitFor((m) => m.to === email);
  outbox.close();
  return passwordFrom(mail);
}

beforeEach(async () => {
  clock = new ManualClock(Date.now());
  server = await startTestServer({ clock, rateLimits: { login: 1000, forgot: 1000 } });
  ({ client: admin } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
  oli = await signIn(server.url, OLI, await addMember(project.id, OLI, 'Oli'), NEW_PASSWORD);
});

afterEach(async () => {
  for (const t of teardown.splice(0).reverse()) await t();
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
});

const visitorWrites = (body: string, hello: Record<string, unknown> = {}) =>
  writeAsVisitor({ url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId: project.id, admin, peers }, body, hello);

/** The TUI signed in as Oli, its clock in the test's hands; `socketUrl`: where its socket goes. */
const startApp = (size = WIDE, socketUrl = server.url) => startTuiApp({ url: server.url, socketUrl, user: oli, projectId: project.id, size, teardown });

/** The names Oli's view lists, newest activity first, as the server has them. */
async function listed(view: View): Promise<string[]> {
  const page = await oli.listDialogs(project.id, { view, limit: 200 });
  return page.dialogs.map((d: DialogSummary) => d.visitor.realName ?? d.visitor.name);
}

/**
 * A stacked dialog pane of the left column (28 columns at 120): its title line and its rows, each
 * without the border (the unread mark, then the visitor's name and the last message).
 */
function pane(frame: string, title: string): { title: string; rows: string[] } {
  const lines = frame.split('\n').map((l) => l.slice(0, 28));
  const top = lines.findIndex((l) => l.includes(`${title} (`));
  if (top < 0) return { title: '', rows: [] };
  const end = lines.findIndex((l, i) => i > top && l.startsWith('└'));
  return { title: lines[top].slice(2, 26), rows: lines.slice(top + 1, end).map((l) => l.slice(2, 26).trimEnd()).filter(Boolean) };
}

/** Whether each row shows the dialog named at the same place in `names`. */
const rowsAre = (rows: string[], names: string[]) => rows.length === names.length && rows.every((row, i) => row.slice(1).startsWith(names[i].slice(0, 20)));

/** The status bar: the frame's last line. */
const statusBar = (frame: string) => frame.split('\n').at(-1)!;

describe('new dialogs above the rows in view (finding 1)', () => {
  const many = (n: number, from = 1) => Array.from({ length: n }, (_, i) => dialog(from + i));
  const page = (dialogs: DialogSummary[]) => ({ view: 'mine' as const, counts: { mine: dialogs.length, shared: 0, archive: 0 }, dialogs, next: null });
  const loaded = (mine: DialogSummary[]) => ({ type: 'loaded', pages: { mine: page(mine), shared: page([]), archive: page([]) } }) as const;

  it('in the reducer: the view moves at its edges, stays at the top as dialogs arrive, and an unfocused pane shows its top', () => {
    expect(keptRows(5, 4, 7, 0)).toEqual({ start: 0, end: 5 });
    let s = reduceDialogs(emptyDialogs, loaded(many(20, 100)));
    // Down to row 9 of a 7-row pane: the view follows at its bottom edge only.
    for (let i = 0; i < 9; i++) s = reduceDialogs(s, { type: 'move', view: 'mine', by: 1, rows: 7 });
    expect(paneRows(s, 'mine', 7, true)).toEqual({ start: 3, end: 10 });
    // Back up within the rows in view: no scrolling until the top edge.
    for (let i = 0; i < 6; i++) s = reduceDialogs(s, { type: 'move', view: 'mine', by: -1, rows: 7 });
    expect(paneRows(s, 'mine', 7, true)).toEqual({ start: 3, end: 10 });
    s = reduceDialogs(s, { type: 'move', view: 'mine', by: -1, rows: 7 });
    expect(paneRows(s, 'mine', 7, true)).toEqual({ start: 2, end: 9 });
    // Unfocused, it shows its top; scrolled, dialogs arriving above keep the same ones in view.
    expect(paneRows(s, 'mine', 7, false)).toEqual({ start: 0, end: 7 });
    s = reduceDialogs(s, loaded([...many(3, 1), ...many(20, 100)]));
    expect(selectedDialog(s, 'mine')?.id).toBe(102);
    expect(paneRows(s, 'mine', 7, true)).toEqual({ start: 5, end: 12 });

    // At the top with the selection on row 0: five arrivals, the top stays in view with them.
    let t = reduceDialogs(emptyDialogs, loaded(many(10, 100)));
    t = reduceDialogs(t, loaded([...many(5, 1), ...many(10, 100)]));
    expect(selectedDialog(t, 'mine')?.id).toBe(100);
    expect(paneRows(t, 'mine', 7, true)).toEqual({ start: 0, end: 7 });
  });

  it('an unfocused My messages at 120x32 shows the newest dialogs as they arrive, not the rows around its selection', async () => {
    for (let i = 0; i < 10; i++) await visitorWrites(`earlier ${i}`);
    const { app } = await startApp();
    await waitForFrame(app, (f) => f.includes('My messages (10)'), 'ten dialogs');
    // The newest opened: the composer has the keys, the pane no longer.
    await press(app, ENTER);
    await waitForFrame(app, (f) => /Ctrl\+Enter \/ Ctrl\+S( \/ Alt\+Enter)? send/.test(f), 'the composer');
    // More than the pane's 7 rows: the selected dialog goes below them, the pane stays at its top.
    for (let i = 0; i < 8; i++) await visitorWrites(`new nogroup ${i}`);
    const frame = await waitForFrame(app, (f) => f.includes('My messages (18)'), 'eighteen dialogs');
    const mine = pane(frame, 'My messages');
    expect(mine.title).toMatch(/^My messages \(18\) ●17 ★/);
    expect(mine.rows).toHaveLength(7);
    expect(rowsAre(mine.rows, (await listed('mine')).slice(0, 7))).toBe(true);
  });

  it('a focused pane with the selection at its top keeps the top in view as dialogs arrive; the selection stays on its dialog', async () => {
    for (let i = 0; i < 10; i++) await visitorWrites(`earlier ${i}`);
    const { app } = await startApp();
    await waitForFrame(app, (f) => f.includes('My messages (10)'), 'ten dialogs');
    const [first] = await listed('mine');
    for (let i = 0; i < 5; i++) await visitorWrites(`arrived ${i}`);
    const frame = await waitForFrame(app, (f) => f.includes('My messages (15)'), 'fifteen dialogs');
    const mine = pane(frame, 'My messages');
    expect(mine.title).not.toContain('↑');
    expect(rowsAre(mine.rows, (await listed('mine')).slice(0, 7))).toBe(true);
    // Enter opens the dialog that was selected before they came (now the sixth row).
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes(`${first}: earlier 9`), 'the same dialog open');
  });

  it('a pane scrolled down says ↑N first in its title, whole at 120x32; moving back within the rows does not scroll', async () => {
    // A group without Oli: its dialogs are Shared for him.
    await admin.createGroup(project.id, 'wholesale');
    for (let i = 0; i < 12; i++) await visitorWrites(`bulk ${i}`, { group: 'wholesale' });
    const { app } = await startApp();
    await waitForFrame(app, (f) => f.includes('Shared messages (12)'), 'twelve shared');
    await press(app, TAB, ...Array<string>(10).fill(DOWN));
    // Too narrow for "Shared messages" beside ↑4 and the unread mark: the name gives way, not the mark.
    let frame = await waitForFrame(app, (f) => pane(f, 'Shared').title.startsWith('↑4 Shared (12) ●12'), 'scrolled by 4');
    const names = await listed('shared');
    expect(rowsAre(pane(frame, 'Shared').rows, names.slice(4, 11))).toBe(true);
    // Up to row 4 keeps the view; row 3 scrolls it by one.
    const from = app.stdout.frames.length;
    await press(app, ...Array<string>(7).fill(UP));
    frame = await waitForFrame(app, (f) => pane(f, 'Shared').title.startsWith('↑3 Shared'), 'scrolled to 3');
    const marks = app.stdout.frames.slice(from).map((f) => /│ ↑(\d+) Shared/.exec(f)?.[1] ?? 'none');
    expect([...new Set(marks)]).toEqual(['4', '3']);
    expect(rowsAre(pane(frame, 'Shared').rows, names.slice(3, 10))).toBe(true);
  });
});

describe('Esc from the dialog (finding 6)', () => {
  it('in the reducer: back goes to the pane the dialog was opened from, whatever Tab passed since', () => {
    let s = reduceFocus(reduceFocus(initialFocus, { type: 'focus', pane: 'shared' }), { type: 'opened', from: 'shared' });
    expect(s).toMatchObject({ pane: 'composer', openedFrom: 'shared' });
    for (let i = 0; i < 6; i++) s = reduceFocus(s, { type: 'next' });
    expect(s).toMatchObject({ pane: 'composer', view: 'archive' });
    s = reduceFocus(reduceFocus(s, { type: 'back' }), { type: 'back' });
    expect(s).toMatchObject({ pane: 'shared', view: 'shared' });
  });

  it('at 80x24, Esc Esc after Tab went round through Archive lands in My messages, where the dialog was opened', async () => {
    await visitorWrites('Open me');
    const { app } = await startApp({ columns: 80, rows: 24 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER);
    await waitForFrame(app, (f) => /Ctrl\+Enter \/ Ctrl\+S( \/ Alt\+Enter)? send/.test(f), 'the composer');
    // Round the panes: the card, the three dialog panes, the messages, the composer again.
    await press(app, ...Array<string>(6).fill(TAB));
    await waitForFrame(app, (f) => f.includes('Archive (0)') && /Ctrl\+Enter \/ Ctrl\+S( \/ Alt\+Enter)? send/.test(f), 'the composer, Archive last passed');
    await press(app, ESC, ESC);
    await waitForFrame(app, (f) => f.includes('My messages (1)') && !f.includes('Archive (0)'), 'back in My messages');
    // The pane has the keys: c closes its selected dialog.
    await press(app, 'c');
    await waitForFrame(app, (f) => f.includes('closed: moved to Archive'), 'closed from the pane');
  });
});

describe('signing in with no operator role (finding 3)', () => {
  const me = (projects: Array<{ id: number; name: string; operator: boolean }>) =>
    ({
      user: { id: 4, email: 'cyd@example.com', firstName: 'Cyd', lastName: 'Ng', phone: null, avatarUrl: null, serverAdmin: false, mustChangePassword: false },
      projects: projects.map((p) => ({ ...p, access: 'none' })),
    }) as unknown as Parameters<typeof chooseProject>[0];

  it('in no project: team add; a member without the role: team update in that project', () => {
    expect(chooseProject(me([]), null, undefined)).toEqual({
      kind: 'none',
      message: 'cyd@example.com is not a member of any project: ask an admin to add you to their project with "parley team add --email cyd@example.com --first-name Cyd --last-name Ng --operator".',
    });
    expect(chooseProject(me([{ id: 7, name: 'Blog', operator: false }]), null, undefined)).toEqual({
      kind: 'none',
      message: 'cyd@example.com is not an operator in any project yet: ask an admin of "Blog" to run "parley team update cyd@example.com --operator -p 7".',
    });
  });

  /** The command the sign-in screen tells Cyd an admin should run, run by the admin with the real CLI. */
  async function runHint(hint: string, extra: string[] = []) {
    const command = /"(parley team [^"]+)"/.exec(hint)?.[1];
    expect(command, hint).toBeDefined();
    const args = command!.split(' ').slice(1);
    return runCli([...args, ...extra], { configDir: await tempDir(), env: { PARLEY_URL: server.url, PARLEY_TOKEN: admin.token! } });
  }

  async function signInScreen(token: string, email: string) {
    const app = await renderSized(<Gate boot={{ url: server.url, token, email }} services={{ saveLogin: () => undefined }} />, WIDE);
    teardown.push(() => app.unmount());
    const frame = await waitForFrame(app, (f) => f.includes('✗'), 'the message');
    return frame.replace(/[│╭╮╰╯─]/g, ' ').replace(/\s+/g, ' ');
  }

  it('removed from her only project, the command she is given adds her back as an operator', async () => {
    await signIn(server.url, 'cyd@example.com', await addMember(project.id, 'cyd@example.com', 'Cyd'), NEW_PASSWORD);
    await admin.removeMember(project.id, 'cyd@example.com');
    // She signs in again with her password.
    const cyd = await signIn(server.url, 'cyd@example.com', NEW_PASSWORD);
    const hint = await signInScreen(cyd.token!, 'cyd@example.com');
    // The admin runs it in their project.
    const r = await runHint(hint, ['-p', String(project.id)]);
    expect(r.code, r.stderr).toBe(0);
    expect(hint).toContain('is not a member of any project');
    expect((await cyd.me()).projects.map((p) => [p.id, p.operator])).toEqual([[project.id, true]]);
  });

  it('a member without the operator role is given team update for that project, which works whatever the admin\'s default', async () => {
    // The admin has two projects, so the CLI cannot guess which one without -p.
    const blog = await admin.createProject('Blog');
    const cyd = await signIn(server.url, 'cyd@example.com', await addMember(blog.id, 'cyd@example.com', 'Cyd', false), NEW_PASSWORD);
    const hint = await signInScreen(cyd.token!, 'cyd@example.com');
    const r = await runHint(hint);
    expect(r.code, r.stderr).toBe(0);
    expect(hint).toContain('is not an operator in any project yet');
    expect((await cyd.me()).projects.map((p) => [p.id, p.operator])).toEqual([[blog.id, true]]);
  });
});

describe('status texts (finding 7)', () => {
  it('a message that failed while the connection was down says "not connected", not "offline"', async () => {
    await visitorWrites('Hello?');
    const cut = await netCut(server.url);
    teardown.push(() => cut.close());
    const { app, time } = await startApp(WIDE, cut.url);
    await press(app, ENTER);
    await waitForFrame(app, (f) => /Ctrl\+Enter \/ Ctrl\+S( \/ Alt\+Enter)? send/.test(f) && f.includes('Hello?'), 'the dialog open');
    cut.block();
    await waitForFrame(app, (f) => f.includes('disconnected'), 'disconnected');
    await press(app, 'are you there', CTRL_S);
    time.advance(5_000);
    const frame = await waitForFrame(app, (f) => f.includes('✗ failed'), 'the failure');
    const line = frame.split('\n').find((l) => l.includes('✗ failed'))!;
    expect(line).toContain('✗ failed: not connected (goes on reconnect, r resends)');
    expect(line).not.toContain('offline');
  });

  it('at 120 columns the notices say what matters whole: too late to edit, no Telegram bridge', async () => {
    await visitorWrites('Hi there');
    const { app, connection } = await startApp();
    await press(app, ENTER);
    await waitForFrame(app, (f) => /Ctrl\+Enter \/ Ctrl\+S( \/ Alt\+Enter)? send/.test(f), 'the composer');
    await press(app, 'Helo', CTRL_S);
    await expect.poll(() => connection.outbox.order.some((id) => connection.outbox.entries[id].message !== null)).toBe(true);
    // The server's clock past the window, the TUI's not: the editor opens and the server refuses.
    clock.advance(11 * 60_000);
    await press(app, ESC, 'e');
    await waitForFrame(app, (f) => f.includes('editing your message'), 'editing');
    await press(app, '!', CTRL_S);
    let frame = await waitForFrame(app, (f) => statusBar(f).includes('too late to edit'), 'the refusal');
    expect(statusBar(frame)).toContain('· too late to edit (10 minutes): the text is a new message now');
    expect(statusBar(frame)).not.toContain('…');

    await press(app, ESC, 'g');
    frame = await waitForFrame(app, (f) => statusBar(f).includes('Telegram bridge'), 'the Telegram failure');
    expect(statusBar(frame)).toContain('this server runs without the Telegram bridge: set PARLEY_TELEGRAM_TOKEN and restart it');
  });

  it('the reader says "Esc, v or q close", and each of them closes it; the empty dialog pane says its line whole', async () => {
    await visitorWrites('Read me whole');
    const { app } = await startApp();
    const empty = await waitForFrame(app, (f) => f.includes('Pick a dialog'), 'the empty dialog pane');
    // The centre column (28 to 92 at 120), read down its rows.
    const centre = empty.split('\n').map((l) => l.slice(28, 92).replace(/[│┌┐└┘─]/g, ' ').trim());
    expect(centre.join(' ').replace(/\s+/g, ' ')).toContain('Pick a dialog on the left and press Enter. ? shows every key.');
    await press(app, ENTER);
    await waitForFrame(app, (f) => /Ctrl\+Enter \/ Ctrl\+S( \/ Alt\+Enter)? send/.test(f), 'the composer');
    await press(app, ESC);
    for (const close of [ESC, 'v', 'q']) {
      await press(app, 'v');
      await waitForFrame(app, (f) => f.includes('The whole message (Esc, v or q close)'), 'the reader');
      await press(app, close);
      await waitForFrame(app, (f) => !f.includes('The whole message') && f.includes('Read me whole'), `closed by ${JSON.stringify(close)}`);
    }
  });
});

describe('e after the edit window (finding 8)', () => {
  it('is refused at e with the "too late to edit" notice: no editor opens', async () => {
    await visitorWrites('Hi there');
    const { app, time, connection } = await startApp();
    await press(app, ENTER);
    await waitForFrame(app, (f) => /Ctrl\+Enter \/ Ctrl\+S( \/ Alt\+Enter)? send/.test(f), 'the composer');
    await press(app, 'Helo', CTRL_S);
    await expect.poll(() => connection.outbox.order.some((id) => connection.outbox.entries[id].message !== null)).toBe(true);
    // Within the window e edits (the server agrees); 11 minutes later by the TUI's clock it does not.
    await press(app, ESC, 'e');
    await waitForFrame(app, (f) => f.includes('editing your message'), 'editing');
    await press(app, ESC, ESC);
    await waitForFrame(app, (f) => f.includes('edit cancelled'), 'the edit cancelled');
    time.advance(11 * 60_000);
    const from = app.stdout.frames.length;
    await press(app, 'e');
    const frame = await waitForFrame(app, (f) => statusBar(f).includes('too late to edit'), 'the refusal');
    expect(statusBar(frame)).toContain('too late to edit: messages can be edited within 10 minutes of sending');
    expect(app.stdout.frames.slice(from).some((f) => f.includes('editing your message'))).toBe(false);
  });
});
