// What the QA pass in tmux found in the TUI's pure parts: tabs and wide characters laid out by
// display columns, editing and erasing by grapheme, the edit mode, drafts per dialog, following
// the newest message, paging by what is shown, and the keys read from one chunk.
import { describe, expect, it } from 'vitest';
import { emptyOutbox, reduceOutbox } from '../../core/client/outbox.js';
import { displayWidth, expandTabs, oneLine, plainEmoji } from '../../core/text-layout.js';
import { composerLineCount, composerRows, emptyComposer, reduceComposer, type ComposerAction, type ComposerState } from '../../tui/state/composer.js';
import { emptyForm, reduceForm } from '../../tui/state/form.js';
import { pageTarget, truncateMiddle, visibleMessageRows, wrapMessage } from '../../tui/state/message-rows.js';
import { emptyPicker, reducePicker } from '../../tui/state/picker.js';
import { emptyThread, notSent, reduceThread } from '../../tui/state/thread.js';
import { parseKeys } from '../../tui/input/keys.js';
import { initialLogin, reduceLogin } from '../../tui/login/state.js';
import { detail, message } from '../helpers/tui-fixtures.js';

const compose = (...actions: ComposerAction[]): ComposerState => actions.reduce(reduceComposer, emptyComposer);
const widest = (rows: Array<{ head: string; text: string }>) => Math.max(...rows.map((r) => displayWidth(r.head + r.text)));

describe('tabs', () => {
  it('become spaces to the next tab stop of their line; one-line text loses tabs and line breaks', () => {
    expect(expandTabs('a\tbc\td\n\tx')).toBe('a   bc  d\n    x');
    expect(expandTabs('日本\tx')).toBe('日本    x');
    expect(oneLine('Anna\tBerg\nSweden')).toBe('Anna Berg Sweden');
  });

  it('in a message never make a row wider than the pane', () => {
    const rows = wrapMessage(0, '10:00 Anna: ', 'Order:\t\t88123\tsize\t44\tcolour\tblack\tand\tmore\twords', 40, 20, 12);
    expect(rows.some((r) => r.text.includes('\t'))).toBe(false);
    expect(widest(rows)).toBeLessThanOrEqual(40);
    expect(rows.map((r) => r.text).join('')).toContain('88123');
  });
});

describe('word wrap', () => {
  it('breaks a message at spaces; only a word wider than the row is cut', () => {
    const rows = wrapMessage(0, '10:00 Ann: ', 'Hello there, could you check my order number 88123 please?', 30, 20, 0);
    expect(rows.map((r) => r.text)).toEqual(['Hello there, could', 'you check my order number', '88123 please?']);
    expect(widest(rows)).toBeLessThanOrEqual(30);
    const long = wrapMessage(0, 'h: ', `see https://shop.example.com/${'x'.repeat(40)} now`, 24, 20, 0);
    expect(long.map((r) => r.text).join('')).toBe(`seehttps://shop.example.com/${'x'.repeat(40)}now`);
    expect(widest(long)).toBeLessThanOrEqual(24);
    // A first word that fits a row of its own but not beside the head starts on the next row.
    expect(wrapMessage(0, '10:00 Ann: ', 'Internationalization is hard', 24, 20, 0).map((r) => [r.head, r.text])).toEqual([
      ['10:00 Ann: ', ''],
      ['  ', 'Internationalization'],
      ['  ', 'is hard'],
    ]);
    // Indentation at the start of a line stays; spaces at a break go.
    expect(wrapMessage(0, 'h: ', '  indented   words here', 14, 20, 0).map((r) => r.text)).toEqual(['  indented', 'words here']);
  });

  it('breaks the composer at spaces too, keeping them, so the cursor stays where it is in the text', () => {
    const s = compose({ type: 'insert', text: 'Hello there, could you' });
    expect(composerRows(s, 10, 5)).toEqual({ rows: ['Hello ', 'there, ', 'could you'], cursor: { row: 2, col: 9 } });
    expect(composerRows({ ...s, cursor: 8 }, 10, 5).cursor).toEqual({ row: 1, col: 2 });
    expect(composerLineCount(s.text, 10)).toBe(3);
    // A word that fills its row exactly moves down with the next: no row starts with a space.
    expect(composerRows(compose({ type: 'insert', text: 'Hello there friend' }), 11, 5).rows).toEqual(['Hello ', 'there ', 'friend']);
  });
});

describe('wide characters', () => {
  it('wrap a message by display columns, losing nothing', () => {
    const body = '你好，我想问一下这双鞋有没有四十四码的，谢谢😀😀';
    const rows = wrapMessage(0, '10:00 王: ', body, 20, 20, 0);
    expect(widest(rows)).toBeLessThanOrEqual(20);
    expect(rows.map((r) => r.text).join('')).toBe(body);
  });

  it('emoji that terminals draw at different widths are drawn as their base, never wider than measured', () => {
    // tmux draws 👍🏽 in four columns where string-width (and Ink) count two: the row overflowed;
    // and ❤️ (a text-style heart with the emoji selector) in one where they count two: it fell short.
    const cases: Array<[string, string]> = [
      ['A 👍🏽 skin', 'A 👍 skin'],
      ['family 👨‍👩‍👧‍👦!', 'family 👨!'],
      ['flag 🏳️‍🌈', 'flag 🏳'],
      ['plain 😀 ❤️ 日本', 'plain 😀 ❤ 日本'],
    ];
    for (const [text, drawn] of cases) {
      expect(plainEmoji(text)).toBe(drawn);
      expect(displayWidth(plainEmoji(text))).toBeLessThanOrEqual(displayWidth(text));
    }
    const rows = wrapMessage(0, '10:00 Ann: ', 'thanks 👍🏽👍🏽 and 👨‍👩‍👧 here', 20, 20, 0);
    expect(rows.map((r) => r.text).join(' ')).toBe('thanks 👍👍 and 👨 here');
    expect(oneLine('ok\t👍🏿')).toBe('ok 👍');
  });

  it('cut a file name in the middle by columns', () => {
    const cut = truncateMiddle('请款单第二季度最终版本.pdf', 12);
    expect(displayWidth(cut)).toBeLessThanOrEqual(12);
    expect(cut).toMatch(/…/);
    expect(cut.endsWith('.pdf')).toBe(true);
  });

  it('wrap the composer by columns, with the cursor on the right row and column, and count its height so', () => {
    const s = compose({ type: 'insert', text: '日本語のテキスト' }); // 8 characters, 16 columns
    expect(composerRows(s, 6, 5).rows).toEqual(['日本語', 'のテキ', 'スト']);
    expect(composerRows(s, 6, 5).cursor).toEqual({ row: 2, col: 2 });
    expect(composerLineCount(s.text, 6)).toBe(3);
    const full = compose({ type: 'insert', text: '日本語' });
    expect(composerRows(full, 6, 3)).toEqual({ rows: ['日本語', ''], cursor: { row: 1, col: 0 } });
  });
});

describe('graphemes', () => {
  it('Backspace, Delete, ← and → in the composer take a whole emoji, flag or accented letter, never half', () => {
    let s = compose({ type: 'insert', text: 'a😀e\u0301🇸🇪👍🏽' }, { type: 'backspace' });
    expect(s.text).toBe('a😀e\u0301🇸🇪');
    s = reduceComposer(s, { type: 'left' });
    expect(s.cursor).toBe('a😀e\u0301'.length);
    s = reduceComposer(reduceComposer(s, { type: 'left' }), { type: 'delete' });
    expect(s.text).toBe('a😀🇸🇪');
    s = reduceComposer(reduceComposer(s, { type: 'left' }), { type: 'backspace' });
    expect(s.text).toBe('😀🇸🇪');
    s = reduceComposer(s, { type: 'right' });
    expect(s.cursor).toBe('😀'.length);
    expect(s.text.isWellFormed()).toBe(true);
  });

  it('Backspace in a form field, the picker query and the sign-in fields takes the whole emoji', () => {
    let form = reduceForm(emptyForm, { type: 'open', kind: 'card', fields: [{ key: 'notes', label: 'Notes', value: '' }] });
    form = reduceForm(reduceForm(form, { type: 'type', text: 'ok 👍🏽' }), { type: 'erase' });
    expect(form.fields[0].value).toBe('ok ');
    const picker = reducePicker(reducePicker(reducePicker(emptyPicker, { type: 'open', kind: 'templates' }), { type: 'type', text: 'hej😀' }), { type: 'erase' });
    expect(picker.query).toBe('hej');
    const login = reduceLogin(reduceLogin(initialLogin({ url: 'http://x', email: 'a@b' }), { type: 'type', text: 'pw😀' }), { type: 'erase' });
    expect(login.values.password).toBe('pw');
  });
});

describe('the edit mode', () => {
  const editing = (before: string) => compose({ type: 'switch', dialogId: 1 }, { type: 'insert', text: before }, { type: 'edit', messageId: 7, dialogId: 1, text: 'Helo' });

  it('keeps the draft aside: cancelling (or saving) brings it back', () => {
    const s = editing('half a reply');
    expect(s.text).toBe('Helo');
    expect(reduceComposer(s, { type: 'endEdit', keepText: false })).toMatchObject({ text: 'half a reply', cursor: 12, editing: null });
  });

  it('is left by emptying the text: what is typed then is a new message', () => {
    let s = editing('');
    for (let i = 0; i < 4; i++) s = reduceComposer(s, { type: 'backspace' });
    expect(s.editing).toBeNull();
    s = reduceComposer(s, { type: 'insert', text: 'new' });
    expect(s).toMatchObject({ text: 'new', editing: null });
  });

  it('a refused edit keeps its text as a new message, the draft set aside after it', () => {
    expect(reduceComposer(editing('x'), { type: 'endEdit', keepText: true })).toMatchObject({ text: 'Helo\n\nx', cursor: 4, editing: null });
    expect(reduceComposer(editing(''), { type: 'endEdit', keepText: true })).toMatchObject({ text: 'Helo', editing: null });
  });
});

describe('drafts per dialog', () => {
  it('opening another dialog puts the draft aside and brings back that one’s', () => {
    let s = compose({ type: 'switch', dialogId: 1 }, { type: 'insert', text: 'for Anna' });
    s = reduceComposer(s, { type: 'switch', dialogId: 2 });
    expect(s).toMatchObject({ text: '', dialogId: 2 });
    s = reduceComposer(s, { type: 'insert', text: 'for Bo' });
    s = reduceComposer(s, { type: 'switch', dialogId: 1 });
    expect(s).toMatchObject({ text: 'for Anna', cursor: 8, dialogId: 1 });
    s = reduceComposer(s, { type: 'switch', dialogId: 2 });
    expect(s.text).toBe('for Bo');
  });

  it('a file uploaded after another dialog was opened goes with its own dialog’s draft', () => {
    const file = { id: 1, name: 'a.png', mime: 'image/png', size: 72, url: '/files/1/k/a.png' };
    let s = compose({ type: 'switch', dialogId: 1 }, { type: 'switch', dialogId: 2 }, { type: 'attach', dialogId: 1, file });
    expect(s.files).toEqual([]);
    s = reduceComposer(s, { type: 'switch', dialogId: 1 });
    expect(s).toMatchObject({ files: [file], filesFor: 1 });
  });
});

describe('the newest message', () => {
  it('scrolled up, arrivals count as unseen; back down (or sending) follows the newest again', () => {
    let s = reduceThread(emptyThread, { type: 'opened', detail: detail([message(1), message(2), message(3)]) });
    s = reduceThread(s, { type: 'messages', messages: [message(4)] });
    expect(s.unseen).toEqual([]);
    s = reduceThread(s, { type: 'move', by: -2, count: 4 });
    s = reduceThread(s, { type: 'messages', messages: [message(5), message(6)] });
    expect([s.selected, s.unseen]).toEqual([1, [5, 6]]);
    expect(reduceThread(s, { type: 'follow' })).toMatchObject({ selected: null, unseen: [] });
    expect(reduceThread(s, { type: 'move', by: 10, count: 6 })).toMatchObject({ selected: null, unseen: [] });
  });

  it('a refreshed dialog (after a reconnect) takes the presence and messages missed, keeping the view', () => {
    let s = reduceThread(emptyThread, { type: 'opened', detail: detail([message(1), message(2)]) });
    s = reduceThread(s, { type: 'move', by: -1, count: 2 });
    s = reduceThread(s, { type: 'refreshed', detail: detail([message(1), message(2), message(3)], false) });
    expect([s.detail?.visitorOnline, s.messages.length, s.selected, s.unseen]).toEqual([false, 3, 0, [3]]);
  });
});

describe('paging', () => {
  // Messages of 1 to 3 rows, a pane of 5 rows.
  const sizes = [2, 1, 3, 1, 2, 2, 1, 3, 1, 1];
  const rowsOf = (i: number) => Array.from({ length: sizes[i] }, (_, r) => ({ item: i, head: r ? '  ' : 'h', text: 'x', last: r === sizes[i] - 1 }));
  const shown = (selected: number | null) => [...new Set(visibleMessageRows(sizes.length, selected, 5, rowsOf).map((r) => r.item))];

  it('PgUp and PgDn move by what is in view: every message is seen on the way, none skipped', () => {
    const seen = new Set<number>(shown(null));
    let selected: number | null = null;
    while (selected !== 0) {
      selected = pageTarget(sizes.length, selected, 5, rowsOf, -1);
      shown(selected).forEach((i) => seen.add(i));
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const down = new Set<number>(shown(0));
    let at = 0;
    while (at !== 9) {
      at = pageTarget(sizes.length, at, 5, rowsOf, 1);
      shown(at).forEach((i) => down.add(i));
    }
    expect([...down].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('what the outbox holds', () => {
  it('counts as not sent what the server has not stored: sending, or failed before it did', () => {
    let box = reduceOutbox(emptyOutbox, { type: 'queued', clientId: 'a', dialogId: 1, body: 'one', at: 0 });
    box = reduceOutbox(box, { type: 'queued', clientId: 'b', dialogId: 1, body: 'two', at: 0 });
    box = reduceOutbox(box, { type: 'queued', clientId: 'c', dialogId: 1, body: 'three', at: 0 });
    box = reduceOutbox(box, { type: 'message', message: message(9, { clientId: 'c', author: 'operator' }) });
    box = reduceOutbox(box, { type: 'tick', at: 10_000, online: false });
    expect(notSent(box)).toBe(2);
  });
});

describe('keys', () => {
  it('two Esc read in one chunk are two Esc', () => {
    expect(parseKeys('\x1b\x1b').map((k) => k.key.escape)).toEqual([true, true]);
  });

  it('CR LF (pasted from Windows) is one line break; a lone CR or LF is one too', () => {
    const shown = (chunk: string) => parseKeys(chunk).map((k) => (k.key.return ? '⏎' : k.input)).join('');
    expect(shown('a\r\nb\r\nc')).toBe('a⏎b⏎c');
    expect(shown('a\rb\nc\r\n\r\nd')).toBe('a⏎b⏎c⏎⏎d');
  });
});
