// The login flow's reducer, without rendering: what each key does on each screen, which request
// goes out, and where each answer leads.
import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import type { Me, Project } from '../../core/protocol/index.js';
import {
  chooseProject,
  focusedItem,
  initialLogin,
  type LoginAction,
  type LoginState,
  parseServerUrl,
  reduceLogin,
} from '../../tui/login/state.js';
import { parseKeys } from '../../tui/input/keys.js';
import { loginKeys } from '../../tui/login/keys.js';

const URL_ = 'http://127.0.0.1:8080';

const run = (state: LoginState, ...actions: LoginAction[]) => actions.reduce(reduceLogin, state);
const typed = (text: string): LoginAction => ({ type: 'type', text });
const ENTER: LoginAction = { type: 'enter' };
const BACK: LoginAction = { type: 'back' };

function project(id: number, name: string, operator = true): Project {
  return {
    id,
    name,
    operator,
    access: null,
    widgetKey: `pk_${id}`,
    allowedOrigins: [],
    timezone: 'UTC',
    language: 'en',
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

function me(projects: Project[], email = 'oli@example.com'): Me {
  return {
    user: { id: 7, email, firstName: 'Oli', lastName: 'Op', phone: null, avatarUrl: null, serverAdmin: false, mustChangePassword: false },
    projects,
  };
}

const session = { url: URL_, token: 'tok', email: 'oli@example.com' };

describe('signing in', () => {
  it('starts on the first empty field; Enter moves on and, on the password, asks the server', () => {
    let s = initialLogin({ url: URL_ });
    expect(s.screen).toBe('signIn');
    expect(focusedItem(s)).toEqual({ kind: 'field', name: 'email' });
    s = run(s, typed('oli@example.com'), ENTER);
    expect(focusedItem(s)).toEqual({ kind: 'field', name: 'password' });
    s = run(s, typed('secret'), { type: 'erase' }, typed('T'), ENTER);
    expect(s.request).toEqual({ kind: 'login', url: URL_, email: 'oli@example.com', password: 'secreT' });
  });

  it('a stored email puts the cursor on the password', () => {
    const s = initialLogin({ url: URL_, email: 'oli@example.com' });
    expect(focusedItem(s)).toEqual({ kind: 'field', name: 'password' });
  });

  it('keys wait while a request is in flight; the answer is applied once', () => {
    let s = run(initialLogin({ url: URL_, email: 'oli@example.com' }), typed('pw'), ENTER);
    const inFlight = s;
    s = run(s, typed('x'), BACK, { type: 'move', by: 1 });
    expect(s).toBe(inFlight);
    s = run(s, { type: 'failed', message: 'Wrong email or password', field: 'password' });
    expect(s).toMatchObject({ screen: 'signIn', request: null, error: 'Wrong email or password' });
    expect(s.values.password).toBe('');
    expect(focusedItem(s)).toEqual({ kind: 'field', name: 'password' });
    // A late second answer changes nothing.
    expect(run(s, { type: 'failed', message: 'again' })).toBe(s);
  });

  it('says what is missing before asking the server', () => {
    let s = run(initialLogin({ url: 'ftp://x' }), typed('oli@example.com'), ENTER, typed('pw'), ENTER);
    expect(s.request).toBeNull();
    expect(s.error).toMatch(/http:\/\/ or https:\/\//);
    expect(focusedItem(s)).toEqual({ kind: 'field', name: 'url' });
    s = run(initialLogin({ url: URL_ }), { type: 'move', by: 1 }, { type: 'move', by: 1 }, ENTER);
    expect(focusedItem(s)).toEqual({ kind: 'field', name: 'email' });
    expect(s.error).toBe('Type your email.');
  });

  it('typing goes into the focused field only; control characters and newlines of a paste are dropped', () => {
    let s = run(initialLogin({ url: URL_ }), typed('ol\ni@exa\x1bmple.com'));
    expect(s.values.email).toBe('oli@example.com');
    s = run(s, { type: 'move', by: 1 }, { type: 'move', by: 1 }); // the Sign in button
    expect(focusedItem(s)).toEqual({ kind: 'button', action: 'submit' });
    expect(run(s, typed('zz'))).toBe(s);
    // Moving wraps around.
    s = run(s, { type: 'move', by: 1 }, { type: 'move', by: 1 });
    expect(focusedItem(s)).toEqual({ kind: 'field', name: 'url' });
  });

  it('the url is normalised before it is used', () => {
    expect(parseServerUrl(' http://chat.example.com/ ')).toBe('http://chat.example.com');
    expect(parseServerUrl('chat.example.com')).toBeNull();
    expect(parseServerUrl('mailto:x@y')).toBeNull();
  });
});

describe('the one-time password', () => {
  it('must be replaced: two equal new passwords of 10+ characters, then the change goes out', () => {
    let s = run(initialLogin({ url: URL_, email: 'oli@example.com' }), typed('one-time'), ENTER);
    s = run(s, { type: 'mustChange', session });
    expect(s).toMatchObject({ screen: 'changePassword', session, request: null });
    expect(s.info).toMatch(/must be replaced/);
    expect(focusedItem(s)).toEqual({ kind: 'field', name: 'newPassword' });

    s = run(s, typed('short'), ENTER, typed('short'), ENTER);
    expect(s.request).toBeNull();
    expect(s.error).toMatch(/at least 10 characters/);
    expect(s.values).toMatchObject({ newPassword: '', repeat: '' });

    s = run(s, typed('a-long-password-1'), ENTER, typed('a-long-password-2'), ENTER);
    expect(s.error).toMatch(/differ/);

    s = run(s, typed('a-long-password-1'), ENTER, typed('a-long-password-1'), ENTER);
    expect(s.request).toEqual({ kind: 'change', session, current: 'one-time', next: 'a-long-password-1' });
  });

  it('Esc goes back to sign in and forgets the session and the secrets', () => {
    let s = run(initialLogin({ url: URL_, email: 'oli@example.com' }), typed('one-time'), ENTER, { type: 'mustChange', session });
    s = run(s, typed('half-typed'), BACK);
    expect(s).toMatchObject({ screen: 'signIn', session: null, error: null });
    expect(s.values).toMatchObject({ email: 'oli@example.com', password: '', newPassword: '' });
    expect(focusedItem(s)).toEqual({ kind: 'field', name: 'password' });
  });
});

describe('forgot password', () => {
  it('asks for a code by mail, then resets with it; Esc steps back', () => {
    let s = initialLogin({ url: URL_, email: 'oli@example.com' });
    s = run(s, typed('forgotten'), { type: 'move', by: 1 }, { type: 'move', by: 1 });
    expect(focusedItem(s)).toEqual({ kind: 'button', action: 'forgot' });
    s = run(s, ENTER);
    expect(s.screen).toBe('forgot');
    expect(s.values.password).toBe('');
    s = run(s, ENTER);
    expect(s.request).toEqual({ kind: 'forgot', url: URL_, email: 'oli@example.com' });
    s = run(s, { type: 'codeSent', message: 'A code is on its way.' });
    expect(s).toMatchObject({ screen: 'reset', info: 'A code is on its way.' });
    expect(focusedItem(s)).toEqual({ kind: 'field', name: 'code' });

    s = run(s, { type: 'move', by: -1 }); // wraps round to the button
    expect(focusedItem(s)).toEqual({ kind: 'button', action: 'submit' });
    s = run(s, ENTER); // no code yet
    expect(s.error).toBe('Type the code from the mail.');
    expect(focusedItem(s)).toEqual({ kind: 'field', name: 'code' });
    s = run(s, typed('ABCD-EFGH'), ENTER, typed('a-long-password-1'), ENTER, typed('a-long-password-1'), ENTER);
    expect(s.request).toEqual({ kind: 'reset', url: URL_, email: 'oli@example.com', code: 'ABCD-EFGH', next: 'a-long-password-1' });
    s = run(s, { type: 'failed', message: 'The code is wrong, expired or already used', field: 'code' });
    expect(s).toMatchObject({ screen: 'reset', error: 'The code is wrong, expired or already used' });
    expect(focusedItem(s)).toEqual({ kind: 'field', name: 'code' });
    // The wrong code is emptied, the passwords stay: the right code and Enter send it again.
    expect(s.values).toMatchObject({ code: '', newPassword: 'a-long-password-1', repeat: 'a-long-password-1' });
    s = run(s, typed('WXYZ-2345'), ENTER);
    expect(s.request).toMatchObject({ kind: 'reset', code: 'WXYZ-2345', next: 'a-long-password-1' });
    s = run(s, { type: 'failed', message: 'Rate limit exceeded' });

    s = run(s, BACK);
    expect(s.screen).toBe('forgot');
    expect(s.values.newPassword).toBe('');
    s = run(s, BACK);
    expect(s.screen).toBe('signIn');
  });
});

describe('a stored login', () => {
  it('is tried first; when it works the flow goes straight to the project', () => {
    let s = initialLogin({ url: URL_, token: 'tok', email: 'oli@example.com' });
    expect(s).toMatchObject({ screen: 'checking', request: { kind: 'check', session } });
    s = run(s, { type: 'signedIn', session, me: me([project(3, 'Shop')]) });
    expect(s).toMatchObject({ screen: 'done', project: { id: 3 }, session });
  });

  it('when it is refused, the sign-in screen says so with the email filled in', () => {
    const s = run(initialLogin({ url: URL_, token: 'tok', email: 'oli@example.com' }), {
      type: 'failed',
      message: 'your stored login was refused (signed out or expired): sign in again.',
    });
    expect(s).toMatchObject({ screen: 'signIn', request: null });
    expect(s.error).toMatch(/sign in again/);
    expect(focusedItem(s)).toEqual({ kind: 'field', name: 'password' });
  });
});

describe('the project', () => {
  const shop = project(1, 'Shop');
  const blog = project(2, 'Blog');
  const admin = project(3, 'Admin only', false);

  it('--project (id or name) wins, and must be one the user operates in', () => {
    expect(chooseProject(me([shop, blog]), '2', 1)).toEqual({ kind: 'chosen', project: blog });
    expect(chooseProject(me([shop, blog]), 'shop', 2)).toEqual({ kind: 'chosen', project: shop });
    expect(chooseProject(me([shop]), 'Nope', undefined)).toMatchObject({ kind: 'none', message: expect.stringMatching(/no project "Nope"/) });
    expect(chooseProject(me([shop, admin]), 'Admin only', undefined)).toMatchObject({
      kind: 'none',
      message: expect.stringMatching(/not an operator in "Admin only".*parley team update oli@example.com --operator/),
    });
  });

  it('else the default project, else the only one, else a picker; nothing when not an operator anywhere', () => {
    expect(chooseProject(me([shop, blog]), null, 2)).toEqual({ kind: 'chosen', project: blog });
    expect(chooseProject(me([shop, admin]), null, 3)).toEqual({ kind: 'chosen', project: shop });
    expect(chooseProject(me([shop, blog, admin]), null, undefined)).toEqual({ kind: 'pick', projects: [shop, blog] });
    expect(chooseProject(me([admin]), null, undefined)).toMatchObject({
      kind: 'none',
      message: expect.stringMatching(/not an operator in any project/),
    });
  });

  it('the picker moves with wrap-around and Enter opens the highlighted project; Esc signs out', () => {
    let s = run(initialLogin({ url: URL_, token: 'tok', email: 'oli@example.com' }), {
      type: 'signedIn',
      session,
      me: me([shop, blog]),
    });
    expect(s).toMatchObject({ screen: 'pickProject', selected: 0 });
    s = run(s, { type: 'move', by: -1 });
    expect(s.selected).toBe(1);
    expect(run(s, ENTER)).toMatchObject({ screen: 'done', project: blog });
    expect(run(s, BACK)).toMatchObject({ screen: 'signIn', session: null, me: null });
  });

  it('the default project is looked up for the server signed in to', () => {
    const s = run(initialLogin({ url: URL_, token: 'tok', defaults: { 'http://elsewhere': 1, [URL_]: 2 } }), {
      type: 'signedIn',
      session,
      me: me([shop, blog]),
    });
    expect(s).toMatchObject({ screen: 'done', project: blog });
  });

  it('not an operator anywhere: a message, and Esc to sign in as someone else', () => {
    let s = run(initialLogin({ url: URL_, token: 'tok' }), { type: 'signedIn', session, me: me([admin]) });
    expect(s.screen).toBe('noProject');
    expect(s.error).toMatch(/not an operator in any project/);
    s = run(s, BACK);
    expect(s).toMatchObject({ screen: 'signIn', error: null });
  });
});

describe('keys on the login screens', () => {
  const none: Key = {
    upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
    return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
    super: false, hyper: false, capsLock: false, numLock: false,
  } as Key;
  const key = (patch: Partial<Key> = {}) => ({ ...none, ...patch });

  /** A chunk as the terminal sent it, through the key layer (useKeys cuts it the same way). */
  const chunk = (raw: string) => parseKeys(raw).flatMap((k) => loginKeys(k.input, k.key, 'form', false));

  it('text with its Enter in one chunk is the text, then Enter', () => {
    expect(chunk('oli@example.com\r')).toEqual([{ type: 'type', text: 'oli@example.com' }, { type: 'enter' }]);
    expect(chunk('a\rb')).toEqual([{ type: 'type', text: 'a' }, { type: 'enter' }, { type: 'type', text: 'b' }]);
  });

  it('Backspace erases whether it comes as \\x7f (tmux) or \\x08, also inside a chunk', () => {
    expect(chunk('\x7f')).toEqual([{ type: 'erase' }]);
    expect(chunk('\b')).toEqual([{ type: 'erase' }]);
    expect(chunk('ab\x7fc')).toEqual([{ type: 'type', text: 'ab' }, { type: 'erase' }, { type: 'type', text: 'c' }]);
  });

  it('inside a bracketed paste a line break never submits', () => {
    expect(loginKeys('[200~', key(), 'form', false)).toEqual([{ type: 'paste', on: true }]);
    expect(loginKeys('', key({ return: true }), 'form', true)).toEqual([]);
    expect(loginKeys('pw', key(), 'form', true)).toEqual([{ type: 'type', text: 'pw' }]);
    expect(loginKeys('[201~', key(), 'form', true)).toEqual([{ type: 'paste', on: false }]);
  });

  it('q is text on a form, and quits the picker; Ctrl+C quits everywhere', () => {
    expect(loginKeys('q', key(), 'form', false)).toEqual([{ type: 'type', text: 'q' }]);
    expect(loginKeys('q', key(), 'list', false)).toEqual([{ type: 'quit' }]);
    expect(loginKeys('c', key({ ctrl: true }), 'form', false)).toEqual([{ type: 'quit' }]);
    expect(loginKeys('j', key(), 'list', false)).toEqual([{ type: 'move', by: 1 }]);
    expect(loginKeys('', key({ tab: true, shift: true }), 'form', false)).toEqual([{ type: 'move', by: -1 }]);
    expect(loginKeys('', key({ escape: true, meta: true }), 'form', false)).toEqual([{ type: 'back' }]);
  });
});
