// Three findings of the last QA pass of the TUI in tmux, against a real server: the status bar
// offered `? keys · q quit` (and "o: go online") with the composer focused, where those keys type
// text; the password screen kept "the two new passwords differ" while matching ones were typed;
// Ctrl+U did nothing in the client card's form (nor in the other windows' fields).
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { Gate } from '../../tui/login/Gate.js';
import { initialLogin, type LoginAction, type LoginState, reduceLogin } from '../../tui/login/state.js';
import { BACKSPACE, CTRL_F, DOWN, ENTER, ESC, press, waitForFrame } from '../helpers/ink.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { liveShop } from '../helpers/live-shop.js';

const ORIGIN = 'https://shop.example.com';
const CTRL_U = '\x15';
const CTRL_Y = '\x19';

const shop = liveShop(ORIGIN);
const visitor = (body: string) => shop.visitorWrites(body);
const startApp = (size: { columns: number; rows: number }) => shop.startApp(size);

const statusBar = (frame: string) => frame.split('\n').at(-1)!.trimEnd();

describe('the status bar offers the keys that work where the keys go', () => {
  it('in the panes ? and q; in the composer, where they are text, the note key, Esc, Tab and Ctrl+C; over a window, Esc and Ctrl+C', async () => {
    await visitor('Hello?');
    const { app } = await startApp({ columns: 120, rows: 30 });
    let frame = await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    expect(statusBar(frame)).toBe('○ offline (manual; o: go online) · connected · ? keys · Tab panes · q quit');

    await press(app, ENTER);
    frame = await waitForFrame(app, (f) => f.includes('Alt+Enter send ·'), 'the composer');
    expect(statusBar(frame)).toBe('○ offline (manual) · connected · Ctrl+P private note · Esc back · Tab panes · Ctrl+C quit');
    // There ? and q are text indeed.
    await press(app, 'q?');
    await waitForFrame(app, (f) => f.includes('│ q?'), 'typed');
    await press(app, BACKSPACE, BACKSPACE);

    // Narrower, the note key is what stays (Esc leads to the panes, where ? shows every key).
    app.resize(50, 20);
    frame = await waitForFrame(app, (f) => statusBar(f).includes('Ctrl+P note'), 'at 50 columns');
    expect(statusBar(frame)).toMatch(/^○ .*Ctrl\+P note( · Esc back)?$/);
    app.resize(120, 30);

    // Back in the message pane, ? and q work again.
    await press(app, ESC);
    frame = await waitForFrame(app, (f) => statusBar(f).includes('? keys'), 'the message pane');
    expect(statusBar(frame)).toContain('o: go online');

    await press(app, CTRL_F);
    frame = await waitForFrame(app, (f) => f.includes('Find a dialog') || statusBar(f).includes('Esc closes'), 'the finder');
    expect(statusBar(frame)).toBe('○ offline (manual) · connected · Esc closes · Ctrl+C quit');
  });
});

describe('the password screen', () => {
  const run = (state: LoginState, ...actions: LoginAction[]) => actions.reduce(reduceLogin, state);
  const typed = (text: string): LoginAction => ({ type: 'type', text });
  const ENTER_KEY: LoginAction = { type: 'enter' };

  it('in the reducer: "differ" and "too short" go once either new password is edited; other errors stay until Enter', () => {
    let s = run(initialLogin({ url: shop.server.url, email: 'oli@example.com' }), typed('one-time'), ENTER_KEY);
    s = run(s, { type: 'mustChange', session: { url: shop.server.url, token: 't', email: 'oli@example.com' } });
    s = run(s, typed('a-long-password-1'), ENTER_KEY, typed('a-long-password-2'), ENTER_KEY);
    expect(s.error).toMatch(/differ/);
    expect(run(s, typed('a')).error).toBeNull();
    s = run(s, typed('short'), ENTER_KEY, typed('short'), ENTER_KEY);
    expect(s.error).toMatch(/at least 10 characters/);
    // Erasing is editing too; the repeat field as much as the first.
    expect(run(s, { type: 'move', by: 1 }, typed('x'), { type: 'erase' }).error).toBeNull();

    // "Type your email." is about a field left empty: it stays while the password is typed.
    const signIn = run(initialLogin({ url: shop.server.url }), ENTER_KEY, ENTER_KEY, { type: 'move', by: 1 }, typed('p'));
    expect(signIn.error).toBe('Type your email.');
  });

  it('drawn: after the two new passwords differ, typing them again takes the message away at once', async () => {
    const outbox = await watchOutbox(shop.server.dataDir);
    await shop.admin.addMember(shop.project.id, { email: 'ann@example.com', firstName: 'Ann', lastName: 'Lee', operator: true });
    const oneTime = passwordFrom(await outbox.waitFor((m) => m.to === 'ann@example.com'));
    outbox.close();
    const app = render(<Gate boot={{ url: shop.server.url }} services={{ saveLogin: () => undefined }} />);
    shop.teardown.push(() => app.unmount());
    await waitForFrame(app, (f) => f.includes('Sign in'), 'the sign-in screen');
    await press(app, 'ann@example.com', ENTER, oneTime, ENTER);
    await waitForFrame(app, (f) => f.includes('Choose your password'), 'the forced change');
    await press(app, 'chosen-by-ann-1', ENTER, 'chosen-by-ann-2', ENTER);
    await waitForFrame(app, (f) => f.includes('✗ The two new passwords differ'), 'the passwords differ');
    await press(app, 'c');
    const frame = await waitForFrame(app, (f) => !f.includes('differ'), 'the message gone');
    expect(frame).toContain('Choose your password');
    await press(app, 'hosen-by-ann-1', ENTER, 'chosen-by-ann-1', ENTER);
    await waitForFrame(app, (f) => f.includes('My messages') && f.includes('connected'), 'the main screen');
  });
});

describe('Ctrl+U in a window’s field', () => {
  it('erases the client card’s field, as in the composer; Ctrl+Y puts it back; the card saves what is left', async () => {
    const v = await visitor('Please call me');
    await shop.oli.updateCard(shop.project.id, v.dialogId, { realName: 'Ann Lee', notes: 'Prefers mornings, wants a callback about the red bike order' });
    const { app } = await startApp({ columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, ENTER, ESC, 'i');
    await waitForFrame(app, (f) => f.includes('Client card of Ann Lee'), 'the card form');
    // To the notes: Ctrl+U erases them whole, Ctrl+Y puts them back.
    await press(app, DOWN, DOWN, DOWN, CTRL_U);
    let frame = await waitForFrame(app, (f) => !f.includes('Prefers mornings'), 'the notes erased');
    expect(frame).toMatch(/Notes: +[ ▏]?\s*║/);
    expect(statusBar(frame)).toContain('text erased: Ctrl+Y puts it back');
    await press(app, CTRL_Y);
    await waitForFrame(app, (f) => f.includes('Prefers mornings'), 'the notes back');
    // Erased again, something else written, saved.
    await press(app, CTRL_U, 'Evenings only', ENTER);
    await waitForFrame(app, (f) => statusBar(f).includes('client card saved'), 'saved');
    expect((await shop.oli.getDialog(shop.project.id, v.dialogId)).visitor.card).toMatchObject({ realName: 'Ann Lee', notes: 'Evenings only' });
  });

  it('erases what is typed in a picker’s search line too', async () => {
    await visitor('Hello');
    const { app } = await startApp({ columns: 120, rows: 30 });
    await waitForFrame(app, (f) => f.includes('My messages (1)'), 'the dialog listed');
    await press(app, CTRL_F, 'a long query typed');
    await waitForFrame(app, (f) => f.includes('a long query typed'), 'the query');
    await press(app, CTRL_U);
    await waitForFrame(app, (f) => !f.includes('a long query typed'), 'the query erased');
    await press(app, CTRL_Y);
    await waitForFrame(app, (f) => f.includes('a long query typed'), 'the query back');
  });
});
