// Private notes in the TUI, against a real shop.server. Ctrl+P turns the open dialog's composer into a
// note's (a first row "Private note: only operators see it", "send the note"), and back: the note
// is stored private and the visitor's widget gets nothing of it, not even "typing…". The choice is
// the dialog's and stays until switched back; an edit keeps a note a note. In the message pane a
// note is marked "[note]" before its author, without a delivery mark, its other rows marked ┊, at
// 30 and 40 columns too. The dialog list shows the conversation with the visitor: a colleague's
// note neither replaces the preview nor makes the dialog unread (nor rings). A note that could not
// go shows failed and goes again as a note.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { OperatorConnection, StateChange } from '../../core/client/realtime.js';
import type { DialogSummary } from '../../core/protocol/dialogs.js';
import { emptyComposer, reduceComposer, type ComposerAction, type ComposerState, writesNote } from '../../tui/state/composer.js';
import { arrivals, emptyDialogs, isUnread, reduceDialogs } from '../../tui/state/dialogs.js';
import { at, dialog } from '../helpers/tui-fixtures.js';
import { CTRL_S, ENTER, ESC, overflow, press, waitForFrame } from '../helpers/ink.js';
import type { ManualTime } from '../helpers/manual-time.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { netCut } from '../helpers/netcut.js';
import { NEW_PASSWORD, signIn } from '../helpers/server.js';
import { liveShop } from '../helpers/live-shop.js';
import type { Peer } from '../helpers/realtime.js';

const ORIGIN = 'https://shop.example.com';
/** Ctrl+P as every terminal sends it. */
const CTRL_P = '\x10';
const NOTE_ROW = 'Private note: only operators see it';

const shop = liveShop(ORIGIN);
const visitor = (body: string) => shop.visitorWrites(body);

/** Another operator of the shop, signed in. */
async function operator(email: string, firstName: string, lastName: string): Promise<ParleyClient> {
  const outbox = await watchOutbox(shop.server.dataDir);
  await shop.admin.addMember(shop.project.id, { email, firstName, lastName, operator: true });
  const mail = await outbox.waitFor((m) => m.to === email);
  outbox.close();
  return signIn(shop.server.url, email, passwordFrom(mail), NEW_PASSWORD);
}

const startApp = (size: { columns: number; rows: number }, socketUrl?: string) => shop.startApp(size, socketUrl);

const statusBar = (frame: string) => frame.split('\n').at(-1)!;
/** The text of every row of the frame inside its panes' borders, trimmed. */
const cells = (frame: string) => frame.split('\n').flatMap((row) => row.split(/[│┃]/).map((cell) => cell.trim()));
const rowWith = (frame: string, text: string) => frame.split('\n').find((row) => row.includes(text));

/** The message the server holds in the dialog with `body`. */
const stored = async (dialogId: number, body: string) => (await shop.oli.listMessages(shop.project.id, dialogId)).find((m) => m.body === body);

/**
 * Proves what the visitor's widget was sent before now: a ping's pong comes after every frame
 * pushed to it before; then no frame may carry `text`, nor say an operator is typing.
 */
async function visitorGotNothingOf(peer: Peer, text: string) {
  peer.send({ type: 'ping' });
  await peer.next((f) => f.type === 'pong');
  expect(peer.frames.filter((f) => f.type === 'typing' || JSON.stringify(f).includes(text))).toEqual([]);
}

describe('writing a private note', () => {
  it('Ctrl+P: the composer says it is a note, the note is stored private and the visitor gets nothing; Ctrl+P again writes a reply', async () => {
    const note = 'VIP customer: refund without asking';
    const v = await visitor('Where is my order?');
    const { app } = await startApp({ columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER);
    let frame = await waitForFrame(app, (f) => f.includes('Alt+Enter send ·'), 'the composer');
    // A reply: nothing speaks of a note but the key that writes one.
    expect(frame).not.toContain('Private note');
    expect(statusBar(frame)).toContain('Ctrl+P private note');

    await press(app, CTRL_P);
    frame = await waitForFrame(app, (f) => cells(f).includes(NOTE_ROW), "the note's composer");
    expect(frame).toContain('Ctrl+Enter / Ctrl+S send the note');
    await press(app, note, CTRL_S);
    await expect.poll(async () => (await stored(v.dialogId, note))?.private).toBe(true);
    frame = await waitForFrame(app, (f) => f.includes(`[note] you: ${note}`) && !f.includes('sending'), 'the note stored');
    // Done once stored: no delivery mark, and it is not waiting for one.
    expect(frame).not.toMatch(/delivered|failed/);
    // The dialog's composer stays a note's until switched back.
    expect(cells(frame)).toContain(NOTE_ROW);
    await visitorGotNothingOf(v.peer, 'VIP');

    await press(app, CTRL_P);
    frame = await waitForFrame(app, (f) => !f.includes('Private note') && f.includes('Alt+Enter send ·'), 'a reply again');
    await press(app, 'It ships today', CTRL_S);
    const reply = await v.peer.next((f) => JSON.stringify(f).includes('It ships today'));
    expect(JSON.stringify(reply)).not.toContain('VIP');
    expect((await shop.oli.listMessages(shop.project.id, v.dialogId)).map((m) => [m.body, m.private])).toEqual([
      ['Where is my order?', false],
      [note, true],
      ['It ships today', false],
    ]);
  });

  it('the choice is each dialog’s: another dialog opens with its own, and coming back finds the note’s', async () => {
    const first = await visitor('First question');
    await visitor('Second question');
    const { app } = await startApp({ columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (2)'), 'both dialogs listed');
    // The newest first: ↓ Enter opens the first; Esc Esc back to its pane, ↑ Enter the second.
    await press(app, '\x1b[B', ENTER);
    await waitForFrame(app, (f) => f.includes('First question') && f.includes('Alt+Enter send ·'), 'the first dialog');
    await press(app, CTRL_P, 'half a note');
    await waitForFrame(app, (f) => cells(f).includes(NOTE_ROW) && f.includes('half a note'), 'a note begun');
    await press(app, ESC, ESC, '\x1b[A', ENTER);
    let frame = await waitForFrame(app, (f) => f.includes('Second question') && f.includes('Alt+Enter send ·'), 'the second dialog');
    expect(frame).not.toContain('Private note');
    await press(app, ESC, ESC, '\x1b[B', ENTER);
    frame = await waitForFrame(app, (f) => f.includes('First question') && f.includes('half a note'), 'the first dialog again');
    expect(cells(frame)).toContain(NOTE_ROW);
    await press(app, ' done', CTRL_S);
    await expect.poll(async () => (await stored(first.dialogId, 'half a note done'))?.private).toBe(true);
  });

  it('Ctrl+P from a pane goes to the composer as a note’s (with no dialog open it says so); a short terminal keeps the note’s row and the text', async () => {
    await visitor('Anyone there?');
    // 8 rows: 6 for the panes, of which the composer gets 4.
    const { app } = await startApp({ columns: 80, rows: 8 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, CTRL_P);
    await waitForFrame(app, (f) => statusBar(f).includes('open a dialog first'), 'no dialog open');
    await press(app, ENTER, ESC);
    await waitForFrame(app, (f) => statusBar(f).includes('? keys'), 'the message pane');
    await press(app, CTRL_P, 'abc');
    const frame = await waitForFrame(app, (f) => cells(f).includes('abc'), 'the note begun');
    // Two rows inside the composer: the note's and the text's, whole; the hint gives way.
    expect(cells(frame)).toContain(NOTE_ROW);
    expect(overflow(frame, 80, 7)).toEqual([]);
  });

  it('e on one’s note edits it as a note, even from a reply’s composer; Ctrl+P cannot make the edit a reply', async () => {
    const v = await visitor('Can I return it?');
    const { app } = await startApp({ columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER, CTRL_P, 'Refund approved', CTRL_S);
    await waitForFrame(app, (f) => f.includes('[note] you: Refund approved') && !f.includes('sending'), 'the note stored');
    // Back to a reply, then to the note in the message pane.
    await press(app, CTRL_P);
    await waitForFrame(app, (f) => !f.includes('Private note'), 'a reply');
    await press(app, ESC, 'e');
    let frame = await waitForFrame(app, (f) => f.includes('editing your message'), 'the edit');
    expect(cells(frame)).toContain(NOTE_ROW);
    await press(app, CTRL_P);
    frame = await waitForFrame(app, (f) => statusBar(f).includes('a note stays a note'), 'the kind kept');
    expect(cells(frame)).toContain(NOTE_ROW);
    await press(app, ' by Kim', CTRL_S);
    frame = await waitForFrame(app, (f) => f.includes('[note] you: Refund approved by Kim (edited)') && statusBar(f).includes('note edited'), 'the note edited');
    // The draft from before the edit is back: a reply's.
    expect(frame).not.toContain('Private note');
    expect(await stored(v.dialogId, 'Refund approved by Kim')).toMatchObject({ private: true, editedAt: expect.any(String) });
    await visitorGotNothingOf(v.peer, 'Refund');
  });

  it('a note that could not go shows failed, r sends it again, and it is stored as a note', async () => {
    const note = 'Call them back tomorrow';
    const v = await visitor('Hello?');
    const cut = await netCut(shop.server.url);
    shop.teardown.push(() => cut.close());
    const { app, time, connection } = await startApp({ columns: 120, rows: 30 }, cut.url);
    const states: StateChange[] = [];
    connection.on('state', (change) => void states.push(change));
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER, CTRL_P);
    await waitForFrame(app, (f) => cells(f).includes(NOTE_ROW), "the note's composer");
    cut.block();
    await waitForFrame(app, (f) => f.includes('disconnected'), 'disconnected');
    await press(app, note, CTRL_S);
    time.advance(5_000);
    let frame = await waitForFrame(app, (f) => f.includes('✗ failed'), 'the note failed');
    // Its failure on a row of its own (too long beside the text), marked as the note's.
    const lines = frame.split('\n');
    const at = lines.findIndex((row) => row.includes(note));
    expect(lines[at]).toMatch(/\[note\] you: Call them back tomorrow/);
    expect(lines[at + 1]).toMatch(/┊ +✗ failed: not connected \(goes on reconnect, r resends\)/);
    await press(app, ESC, 'r');
    await waitForFrame(app, (f) => rowWith(f, note)?.includes('· sending') ?? false, 'sending again');
    cut.unblock();
    await backOnline(connection, time, states);
    await expect.poll(async () => (await stored(v.dialogId, note))?.private).toBe(true);
    frame = await waitForFrame(app, (f) => f.includes(`[note] you: ${note}`) && !f.includes('sending') && !f.includes('failed'), 'the note stored');
    expect(rowWith(frame, note)).not.toContain('delivered');
    await visitorGotNothingOf(v.peer, note);
  });
});

/** Waits out the connection's retries (the test's clock) until it is online again. */
async function backOnline(connection: OperatorConnection, time: ManualTime, states: StateChange[]) {
  while (states.at(-1)?.state !== 'online') {
    const last = states.at(-1);
    if (last?.state === 'offline' && last.retryInMs !== undefined) time.advance(last.retryInMs);
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(connection.userId).not.toBeNull();
}

describe('notes in the message pane and the dialog list', () => {
  it.each([30, 40])('at %i columns: a colleague’s note names them beside its mark, its other rows marked, the text whole', async (columns) => {
    const body = 'Checked the warehouse: two red bikes left, I hold one for them until Friday';
    const v = await visitor('Is the red bike in stock?');
    const ann = await operator('ann@example.com', 'Annabel', 'Lee');
    await ann.sendMessage(shop.project.id, v.dialogId, randomUUID(), body, undefined, { private: true });
    const rows = 20;
    const { app } = await startApp({ columns, rows });
    let frame = await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    expect(overflow(frame, columns, rows - 1)).toEqual([]);
    // The list previews the conversation with the visitor, not the note.
    expect(frame).not.toContain('[note]');

    await press(app, ENTER);
    frame = await waitForFrame(app, (f) => f.includes('[note] Ann'), 'the note in the dialog');
    expect(overflow(frame, columns, rows - 1)).toEqual([]);
    const lines = frame.split('\n').map((row) => row.replace(/^│ ?|\s*│$/g, ''));
    const start = lines.findIndex((l) => l.includes('[note] Ann'));
    // The first row: time, mark, the author (cut at 30 columns, where the text starts below).
    expect(lines[start]).toMatch(columns === 30 ? /^\d\d:\d\d \[note\] Annab…:$/ : /^\d\d:\d\d \[note\] Annabel.*: Checked/);
    const more = [];
    for (let i = start + 1; lines[i]?.startsWith('┊ '); i++) more.push(lines[i].slice(2).trim());
    expect(more.length).toBeGreaterThan(1);
    const text = [lines[start].slice(lines[start].indexOf(':', 13) + 1).trim(), ...more].filter(Boolean).join(' ');
    expect(text).toBe(body);
    // A colleague's stored note has no delivery to wait for.
    expect(frame).not.toMatch(/not delivered|✓ delivered/);
  });
});

describe('a colleague’s note in the dialog lists', () => {
  it('leaves a dialog read that was read, and the preview the visitor’s', async () => {
    const first = await visitor('First question');
    await visitor('Second question');
    const ann = await operator('ann@example.com', 'Annabel', 'Lee');
    const { app } = await startApp({ columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (2) ●2'), 'both unread');
    // Read the first, then open the second: the first is read and not open.
    await press(app, '\x1b[B', ENTER, ESC, ESC, '\x1b[A', ENTER);
    await waitForFrame(app, (f) => /My messages \(2\) +│/.test(f) && f.includes(': Second question'), 'both read');
    await ann.sendMessage(shop.project.id, first.dialogId, randomUUID(), 'Ann was here', undefined, { private: true });
    // A dialog that arrives after the note: the lists that show it were loaded after the note.
    await visitor('Third question');
    const frame = await waitForFrame(app, (f) => f.includes('My messages (3)'), 'the third dialog listed');
    expect(frame).toContain('My messages (3) ●1');
    // The first dialog's row in the list (the left pane, 28 columns): no unread mark.
    const name = (first.welcome.visitor.name as string).slice(0, 10);
    const row = frame.split('\n').map((line) => line.slice(0, 28)).find((line) => line.includes(name));
    expect(row).toMatch(new RegExp(`^│  ${name}`));
    expect(frame).not.toContain('Ann was here');
  });

  it('in the reducer: a note raises lastSeq, not the last message’s seq, so it neither makes a dialog unread nor rings', () => {
    const asked = dialog(1, { lastSeq: 3, lastMessage: { author: 'visitor', seq: 3, body: 'hi', files: [], createdAt: at } });
    const noted: DialogSummary = { ...asked, lastSeq: 4 };
    const page = (dialogs: DialogSummary[]) => ({ view: 'mine' as const, counts: { mine: dialogs.length, shared: 0, archive: 0 }, dialogs, next: null });
    let s = reduceDialogs(emptyDialogs, { type: 'loaded', pages: { mine: page([asked]), shared: page([]), archive: page([]) } });
    s = reduceDialogs(s, { type: 'seen', dialogId: 1, seq: 3 });
    expect(isUnread(s, noted)).toBe(false);
    expect(arrivals([asked], [noted], null)).toBe(false);
    // The visitor writes again: that is news.
    const again: DialogSummary = { ...noted, lastSeq: 5, lastMessage: { ...asked.lastMessage!, seq: 5 } };
    expect(isUnread(s, again)).toBe(true);
    expect(arrivals([noted], [again], null)).toBe(true);
  });
});

describe('the composer’s note in its reducer', () => {
  const run = (state: ComposerState, ...actions: ComposerAction[]) => actions.reduce(reduceComposer, state);
  const open = (dialogId: number) => ({ type: 'switch', dialogId }) as const;
  const edit = (note: boolean) => ({ type: 'edit', messageId: 7, dialogId: 1, text: 'sent text', note }) as const;

  it('is the dialog’s: kept with its draft (even an empty one), after a send, until switched back', () => {
    let s = run(emptyComposer, open(1), { type: 'toggleNote' });
    expect(writesNote(s)).toBe(true);
    s = run(s, open(2));
    expect(writesNote(s)).toBe(false);
    s = run(s, open(1));
    expect(writesNote(s)).toBe(true);
    s = run(s, { type: 'insert', text: 'a note' }, { type: 'clear' });
    expect(s.text).toBe('');
    expect(writesNote(s)).toBe(true);
    expect(writesNote(run(s, { type: 'toggleNote' }))).toBe(false);
  });

  it('an edit keeps the message what it is, and Ctrl+P changes nothing meanwhile; afterwards the draft’s choice is back', () => {
    const note = run(emptyComposer, open(1), { type: 'toggleNote' });
    let s = run(note, edit(false), { type: 'toggleNote' });
    expect(writesNote(s)).toBe(false);
    expect(writesNote(run(s, { type: 'endEdit', keepText: false }))).toBe(true);
    s = run(emptyComposer, open(1), edit(true), { type: 'toggleNote' });
    expect(writesNote(s)).toBe(true);
    expect(writesNote(run(s, { type: 'endEdit', keepText: false }))).toBe(false);
  });

  it('an edit refused (too late) leaves its text a note when the message or the draft was one: never a reply by accident', () => {
    const refused = { type: 'endEdit', keepText: true } as const;
    expect(writesNote(run(emptyComposer, open(1), edit(true), refused))).toBe(true);
    expect(writesNote(run(emptyComposer, open(1), { type: 'insert', text: 'a note begun' }, { type: 'toggleNote' }, edit(false), refused))).toBe(true);
    expect(writesNote(run(emptyComposer, open(1), edit(false), refused))).toBe(false);
  });
});
