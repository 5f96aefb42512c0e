// The TUI's pure reducers (tui/state/), without rendering.
import { describe, expect, it } from 'vitest';
import { emptyOutbox, reduceOutbox } from '../../core/client/outbox.js';
import type { DialogList, DialogSummary } from '../../core/protocol/dialogs.js';
import { composerRows, emptyComposer, outgoing, reduceComposer } from '../../tui/state/composer.js';
import { droppedFile, pathOf } from '../../tui/context/files.js';
import { describeSocket, describeStatus, describeWhen, initialConnection, reduceConnection } from '../../tui/state/connection.js';
import { arrivals, emptyDialogs, isUnread, messageChangesLists, reduceDialogs, selectedDialog, unreadCount, wantsMore } from '../../tui/state/dialogs.js';
import { initialFocus, reduceFocus } from '../../tui/state/focus.js';
import { changedValues, emptyForm, formValues, reduceForm } from '../../tui/state/form.js';
import { layoutFor } from '../../tui/state/layout.js';
import { bottomAfterMove, CUT, fileLabel, formatSize, truncateMiddle, visibleMessageRows, wrapMessage } from '../../tui/state/message-rows.js';
import { emptyPicker, fuzzyScore, matching, pickedItem, reducePicker, searchIsCurrent } from '../../tui/state/picker.js';
import { emptyThread, failureText, hasOlder, reduceThread, threadItems, VISITOR_TYPING_MS } from '../../tui/state/thread.js';
import { tail, threadLayout, viewBottom } from '../../tui/state/message-view.js';
import { displayWidth } from '../../core/text-layout.js';
import { visibleRows } from '../../tui/state/window.js';
import { at, detail, dialog, message } from '../helpers/tui-fixtures.js';

const page = (dialogs: DialogSummary[], counts = { mine: 0, shared: 0, archive: 0 }): DialogList => ({
  view: 'mine',
  counts,
  dialogs,
  next: null,
});

describe('dialogs', () => {
  const loaded = (mine: DialogSummary[], counts = { mine: mine.length, shared: 1, archive: 2 }) =>
    ({ type: 'loaded', pages: { mine: page(mine, counts), shared: page([dialog(9)], counts), archive: page([], counts) } }) as const;

  it('takes the lists and counts of the three views, and moves the selection within bounds', () => {
    let s = reduceDialogs(emptyDialogs, loaded([dialog(1), dialog(2), dialog(3)]));
    expect(s.counts).toEqual({ mine: 3, shared: 1, archive: 2 });
    expect(s.lists.shared.map((d) => d.id)).toEqual([9]);
    s = reduceDialogs(s, { type: 'move', view: 'mine', by: 5 });
    expect(selectedDialog(s, 'mine')?.id).toBe(3);
    s = reduceDialogs(s, { type: 'move', view: 'mine', by: -1 });
    expect(selectedDialog(s, 'mine')?.id).toBe(2);
    expect(reduceDialogs(s, { type: 'move', view: 'shared', by: 1 })).toBe(s);
  });

  it('keeps the same dialog selected when a reload reorders the pane', () => {
    let s = reduceDialogs(emptyDialogs, loaded([dialog(1), dialog(2), dialog(3)]));
    s = reduceDialogs(s, { type: 'move', view: 'mine', by: 1 });
    s = reduceDialogs(s, loaded([dialog(3), dialog(1), dialog(2)]));
    expect(selectedDialog(s, 'mine')?.id).toBe(2);
    s = reduceDialogs(s, loaded([dialog(1)]));
    expect(selectedDialog(s, 'mine')?.id).toBe(1);
  });
});

describe('which message events reload the dialog lists', () => {
  it('a new message or an edit does; a delivery does not (it changes nothing the lists show)', () => {
    const sent = message(1, { author: 'operator' });
    expect(messageChangesLists({ type: 'message.created', message: sent })).toBe(true);
    expect(messageChangesLists({ type: 'message.updated', message: { ...sent, deliveredAt: at } })).toBe(false);
    expect(messageChangesLists({ type: 'message.updated', message: { ...sent, editedAt: at } })).toBe(true);
  });
});

describe('visible rows', () => {
  it('renders only a screenful, with the selected row inside', () => {
    expect(visibleRows(5, 0, 10)).toEqual({ start: 0, end: 5 });
    expect(visibleRows(10_000, 0, 20)).toEqual({ start: 0, end: 20 });
    expect(visibleRows(10_000, 5_000, 20)).toEqual({ start: 4_990, end: 5_010 });
    expect(visibleRows(10_000, 9_999, 20)).toEqual({ start: 9_980, end: 10_000 });
  });
});

describe('composer', () => {
  it('inserts at the cursor, newlines included; pasted CRs become newlines', () => {
    let s = reduceComposer(emptyComposer, { type: 'insert', text: 'helo' });
    s = reduceComposer(s, { type: 'left' });
    s = reduceComposer(s, { type: 'insert', text: 'l' });
    expect(s).toMatchObject({ text: 'hello', cursor: 4 });
    s = reduceComposer(s, { type: 'right' });
    s = reduceComposer(s, { type: 'insert', text: '\r\nworld\rbye' });
    expect(s.text).toBe('hello\nworld\nbye');
    s = reduceComposer(s, { type: 'backspace' });
    expect(s.text).toBe('hello\nworld\nby');
    expect(outgoing(s)).toBe('hello\nworld\nby');
    expect(outgoing(reduceComposer(emptyComposer, { type: 'insert', text: ' \n ' }))).toBeNull();
    expect(reduceComposer(s, { type: 'clear' })).toEqual(emptyComposer);
  });
});

describe('focus', () => {
  it('Tab walks the panes and wraps; Esc backs out from the composer to the last dialog pane', () => {
    let s = reduceFocus(initialFocus, { type: 'next' });
    expect(s).toMatchObject({ pane: 'shared', view: 'shared' });
    s = reduceFocus(s, { type: 'next' });
    s = reduceFocus(s, { type: 'next' });
    expect(s).toMatchObject({ pane: 'thread', view: 'archive' });
    s = reduceFocus(s, { type: 'next' });
    expect(s.pane).toBe('composer');
    expect(reduceFocus(s, { type: 'next' }).pane).toBe('card');
    expect(reduceFocus(reduceFocus(s, { type: 'next' }), { type: 'next' }).pane).toBe('mine');
    expect(reduceFocus(initialFocus, { type: 'prev' }).pane).toBe('card');
    s = reduceFocus(s, { type: 'back' });
    expect(s.pane).toBe('thread');
    s = reduceFocus(s, { type: 'back' });
    expect(s.pane).toBe('archive');
    s = reduceFocus(reduceFocus(s, { type: 'overlay', overlay: 'help' }), { type: 'back' });
    expect(s).toMatchObject({ overlay: null, pane: 'archive' });
  });
});

describe('thread', () => {
  it('merges server messages with the outbox so a message shows once, and ignores other dialogs', () => {
    let s = reduceThread(emptyThread, { type: 'opened', detail: detail([message(1)]) });
    let box = reduceOutbox(emptyOutbox, { type: 'queued', clientId: 'mine', dialogId: 1, body: 'hi', at: 0 });
    expect(threadItems(s, box).map((i) => [i.body, i.delivery])).toEqual([
      ['m1', null],
      ['hi', 'sending'],
    ]);
    const stored = message(2, { author: 'operator', clientId: 'mine', body: 'hi' });
    box = reduceOutbox(box, { type: 'message', message: stored });
    s = reduceThread(s, { type: 'messages', messages: [stored, message(3, { dialogId: 2 })] });
    expect(threadItems(s, box).map((i) => i.body)).toEqual(['m1', 'hi']);
  });

  it('opening: only the dialog asked for last is shown when the answers come back out of order', () => {
    const two = (() => {
      const d = detail([message(5, { dialogId: 2 })]);
      return { ...d, dialog: { ...d.dialog, id: 2 } };
    })();
    let s = reduceThread(emptyThread, { type: 'opening', dialogId: 1 });
    s = reduceThread(s, { type: 'opening', dialogId: 2 });
    // Dialog 1's slower answer arrives after 2 was asked for: ignored.
    s = reduceThread(s, { type: 'opened', detail: detail([message(1)]) });
    expect(s).toMatchObject({ detail: null, opening: 2 });
    s = reduceThread(s, { type: 'opened', detail: two });
    expect(s.detail?.dialog.id).toBe(2);
    expect(s.opening).toBeNull();
  });

  it('says why a message failed: offline, the visitor offline, the visitor left the page', () => {
    let s = reduceThread(emptyThread, { type: 'opened', detail: detail([], false) });
    let box = reduceOutbox(emptyOutbox, { type: 'queued', clientId: 'x', dialogId: 1, body: 'hi', at: 0 });
    box = reduceOutbox(box, { type: 'tick', at: 6_000, online: false });
    expect(failureText(threadItems(s, box)[0], s)).toBe('not connected');
    // Not stored yet: it goes again by itself once connected, which the line says.
    expect(tail(threadItems(s, box)[0], s)?.text).toBe(' ✗ failed: not connected (goes on reconnect, r resends)');

    box = reduceOutbox(box, { type: 'message', message: message(2, { author: 'operator', clientId: 'x' }) });
    expect(failureText(threadItems(s, box)[0], s)).toBe('the visitor is offline');
    expect(tail(threadItems(s, box)[0], s)?.text).toBe(' ✗ failed: the visitor is offline (r resends)');
    s = reduceThread(s, { type: 'presence', visitorId: 10, online: true });
    s = reduceThread(s, { type: 'presence', visitorId: 10, online: false });
    expect(failureText(threadItems(s, box)[0], s)).toBe('the visitor left the page');
  });

  it("the visitor types: shown until 4 s after the last frame, gone at once with their message; other dialogs' typing is not this one's", () => {
    let s = reduceThread(emptyThread, { type: 'opened', detail: detail([message(1)]) });
    expect(reduceThread(s, { type: 'typing', dialogId: 2, at: 1_000 })).toBe(s);
    s = reduceThread(s, { type: 'typing', dialogId: 1, at: 1_000 });
    expect(s.typingUntil).toBe(1_000 + VISITOR_TYPING_MS);
    s = reduceThread(s, { type: 'typing', dialogId: 1, at: 3_000 });
    s = reduceThread(s, { type: 'tick', at: 1_000 + VISITOR_TYPING_MS });
    expect(s.typingUntil).toBe(3_000 + VISITOR_TYPING_MS); // the second frame moved it on
    s = reduceThread(s, { type: 'tick', at: 3_000 + VISITOR_TYPING_MS });
    expect(s.typingUntil).toBeNull();

    s = reduceThread(s, { type: 'typing', dialogId: 1, at: 10_000 });
    // An update of a message held already (an ack, an edit) is not what they were typing…
    s = reduceThread(s, { type: 'messages', messages: [message(1, { rev: 9, body: 'edited' })] });
    expect(s.typingUntil).not.toBeNull();
    // …their new message is.
    s = reduceThread(s, { type: 'messages', messages: [message(2)] });
    expect(s.typingUntil).toBeNull();
    s = reduceThread(s, { type: 'typing', dialogId: 1, at: 20_000 });
    expect(reduceThread(s, { type: 'opened', detail: detail([message(1)]) }).typingUntil).toBeNull();
  });

  it('moves the selection from the newest message within bounds; back at the newest it follows new ones again', () => {
    let s = reduceThread(emptyThread, { type: 'opened', detail: detail([message(1), message(2), message(3)]) });
    expect(s.selected).toBeNull();
    s = reduceThread(s, { type: 'move', by: -1, count: 3 });
    expect(s.selected).toBe(1);
    s = reduceThread(s, { type: 'move', by: -5, count: 3 });
    expect(s.selected).toBe(0);
    s = reduceThread(s, { type: 'move', by: 5, count: 3 });
    expect(s.selected).toBeNull();
  });
});

describe('connection', () => {
  it('tracks the socket, the operator status and the last notice', () => {
    let s = reduceConnection(initialConnection, { type: 'socket', change: { state: 'offline', attempt: 2, retryInMs: 1500, reason: 'ECONNREFUSED' }, at: 0 });
    expect(describeSocket(s.socket)).toBe('disconnected (ECONNREFUSED), retrying in 2 s');
    s = reduceConnection(s, { type: 'online', online: true });
    expect(s.status?.online).toBe(true);
    expect(reduceConnection(s, { type: 'online', online: true })).toBe(s);
    expect(describeSocket({ state: 'online', attempt: 0 })).toBe('connected');
    s = reduceConnection(s, { type: 'notice', text: 'saved', error: false });
    expect(s.notice).toEqual({ text: 'saved', error: false });
    expect(reduceConnection(s, { type: 'bell', on: false }).bell).toBe(false);
  });

  it('says why the operator is online or offline and what o will do', () => {
    expect(describeStatus({ online: false, source: 'manual', hasSchedule: false, until: null, explanation: '' }, 'o')).toBe('offline (manual; o: go online)');
    const until = new Date(2026, 0, 5, 18, 0).toISOString();
    const now = new Date(2026, 0, 5, 9, 30).getTime();
    expect(describeStatus({ online: true, source: 'schedule', hasSchedule: true, until, explanation: '' }, 'o', now)).toBe(
      'online by schedule until 18:00 (o: offline until 18:00)',
    );
    expect(describeStatus({ online: false, source: 'manual', hasSchedule: true, until, explanation: '' }, 'o', now)).toBe(
      'offline switched by hand until 18:00, then the schedule (o: online until 18:00)',
    );
    // Another day says which: the weekday within the week, the date beyond it.
    const offline = (at: Date) => describeStatus({ online: false, source: 'schedule', hasSchedule: true, until: at.toISOString(), explanation: '' }, 'o', now);
    expect(offline(new Date(2026, 0, 6, 9, 0))).toBe('offline by schedule until 09:00 Tue (o: online until 09:00 Tue)');
    expect(offline(new Date(2026, 0, 12, 0, 0))).toBe('offline by schedule until 00:00 Mon 12 Jan (o: online until 00:00 Mon 12 Jan)');
  });

  it("tells times in the project's zone, and names it when the terminal's zone is another", () => {
    const until = '2026-01-05T17:00:00Z';
    const now = Date.parse('2026-01-05T08:30:00Z');
    // Over SSH on a server in UTC, for a project in Berlin (UTC+1 in January): its wall clock, named.
    expect(describeWhen(until, now, 'Europe/Berlin', 'UTC')).toBe('18:00 (Europe/Berlin)');
    expect(describeWhen(until, now, 'Europe/Berlin', 'Europe/Berlin')).toBe('18:00');
    // The day is the project's: 02:00 in Tokyo is tomorrow there, while still today in UTC.
    expect(describeWhen(until, now, 'Asia/Tokyo', 'Asia/Tokyo')).toBe('02:00 Tue');
    expect(describeWhen('2026-01-20T17:00:00Z', now, 'UTC', 'UTC')).toBe('17:00 Tue 20 Jan');
    expect(describeStatus({ online: true, source: 'schedule', hasSchedule: true, until, explanation: '' }, 'o', now, false, 'Europe/Berlin')).toMatch(
      /^online by schedule until 18:00( \(Europe\/Berlin\))? \(o: offline until 18:00( \(Europe\/Berlin\))?\)$/,
    );
  });
});

describe('long panes', () => {
  const many = (n: number, from = 1) => Array.from({ length: n }, (_, i) => dialog(from + i));

  it('10,000 dialogs: moving costs the same as in a short pane, and only a screenful is laid out', () => {
    let s = reduceDialogs(emptyDialogs, {
      type: 'loaded',
      pages: { mine: { ...page(many(200)), next: 'c200' }, shared: page([]), archive: page([]) },
    });
    // Scrolling down fetches older pages; they are appended once each.
    for (let p = 1; p < 50; p++) s = reduceDialogs(s, { type: 'more', view: 'mine', page: { ...page(many(200, p * 200 + 1)), next: p < 49 ? `c${p}` : null } });
    expect(s.lists.mine).toHaveLength(10_000);
    expect(s.next.mine).toBeNull();
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) s = reduceDialogs(s, { type: 'move', view: 'mine', by: 1 });
    const window = visibleRows(s.lists.mine.length, s.selected.mine, 20);
    expect(performance.now() - started).toBeLessThan(500);
    expect(selectedDialog(s, 'mine')?.id).toBe(10_000);
    expect(window).toEqual({ start: 9_980, end: 10_000 });
  });

  it('asks for the next page near the end; a reload keeps every older row the fresh page does not hold, minus dialogs moved to another view', () => {
    let s = reduceDialogs(emptyDialogs, { type: 'loaded', pages: { mine: { ...page(many(3)), next: 'c3' }, shared: page([]), archive: page([]) } });
    expect(wantsMore(s, 'mine', 2)).toBe(false);
    s = reduceDialogs(s, { type: 'move', view: 'mine', by: 2 });
    expect(wantsMore(s, 'mine', 2)).toBe(true);
    s = reduceDialogs(s, { type: 'more', view: 'mine', page: { ...page([dialog(4), dialog(5), dialog(6)]), next: 'c6' } });
    s = reduceDialogs(s, { type: 'changed', dialogId: 5, dialog: { ...dialog(5), status: 'closed', view: 'archive' } });
    s = reduceDialogs(s, { type: 'loaded', pages: { mine: { ...page([dialog(4), dialog(1), dialog(2)]), next: 'c2' }, shared: page([]), archive: page([]) } });
    // 3 was only pushed off the first page: it stays (it was lost once, and the selection with it).
    expect(s.lists.mine.map((d) => d.id)).toEqual([4, 1, 2, 3, 6]);
    expect(s.next.mine).toBe('c6');
  });

  it('5,000 messages: only the rows that fit are wrapped and drawn, around the selected one', () => {
    const rowsOf = (i: number) => wrapMessage(i, '10:00 you: ', `message ${i}`, 40, 10, 0);
    let asked = 0;
    const counting = (i: number) => (asked++, rowsOf(i));
    const newest = visibleMessageRows(5_000, null, 20, counting);
    expect(newest.map((r) => r.text).at(-1)).toBe('message 4999');
    expect(newest).toHaveLength(20);
    expect(asked).toBeLessThanOrEqual(21);
    const up = visibleMessageRows(5_000, 100, 20, rowsOf);
    expect(up.at(-1)?.item).toBe(100);
    expect(visibleMessageRows(5_000, 3, 20, rowsOf)[0].item).toBe(0);
  });

  it('moving the selection keeps the view while the message is whole in it, else brings it to the nearer edge', () => {
    // Ten messages of two rows each in a view of 6 rows: the newest three (7, 8, 9) in view.
    const rowsOf = (i: number) => wrapMessage(i, '10:00 you: ', `message ${i}\nmore`, 40, 10, 0);
    expect(bottomAfterMove(10, 9, 8, 6, rowsOf)).toBe(9);
    expect(bottomAfterMove(10, 9, 7, 6, rowsOf)).toBe(9);
    // Above the view: it becomes the top one (6, 7, 8 in view).
    expect(bottomAfterMove(10, 9, 6, 6, rowsOf)).toBe(8);
    expect(visibleMessageRows(10, 8, 6, rowsOf)[0].item).toBe(6);
    // Below it: the bottom one.
    expect(bottomAfterMove(10, 5, 6, 6, rowsOf)).toBe(6);
    // Near the start, the view is the first rows whatever the bottom asked.
    expect(bottomAfterMove(10, 2, 0, 6, rowsOf)).toBe(2);
  });

  it('scrolled up with "↓ N new" shown, moving up never leaves the selected message out of view', () => {
    let s = reduceThread(emptyThread, { type: 'opened', detail: detail(Array.from({ length: 30 }, (_, i) => message(i + 1))) });
    s = reduceThread(s, { type: 'move', by: -3, count: 30 });
    s = reduceThread(s, { type: 'messages', messages: [message(31)] });
    expect(s.unseen).toEqual([31]);
    const viewer = { myId: 1, url: 'http://parley.test' };
    for (let i = 0; i < 20; i++) {
      const items = threadItems(s, emptyOutbox);
      const { rowsAvailable, rowsOf } = threadLayout(items, s, viewer, 60, 13);
      // The pane's 13 rows: its border, header and "↓ N new" line take four.
      expect(rowsAvailable).toBe(9);
      const target = s.selected! - 1;
      const bottom = bottomAfterMove(items.length, viewBottom(s, items.length), target, rowsAvailable, rowsOf);
      s = reduceThread(s, { type: 'move', by: -1, count: items.length, bottom });
      const shown = visibleMessageRows(items.length, viewBottom(s, items.length), rowsAvailable, rowsOf).map((r) => r.item);
      expect(shown).toContain(s.selected);
    }
  });

  it('a message cut to the pane says how to read it whole', () => {
    const rows = wrapMessage(0, '10:00 you: ', 'word '.repeat(100), 40, 5, 0);
    expect(rows).toHaveLength(5);
    expect(rows.at(-1)!.text.endsWith(CUT)).toBe(true);
    expect(displayWidth(rows.at(-1)!.head + rows.at(-1)!.text)).toBeLessThanOrEqual(40);
    expect(wrapMessage(0, '10:00 you: ', 'word '.repeat(100), 40, 500, 0).map((r) => r.text).join(' ').trim()).toBe('word '.repeat(100).trim());
  });

  it('the thread keeps the view as it moves, shifts it when older messages load, and drops it when following the newest', () => {
    let s = reduceThread(emptyThread, { type: 'opened', detail: detail([message(5), message(6), message(7)]) });
    s = reduceThread(s, { type: 'move', by: -1, count: 3, bottom: 2 });
    expect([s.selected, s.bottom]).toEqual([1, 2]);
    s = reduceThread(s, { type: 'older', dialogId: 1, messages: [message(3), message(4)] });
    expect([s.selected, s.bottom]).toEqual([3, 4]);
    s = reduceThread(s, { type: 'follow' });
    expect([s.selected, s.bottom]).toEqual([null, null]);
  });

  it('wraps a message to the width, keeps its lines, and puts the send state where it fits', () => {
    const rows = wrapMessage(0, '10:00 you: ', 'a'.repeat(35) + '\nsecond', 20, 10, 12);
    expect(rows.map((r) => r.head + r.text)).toEqual(['10:00 you: aaaaaaaaa', '  aaaaaaaaaaaaaaaaaa', '  aaaaaaaa', '  second']);
    expect(rows.at(-1)?.last).toBe(true);
    const full = wrapMessage(0, '10:00 you: ', 'b'.repeat(9), 20, 10, 12);
    expect(full.map((r) => [r.text, r.last])).toEqual([
      ['bbbbbbbbb', false],
      ['', true],
    ]);
    expect(wrapMessage(0, 'h: ', 'x'.repeat(200), 20, 3, 0)).toHaveLength(3);
  });

  it("lays out a message's files: a line with name, type and size, then the whole URL over as many rows as it needs", () => {
    const url = 'http://127.0.0.1:8080/files/7/abcdefghijklmnopqrstuv/photo.png';
    const photo = { name: 'photo.png', mime: 'image/png', size: 72, url };
    const rows = wrapMessage(0, '10:00 Ann: ', 'look', 40, 20, 0, [photo]);
    expect(rows.map((r) => r.head + r.text)).toEqual([
      '10:00 Ann: look',
      '  📎 photo.png (image/png, 72 B)',
      `  ${url.slice(0, 38)}`,
      `  ${url.slice(38)}`,
    ]);
    expect(rows.slice(1).map((r) => [r.file, r.link])).toEqual([
      ['name', url],
      ['url', url],
      ['url', url],
    ]);
    expect(rows.map((r) => r.text).slice(2).join('')).toBe(url);
    // Only a file: it starts on the head's row.
    const only = wrapMessage(0, '10:00 Ann: ', '', 44, 20, 0, [photo]);
    expect(only[0].head + only[0].text).toBe('10:00 Ann: 📎 photo.png (image/png, 72 B)');
    expect(only.slice(1).map((r) => r.file)).toEqual(['url', 'url']);
    // A long text gives way to the file, not the other way round.
    const cut = wrapMessage(0, 'h: ', 'x'.repeat(400), 40, 5, 0, [photo]);
    expect(cut).toHaveLength(5);
    expect(cut.slice(-3).map((r) => r.file)).toEqual(['name', 'url', 'url']);
  });

  it('shortens a long file name in the middle (the extension stays), then drops the type; sizes read as people write them', () => {
    expect(truncateMiddle('abcdefghij', 10)).toBe('abcdefghij');
    expect(truncateMiddle('abcdefghij', 5)).toBe('ab…ij');
    const long = { name: 'the-quarterly-invoice-from-accounting-2024.pdf', mime: 'application/pdf', size: 1536, url: '' };
    const label = fileLabel(long, 50);
    expect(label).toBe('📎 the-quarte…g-2024.pdf (application/pdf, 1.5 KB)');
    expect(label).toHaveLength(50);
    expect(fileLabel(long, 30)).toBe('📎 the-quart…2024.pdf (1.5 KB)');
    expect([0, 1023, 1024, 15_000, 3_500_000, 5 * 1024 ** 3].map(formatSize)).toEqual(['0 B', '1023 B', '1.0 KB', '15 KB', '3.3 MB', '5.0 GB']);
  });

  it('loads older messages above and keeps the selected one selected', () => {
    let s = reduceThread(emptyThread, { type: 'opened', detail: detail([message(101), message(102)]) });
    expect(hasOlder(s)).toBe(true);
    s = reduceThread(s, { type: 'move', by: -2, count: 2 });
    expect(s.selected).toBe(0);
    s = reduceThread(s, { type: 'older', dialogId: 1, messages: Array.from({ length: 100 }, (_, i) => message(i + 1)) });
    expect(s.messages).toHaveLength(102);
    expect(s.selected).toBe(100);
    expect(hasOlder(s)).toBe(false);
  });
});

describe('unread and new', () => {
  it('a dialog is unread while the visitor wrote last and it was not opened since', () => {
    const waiting = dialog(1, { lastSeq: 3, lastMessage: { author: 'visitor', body: 'hi', createdAt: at } });
    const answered = dialog(2, { lastSeq: 4, lastMessage: { author: 'operator', body: 'yes', createdAt: at } });
    let s = reduceDialogs(emptyDialogs, { type: 'loaded', pages: { mine: page([waiting, answered]), shared: page([]), archive: page([]) } });
    expect([isUnread(s, waiting), isUnread(s, answered)]).toEqual([true, false]);
    s = reduceDialogs(s, { type: 'seen', dialogId: 1, seq: 3 });
    expect(unreadCount(s, 'mine')).toBe(0);
    expect(isUnread(s, { ...waiting, lastSeq: 4 })).toBe(true);
  });

  it('rings for a new dialog or a new visitor message in My messages, not for the open dialog or own replies', () => {
    const a = dialog(1, { lastSeq: 1, lastMessage: { author: 'visitor', body: 'hi', createdAt: at } });
    expect(arrivals([a], [a], null)).toBe(false);
    expect(arrivals([a], [a, dialog(2)], null)).toBe(true);
    expect(arrivals([a], [{ ...a, lastSeq: 2 }], null)).toBe(true);
    expect(arrivals([a], [{ ...a, lastSeq: 2 }], 1)).toBe(false);
    expect(arrivals([a], [{ ...a, lastSeq: 2, lastMessage: { author: 'operator', body: 'ok', createdAt: at } }], null)).toBe(false);
    let s = reduceDialogs(emptyDialogs, { type: 'attention', view: 'mine', on: true });
    expect(s.attention.mine).toBe(true);
    s = reduceDialogs(s, { type: 'attention', view: 'mine', on: false });
    expect(s.attention.mine).toBe(false);
  });
});

describe('composer rows', () => {
  it('cuts long lines to the width and keeps the cursor row in view', () => {
    let s = reduceComposer(emptyComposer, { type: 'insert', text: 'abcdefghij\nxy' });
    expect(composerRows(s, 4, 5)).toEqual({ rows: ['abcd', 'efgh', 'ij', 'xy'], cursor: { row: 3, col: 2 } });
    expect(composerRows(s, 4, 2)).toEqual({ rows: ['ij', 'xy'], cursor: { row: 1, col: 2 } });
    s = reduceComposer(s, { type: 'home' });
    expect(s.cursor).toBe(11);
    s = reduceComposer(reduceComposer(emptyComposer, { type: 'insert', text: 'abcd' }), { type: 'end' });
    expect(composerRows(s, 4, 3)).toEqual({ rows: ['abcd', ''], cursor: { row: 1, col: 0 } });
  });

  it('keeps attached files for one dialog: a file of another dialog starts over; clear and edit forget them', () => {
    const file = (id: number, name: string) => ({ id, name, mime: 'image/png', size: 72, url: `/files/${id}/k/${name}` });
    let s = reduceComposer(emptyComposer, { type: 'attach', dialogId: 1, file: file(1, 'a.png') });
    s = reduceComposer(s, { type: 'attach', dialogId: 1, file: file(2, 'b.png') });
    expect(s.files.map((f) => f.name)).toEqual(['a.png', 'b.png']);
    expect(s.filesFor).toBe(1);
    s = reduceComposer(s, { type: 'attach', dialogId: 2, file: file(3, 'c.png') });
    expect([s.files.map((f) => f.name), s.filesFor]).toEqual([['c.png'], 2]);
    expect(reduceComposer(s, { type: 'dropFiles' })).toMatchObject({ files: [], filesFor: null });
    expect(reduceComposer(s, { type: 'clear' })).toEqual(emptyComposer);
    // An edit changes only a message's text: the files wait for the next new message.
    const editing = reduceComposer(s, { type: 'edit', messageId: 7, dialogId: 2, text: 'x' });
    expect(reduceComposer(editing, { type: 'endEdit', keepText: false }).files.map((f) => f.name)).toEqual(['c.png']);
  });

  it('reads a path as typed or as terminals drop a file: quoted, with escaped spaces, as a file:// URL, from ~', () => {
    expect(pathOf('  /tmp/a.pdf ', '/home/ana', '/work')).toBe('/tmp/a.pdf');
    expect(pathOf("'/tmp/My File.pdf'", '/home/ana', '/work')).toBe('/tmp/My File.pdf');
    expect(pathOf('"/tmp/My File.pdf"', '/home/ana', '/work')).toBe('/tmp/My File.pdf');
    expect(pathOf('/tmp/My\\ File\\ \\(1\\).pdf', '/home/ana', '/work')).toBe('/tmp/My File (1).pdf');
    expect(pathOf('file:///tmp/My%20File.pdf', '/home/ana', '/work')).toBe('/tmp/My File.pdf');
    expect(pathOf('~/Downloads/a.png', '/home/ana', '/work')).toBe('/home/ana/Downloads/a.png');
    expect(pathOf('docs/a.png', '/home/ana', '/work')).toBe('/work/docs/a.png');
    expect(pathOf('   ', '/home/ana', '/work')).toBeNull();
    // What a paste must look like to be taken for a dropped file (whether it is one is checked later).
    expect(["'/tmp/My File.pdf'", '/tmp/a.png', '~/a.png', 'file:///tmp/a.png', '"/tmp/a b.png"'].map(droppedFile)).toEqual([
      "'/tmp/My File.pdf'", '/tmp/a.png', '~/a.png', 'file:///tmp/a.png', '"/tmp/a b.png"',
    ]);
    expect(['hello /tmp/a.png', 'docs/a.png', '/tmp/a\n/tmp/b', 'see ~/a.png', ''].map(droppedFile)).toEqual([null, null, null, null, null]);
  });

  it('loads an own message for editing and forgets it on clear', () => {
    let s = reduceComposer(emptyComposer, { type: 'edit', messageId: 7, dialogId: 1, text: 'Hello' });
    expect(s).toEqual({ ...emptyComposer, text: 'Hello', cursor: 5, editing: { messageId: 7, dialogId: 1, before: { text: '', cursor: 0 } } });
    s = reduceComposer(s, { type: 'clear' });
    expect(s.editing).toBeNull();
  });
});

describe('pickers and forms', () => {
  it("the finder shows the answer to the last search only, as the server gave it, and knows when what is typed was searched", () => {
    const item = (label: string) => ({ value: label, label });
    let s = reducePicker(emptyPicker, { type: 'open', kind: 'search' });
    expect([s.items, searchIsCurrent(s)]).toEqual([[], false]);
    s = reducePicker(s, { type: 'type', text: 'anna' });
    s = reducePicker(s, { type: 'searching', query: 'anna' });
    expect([s.items, searchIsCurrent(s)]).toEqual([null, true]);
    s = reducePicker(s, { type: 'type', text: 'x' });
    s = reducePicker(s, { type: 'searching', query: 'annax' });
    // The first search answers late: not shown.
    expect(reducePicker(s, { type: 'items', kind: 'search', items: [item('Anna Berg')], searched: 'anna' })).toBe(s);
    s = reducePicker(s, { type: 'items', kind: 'search', items: [item('Zed'), item('Annax Co')], searched: 'annax', note: 'more' });
    // No fuzzy filtering of the server's answer by what is typed.
    expect([matching(s).map((i) => i.label), s.note, searchIsCurrent(s)]).toEqual([['Zed', 'Annax Co'], 'more', true]);
    expect(searchIsCurrent(reducePicker(s, { type: 'erase' }))).toBe(false);
  });

  const templates = ['Greeting', 'Big order', 'Shipping to Norway', 'Goodbye'].map((label) => ({ label, value: `${label} text` }));

  it('fuzzy-matches names: word starts and runs of letters first, non-matches out', () => {
    expect(fuzzyScore('gr', 'Greeting')).toBeGreaterThan(fuzzyScore('gr', 'Big order')!);
    expect(fuzzyScore('xyz', 'Greeting')).toBeNull();
    let s = reducePicker(emptyPicker, { type: 'open', kind: 'templates' });
    s = reducePicker(s, { type: 'items', kind: 'templates', items: templates });
    expect(matching(s).map((t) => t.label)).toEqual(templates.map((t) => t.label));
    s = reducePicker(s, { type: 'type', text: 'sn' });
    expect(matching(s).map((t) => t.label)).toEqual(['Shipping to Norway']);
    s = reducePicker(reducePicker(s, { type: 'erase' }), { type: 'erase' });
    s = reducePicker(s, { type: 'type', text: 'go' });
    expect(matching(s)[0].label).toBe('Goodbye');
    s = reducePicker(s, { type: 'move', by: 5 });
    expect(pickedItem(s)?.label).toBe(matching(s).at(-1)?.label);
    expect(reducePicker(s, { type: 'items', kind: 'assign', items: [] })).toBe(s);
  });

  it('edits one-line fields and turns empty ones into null', () => {
    let s = reduceForm(emptyForm, { type: 'open', kind: 'card', fields: [{ key: 'realName', label: 'Real name', value: 'An' }, { key: 'phone', label: 'Phone', value: '1' }] });
    s = reduceForm(s, { type: 'type', text: 'na\nLee' });
    s = reduceForm(s, { type: 'move', by: 1 });
    s = reduceForm(s, { type: 'erase' });
    expect(formValues(s)).toEqual({ realName: 'Anna Lee', phone: null });
    expect(reduceForm(s, { type: 'move', by: 1 }).at).toBe(0);
  });

  it('an edit form saves only the fields changed since it opened (cleared ones as null)', () => {
    const opened = reduceForm(emptyForm, {
      type: 'open',
      kind: 'card',
      fields: [
        { key: 'realName', label: 'Real name', value: 'Anna', initial: 'Anna' },
        { key: 'phone', label: 'Phone', value: '+47 1', initial: '+47 1' },
        { key: 'notes', label: 'Notes', value: 'a\nb', initial: 'a\nb' },
      ],
    });
    expect(changedValues(opened)).toEqual({});
    let s = reduceForm(opened, { type: 'type', text: ' ' });
    expect(changedValues(s)).toEqual({});
    s = reduceForm(s, { type: 'type', text: 'Lee' });
    s = reduceForm(s, { type: 'move', by: 1 });
    for (let i = 0; i < 5; i++) s = reduceForm(s, { type: 'erase' });
    expect(changedValues(s)).toEqual({ realName: 'Anna Lee', phone: null });
  });
});

describe('layout', () => {
  const focus = (pane: typeof initialFocus.pane) => reduceFocus(initialFocus, { type: 'focus', pane });

  it('wide: three panes, the dialog and the card; 80 columns: one side pane; narrow: the focused pane only', () => {
    const wide = layoutFor(160, 48, initialFocus);
    expect(wide).toMatchObject({ rows: 47, body: 46, left: { show: 'lists' }, right: { width: 38 } });
    expect(wide.left!.width + wide.centre!.width + wide.right!.width).toBe(160);
    const eighty = layoutFor(80, 24, initialFocus);
    expect(eighty).toMatchObject({ left: { show: 'list', width: 25 }, centre: { width: 55 }, right: null });
    expect(layoutFor(80, 24, focus('card')).left?.show).toBe('card');
    expect(layoutFor(40, 20, focus('composer'))).toMatchObject({ left: null, centre: { width: 40 } });
    expect(layoutFor(40, 20, focus('shared'))).toMatchObject({ left: { show: 'list', width: 40 }, centre: null });
    expect(layoutFor(130, 14, initialFocus).left?.show).toBe('list');
  });
});
