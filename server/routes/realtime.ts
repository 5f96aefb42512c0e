// The two WebSocket endpoints. Identity always comes from the connection (an operator's
// bearer token, a visitor's widget token), never from a frame's fields.
//
//   /ws/operator?project=ID   Authorization: Bearer <session or API token>
//   /ws/visitor?key=WIDGET_KEY  from an allowed Origin; the first frame is `hello`
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { Compile } from 'typebox/compile';
import { groupNameTooLong } from '../../core/name-length.js';
import { OperatorFrame, VisitorFrame } from '../../core/protocol/index.js';
import type { ProjectRow } from '../db/projects.js';
import { AppError, badRequest, forbidden, notFound, storageFault } from '../errors.js';
import { bearerToken } from '../plugins/auth.js';
import { releaseUpgrade } from '../plugins/realtime.js';
import { CLOSE, type VisitorConn } from '../realtime/hub.js';
import { keyedBuckets, socketsByAddress, warnOnceIn } from '../realtime/limits.js';
import type { Auth } from '../services/accounts.js';
import type { VisitorRef } from '../services/dialogs.js';
import { visitorMessage } from '../services/present.js';
import { malformedFrame, notUnicode } from '../unicode.js';

interface Checker {
  Check(v: unknown): boolean;
  Errors(v: unknown): Array<{ message: string; instancePath?: string; schemaPath?: string }>;
}

/**
 * A union of frame schemas, checked whole (one compiled check per frame), and per type for the
 * error of a frame it refuses: the union's own first error would be about another type's fields.
 */
function frameChecker(union: { anyOf: Array<{ properties: { type: { const: string } } }> }) {
  return {
    whole: Compile(union as never) as Checker,
    byType: new Map(union.anyOf.map((variant) => [variant.properties.type.const, Compile(variant as never) as Checker])),
  };
}
type FrameChecker = ReturnType<typeof frameChecker>;

const operatorFrame = frameChecker(OperatorFrame);
const visitorFrame = frameChecker(VisitorFrame);

/**
 * A visitor may send this many messages in a burst, refilled at this rate per second: the
 * visitor, over all their sockets (tabs), or a script would open a hundred.
 */
const VISITOR_BURST = 10;
const VISITOR_RATE = 3;
const HELLO_TIMEOUT_MS = 10_000;
/** A visitor's typing signals passed on to operators: a burst of this many, then this many a second. */
const TYPING_BURST = 5;
const TYPING_RATE = 1;
/**
 * What a site says of its visitor (identify) may change their card this often: a burst of this
 * many, then one a minute. Said again unchanged (every page of the site says it) costs nothing.
 */
const IDENTIFY_BURST = 5;
const IDENTIFY_RATE = 1 / 60;
/**
 * An operator socket's session or token is checked again this often: one that expires (by age
 * or, for a token, its --days) or whose user is disabled while the socket is open loses it.
 */
const SESSION_CHECK_MS = 60_000;
/**
 * A refused origin is logged once per project and origin in this long, with how many were
 * refused since: every visitor of a site not yet allowed retries, and each attempt would log.
 * An address over a budget is logged as seldom, for the same reason.
 */
const REFUSED_LOG_MS = 10 * 60_000;

/**
 * The close codes of a widget's refused connection (asked for with `refusal=close`), by the HTTP
 * status it would get: the origin is not allowed (403), the widget key is unknown (404), the
 * address has too many widgets open (429). The widget stops at the first two and tries a 4429
 * again later, with its backoff.
 */
const WIDGET_REFUSED: Record<number, { code: number; reason: string }> = {
  403: { code: 4403, reason: 'origin not allowed' },
  404: { code: 4404, reason: 'unknown widget key' },
  429: { code: 4429, reason: 'too many connections from this address; try later' },
};
const tooManySockets = () => new AppError(429, 'rate_limited', 'too many widget connections from this address; try later');
const tooManyMessages = () => new AppError(429, 'rate_limited', 'too many messages; wait a moment');
const tooManyVisitors = () => new AppError(429, 'rate_limited', 'too many new visitors from this address; wait a moment');

declare module 'fastify' {
  interface FastifyRequest {
    operatorAuth?: Auth;
    widgetProject?: ProjectRow;
    /** A widget's connection refused, to be closed with this code once open (`refusal=close`). */
    widgetRefused?: { code: number; reason: string };
  }
}

/** A frame refused as it stands; `ref` is its clientId (or ref) when it has one. */
class FrameError extends AppError {
  constructor(
    message: string,
    readonly ref?: string,
  ) {
    super(400, 'validation', message);
  }
}

/** What a sender uses to match an answer to a message: a refused frame's error carries it too. */
function refOf(value: unknown): string | undefined {
  const ref = (value as { clientId?: unknown; ref?: unknown } | null)?.clientId ?? (value as { ref?: unknown } | null)?.ref;
  return typeof ref === 'string' && ref.length <= 200 ? ref : undefined;
}

function parseFrame<T>(raw: RawData, checker: FrameChecker): T {
  let value: unknown;
  const text = raw.toString();
  try {
    value = JSON.parse(text);
  } catch {
    throw new FrameError('a frame must be a JSON object');
  }
  const malformed = malformedFrame(text, value);
  if (malformed) throw new FrameError(notUnicode(malformed), refOf(value));
  if (!checker.whole.Check(value)) {
    const type = (value as { type?: unknown } | null)?.type;
    if (typeof type !== 'string') throw new FrameError('a frame needs a "type"', refOf(value));
    const variant = checker.byType.get(type);
    if (!variant) throw new FrameError(`unknown frame type "${type.slice(0, 64)}"`, refOf(value));
    const first = variant.Errors(value)[0];
    // A field the frame does not have is named, as REST names one ("has no field"): TypeBox says "schema is false".
    const unknown = first?.schemaPath?.endsWith('/additionalProperties') ? first.instancePath?.split('/').pop() : undefined;
    const detail = unknown !== undefined ? `: it has no field ${JSON.stringify(unknown)}` : first ? `: ${first.instancePath || ''} ${first.message}`.trimEnd() : '';
    throw new FrameError(`invalid "${type}" frame${detail}`, refOf(value));
  }
  return value as T;
}

/**
 * The answer to a refused frame. A storage fault is `unavailable` (the same as HTTP's 503): the
 * sender keeps the message pending and sends the same clientId again later.
 */
function errorFrame(err: unknown, ref?: string) {
  if (ref === undefined && err instanceof FrameError) ref = err.ref;
  const known = err instanceof AppError ? err : storageFault(err);
  if (known) return JSON.stringify({ type: 'error', code: known.code, message: known.message, ref });
  return JSON.stringify({ type: 'error', code: 'internal', message: 'internal error', ref });
}

/**
 * Frames of one socket are handled one after another, so a sender's messages keep their order.
 * The next frame starts when the previous one is done, or as soon as it calls `queued`: its write
 * then holds its place in the commit order, and a sender's messages share commits.
 */
function inOrder(socket: WebSocket, handle: (raw: RawData, queued: () => void) => Promise<void>) {
  let chain = Promise.resolve();
  socket.on('message', (raw) => {
    chain = chain.then(() => new Promise<void>((next) => void handle(raw, next).finally(next)));
  });
}

/** A plain GET of a socket's address is answered, not left to an empty 404. */
function upgradeOnly(request: FastifyRequest) {
  if (request.headers.upgrade?.toLowerCase() === 'websocket') return;
  throw new AppError(426, 'validation', `${request.url.split('?')[0]} takes a WebSocket connection (a GET with Upgrade: websocket)`, {
    upgrade: 'websocket',
  });
}

function reply(socket: WebSocket, frame: unknown) {
  if (socket.readyState === 1) socket.send(JSON.stringify(frame));
}

export default async function realtimeRoutes(app: FastifyInstance, options: { sessionCheckMs?: number }) {
  const { dialogs, presence, projects } = app.services;
  const hub = app.hub;
  const { widgetSocketsPerAddress, widgetVisitorsPerMinute } = app.config;
  // By the client's address (request.ip: the proxy's, unless PARLEY_TRUST_PROXY is set) and by visitor.
  const widgetSockets = socketsByAddress(widgetSocketsPerAddress);
  const newVisitors = keyedBuckets(widgetVisitorsPerMinute, widgetVisitorsPerMinute / 60, app.clock);
  const visitorMessages = keyedBuckets(VISITOR_BURST, VISITOR_RATE, app.clock);
  const visitorTyping = keyedBuckets(TYPING_BURST, TYPING_RATE, app.clock);
  const visitorIdentified = keyedBuckets(IDENTIFY_BURST, IDENTIFY_RATE, app.clock);
  const warningDue = warnOnceIn(REFUSED_LOG_MS, app.clock);
  /** Who a widget socket's budgets belong to: its visitor, or their token's hash until they are stored. */
  const visitorKey = (c: VisitorConn) => (c.visitorId !== null ? `visitor ${c.visitorId}` : c.pending!.tokenHash);
  /** A widget socket's visitor, stored now when they were not (their first message). */
  const visitorOf = async (c: VisitorConn): Promise<VisitorRef> =>
    c.visitorId !== null ? { id: c.visitorId, project_id: c.projectId } : dialogs.storeVisitor(c.pending!);

  // ---- operators ----------------------------------------------------------------------

  async function stillAllowed(token: string, projectId: number) {
    const auth = await app.services.accounts.authenticate(token);
    if (!auth) return CLOSE.revoked;
    if (!(await app.repos.projects.membership(projectId, auth.user.id))) return CLOSE.removed;
    return null;
  }

  app.get<{ Querystring: { project?: string } }>(
    '/ws/operator',
    {
      websocket: true,
      preValidation: async (request: FastifyRequest<{ Querystring: { project?: string } }>) => {
        upgradeOnly(request);
        const auth = await app.authenticate(request);
        const projectId = Number(request.query.project);
        if (!Number.isInteger(projectId) || projectId < 1) throw badRequest('connect with ?project=<id>');
        await projects.membership(auth, projectId);
        request.operatorAuth = auth;
      },
    },
    (socket, request) => {
      // What the socket needs of its upgrade request, taken now: the request itself is let go.
      const auth = request.operatorAuth!;
      const projectId = Number(request.query.project);
      const token = bearerToken(request) ?? '';
      const log = request.log;
      releaseUpgrade(socket, log);
      const remove = hub.addOperator({ socket, projectId, userId: auth.user.id, credentialId: auth.credentialId });
      const check = () =>
        void stillAllowed(token, projectId).then(
          (why) => why && socket.close(why.code, why.reason),
          (err) => log.error({ err }, 'checking an operator socket failed'),
        );
      // Revocations and removals close sockets at once (the hub); expiry has no event, so the
      // session is checked again now and then, as a request would check it (a check is a use:
      // an open terminal keeps its session from expiring idle).
      const recheck = setInterval(check, options.sessionCheckMs ?? SESSION_CHECK_MS);
      recheck.unref();
      socket.on('close', () => {
        clearInterval(recheck);
        remove();
      });
      // A revocation or removal between the upgrade's check and the line above reached no socket:
      // look again now that any later one will.
      check();
      inOrder(socket, async (raw, queued) => {
        let ref: string | undefined;
        try {
          const frame = parseFrame<OperatorFrame>(raw, operatorFrame);
          switch (frame.type) {
            case 'message.send': {
              ref = frame.clientId;
              const { message } = await dialogs.operatorSend(
                auth,
                projectId,
                frame.dialogId,
                frame.clientId,
                frame.body,
                frame.attachmentIds,
                { private: frame.private, queued },
              );
              reply(socket, { type: 'message.stored', clientId: frame.clientId, message });
              break;
            }
            case 'message.edit': {
              ref = frame.ref;
              const message = await dialogs.edit(auth, projectId, frame.messageId, frame.body);
              reply(socket, { type: 'message.edited', ref: frame.ref, message });
              break;
            }
            case 'typing':
              await dialogs.operatorTyping(auth, projectId, frame.dialogId);
              break;
            case 'resume':
              for (const { dialogId, messages } of await dialogs.resume(auth, projectId, frame.dialogs)) {
                reply(socket, { type: 'messages', dialogId, messages });
              }
              reply(socket, { type: 'resumed' });
              break;
            case 'ping':
              reply(socket, { type: 'pong' });
              break;
          }
        } catch (err) {
          if (!(err instanceof AppError)) log.error({ err }, 'operator frame failed');
          if (socket.readyState === 1) socket.send(errorFrame(err, ref));
        }
      });
      reply(socket, { type: 'ready', projectId, userId: auth.user.id });
    },
  );

  // ---- visitors (the widget) ------------------------------------------------------------

  /** The project of a widget's connection, or why it is refused (a refused origin is logged: REFUSED_LOG_MS). */
  async function allowedProject(request: FastifyRequest<{ Querystring: { key?: string } }>): Promise<ProjectRow> {
    const key = request.query.key;
    const project = key ? await app.repos.projects.byWidgetKey(key) : undefined;
    if (!project) throw notFound('unknown widget key');
    const origin = request.headers.origin;
    const allowed = JSON.parse(project.allowed_origins) as string[];
    if (!origin || !allowed.includes(origin)) {
      // The site owner installing the widget looks here (the widget also says it on the page's
      // console, when it asked with refusal=close; a browser shows a page no more than "403").
      // "null" is a page with no origin (opened from a file, or in a sandboxed frame): no
      // setting allows that, the site has to be served over http(s).
      const fix =
        origin === 'null'
          ? 'a page opened from a file or a sandboxed frame has no origin: serve it over http(s)'
          : `allow it with: parley project set ${project.id} --add-origin ${origin ?? 'ORIGIN'}`;
      const due = warningDue(`origin ${project.id} ${origin}`);
      if (due) {
        const since = due.heldBack ? `; ${due.heldBack} more refused since the last note` : '';
        request.log.warn(
          { origin: origin ?? null, projectId: project.id, refusedSince: due.heldBack },
          `widget refused: origin ${origin ?? '(none)'} is not allowed for project ${project.id} (${fix})${since}`,
        );
      }
      throw forbidden(`origin ${origin ?? '(none)'} is not allowed for this project`);
    }
    return project;
  }

  /**
   * An address over one of its budgets, logged once in REFUSED_LOG_MS. Many real visitors may
   * share it (an office), or all of them, when it is a reverse proxy's and PARLEY_TRUST_PROXY is
   * not set: the log line is how an admin learns which, and what to do.
   */
  function overBudget(log: FastifyBaseLogger, address: string, budget: 'sockets' | 'visitors') {
    const due = warningDue(`${budget} ${address}`);
    if (!due) return;
    const [what, variable, limit] =
      budget === 'sockets'
        ? [`has ${widgetSocketsPerAddress} widget connections open; more are told to try later`, 'PARLEY_WIDGET_SOCKETS_PER_ADDRESS', widgetSocketsPerAddress]
        : [`starts visitors faster than ${widgetVisitorsPerMinute} a minute; their first messages are told to wait`, 'PARLEY_WIDGET_VISITORS_PER_MINUTE', widgetVisitorsPerMinute];
    const proxy = app.config.trustProxy ? '' : `if ${address} is a reverse proxy, set PARLEY_TRUST_PROXY=1 so that visitors are counted by their own address; `;
    const since = due.heldBack ? `; ${due.heldBack} more refused since the last note` : '';
    log.warn(
      { address, budget, limit, refusedSince: due.heldBack },
      `widget limit: address ${address} ${what} (${proxy}if it is many real visitors, raise ${variable}, now ${limit})${since}`,
    );
  }

  // A browser tells a page nothing of a refused upgrade (its socket closes with 1006, as when the
  // network is gone), so the widget asks with `refusal=close` for the connection to be accepted
  // and closed at once with a code it can act on: it then stops retrying and tells the site's
  // owner why, or, over the address's budget, tries again later. Other clients get the HTTP status.
  app.get<{ Querystring: { key?: string; refusal?: string } }>(
    '/ws/visitor',
    {
      websocket: true,
      preValidation: async (request: FastifyRequest<{ Querystring: { key?: string; refusal?: string } }>) => {
        upgradeOnly(request);
        try {
          request.widgetProject = await allowedProject(request);
          if (widgetSockets.full(request.ip)) {
            overBudget(request.log, request.ip, 'sockets');
            throw tooManySockets();
          }
        } catch (err) {
          const refused = err instanceof AppError ? WIDGET_REFUSED[err.status] : undefined;
          if (request.query.refusal !== 'close' || !refused) throw err;
          request.widgetRefused = refused;
        }
      },
    },
    (socket, request) => {
      const log = request.log;
      const address = request.ip;
      releaseUpgrade(socket, log);
      // Counted here, once open: the check at the upgrade lets through every socket of a burst
      // that arrives before the first of them has opened.
      const uncount = request.widgetRefused ? null : widgetSockets.add(address);
      if (!uncount) {
        if (!request.widgetRefused) overBudget(log, address, 'sockets');
        const refused = request.widgetRefused ?? WIDGET_REFUSED[429];
        socket.close(refused.code, refused.reason);
        return;
      }
      // Ten thousand of these wait idle: each keeps only what its frames need. The project row
      // serves the hello and is let go, as is the upgrade request.
      let project: ProjectRow | null = request.widgetProject!;
      let conn: VisitorConn | null = null;
      let remove: (() => void) | null = null;
      let group: string | null = null;
      /** What the site said of a visitor not stored yet: it goes on their card with their first message. */
      let identity: Omit<Extract<VisitorFrame, { type: 'identify' }>, 'type' | 'ref'> | null = null;
      let helloTimer: NodeJS.Timeout | null = setTimeout(() => socket.close(4000, 'no hello'), HELLO_TIMEOUT_MS);
      const helloSaid = () => {
        if (helloTimer) clearTimeout(helloTimer);
        helloTimer = null;
      };
      socket.on('close', () => {
        uncount();
        helloSaid();
        remove?.();
      });
      inOrder(socket, async (raw) => {
        let ref: string | undefined;
        try {
          const frame = parseFrame<VisitorFrame>(raw, visitorFrame);
          if (frame.type === 'hello') {
            if (!project || conn) throw badRequest('hello was already said');
            // Measured as stored, as everywhere a group is named: "Night   shift" is Night shift.
            const groupTooLong = frame.group === undefined ? null : groupNameTooLong(frame.group);
            if (groupTooLong) throw badRequest(groupTooLong);
            helloSaid();
            const hello = await dialogs.visitorHello(project, frame.token, frame.language, frame.rev);
            // Gone while the hello was answered: registered now, it would stay "online" for good.
            if (socket.readyState !== 1) return;
            group = frame.group ?? null;
            // Registered before reading history: a message stored meanwhile arrives twice at
            // worst (the widget keeps one per id), never zero times.
            const c: VisitorConn = hello.visitor
              ? { socket, projectId: project.id, visitorId: hello.visitor.id }
              : { socket, projectId: project.id, visitorId: null, pending: hello.pending };
            conn = c;
            remove = hub.addVisitor(c);
            // Another tab of the token may have stored the visitor since the hello read.
            if (hello.pending) {
              const stored = await dialogs.storedVisitor(hello.pending);
              if (stored) hub.visitorStored(stored.project_id, hello.pending.tokenHash, stored.id);
            }
            const dialog = c.visitorId !== null ? await dialogs.dialogOfVisitor(c.visitorId) : undefined;
            const history = dialog
              ? await dialogs.visitorHistory(dialog, frame.rev ?? 0, frame.seq)
              : { resumed: false, more: false, messages: [] };
            reply(socket, {
              type: 'welcome',
              token: hello.token,
              visitor: { name: hello.visitor?.name ?? hello.pending!.name },
              operatorsOnline: (await presence.onlineCount(project.id)) > 0,
              dialog: dialog ? { id: dialog.id, status: dialog.status } : null,
              widget: { color: project.widget_color, greeting: project.widget_greeting },
              // The rev to say at the next hello: read before the messages, so they hold every change up to it.
              rev: dialog?.rev ?? 0,
              resumed: history.resumed,
              more: history.more,
              messages: history.messages.map(visitorMessage).filter(Boolean),
              // The widget refuses a larger file before uploading it.
              uploadMaxBytes: app.config.uploadMaxBytes,
            });
            project = null;
            return;
          }
          if (!conn) throw badRequest('say hello first');
          switch (frame.type) {
            case 'message.send': {
              ref = frame.clientId;
              if (!visitorMessages(visitorKey(conn))) throw tooManyMessages();
              // A first message stores the visitor and starts a dialog: what a script would repeat.
              if (conn.visitorId === null && !newVisitors(address)) {
                overBudget(log, address, 'visitors');
                throw tooManyVisitors();
              }
              const visitor = await visitorOf(conn);
              // Before the message: the dialog it starts is announced with the card filled in.
              if (identity) {
                await dialogs.visitorIdentify(visitor, identity);
                identity = null;
              }
              const { message } = await dialogs.visitorSend(visitor, {
                clientId: frame.clientId,
                body: frame.body,
                attachmentIds: frame.attachmentIds,
                page: frame.page,
                group,
              });
              reply(socket, { type: 'message.stored', clientId: frame.clientId, message: visitorMessage(message) });
              break;
            }
            case 'history': {
              // A visitor not stored has no dialog, so nothing older.
              const dialog = conn.visitorId !== null ? await dialogs.dialogOfVisitor(conn.visitorId) : undefined;
              const page = dialog ? await dialogs.visitorPage(dialog.id, frame.before) : { more: false, messages: [] };
              const messages = page.messages.map(visitorMessage).filter(Boolean);
              reply(socket, { type: 'history', before: frame.before, more: page.more, messages });
              break;
            }
            case 'ack':
              // A visitor not stored has no messages to ack.
              if (conn.visitorId !== null) await dialogs.visitorAck(await visitorOf(conn), frame.messageIds);
              break;
            case 'typing': {
              // Operators show it for seconds (the widget sends one every 3 s): a flood of them is
              // dropped, not passed on to every operator.
              if (conn.visitorId === null || !visitorTyping(visitorKey(conn))) break;
              const dialog = await dialogs.dialogOfVisitor(conn.visitorId);
              if (dialog) dialogs.visitorTyping(await visitorOf(conn), dialog);
              break;
            }
            case 'ping':
              reply(socket, { type: 'pong' });
              break;
            case 'identify': {
              ref = frame.ref;
              const { type: _type, ref: _ref, ...who } = frame;
              // A visitor not stored yet (nothing written) is not stored for this: what the site
              // said waits on this connection for their first message.
              if (conn.visitorId === null) {
                dialogs.checkIdentity(who);
                identity = { ...identity, ...who };
              } else {
                const key = visitorKey(conn);
                await dialogs.visitorIdentify(await visitorOf(conn), { ...identity, ...who }, () => visitorIdentified(key));
                identity = null;
              }
              reply(socket, { type: 'identified', ref: frame.ref });
              break;
            }
          }
        } catch (err) {
          if (!(err instanceof AppError)) log.error({ err }, 'visitor frame failed');
          if (socket.readyState === 1) socket.send(errorFrame(err, ref));
        }
      });
    },
  );
}
