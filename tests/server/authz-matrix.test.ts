// Who may do what: every HTTP route and every WebSocket frame, for each kind of caller.
//
// The routes come from the running app itself (Fastify's `fastify.initialization` diagnostics
// channel hands over the instance before any plugin registers, and an onRoute hook lists every
// route), so a route added without a line in MATRIX fails the first test. Frame types come from
// the protocol's schemas the same way.
//
// Callers: nobody (anon); a website visitor (their widget token); a member of another project
// (other); a member who has not replaced their one-time password (restricted); an operator; the
// operator's API token (which may not manage credentials: tokens, the password, a Telegram link);
// members with the `settings` and the `admin` access level (not operators); the server
// administrator who created the project (root, its admin); root's API token limited to the
// project (limited: in it, what root's session gets; no server administration, nor what every
// project shows of root, their profile, avatar and Telegram link).
//
// Besides each caller's status: another project's member gets 404 for this project's ids with
// exactly the answer an id that does not exist gets (nothing tells them what exists), and 404 for
// this project's dialogs, messages, templates ... asked for through their own project. The
// limited token gets the same 404 from the other project, where root is an admin too.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperatorFrame, VisitorFrame } from '../../core/protocol/index.js';
import { addMember, pngBytes } from '../helpers/accounts-extra.js';
import { watchOutbox } from '../helpers/mail.js';
import { connectOperator, connectVisitor, type Peer, visitorHello } from '../helpers/realtime.js';
import { type RouteInfo, withRoutes } from '../helpers/routes.js';
import { NEW_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const NO_PROJECT = 999_999;

const ROLES = ['anon', 'visitor', 'other', 'restricted', 'operator', 'token', 'settings', 'admin', 'root', 'limited'] as const;
type Role = (typeof ROLES)[number];
/** 'ok' is any 2xx/3xx; a number is that exact status. */
type Outcome = 'ok' | number;
/** Per caller, or 'public': the same answer for everyone, and never 401/403. */
type Expectation = Record<Role, Outcome> | 'public';

const denied = { anon: 401, visitor: 401, other: 404, restricted: 403 } as const;
/** Every member of the project. */
const members = (o: Outcome = 'ok'): Expectation => ({ ...denied, operator: o, token: o, settings: o, admin: o, root: o, limited: o });
/** Members with the operator role (answering dialogs). */
const operators = (others: Outcome = 403): Expectation => ({
  ...denied,
  operator: 'ok',
  token: 'ok',
  settings: others,
  admin: others,
  root: others,
  limited: others,
});
/** The admin-side access levels, admin and settings. */
const managers = (): Expectation => ({ ...denied, operator: 403, token: 403, settings: 'ok', admin: 'ok', root: 'ok', limited: 'ok' });
/** Anyone signed in, about their own account (a restricted session gets `restricted`). */
const signedIn = (o: Outcome = 'ok', restricted: Outcome = 403): Expectation => ({
  anon: 401,
  visitor: 401,
  other: o,
  restricted,
  operator: o,
  token: o,
  settings: o,
  admin: o,
  root: o,
  limited: o,
});
/**
 * What every project shows of the caller (the profile, the avatar) or relays to them (Telegram):
 * as `signedIn`, but a token limited to one project is refused (403 forbidden).
 */
const everyProject = (o: Outcome = 'ok'): Expectation => ({ ...signedIn(o), limited: 403 });
/**
 * About one's own credentials (tokens, the password, a Telegram link): as `signedIn`, but an API
 * token is refused (403 forbidden): only a session someone signed in to with the password may.
 */
const signedInSession = (o: Outcome = 'ok', restricted: Outcome = 403): Expectation => ({
  ...signedIn(o, restricted),
  token: 403,
  limited: 403,
});
/** Server administration: root's session alone (not root's token limited to a project). */
const serverAdmins = (): Expectation => ({
  anon: 401,
  visitor: 401,
  other: 403,
  restricted: 403,
  operator: 403,
  token: 403,
  settings: 403,
  admin: 403,
  root: 'ok',
  limited: 403,
});
/** Only the widget of a visitor of this project. */
const widgetVisitor = (): Expectation => ({
  anon: 401,
  visitor: 'ok',
  other: 401,
  restricted: 401,
  operator: 401,
  token: 401,
  settings: 401,
  admin: 401,
  root: 401,
  limited: 401,
});

/** The ids a request names: this project's, or with one swapped for the cross-project checks. */
interface Ids {
  p: number;
  d: number;
  m: number;
  t: number;
  l: number;
  g: string;
  email: string;
}

interface Req {
  method?: string;
  url: string;
  body?: unknown;
  payload?: Buffer;
  headers?: Record<string, string>;
}

interface Case {
  expect: Expectation;
  request(role: Role, ids: Ids): Req | Promise<Req>;
  /** Restores what a successful call changed that later cases rely on. */
  after?(role: Role, status: number): Promise<void>;
}

let server: TestServer;
let app: FastifyInstance;
const routes: RouteInfo[] = [];

/** Everything the requests name. */
const ctx = {
  P: 0,
  Q: 0,
  pKey: '',
  ids: {} as Ids,
  qIds: {} as Ids,
  opId: 0,
  file: { id: 0, key: '', name: '' },
  visitorToken: '',
  qVisitorToken: '',
  bearer: {} as Record<Role, string | null>,
  users: {} as Record<'root' | 'other' | 'restricted' | 'operator' | 'settings' | 'admin', { email: string; password: string }>,
};

const isApiToken = (role: Role) => role === 'token' || role === 'limited';
const userOf = (role: Role) =>
  role === 'token' ? ctx.users.operator : role === 'limited' ? ctx.users.root : role in ctx.users ? ctx.users[role as keyof typeof ctx.users] : null;

let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}`;

async function inject(req: Req, bearer: string | null) {
  const headers: Record<string, string> = { ...req.headers };
  if (bearer && headers.authorization === undefined) headers.authorization = `Bearer ${bearer}`;
  let payload: string | Buffer | undefined = req.payload;
  if (req.body !== undefined) {
    payload = JSON.stringify(req.body);
    headers['content-type'] = 'application/json';
  }
  return app.inject({ method: (req.method ?? 'GET') as 'GET', url: req.url, headers, payload });
}

/** A request as root that must succeed. */
async function asRoot<T = any>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await inject({ method, url, body }, ctx.bearer.root);
  if (res.statusCode >= 300) throw new Error(`${method} ${url} as root: ${res.statusCode} ${res.body}`);
  return (res.body ? res.json() : undefined) as T;
}

function multipart(field: string, name: string, bytes: Buffer) {
  const boundary = `----parley${randomUUID()}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\nContent-Type: image/png\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** The widget token a caller's browser would hold for this project's widget. */
const widgetToken = (role: Role) => (role === 'visitor' ? ctx.visitorToken : role === 'other' ? ctx.qVisitorToken : null);

/** A session or token of the caller that may be ended (sign-out) without ending theirs. */
async function disposableBearer(role: Role): Promise<string | null> {
  const user = userOf(role);
  if (!user) return ctx.bearer[role];
  const accounts = app.services.accounts;
  if (isApiToken(role)) {
    const auth = (await accounts.authenticate(ctx.bearer[role]!))!;
    return (await accounts.createToken(auth, unique('throwaway'), undefined, auth.project?.id)).token;
  }
  return (await accounts.login(user.email, user.password)).token;
}

async function freshMember(projectId: number): Promise<string> {
  const email = `${unique('member')}@example.com`;
  await asRoot('POST', `/api/v1/projects/${projectId}/members`, { email, firstName: 'Fresh', lastName: '-', operator: true });
  return email;
}

const api = (path: string) => `/api/v1${path}`;
const dialog = (ids: Ids, rest = '') => api(`/projects/${ids.p}/dialogs/${ids.d}${rest}`);

const MATRIX: Record<string, Case> = {
  // ---- public ----------------------------------------------------------------------------
  'GET /healthz': { expect: 'public', request: () => ({ url: '/healthz' }) },
  'GET /readyz': { expect: 'public', request: () => ({ url: '/readyz' }) },
  'GET /widget.js': { expect: 'public', request: () => ({ url: '/widget.js' }) },
  'GET /': { expect: 'public', request: () => ({ url: '/' }) },
  'GET /demo.js': { expect: 'public', request: () => ({ url: '/demo.js' }) },
  'GET /favicon.ico': { expect: 'public', request: () => ({ url: '/favicon.ico' }) },
  'GET /parley.tgz': { expect: 'public', request: () => ({ url: '/parley.tgz' }) },
  'GET /parley.schema.json': { expect: 'public', request: () => ({ url: '/parley.schema.json' }) },
  'GET /avatars/:userId': { expect: 'public', request: () => ({ url: `/avatars/${ctx.opId}` }) },
  'GET /files/:id/:key/:name': {
    expect: 'public',
    request: () => ({ url: `/files/${ctx.file.id}/${ctx.file.key}/${encodeURIComponent(ctx.file.name)}` }),
  },
  'POST /telegram/webhook': { expect: 'public', request: () => ({ method: 'POST', url: '/telegram/webhook', body: { update_id: 1 } }) },
  'POST /api/v1/auth/login': {
    expect: 'public',
    request: () => ({ method: 'POST', url: api('/auth/login'), body: ctx.users.settings }),
  },
  'POST /api/v1/auth/password/forgot': {
    expect: 'public',
    request: () => ({ method: 'POST', url: api('/auth/password/forgot'), body: { email: ctx.users.settings.email } }),
  },
  'POST /api/v1/auth/password/reset': {
    expect: 'public',
    request: () => ({
      method: 'POST',
      url: api('/auth/password/reset'),
      body: { email: ctx.users.settings.email, code: 'AAAA-BBBB', newPassword: 'not-this-one-42' },
    }),
  },
  'GET /ws/visitor': { expect: 'public', request: () => ({ url: `/ws/visitor?key=${ctx.pKey}`, headers: { origin: ORIGIN } }) },
  'OPTIONS /widget/uploads': {
    expect: 'public',
    request: () => ({
      method: 'OPTIONS',
      url: `/widget/uploads?key=${ctx.pKey}`,
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
    }),
  },

  // ---- the widget ------------------------------------------------------------------------
  'POST /widget/uploads': {
    expect: widgetVisitor(),
    request: (role) => {
      const { payload, headers } = multipart('file', 'shot.png', pngBytes(200));
      const token = widgetToken(role);
      return {
        method: 'POST',
        url: `/widget/uploads?key=${ctx.pKey}`,
        payload,
        headers: { ...headers, origin: ORIGIN, ...(token ? { 'x-parley-visitor': token } : {}) },
      };
    },
  },

  // ---- one's own account -------------------------------------------------------------------
  'POST /api/v1/auth/logout': {
    expect: signedIn('ok', 'ok'),
    request: async (role) => {
      const bearer = await disposableBearer(role);
      return { method: 'POST', url: api('/auth/logout'), headers: bearer ? { authorization: `Bearer ${bearer}` } : {} };
    },
  },
  'GET /api/v1/me': { expect: signedIn('ok', 'ok'), request: () => ({ url: api('/me') }) },
  'PATCH /api/v1/me': { expect: everyProject(), request: () => ({ method: 'PATCH', url: api('/me'), body: { phone: null } }) },
  'POST /api/v1/me/password': {
    expect: signedInSession('ok', 'ok'),
    request: (role) => ({
      method: 'POST',
      url: api('/me/password'),
      body: { currentPassword: userOf(role)?.password ?? 'whatever-it-is', newPassword: unique('a-new-password-') },
    }),
  },
  'PUT /api/v1/me/avatar': {
    expect: everyProject(),
    request: () => ({ method: 'PUT', url: api('/me/avatar'), payload: pngBytes(300), headers: { 'content-type': 'image/png' } }),
  },
  'DELETE /api/v1/me/avatar': { expect: everyProject(), request: () => ({ method: 'DELETE', url: api('/me/avatar') }) },
  'GET /api/v1/tokens': { expect: signedIn(), request: () => ({ url: api('/tokens') }) },
  'POST /api/v1/tokens': { expect: signedInSession(), request: () => ({ method: 'POST', url: api('/tokens'), body: { name: unique('tok') } }) },
  // All of the caller's API tokens.
  'DELETE /api/v1/tokens': { expect: signedInSession(), request: () => ({ method: 'DELETE', url: api('/tokens') }) },
  // Another token of the caller's (an API token may revoke only itself: tests/server/s16-s3-token-scope.test.ts).
  'DELETE /api/v1/tokens/:name': {
    expect: signedInSession(),
    request: async (role) => {
      const name = unique('gone');
      const bearer = ctx.bearer[role];
      const auth = bearer ? await app.services.accounts.authenticate(bearer) : null;
      if (auth) await app.services.accounts.createToken(auth, name, undefined, auth.project?.id);
      return { method: 'DELETE', url: api(`/tokens/${name}`) };
    },
  },
  // Refused to a token before the bridge is asked for (this server runs without one: 503).
  'POST /api/v1/telegram/link': { expect: signedInSession(503), request: () => ({ method: 'POST', url: api('/telegram/link') }) },
  'DELETE /api/v1/telegram/link': { expect: everyProject(503), request: () => ({ method: 'DELETE', url: api('/telegram/link') }) },

  // ---- the server ------------------------------------------------------------------------
  'GET /api/v1/admin/backup': {
    expect: serverAdmins(),
    request: () => ({ url: api('/admin/backup') }),
  },
  'POST /api/v1/admin/users/:email/disable': {
    expect: serverAdmins(),
    request: async () => ({ method: 'POST', url: api(`/admin/users/${await freshMember(ctx.P)}/disable`) }),
  },
  'POST /api/v1/admin/users/:email/enable': {
    expect: serverAdmins(),
    request: async () => ({ method: 'POST', url: api(`/admin/users/${await freshMember(ctx.P)}/enable`) }),
  },

  // ---- projects and team -----------------------------------------------------------------
  'GET /api/v1/projects': { expect: signedIn(), request: () => ({ url: api('/projects') }) },
  'POST /api/v1/projects': {
    expect: serverAdmins(),
    request: () => ({ method: 'POST', url: api('/projects'), body: { name: unique('Project ') } }),
  },
  'GET /api/v1/projects/:projectId': { expect: members(), request: (_r, ids) => ({ url: api(`/projects/${ids.p}`) }) },
  'PATCH /api/v1/projects/:projectId': {
    expect: managers(),
    request: (_r, ids) => ({ method: 'PATCH', url: api(`/projects/${ids.p}`), body: { language: 'en' } }),
  },
  'GET /api/v1/projects/:projectId/members': { expect: members(), request: (_r, ids) => ({ url: api(`/projects/${ids.p}/members`) }) },
  'POST /api/v1/projects/:projectId/members': {
    expect: managers(),
    request: (_r, ids) => ({
      method: 'POST',
      url: api(`/projects/${ids.p}/members`),
      body: { email: `${unique('new')}@example.com`, firstName: 'New', lastName: '-', operator: true },
    }),
  },
  'GET /api/v1/projects/:projectId/members/:email': {
    expect: members(),
    request: (_r, ids) => ({ url: api(`/projects/${ids.p}/members/${ids.email}`) }),
  },
  'PATCH /api/v1/projects/:projectId/members/:email': {
    expect: managers(),
    request: (_r, ids) => ({ method: 'PATCH', url: api(`/projects/${ids.p}/members/${ids.email}`), body: { lastName: 'Op' } }),
  },
  'DELETE /api/v1/projects/:projectId/members/:email': {
    expect: managers(),
    request: async (_r, ids) => ({ method: 'DELETE', url: api(`/projects/${ids.p}/members/${await freshMember(ctx.P)}`) }),
  },

  // ---- dialogs ---------------------------------------------------------------------------
  'GET /api/v1/projects/:projectId/dialogs': { expect: members(), request: (_r, ids) => ({ url: api(`/projects/${ids.p}/dialogs`) }) },
  'GET /api/v1/projects/:projectId/dialogs/search': { expect: members(), request: (_r, ids) => ({ url: api(`/projects/${ids.p}/dialogs/search?q=hello`) }) },
  'GET /api/v1/projects/:projectId/dialogs/:dialogId': { expect: members(), request: (_r, ids) => ({ url: dialog(ids) }) },
  'GET /api/v1/projects/:projectId/dialogs/:dialogId/messages': {
    expect: members(),
    request: (_r, ids) => ({ url: dialog(ids, '/messages') }),
  },
  'POST /api/v1/projects/:projectId/dialogs/:dialogId/messages': {
    expect: operators(),
    request: (_r, ids) => ({ method: 'POST', url: dialog(ids, '/messages'), body: { clientId: randomUUID(), body: 'Hello from the matrix' } }),
  },
  'POST /api/v1/projects/:projectId/dialogs/:dialogId/attachments': {
    expect: operators(),
    request: (_r, ids) => ({ method: 'POST', url: dialog(ids, '/attachments'), ...multipart('file', 'shot.png', pngBytes(200)) }),
  },
  'PATCH /api/v1/projects/:projectId/messages/:messageId': {
    // Only the operator who wrote it (the operator; the token is theirs).
    expect: operators(),
    request: (_r, ids) => ({ method: 'PATCH', url: api(`/projects/${ids.p}/messages/${ids.m}`), body: { body: unique('Edited ') } }),
  },
  'PATCH /api/v1/projects/:projectId/dialogs/:dialogId/visitor': {
    expect: operators(),
    request: (_r, ids) => ({ method: 'PATCH', url: dialog(ids, '/visitor'), body: { notes: unique('note ') } }),
  },
  'POST /api/v1/projects/:projectId/dialogs/:dialogId/take': { expect: operators(), request: (_r, ids) => ({ method: 'POST', url: dialog(ids, '/take') }) },
  'POST /api/v1/projects/:projectId/dialogs/:dialogId/close': { expect: operators(), request: (_r, ids) => ({ method: 'POST', url: dialog(ids, '/close') }) },
  'POST /api/v1/projects/:projectId/dialogs/:dialogId/reopen': { expect: operators(), request: (_r, ids) => ({ method: 'POST', url: dialog(ids, '/reopen') }) },
  'POST /api/v1/projects/:projectId/dialogs/:dialogId/assign': {
    expect: operators(),
    request: (_r, ids) => ({ method: 'POST', url: dialog(ids, '/assign'), body: { email: ctx.users.operator.email } }),
  },
  'PUT /api/v1/projects/:projectId/dialogs/:dialogId/lead-class': {
    expect: operators(),
    request: (_r, ids) => ({ method: 'PUT', url: dialog(ids, '/lead-class'), body: { leadClass: null } }),
  },
  'PATCH /api/v1/projects/:projectId/dialogs/:dialogId': {
    expect: operators(),
    request: (_r, ids) => ({ method: 'PATCH', url: dialog(ids), body: { leadClass: null } }),
  },

  // ---- presence and schedules ------------------------------------------------------------
  'GET /api/v1/projects/:projectId/status': { expect: members(), request: (_r, ids) => ({ url: api(`/projects/${ids.p}/status`) }) },
  'PUT /api/v1/projects/:projectId/status': {
    // Members without the operator role have no online status to switch (400, as designed).
    expect: operators(400),
    request: (_r, ids) => ({ method: 'PUT', url: api(`/projects/${ids.p}/status`), body: { online: false } }),
  },
  'GET /api/v1/projects/:projectId/schedules': { expect: members(), request: (_r, ids) => ({ url: api(`/projects/${ids.p}/schedules`) }) },
  'PUT /api/v1/projects/:projectId/schedules': {
    expect: managers(),
    request: (_r, ids) => ({
      method: 'PUT',
      url: api(`/projects/${ids.p}/schedules`),
      body: { operators: [ctx.users.operator.email], days: 'mon-fri', from: '09:00', to: '18:00' },
    }),
  },
  'POST /api/v1/projects/:projectId/schedules/exceptions': {
    expect: managers(),
    request: (_r, ids) => ({
      method: 'POST',
      url: api(`/projects/${ids.p}/schedules/exceptions`),
      body: { operators: [ctx.users.operator.email], date: '2030-03-04', off: true },
    }),
  },
  'POST /api/v1/projects/:projectId/schedules/clear': {
    expect: managers(),
    request: (_r, ids) => ({ method: 'POST', url: api(`/projects/${ids.p}/schedules/clear`), body: { operators: [ctx.users.operator.email] } }),
  },

  // ---- groups and routing ----------------------------------------------------------------
  'GET /api/v1/projects/:projectId/groups': { expect: members(), request: (_r, ids) => ({ url: api(`/projects/${ids.p}/groups`) }) },
  'POST /api/v1/projects/:projectId/groups': {
    expect: managers(),
    request: (_r, ids) => ({ method: 'POST', url: api(`/projects/${ids.p}/groups`), body: { name: unique('Group ') } }),
  },
  'GET /api/v1/projects/:projectId/groups/:name': {
    expect: members(),
    request: (_r, ids) => ({ url: api(`/projects/${ids.p}/groups/${encodeURIComponent(ids.g)}`) }),
  },
  'PATCH /api/v1/projects/:projectId/groups/:name': {
    expect: managers(),
    request: async (_r, ids) => {
      const name = (await asRoot('POST', api(`/projects/${ctx.P}/groups`), { name: unique('Patched ') })).name as string;
      return { method: 'PATCH', url: api(`/projects/${ids.p}/groups/${encodeURIComponent(name)}`), body: { add: [ctx.users.operator.email] } };
    },
  },
  'DELETE /api/v1/projects/:projectId/groups/:name': {
    expect: managers(),
    request: async (_r, ids) => {
      const name = (await asRoot('POST', api(`/projects/${ctx.P}/groups`), { name: unique('Doomed ') })).name as string;
      return { method: 'DELETE', url: api(`/projects/${ids.p}/groups/${encodeURIComponent(name)}`) };
    },
  },
  'GET /api/v1/projects/:projectId/routing': { expect: members(), request: (_r, ids) => ({ url: api(`/projects/${ids.p}/routing`) }) },
  'PUT /api/v1/projects/:projectId/routing': {
    expect: managers(),
    request: (_r, ids) => ({ method: 'PUT', url: api(`/projects/${ids.p}/routing`), body: { assignment: 'manual' } }),
  },

  // ---- templates -------------------------------------------------------------------------
  'GET /api/v1/projects/:projectId/templates': { expect: members(), request: (_r, ids) => ({ url: api(`/projects/${ids.p}/templates`) }) },
  'POST /api/v1/projects/:projectId/templates': {
    // Operators and the admin-side levels alike.
    expect: members(),
    request: (_r, ids) => ({ method: 'POST', url: api(`/projects/${ids.p}/templates`), body: { name: unique('tpl'), text: 'Hello!' } }),
  },
  'POST /api/v1/projects/:projectId/templates/import': {
    expect: managers(),
    request: (_r, ids) => ({
      method: 'POST',
      url: api(`/projects/${ids.p}/templates/import`),
      body: { templates: [{ name: unique('imported'), text: 'Hi' }], dryRun: true },
    }),
  },
  'GET /api/v1/projects/:projectId/templates/:templateId': {
    expect: members(),
    request: (_r, ids) => ({ url: api(`/projects/${ids.p}/templates/${ids.t}`) }),
  },
  'PATCH /api/v1/projects/:projectId/templates/:templateId': {
    // The template is root's: an operator edits only their own.
    expect: managers(),
    request: (_r, ids) => ({ method: 'PATCH', url: api(`/projects/${ids.p}/templates/${ids.t}`), body: { text: unique('Text ') } }),
  },
  'DELETE /api/v1/projects/:projectId/templates/:templateId': {
    expect: managers(),
    request: async (_r, ids) => {
      const t = await asRoot('POST', api(`/projects/${ctx.P}/templates`), { name: unique('doomed'), text: 'Bye' });
      return { method: 'DELETE', url: api(`/projects/${ids.p}/templates/${t.id}`) };
    },
  },

  // ---- lead classes and the journal ------------------------------------------------------
  'GET /api/v1/projects/:projectId/lead-classes': { expect: members(), request: (_r, ids) => ({ url: api(`/projects/${ids.p}/lead-classes`) }) },
  'POST /api/v1/projects/:projectId/lead-classes': {
    expect: managers(),
    request: (_r, ids) => ({ method: 'POST', url: api(`/projects/${ids.p}/lead-classes`), body: { name: unique('Class ') } }),
  },
  'PATCH /api/v1/projects/:projectId/lead-classes/:classId': {
    expect: managers(),
    request: (_r, ids) => ({ method: 'PATCH', url: api(`/projects/${ids.p}/lead-classes/${ids.l}`), body: { name: unique('Renamed ') } }),
  },
  'PUT /api/v1/projects/:projectId/lead-classes/order': {
    expect: managers(),
    request: (_r, ids) => ({ method: 'PUT', url: api(`/projects/${ids.p}/lead-classes/order`), body: { names: ['target'] } }),
  },
  'DELETE /api/v1/projects/:projectId/lead-classes/:classId': {
    expect: managers(),
    request: async (_r, ids) => {
      const c = await asRoot('POST', api(`/projects/${ctx.P}/lead-classes`), { name: unique('Doomed ') });
      return { method: 'DELETE', url: api(`/projects/${ids.p}/lead-classes/${c.id}`) };
    },
  },
  'GET /api/v1/projects/:projectId/leads': { expect: members(), request: (_r, ids) => ({ url: api(`/projects/${ids.p}/leads`) }) },
  'GET /api/v1/projects/:projectId/leads/report': { expect: members(), request: (_r, ids) => ({ url: api(`/projects/${ids.p}/leads/report`) }) },

  // ---- the operator socket ---------------------------------------------------------------
  'GET /ws/operator': { expect: members(), request: (_r, ids) => ({ url: `/ws/operator?project=${ids.p}` }) },
};

// The password change needs more than a status: it ends the caller's other sessions, and a
// restricted caller stops being restricted. Put back what later cases rely on.
MATRIX['POST /api/v1/me/password'].after = async (role, status) => {
  const user = userOf(role);
  if (!user || status !== 200) return;
  const sent = lastPasswordSent.get(role);
  if (sent) user.password = sent;
  const accounts = app.services.accounts;
  for (const r of ROLES) {
    if (userOf(r) !== user || r === role || isApiToken(r)) continue;
    ctx.bearer[r] = (await accounts.login(user.email, user.password)).token;
  }
  if (role === 'restricted') {
    const id = (await accounts.authenticate(ctx.bearer.restricted!))!.user.id;
    await app.db.write((tx) => tx.run('UPDATE users SET must_change_password = 1 WHERE id = ?', [id]));
  }
};
// Ending all of the operator's API tokens from their session ends the token caller's too (the
// operator's), and root's the limited token: give each a new one.
MATRIX['DELETE /api/v1/tokens'].after = async (role, status) => {
  if (status !== 200) return;
  const accounts = app.services.accounts;
  if (role === 'operator') ctx.bearer.token = (await accounts.createToken((await accounts.authenticate(ctx.bearer.operator!))!, unique('ci'))).token;
  if (role === 'root') {
    ctx.bearer.limited = (await accounts.createToken((await accounts.authenticate(ctx.bearer.root!))!, unique('shop-ci'), undefined, ctx.P)).token;
  }
};
const lastPasswordSent = new Map<Role, string>();
{
  const original = MATRIX['POST /api/v1/me/password'].request;
  MATRIX['POST /api/v1/me/password'].request = async (role, ids) => {
    const req = await original(role, ids);
    lastPasswordSent.set(role, (req.body as { newPassword: string }).newPassword);
    return req;
  };
}

const isWebsocket = (key: string) => routes.some((r) => `${r.method} ${r.url}` === key && r.websocket);
/** Route keys whose path names more than the project: where another project's own id can be tried. */
const namesSubResource = (key: string) => /:projectId\/.*:(dialogId|messageId|email|name|templateId|classId)/.test(key);

/** One request as one caller: the status and the JSON body. */
async function attempt(key: string, role: Role, ids: Ids): Promise<{ status: number; json: any }> {
  const req = await MATRIX[key].request(role, ids);
  const bearer = ctx.bearer[role];
  if (isWebsocket(key)) return upgrade(req, bearer);
  const res = await inject(req, bearer);
  let json: unknown;
  try {
    json = res.body ? res.json() : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, json };
}

/** A real WebSocket upgrade: 101 (and the server's first frame), or the refusal's status. */
async function upgrade(req: Req, bearer: string | null): Promise<{ status: number; json: any }> {
  const base = server.url.replace(/^http/, 'ws');
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(`${base}${req.url}`, { headers: { ...req.headers, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) } });
  return new Promise((resolve) => {
    ws.once('unexpected-response', (_r, res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        ws.terminate();
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
      });
    });
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101, json: undefined });
    });
    ws.once('error', () => undefined);
  });
}

const normalized = (json: any) => JSON.stringify(json).replace(/\d+/g, 'N');
/** 101: the WebSocket upgrade went through. */
const outcomeOf = (status: number): Outcome => (status === 101 || (status >= 200 && status < 400) ? 'ok' : status);

beforeAll(async () => {
  let listed: RouteInfo[];
  ({ value: server, routes: listed } = await withRoutes(() => startTestServer({ rateLimits: { login: 10_000, forgot: 10_000 } })));
  routes.push(...listed);
  app = server.app;
  const outbox = await watchOutbox(server.dataDir);

  const rootLogin = await app.services.admin.createServerAdmin({ email: 'root@example.com', firstName: 'Root', lastName: 'Admin' });
  const rootSession = (await app.services.accounts.login(rootLogin.email, rootLogin.password)).token;
  ctx.bearer = Object.fromEntries(ROLES.map((r) => [r, null])) as Record<Role, string | null>;
  ctx.bearer.root = rootSession;
  await asRoot('POST', api('/me/password'), { currentPassword: rootLogin.password, newPassword: NEW_PASSWORD });
  ctx.users = { root: { email: rootLogin.email, password: NEW_PASSWORD } } as typeof ctx.users;

  const p = await asRoot('POST', api('/projects'), { name: 'Shop' });
  const q = await asRoot('POST', api('/projects'), { name: 'Elsewhere' });
  for (const { id } of [p, q]) await asRoot('PATCH', api(`/projects/${id}`), { allowedOrigins: [ORIGIN] });
  ctx.P = p.id;
  ctx.Q = q.id;
  ctx.pKey = p.widgetKey;

  const rootClient = { addMember: (projectId: number, body: object) => asRoot('POST', api(`/projects/${projectId}/members`), body) };
  const people = [
    ['operator', ctx.P, { email: 'op@example.com', firstName: 'Oli', lastName: 'Op', operator: true }],
    ['settings', ctx.P, { email: 'set@example.com', firstName: 'Sam', lastName: 'Set', access: 'settings' }],
    ['admin', ctx.P, { email: 'adm@example.com', firstName: 'Ada', lastName: 'Adm', access: 'admin' }],
    ['other', ctx.Q, { email: 'oth@example.com', firstName: 'Otto', lastName: 'Other', access: 'admin', operator: true }],
    ['restricted', ctx.P, { email: 'new@example.com', firstName: 'Nia', lastName: 'New', operator: true }],
  ] as const;
  for (const [role, projectId, body] of people) {
    const added = await addMember(server, rootClient as never, projectId, body as never, outbox);
    if (role === 'restricted') {
      ctx.bearer[role] = (await app.services.accounts.login(body.email, added.oneTime)).token;
      ctx.users[role] = { email: body.email, password: added.oneTime };
    } else {
      ctx.bearer[role] = (await added.signIn()).token!;
      ctx.users[role] = { email: body.email, password: NEW_PASSWORD };
    }
  }
  outbox.close();
  const opAuth = (await app.services.accounts.authenticate(ctx.bearer.operator!))!;
  ctx.opId = opAuth.user.id;
  ctx.bearer.token = (await app.services.accounts.createToken(opAuth, 'ci')).token;
  const rootAuth = (await app.services.accounts.authenticate(ctx.bearer.root!))!;
  ctx.bearer.limited = (await app.services.accounts.createToken(rootAuth, 'shop-ci', undefined, ctx.P)).token;

  // Each project: a visitor's dialog, an operator's message in it, a template, a lead class, a group.
  async function furnish(projectId: number, key: string, operatorBearer: string) {
    const { peer, welcome } = await visitorHello(server.url, key, ORIGIN);
    peer.send({ type: 'message.send', clientId: randomUUID(), body: 'Hello?' });
    await peer.next((f) => f.type === 'message.stored');
    await peer.close();
    const list = await inject({ url: api(`/projects/${projectId}/dialogs?view=mine`) }, operatorBearer);
    const d = list.json().dialogs[0].id as number;
    const sent = await inject({ method: 'POST', url: api(`/projects/${projectId}/dialogs/${d}/messages`), body: { clientId: randomUUID(), body: 'Hi!' } }, operatorBearer);
    const t = await asRoot('POST', api(`/projects/${projectId}/templates`), { name: unique('greeting'), text: 'Hello!' });
    const l = await asRoot('POST', api(`/projects/${projectId}/lead-classes`), { name: unique('Lead ') });
    const g = await asRoot('POST', api(`/projects/${projectId}/groups`), { name: unique('Sales ') });
    return { visitorToken: welcome.token as string, ids: { p: projectId, d, m: sent.json().id as number, t: t.id, l: l.id, g: g.name, email: '' } };
  }
  const shop = await furnish(ctx.P, ctx.pKey, ctx.bearer.operator!);
  ctx.ids = { ...shop.ids, email: ctx.users.operator.email };
  ctx.visitorToken = shop.visitorToken;
  const elsewhere = await furnish(ctx.Q, q.widgetKey, ctx.bearer.other!);
  ctx.qIds = { ...elsewhere.ids, email: ctx.users.other.email };
  ctx.qVisitorToken = elsewhere.visitorToken;
  ctx.bearer.visitor = ctx.visitorToken;

  const upload = multipart('file', 'receipt.png', pngBytes(400));
  const file = await inject({ method: 'POST', url: dialog(ctx.ids, '/attachments'), ...upload }, ctx.bearer.operator);
  const [, , id, fileKey, name] = (file.json().url as string).split('/');
  ctx.file = { id: Number(id), key: fileKey, name: decodeURIComponent(name) };
});

afterAll(async () => {
  await server?.close();
});

describe('HTTP routes', () => {
  it('every route of the running app has a line in the matrix, and every line a route', () => {
    const live = routes.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`);
    expect(new Set(live).size).toBe(live.length);
    expect([...live].sort()).toEqual(Object.keys(MATRIX).sort());
    // HEAD exists only as the automatic twin of a GET (checked below with the GET's answers).
    for (const r of routes.filter((x) => x.method === 'HEAD')) expect(live).toContain(`GET ${r.url}`);
  });

  it.each(Object.keys(MATRIX))('%s', async (key) => {
    const c = MATRIX[key];
    const got = {} as Record<Role, Outcome>;
    const statuses = {} as Record<Role, number>;
    const bodies = {} as Record<Role, unknown>;
    for (const role of ROLES) {
      const { status, json } = await attempt(key, role, ctx.ids);
      statuses[role] = status;
      bodies[role] = json;
      got[role] = outcomeOf(status);
      await c.after?.(role, status);
    }

    if (c.expect === 'public') {
      expect(new Set(Object.values(statuses)).size, JSON.stringify(statuses)).toBe(1);
      expect([401, 403]).not.toContain(statuses.anon);
    } else {
      expect(got).toEqual(c.expect);
      // Refusals use the one error shape.
      for (const role of ROLES) {
        if (statuses[role] >= 400 && !isWebsocket(key)) {
          expect(bodies[role], role).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
        }
      }
      // In its project the limited token is root's session, status for status; where it is not,
      // the refusal says it is the token (not "only server administrators", which root is).
      if (c.expect.limited === c.expect.root) expect(statuses.limited, 'limited, as root').toBe(statuses.root);
      else if (!isWebsocket(key)) {
        expect(bodies.limited.error.message).toMatch(/^(an API token cannot|this API token is limited to the project "Shop": it cannot) /);
      }
    }

    if (c.expect !== 'public' && c.expect.other === 404) {
      // Another project's member learns nothing from this project's ids: the same answer as for
      // a project that does not exist, word for word (ids aside).
      const absent = await attempt(key, 'other', { ...ctx.ids, p: NO_PROJECT });
      expect(absent.status).toBe(404);
      if (!isWebsocket(key)) {
        expect(bodies.other).toMatchObject({ error: { code: 'not_found' } });
        expect(normalized(bodies.other)).toBe(normalized(absent.json));
      }
      // Nor through their own project: this project's dialogs, messages, templates ... are not there.
      if (namesSubResource(key)) {
        const viaOwn = await attempt(key, 'other', { ...ctx.ids, p: ctx.Q });
        expect(viaOwn.status, JSON.stringify(viaOwn.json)).toBe(404);
      }

      // The limited token gets the other project (root's too) with its own ids as one that does
      // not exist, word for word.
      const elsewhere = await attempt(key, 'limited', ctx.qIds);
      const nowhere = await attempt(key, 'limited', { ...ctx.qIds, p: NO_PROJECT });
      expect([elsewhere.status, nowhere.status], JSON.stringify(elsewhere.json)).toEqual([404, 404]);
      if (!isWebsocket(key)) expect(normalized(elsewhere.json)).toBe(normalized(nowhere.json));
    }

    // HEAD answers as GET does.
    if (key.startsWith('GET ') && !isWebsocket(key)) {
      for (const role of ROLES) {
        const req = await c.request(role, ctx.ids);
        const res = await inject({ ...req, method: 'HEAD' }, ctx.bearer[role]);
        expect(res.statusCode, `HEAD as ${role}`).toBe(statuses[role]);
      }
    }
  });
});

// ---- WebSocket frames --------------------------------------------------------------------

const frameTypes = (schema: { anyOf: Array<{ properties: { type: { const: string } } }> }) =>
  schema.anyOf.map((s) => s.properties.type.const);

const SOCKET_ROLES = ['operator', 'token', 'settings', 'admin', 'root', 'limited'] as const;
type SocketRole = (typeof SOCKET_ROLES)[number] | 'other' | 'operator, another project’s ids';
/** 'ok': no error frame (and the answer, if the frame has one); otherwise the error's code. */
type FrameOutcome = 'ok' | string;

interface FrameCase {
  frame(ids: Ids): Record<string, unknown>;
  /** The frame that answers it, when there is one. */
  answer?: (f: Record<string, any>, ids: Ids) => boolean;
  expect: Record<SocketRole, FrameOutcome>;
}

const onlyOperators = {
  operator: 'ok',
  token: 'ok',
  settings: 'forbidden',
  admin: 'forbidden',
  root: 'forbidden',
  limited: 'forbidden',
  other: 'not_found',
  'operator, another project’s ids': 'not_found',
} as const;

const OPERATOR_FRAMES: Record<string, FrameCase> = {
  'message.send': {
    frame: (ids) => ({ type: 'message.send', dialogId: ids.d, clientId: randomUUID(), body: 'From a socket' }),
    answer: (f) => f.type === 'message.stored',
    expect: onlyOperators,
  },
  'message.edit': {
    frame: (ids) => ({ type: 'message.edit', messageId: ids.m, body: unique('Edited over the socket '), ref: 'e' }),
    answer: (f) => f.type === 'message.edited',
    expect: onlyOperators,
  },
  // The visitor sees "typing": only those who answer.
  typing: { frame: (ids) => ({ type: 'typing', dialogId: ids.d }), expect: onlyOperators },
  // Any member reads; a dialog of another project is simply not there (no `messages` for it).
  resume: {
    frame: (ids) => ({ type: 'resume', dialogs: { [ids.d]: 0 } }),
    answer: (f, ids) => f.type === 'messages' && f.dialogId === ids.d,
    expect: { operator: 'ok', token: 'ok', settings: 'ok', admin: 'ok', root: 'ok', limited: 'ok', other: 'absent', 'operator, another project’s ids': 'absent' },
  },
  ping: {
    frame: () => ({ type: 'ping' }),
    answer: (f) => f.type === 'pong',
    expect: { operator: 'ok', token: 'ok', settings: 'ok', admin: 'ok', root: 'ok', limited: 'ok', other: 'ok', 'operator, another project’s ids': 'ok' },
  },
};

/** Sends a frame, then a ping: frames are answered in order, so the pong ends what answers the frame. */
async function frameOutcome(peer: Peer, c: FrameCase, ids: Ids): Promise<FrameOutcome> {
  peer.frames.splice(0);
  const marker = `m${randomUUID()}`;
  peer.send(c.frame(ids));
  peer.send({ type: 'message.edit', messageId: 2_000_000_000, body: 'x', ref: marker });
  await peer.next((f) => f.type === 'error' && f.ref === marker);
  const error = peer.frames.find((f) => f.type === 'error');
  if (error) return error.code as string;
  if (c.answer && !peer.frames.some((f) => c.answer!(f, ids))) return 'absent';
  return 'ok';
}

describe('operator socket frames', () => {
  it('every frame type of the protocol has a line', () => {
    expect(frameTypes(OperatorFrame as never).sort()).toEqual(Object.keys(OPERATOR_FRAMES).sort());
  });

  it.each(Object.keys(OPERATOR_FRAMES))('%s', async (type) => {
    const c = OPERATOR_FRAMES[type];
    const got = {} as Record<SocketRole, FrameOutcome>;
    const sockets: Array<[SocketRole, string, number, Ids]> = [
      ...SOCKET_ROLES.map((r) => [r, ctx.bearer[r]!, ctx.P, ctx.ids] as [SocketRole, string, number, Ids]),
      // Another project's member, on their own project's socket, naming this project's ids.
      ['other', ctx.bearer.other!, ctx.Q, ctx.ids],
      // This project's operator naming another project's dialog and message.
      ['operator, another project’s ids', ctx.bearer.operator!, ctx.P, ctx.qIds],
    ];
    for (const [role, bearer, projectId, ids] of sockets) {
      const peer = await connectOperator(server.url, bearer, projectId);
      try {
        await peer.next((f) => f.type === 'ready');
        got[role] = await frameOutcome(peer, c, ids);
      } finally {
        await peer.close();
      }
    }
    expect(got).toEqual(c.expect);
  });
});

interface WidgetFrameCase {
  frame(): Record<string, unknown>;
  answer?: (f: Record<string, any>) => boolean;
  /** Before `hello`; as this project's visitor; as another visitor of it (naming the first's message). */
  expect: { 'before hello': FrameOutcome; visitor: FrameOutcome; 'another visitor': FrameOutcome };
}

const WIDGET_FRAMES: Record<string, WidgetFrameCase> = {
  hello: {
    frame: () => ({ type: 'hello' }),
    answer: (f) => f.type === 'welcome',
    expect: { 'before hello': 'ok', visitor: 'validation', 'another visitor': 'validation' },
  },
  'message.send': {
    frame: () => ({ type: 'message.send', clientId: randomUUID(), body: 'From the widget' }),
    answer: (f) => f.type === 'message.stored',
    expect: { 'before hello': 'validation', visitor: 'ok', 'another visitor': 'ok' },
  },
  ack: {
    frame: () => ({ type: 'ack', messageIds: [ctx.ids.m] }),
    expect: { 'before hello': 'validation', visitor: 'ok', 'another visitor': 'ok' },
  },
  history: {
    frame: () => ({ type: 'history', before: 1_000_000 }),
    answer: (f) => f.type === 'history',
    expect: { 'before hello': 'validation', visitor: 'ok', 'another visitor': 'ok' },
  },
  typing: { frame: () => ({ type: 'typing' }), expect: { 'before hello': 'validation', visitor: 'ok', 'another visitor': 'ok' } },
  ping: {
    frame: () => ({ type: 'ping' }),
    answer: (f) => f.type === 'pong',
    expect: { 'before hello': 'validation', visitor: 'ok', 'another visitor': 'ok' },
  },
  // The card of the socket's own visitor only (a new one's waits for their first message).
  identify: {
    frame: () => ({ type: 'identify', ref: 'who', email: 'customer@example.com' }),
    answer: (f) => f.type === 'identified',
    expect: { 'before hello': 'validation', visitor: 'ok', 'another visitor': 'ok' },
  },
};

describe('widget socket frames', () => {
  it('every frame type of the protocol has a line', () => {
    expect(frameTypes(VisitorFrame as never).sort()).toEqual(Object.keys(WIDGET_FRAMES).sort());
  });

  it.each(Object.keys(WIDGET_FRAMES))('%s', async (type) => {
    const c = WIDGET_FRAMES[type];
    const got = {} as Record<keyof WidgetFrameCase['expect'], FrameOutcome>;

    const fresh = await connectVisitor(server.url, ctx.pKey, ORIGIN);
    try {
      fresh.send(c.frame());
      const first = await fresh.next(() => true);
      got['before hello'] = first.type === 'error' ? first.code : c.answer?.(first) === false ? 'absent' : 'ok';
    } finally {
      await fresh.close();
    }

    for (const [who, token] of [
      ['another visitor', undefined],
      ['visitor', ctx.visitorToken],
    ] as const) {
      const { peer } = await visitorHello(server.url, ctx.pKey, ORIGIN, token ? { token } : {});
      try {
        peer.frames.splice(0);
        peer.send(c.frame());
        peer.send({ type: 'ping' });
        await peer.next((f) => f.type === 'pong');
        const error = peer.frames.find((f) => f.type === 'error');
        got[who] = error ? error.code : c.answer && !peer.frames.some(c.answer) ? 'absent' : 'ok';
      } finally {
        await peer.close();
      }
      if (type === 'ack' && who === 'another visitor') {
        // Another visitor's ack of this visitor's message changes nothing.
        const row = await app.db.get<{ delivered_at: number | null }>('SELECT delivered_at FROM messages WHERE id = ?', [ctx.ids.m]);
        expect(row?.delivered_at).toBeNull();
      }
    }
    expect(got).toEqual(c.expect);
  });
});
