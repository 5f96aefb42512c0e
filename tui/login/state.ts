// The TUI's way in, as a pure reducer: which screen shows, what is typed where, and which request
// goes to the server next. The Gate performs `state.request` (perform.ts) and answers with a
// result action; nothing here does I/O, so every step is tested without rendering.
//
// sign in ──(one-time password)──> choose a new password ──┐
//    │                                                      ├──> project (picked, or a picker) ──> done
//    └──> forgot password ──(mailed code)──> reset ─────────┘
import { MIN_PASSWORD_LENGTH } from '../../core/protocol/constants.js';
import { withoutLastGrapheme } from '../../core/text-layout.js';
import type { Me, Project } from '../../core/protocol/index.js';
import { shellWord } from '../../core/shell.js';

export type FieldName = 'url' | 'email' | 'password' | 'newPassword' | 'repeat' | 'code';

export type Screen =
  | 'checking' // a stored login is being tried
  | 'signIn'
  | 'changePassword' // the one-time password must be replaced
  | 'forgot'
  | 'reset'
  | 'pickProject'
  | 'noProject' // signed in, but nothing to answer in
  | 'done';

export type Item = { kind: 'field'; name: FieldName } | { kind: 'button'; action: 'submit' | 'forgot' };

const field = (name: FieldName): Item => ({ kind: 'field', name });
const SUBMIT: Item = { kind: 'button', action: 'submit' };

/** What each screen lets the focus move through, top to bottom. */
export const ITEMS: Record<Screen, Item[]> = {
  checking: [],
  signIn: [field('url'), field('email'), field('password'), SUBMIT, { kind: 'button', action: 'forgot' }],
  changePassword: [field('newPassword'), field('repeat'), SUBMIT],
  forgot: [field('email'), SUBMIT],
  reset: [field('code'), field('newPassword'), field('repeat'), SUBMIT],
  pickProject: [],
  noProject: [],
  done: [],
};

export const SECRET_FIELDS: ReadonlySet<FieldName> = new Set(['password', 'newPassword', 'repeat']);

/** A signed-in session (the token may still be restricted until a one-time password is replaced). */
export interface LoginSession {
  url: string;
  token: string;
  email: string;
}

export type Request =
  | { kind: 'check'; session: LoginSession }
  | { kind: 'login'; url: string; email: string; password: string }
  | { kind: 'change'; session: LoginSession; current: string; next: string }
  | { kind: 'forgot'; url: string; email: string }
  | { kind: 'reset'; url: string; email: string; code: string; next: string };

export interface LoginState {
  screen: Screen;
  values: Record<FieldName, string>;
  /** Index into ITEMS[screen]. */
  focus: number;
  /** The request in flight; input waits while there is one. */
  request: Request | null;
  error: string | null;
  /**
   * The fields the error is about when editing them makes it stale: "the two new passwords
   * differ" stayed while matching ones were typed. Editing one of them takes the error away.
   */
  errorFields: readonly FieldName[];
  info: string | null;
  session: LoginSession | null;
  me: Me | null;
  /** The operator's projects on the picker, and the highlighted one. */
  choices: Project[];
  selected: number;
  project: Project | null;
  /** `--project` (or PARLEY_PROJECT), and the CLI's default project per server URL. */
  wanted: string | null;
  defaults: Record<string, number>;
  /**
   * The stored login could not be tried (the server out of reach, or failing): it is kept and
   * tried again (the Gate waits longer after each attempt); `error` says why meanwhile.
   */
  retry: { attempt: number; session: LoginSession } | null;
}

export type LoginAction =
  | { type: 'type'; text: string }
  | { type: 'erase' }
  | { type: 'move'; by: 1 | -1 }
  | { type: 'enter' }
  | { type: 'back' }
  /** Try the stored login again (its wait is over, or Enter on the "cannot reach" screen). */
  | { type: 'retry' }
  /** The main screen's session ended (signed out elsewhere, revoked, expired): sign in again. */
  | { type: 'sessionEnded'; reason: string }
  // results of requests
  | { type: 'mustChange'; session: LoginSession }
  | { type: 'signedIn'; session: LoginSession; me: Me }
  | { type: 'codeSent'; message: string }
  /** `transient`: the server could not answer for the login (out of reach, failing): a stored login is tried again. */
  | { type: 'failed'; message: string; field?: FieldName; transient?: boolean };

export interface LoginBoot {
  /** The server URL (flag, PARLEY_URL, the stored login, or the default). */
  url: string;
  /** A token to try first (flag, PARLEY_TOKEN, or the stored login for this URL). */
  token?: string | null;
  /** The stored login's email, to fill in. */
  email?: string | null;
  wanted?: string | null;
  defaults?: Record<string, number>;
}

const EMPTY_VALUES: Record<FieldName, string> = { url: '', email: '', password: '', newPassword: '', repeat: '', code: '' };

/**
 * Why a session ended, to follow "Your session ended": the socket's reason says "the session
 * ended (signed out, revoked or expired)", which would say it twice.
 */
export const endedBecause = (reason: string): string => reason.replace(/^the session ended \((.*)\)$/, '$1');

export function initialLogin(boot: LoginBoot): LoginState {
  const base: LoginState = {
    screen: 'signIn',
    values: { ...EMPTY_VALUES, url: boot.url, email: boot.email ?? '' },
    focus: 0,
    request: null,
    error: null,
    errorFields: [],
    info: null,
    session: null,
    me: null,
    choices: [],
    selected: 0,
    project: null,
    wanted: boot.wanted ?? null,
    defaults: boot.defaults ?? {},
    retry: null,
  };
  if (boot.token) {
    const session = { url: boot.url, token: boot.token, email: boot.email ?? '' };
    return { ...base, screen: 'checking', request: { kind: 'check', session } };
  }
  return { ...base, focus: firstEmpty(base.values, 'signIn') };
}

/** The focus on the first empty field of a screen (the first item when all are filled). */
function firstEmpty(values: Record<FieldName, string>, screen: Screen): number {
  const i = ITEMS[screen].findIndex((it) => it.kind === 'field' && values[it.name] === '');
  return i < 0 ? 0 : i;
}

function indexOf(screen: Screen, name: FieldName): number {
  return ITEMS[screen].findIndex((it) => it.kind === 'field' && it.name === name);
}

export function focusedItem(state: LoginState): Item | undefined {
  return ITEMS[state.screen][state.focus];
}

/** The URL as the client wants it (http/https, no trailing slash), or null when it is not one. */
export function parseServerUrl(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return url.toString().replace(/\/+$/, '');
}

export type ProjectChoice =
  | { kind: 'chosen'; project: Project }
  | { kind: 'pick'; projects: Project[] }
  | { kind: 'none'; message: string };

/**
 * Where the operator works: `--project` when given (an id or a name), else the CLI's default
 * project when they operate in it, else their only operator project, else a picker.
 */
export function chooseProject(me: Me, wanted: string | null, defaultId: number | undefined): ProjectChoice {
  const operating = me.projects.filter((p) => p.operator);
  // A member gets the role with `team update`, in that project (whatever the admin's default is).
  const email = shellWord(me.user.email);
  const fix = (projects: Project[]) => {
    const which = projects.length === 1 ? `"${projects[0].name}"` : `one of ${projects.map((p) => `"${p.name}"`).join(', ')}`;
    const project = projects.length === 1 ? String(projects[0].id) : 'PROJECT';
    return `ask an admin of ${which} to run "parley team update ${email} --operator -p ${project}"`;
  };
  if (wanted !== null) {
    const found = /^\d+$/.test(wanted)
      ? me.projects.filter((p) => p.id === Number(wanted))
      : me.projects.filter((p) => p.name.toLowerCase() === wanted.toLowerCase());
    if (found.length === 0) return { kind: 'none', message: `You have no project "${wanted}" on this server.` };
    if (found.length > 1) return { kind: 'none', message: `Several projects are named "${wanted}": use the id.` };
    if (!found[0].operator) return { kind: 'none', message: `You are not an operator in "${found[0].name}": ${fix(found)}.` };
    return { kind: 'chosen', project: found[0] };
  }
  const byDefault = operating.find((p) => p.id === defaultId);
  if (byDefault) return { kind: 'chosen', project: byDefault };
  if (operating.length === 1) return { kind: 'chosen', project: operating[0] };
  // Someone in no project (removed from the last one, say) is no member to update: an admin adds them.
  if (me.projects.length === 0) {
    const add = `parley team add --email ${email} --first-name ${shellWord(me.user.firstName)} --last-name ${shellWord(me.user.lastName)} --operator`;
    return { kind: 'none', message: `${me.user.email} is not a member of any project: ask an admin to add you to their project with "${add}".` };
  }
  if (operating.length === 0) {
    return { kind: 'none', message: `${me.user.email} is not an operator in any project yet: ${fix(me.projects)}.` };
  }
  return { kind: 'pick', projects: operating };
}

const clean = (text: string) => text.replace(/[\x00-\x1f\x7f]/g, '');

function withValue(state: LoginState, name: FieldName, value: string): LoginState {
  return { ...state, values: { ...state.values, [name]: value } };
}

/** A field typed in or erased: an error about what it held goes with the old text. */
function edited(state: LoginState, name: FieldName, value: string): LoginState {
  const next = withValue(state, name, value);
  return state.errorFields.includes(name) ? { ...next, error: null, errorFields: [] } : next;
}

function go(state: LoginState, screen: Screen, patch: Partial<LoginState> = {}): LoginState {
  const next = { ...state, screen, error: null, errorFields: [], info: null, ...patch };
  return { ...next, focus: patch.focus ?? firstEmpty(next.values, screen) };
}

/** The new password twice: the first problem as a message (both fields are emptied for it), or null when it will do. */
function newPasswordProblem(values: Record<FieldName, string>): { message: string; field: FieldName } | null {
  if (values.newPassword.length < MIN_PASSWORD_LENGTH) {
    return { message: `The new password needs at least ${MIN_PASSWORD_LENGTH} characters.`, field: 'newPassword' };
  }
  if (values.newPassword !== values.repeat) return { message: 'The two new passwords differ: type them again.', field: 'newPassword' };
  return null;
}

/**
 * A problem with what was typed: shown, the field focused (secrets and a wrong code emptied).
 * `staleOnEdit`: the fields whose edit makes the message stale, so it goes then.
 */
function problem(state: LoginState, message: string, name: FieldName, staleOnEdit: readonly FieldName[] = []): LoginState {
  let next: LoginState = { ...state, error: message, errorFields: staleOnEdit, info: null, request: null };
  if (SECRET_FIELDS.has(name) || name === 'code') {
    next = withValue(next, name, '');
    if (name === 'newPassword') next = withValue(next, 'repeat', '');
  }
  const i = indexOf(state.screen, name);
  return { ...next, focus: i < 0 ? firstEmpty(next.values, state.screen) : i };
}

/** The new password's two fields: a problem with them is about what both held, emptied now. */
const NEW_PASSWORD: readonly FieldName[] = ['newPassword', 'repeat'];

function submit(state: LoginState): LoginState {
  const v = state.values;
  switch (state.screen) {
    case 'signIn': {
      const url = parseServerUrl(v.url);
      if (!url) return problem(state, 'The server URL starts with http:// or https://, e.g. http://127.0.0.1:8080.', 'url');
      if (!v.email.trim()) return problem(state, 'Type your email.', 'email');
      if (!v.password) return problem(state, 'Type your password.', 'password');
      return { ...withValue(state, 'url', url), error: null, request: { kind: 'login', url, email: v.email.trim(), password: v.password } };
    }
    case 'changePassword': {
      const bad = newPasswordProblem(v);
      if (bad) return problem(state, bad.message, bad.field, NEW_PASSWORD);
      return { ...state, error: null, request: { kind: 'change', session: state.session!, current: v.password, next: v.newPassword } };
    }
    case 'forgot': {
      const url = parseServerUrl(v.url);
      if (!url) return go(state, 'signIn', { error: 'The server URL starts with http:// or https://.', focus: 0 });
      if (!v.email.trim()) return problem(state, 'Type your email.', 'email');
      return { ...state, error: null, request: { kind: 'forgot', url, email: v.email.trim() } };
    }
    case 'reset': {
      if (!v.code.trim()) return problem(state, 'Type the code from the mail.', 'code');
      const bad = newPasswordProblem(v);
      if (bad) return problem(state, bad.message, bad.field, NEW_PASSWORD);
      const url = parseServerUrl(v.url)!;
      return { ...state, error: null, request: { kind: 'reset', url, email: v.email.trim(), code: v.code.trim(), next: v.newPassword } };
    }
    default:
      return state;
  }
}

function enter(state: LoginState): LoginState {
  if (state.screen === 'pickProject') {
    const project = state.choices[state.selected];
    return project ? go(state, 'done', { project }) : state;
  }
  const items = ITEMS[state.screen];
  const item = items[state.focus];
  if (!item) return state;
  if (item.kind === 'button') {
    if (item.action === 'forgot') return go(state, 'forgot', { values: { ...state.values, password: '' } });
    return submit(state);
  }
  // Enter on a field moves on to the next empty one; when there is none, it submits.
  const next = items.findIndex((it, i) => i > state.focus && it.kind === 'field' && state.values[it.name] === '');
  if (next >= 0) return { ...state, focus: next };
  return submit(state);
}

function back(state: LoginState): LoginState {
  const wipe = { password: '', newPassword: '', repeat: '', code: '' };
  switch (state.screen) {
    case 'changePassword':
    case 'pickProject':
    case 'noProject':
      return go(state, 'signIn', { session: null, me: null, choices: [], values: { ...state.values, ...wipe } });
    case 'forgot':
      return go(state, 'signIn');
    case 'checking':
      // Waiting for the server: sign in with a password instead (another server URL, say).
      return go({ ...state, retry: null }, 'signIn');
    case 'reset':
      return go(state, 'forgot', { values: { ...state.values, ...wipe } });
    default:
      return { ...state, error: null, info: null };
  }
}

function signedIn(state: LoginState, session: LoginSession, me: Me): LoginState {
  const values = { ...state.values, url: session.url, email: me.user.email, password: '', newPassword: '', repeat: '', code: '' };
  const base = { ...state, values, session: { ...session, email: me.user.email }, me, request: null };
  const choice = chooseProject(me, state.wanted, state.defaults[session.url]);
  if (choice.kind === 'chosen') return go(base, 'done', { project: choice.project });
  if (choice.kind === 'pick') return go(base, 'pickProject', { choices: choice.projects, selected: 0 });
  return go(base, 'noProject', { error: choice.message });
}

export function reduceLogin(state: LoginState, action: LoginAction): LoginState {
  // Results answer the request in flight; keys wait until it is answered.
  if (action.type === 'mustChange' || action.type === 'signedIn' || action.type === 'codeSent' || action.type === 'failed') {
    const req = state.request;
    if (!req) return state;
    switch (action.type) {
      case 'mustChange':
        return go({ ...state, request: null, session: action.session }, 'changePassword', {
          values: { ...state.values, newPassword: '', repeat: '' },
          info: `The one-time password must be replaced now (${MIN_PASSWORD_LENGTH}+ characters).`,
        });
      case 'signedIn':
        return signedIn({ ...state, retry: null }, action.session, action.me);
      case 'codeSent':
        return go({ ...state, request: null }, 'reset', {
          values: { ...state.values, code: '', newPassword: '', repeat: '' },
          info: action.message,
        });
      case 'failed':
        // The server did not answer for the stored login: it is kept, and tried again.
        if (req.kind === 'check' && action.transient) {
          return { ...state, request: null, error: action.message, retry: { attempt: (state.retry?.attempt ?? 0) + 1, session: req.session } };
        }
        if (req.kind === 'check') {
          return go({ ...state, request: null, retry: null }, 'signIn', { error: action.message, values: { ...state.values, password: '' } });
        }
        return problem(state, action.message, action.field ?? (ITEMS[state.screen][0] as { name: FieldName }).name);
    }
  }
  if (state.request) return state;
  switch (action.type) {
    case 'type': {
      const item = focusedItem(state);
      const text = clean(action.text);
      if (item?.kind !== 'field' || !text) return state;
      return edited(state, item.name, state.values[item.name] + text);
    }
    case 'erase': {
      const item = focusedItem(state);
      if (item?.kind !== 'field' || state.values[item.name] === '') return state;
      return edited(state, item.name, withoutLastGrapheme(state.values[item.name]));
    }
    case 'move': {
      if (state.screen === 'pickProject') {
        const n = state.choices.length;
        return n ? { ...state, selected: (state.selected + action.by + n) % n } : state;
      }
      const n = ITEMS[state.screen].length;
      return n ? { ...state, focus: (state.focus + action.by + n) % n } : state;
    }
    case 'retry':
      return state.screen === 'checking' && state.retry ? { ...state, request: { kind: 'check', session: state.retry.session } } : state;
    case 'enter':
      // Waiting to try the stored login again: Enter tries it now.
      if (state.screen === 'checking') return reduceLogin(state, { type: 'retry' });
      return enter(state);
    case 'back':
      return back(state);
    case 'sessionEnded':
      return go(state, 'signIn', {
        session: null,
        me: null,
        project: null,
        choices: [],
        error: `Your session ended (${endedBecause(action.reason)}): sign in again.`,
        values: { ...state.values, password: '', newPassword: '', repeat: '', code: '' },
      });
  }
}
