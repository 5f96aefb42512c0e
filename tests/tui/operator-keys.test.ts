// The key router and the actions together, without rendering or a server: a fake connection
// records what would go over the socket, a hand-moved clock stands in for time.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyOutbox } from '../../core/client/outbox.js';
import { FrameError } from '../../core/client/realtime.js';
import type { Message } from '../../core/protocol/dialogs.js';
import { createActions } from '../../tui/context/actions.js';
import type { Clock, Session } from '../../tui/context/session.js';
import { createStores } from '../../tui/context/stores.js';
import { parseKeys } from '../../tui/input/keys.js';
import { type KeyContext, routeKey } from '../../tui/input/router.js';
import { emptyComposer, reduceComposer } from '../../tui/state/composer.js';
import { initialConnection, reduceConnection } from '../../tui/state/connection.js';
import { TYPING_EVERY_MS } from '../../tui/state/typing.js';
import { detail, dialog, message } from '../helpers/tui-fixtures.js';

const ESC = '\x1b';
const CTRL_S = '\x13';
const LEFT = '\x1b[D';

function setup(edit: (messageId: number, body: string) => Promise<Message> = () => new Promise(() => {})) {
  let now = 1_000_000;
  const clock: Clock = { now: () => now, setTimeout: () => null, clearTimeout: () => {} };
  const typing: number[] = [];
  const sent: string[] = [];
  const connection = {
    outbox: emptyOutbox,
    typing: (dialogId: number) => typing.push(dialogId),
    send: (_dialogId: number, body: string) => sent.push(body),
    edit,
    track: () => {},
  };
  const client = {
    uploadAttachment: async (_p: number, _d: number, file: { name: string }) => ({ id: 7, name: file.name, size: 225, mime: 'image/png', url: '/f/7' }),
  };
  const session = { client, connection, projectId: 1, me: { user: { id: 5 }, projects: [] }, clock } as unknown as Session;
  const stores = createStores(emptyOutbox);
  const actions = createActions(session, stores, { bell: () => {}, exit: () => {} });
  const ctx: KeyContext = { stores, actions, pages: { list: 5, picker: 5, thread: { width: 80, height: 20 } }, viewer: { myId: 5, url: 'http://x' }, pasting: false };
  /** Keys as the terminal sends them, each string one chunk of stdin. */
  const keys = (...chunks: string[]) => {
    for (const chunk of chunks) for (const { input, key } of parseKeys(chunk)) routeKey(input, key, ctx);
  };
  const openDialog = (mine = [message(1, { author: 'operator', operator: { id: 5, name: 'Me' } } as Partial<Message>)]) => {
    stores.composer.dispatch({ type: 'switch', dialogId: 1 });
    stores.thread.dispatch({ type: 'opened', detail: detail(mine) });
    stores.focus.dispatch({ type: 'focus', pane: 'composer' });
  };
  return { stores, actions, keys, openDialog, typing, sent, tick: (ms: number) => (now += ms) };
}

describe('keys read in one burst', () => {
  it('each letter of a chunk is a key: kk moves the selection twice, ten j ten times', () => {
    const { stores, keys } = setup();
    const mine = Array.from({ length: 12 }, (_, i) => dialog(i + 1));
    const page = (dialogs: typeof mine) => ({ view: 'mine' as const, counts: { mine: dialogs.length, shared: 0, archive: 0 }, dialogs, next: null });
    stores.dialogs.dispatch({ type: 'loaded', pages: { mine: page(mine), shared: page([]), archive: page([]) } });
    stores.focus.dispatch({ type: 'focus', pane: 'mine' });
    const selected = () => stores.dialogs.getState().selected.mine;
    keys('jjjjjjjjjj');
    expect(selected()).toBe(10);
    keys('kk');
    expect(selected()).toBe(8);
    // Other text on the list is a paste, not commands: nothing moves (j, k or o would act).
    keys('jok');
    expect(selected()).toBe(8);
  });

  it('text typed in one burst still goes into the composer whole, emoji included', () => {
    const { stores, keys, openDialog } = setup();
    openDialog();
    keys('hi 👍🏽 é\rok');
    expect(stores.composer.getState().text).toBe('hi 👍🏽 é\nok');
  });
});

describe('the operator typing', () => {
  it('tells the open dialog, at most once per interval while keys come', () => {
    const { keys, openDialog, typing, tick } = setup();
    openDialog();
    keys('h', 'e', 'llo');
    expect(typing).toEqual([1]);
    tick(TYPING_EVERY_MS - 1);
    keys('!');
    expect(typing).toEqual([1]);
    tick(1);
    keys('\x7f');
    expect(typing).toEqual([1, 1]);
  });

  it('not for a draft brought back on open, keys that change no text, nor an edit of a sent message', () => {
    const { stores, keys, openDialog, typing, tick } = setup();
    stores.composer.dispatch({ type: 'switch', dialogId: 1 });
    stores.composer.dispatch({ type: 'insert', text: 'draft from before' });
    stores.composer.dispatch({ type: 'switch', dialogId: 2 });
    openDialog();
    expect(stores.composer.getState().text).toBe('draft from before');
    keys(LEFT, LEFT);
    expect(typing).toEqual([]);
    keys(ESC, ESC);
    stores.focus.dispatch({ type: 'focus', pane: 'thread' });
    keys('e', ' more');
    expect(stores.composer.getState().editing).not.toBeNull();
    tick(TYPING_EVERY_MS);
    keys('x');
    expect(typing).toEqual([]);
  });
});

describe('a refused late edit', () => {
  it('keeps the edited text as a new message and brings back the draft set aside', async () => {
    const refused = new FrameError('edit_window_expired', 'too late');
    const { stores, keys, openDialog } = setup(() => Promise.reject(refused));
    openDialog([message(1, { author: 'operator', operator: { id: 5, name: 'Me' }, body: 'old' } as Partial<Message>)]);
    keys('my draft text', ESC);
    keys('e', ' changed', CTRL_S);
    await Promise.resolve();
    await Promise.resolve();
    const state = stores.composer.getState();
    expect(state.editing).toBeNull();
    expect(state.text).toBe('old changed\n\nmy draft text');
    expect(state.cursor).toBe('old changed'.length);
    expect(stores.connection.getState().notice?.text).toContain('your earlier draft after it');
  });

  it('in the reducer: with no draft set aside only the edited text stays', () => {
    let s = reduceComposer(emptyComposer, { type: 'edit', messageId: 1, dialogId: 1, text: 'old' });
    s = reduceComposer(s, { type: 'endEdit', keepText: true });
    expect(s.text).toBe('old');
  });
});

describe('notices that describe a state', () => {
  it('"it goes with your next message" goes when the message is sent', async () => {
    const { stores, actions, openDialog, sent } = setup();
    openDialog();
    const dir = await mkdtemp(join(tmpdir(), 'parley-tui-'));
    await writeFile(join(dir, 'photo.png'), Buffer.alloc(225, 1));
    stores.form.dispatch({ type: 'open', kind: 'attach', fields: [{ key: 'path', label: 'File', value: join(dir, 'photo.png') }] });
    await actions.submitForm();
    expect(stores.connection.getState().notice?.text).toContain('it goes with your next message');
    stores.composer.dispatch({ type: 'insert', text: 'here' });
    actions.send();
    expect(sent).toEqual(['here']);
    expect(stores.connection.getState().notice).toBeNull();
  });

  it('a notice with no end stays; one ended by another event stays until that', () => {
    let s = reduceConnection(initialConnection, { type: 'notice', text: 'message edited', error: false });
    expect(reduceConnection(s, { type: 'over', what: 'sent' })).toBe(s);
    s = reduceConnection(s, { type: 'notice', text: 'open a dialog first', until: ['opened'] });
    expect(reduceConnection(s, { type: 'over', what: 'sent' }).notice).not.toBeNull();
    expect(reduceConnection(s, { type: 'over', what: 'opened' }).notice).toBeNull();
  });
});
