// buildApp(options) -> the whole server as a Fastify instance, not listening (tests use it
// with inject or a random port; main.ts listens).
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { AjvCompiler } from '@fastify/ajv-compiler';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type ConnectionError, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { API_PREFIX, type ErrorCode } from '../core/protocol/index.js';
import { systemClock } from './clock.js';
import type { AppOptions } from './config.js';
import { badRequest, rateLimited } from './errors.js';
import authPlugin from './plugins/auth.js';
import corePlugin from './plugins/core.js';
import errorsPlugin from './plugins/errors.js';
import realtimePlugin from './plugins/realtime.js';
import securityPlugin, { NOTHING_ALLOWED_CSP, securityHeaders } from './plugins/security.js';
import authRoutes from './routes/auth.js';
import attachmentRoutes from './routes/attachments.js';
import avatarRoutes from './routes/avatars.js';
import adminRoutes from './routes/admin.js';
import backupRoutes from './routes/backup.js';
import healthRoutes from './routes/health.js';
import meRoutes from './routes/me.js';
import projectRoutes from './routes/projects.js';
import dialogRoutes from './routes/dialogs.js';
import realtimeRoutes from './routes/realtime.js';
import scheduleRoutes from './routes/schedules.js';
import groupRoutes from './routes/groups.js';
import templateRoutes from './routes/templates.js';
import leadRoutes from './routes/leads.js';
import teamRoutes from './routes/team.js';
import tokenRoutes from './routes/tokens.js';
import widgetRoutes from './routes/widget.js';
import kitRoutes from './routes/kit.js';
import telegramRoutes, { telegramWebhookRoutes } from './routes/telegram.js';
import { WEBHOOK_PATH } from './telegram/bridge.js';
import telegramPlugin from './telegram/plugin.js';
import { malformedText, notUnicode, wellFormed } from './unicode.js';

/** Query parameters that may carry secrets are never written to the log. */
const SECRET_PARAMS = /^(token|code|password|key|secret)$/i;
/** A file's URL is its capability (/files/ID/KEY/NAME): whoever has it reads the file. */
const FILE_KEY = /^(\/files\/[^/?]+\/)[^/?]+/;

function redactUrl(url: string): string {
  const path = url.replace(FILE_KEY, '$1[redacted]');
  const q = path.indexOf('?');
  if (q < 0) return path;
  const params = new URLSearchParams(path.slice(q + 1));
  for (const key of [...params.keys()]) if (SECRET_PARAMS.test(key)) params.set(key, '[redacted]');
  return `${path.slice(0, q)}?${params}`;
}

/**
 * Request headers that carry credentials: a Bearer token, a visitor token, the Telegram
 * webhook's secret. Redacted wherever a headers object is logged: as `headers`, or one level
 * down (`req.headers`, and @fastify/multipart's `busboyOptions.headers` at trace level).
 */
const SECRET_HEADERS = ['authorization', 'cookie', '"x-parley-visitor"', '"x-telegram-bot-api-secret-token"'];
const REDACT_PATHS = SECRET_HEADERS.flatMap((h) => {
  const key = h.startsWith('"') ? `[${h}]` : `.${h}`;
  return [`headers${key}`, `*.headers${key}`];
});

/**
 * The last net, over every finished line: whatever a message or an error quotes, Parley's own
 * bearer secrets (`pls_` session, `plt_` API token, `pvt_` visitor token: 43 base64url
 * characters each) and anything shaped like a Telegram bot token never reach the output.
 */
const SECRET_IN_TEXT = /\b(pls|plt|pvt)_[A-Za-z0-9_-]{20,}|(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}/g;
const scrubLine = (line: string) =>
  line.replace(SECRET_IN_TEXT, (_match, prefix?: string) => (prefix ? `${prefix}_[redacted]` : '[redacted]'));

function loggerOptions(options: AppOptions): FastifyServerOptions['logger'] {
  const { config } = options;
  const base = {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: { streamWrite: scrubLine },
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url), ip: req.ip }),
    },
  };
  if (options.logStream) return { ...base, stream: options.logStream };
  if (config.prettyLogs) {
    return { ...base, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } };
  }
  return base;
}

/**
 * Fastify's validator with its defaults for the URL's parts (a query string or a path holds only
 * text, so `?limit=20` must become a number), and strict for bodies: by default Ajv drops fields
 * a schema does not name and coerces types, so a misspelled `"dry_run": true` ran a real import
 * and `{"operator": null}` took a member's role away. A body now says what it means or is refused.
 */
const validators = AjvCompiler();
const lenient = validators({}, { customOptions: {} });
const strict = validators({}, { customOptions: { coerceTypes: false, removeAdditional: false } });

/**
 * How long a request may take to arrive, headers and body. Fastify's default is for ever, so a
 * client sending a byte every few seconds held a connection as long as it liked (slowloris). The
 * largest upload must still fit over a poor mobile link (this many bytes a second), and never
 * less than Node's own default.
 */
const SLOW_LINK_BYTES_PER_S = 32 * 1024;
const MIN_REQUEST_TIMEOUT_MS = 300_000;
/** Node looks for requests over their time this often (its default). */
const TIMEOUT_CHECK_MS = 30_000;
/** Node's own: the headers of a request arrive within this. */
const HEADERS_TIMEOUT_MS = 60_000;

function requestTimeoutOf(options: AppOptions): number {
  const upload = Math.ceil(options.config.uploadMaxBytes / SLOW_LINK_BYTES_PER_S) * 1000;
  return options.requestTimeoutMs ?? Math.max(MIN_REQUEST_TIMEOUT_MS, upload);
}

/**
 * What Node refuses before there is a request to route: a request over its time (408), headers
 * over Node's size limit (431), bytes that are not HTTP (400). Node's and Fastify's own answers
 * to these had bodies of their own (Fastify's `{"error":"Request Timeout","statusCode":408}`);
 * a client reads `{error:{code,message}}` here as everywhere else.
 */
const CLIENT_ERRORS: Record<string, { status: number; code: ErrorCode; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', message: 'the request took too long to arrive; send it again' },
  HPE_HEADER_OVERFLOW: { status: 431, code: 'too_large', message: 'the request headers are too large' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, code: 'too_large', message: 'the chunk extensions of the request body are too large' },
};
const MALFORMED = { status: 400, code: 'validation', message: 'the request is not valid HTTP' } as const;

/**
 * Answers a client error on the raw socket (there is no reply object yet), with the headers
 * every answer carries, then closes the connection: after such an error the rest of the stream
 * cannot be read as requests.
 */
function answerClientError(log: FastifyBaseLogger, err: ConnectionError, socket: Socket): void {
  // The peer has gone: nothing to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, code, message } = (err.code && CLIENT_ERRORS[err.code]) || MALFORMED;
  log.debug({ code: err.code, status }, 'client error: answered and closed');
  // As Node does: an answer already on its way on this connection (keep-alive) must not be
  // corrupted by another one written into its middle.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify({ error: { code, message } });
    socket.write(
      [
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
        'Content-Type: application/json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        'X-Content-Type-Options: nosniff',
        'X-Frame-Options: DENY',
        'Referrer-Policy: no-referrer',
        `Content-Security-Policy: ${NOTHING_ALLOWED_CSP}`,
        '',
        body,
      ].join('\r\n'),
    );
  }
  socket.destroy();
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const requestTimeout = requestTimeoutOf(options);
  const app: FastifyInstance = Fastify({
    logger: loggerOptions(options),
    bodyLimit: 1024 * 1024,
    // A WebSocket is no longer a request once upgraded: this does not cut it.
    requestTimeout,
    http: {
      // Node swaps the two timeouts when the headers' one is the longer: it must not be.
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeout),
      // A shorter timeout (tests) is looked at often enough to hold.
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, Math.max(50, requestTimeout / 4)),
    },
    // One proxy: the client is the address it appended to X-Forwarded-For (the last one). What
    // came before it in the header is whatever the client sent, and would let it pick its own
    // address (and with it, its own rate limits).
    trustProxy: options.config.trustProxy ? (_address: string, hop: number) => hop === 0 : false,
    forceCloseConnections: true,
    // A file's URL ends in its name, up to 200 characters, percent-encoded (12 per emoji).
    routerOptions: { maxParamLength: 2500 },
    // Requests Node refuses before Fastify sees them (over their time, headers too large, not
    // HTTP) answer {error:{code,message}} too.
    clientErrorHandler: (err, socket) => answerClientError(app.log, err, socket),
    // URLs the router refuses before any route runs (bad encoding, a parameter over 2,500
    // characters) get the same {error:{code,message}} as everything else.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a part of the URL is too long' : 'the URL is not valid';
      securityHeaders(reply);
      void reply.code(400).send({ error: { code: 'validation', message } });
    },
  });

  app.setValidatorCompiler((route) => (route.httpPart === 'body' ? strict : lenient)(route));
  // JSON sent as text/plain was parsed as a string and refused as "body must be object": it is
  // the type that is wrong (415).
  app.removeContentTypeParser('text/plain');
  app.addHook('preValidation', async (request) => {
    const malformed = malformedText(request.body, 'body');
    if (!malformed) return;
    // Telegram would send a refused update again and hold back every later one: its text is
    // mended (U+FFFD) instead.
    if (request.routeOptions.url === WEBHOOK_PATH) request.body = wellFormed(request.body);
    else throw badRequest(notUnicode(malformed));
  });

  // First, so that its headers reach every answer (errors, 404s, rate limits included).
  await app.register(securityPlugin);
  await app.register(errorsPlugin);
  await app.register(corePlugin, { config: options.config, clock: options.clock ?? systemClock });
  await app.register(authPlugin);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      rateLimited(`too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`, context.ttl / 1000),
  });

  await app.register(realtimePlugin, { heartbeatMs: options.heartbeatMs });
  // Does nothing unless PARLEY_TELEGRAM_TOKEN is set.
  await app.register(telegramPlugin, { tuning: options.telegram });

  await app.register(healthRoutes);
  await app.register(realtimeRoutes, { sessionCheckMs: options.sessionCheckMs });
  await app.register(avatarRoutes);
  await app.register(widgetRoutes);
  await app.register(kitRoutes);
  await app.register(attachmentRoutes);
  await app.register(telegramWebhookRoutes);
  await app.register(
    async (api) => {
      await api.register(authRoutes, {
        loginPerMinute: options.rateLimits?.login ?? 30,
        forgotPerMinute: options.rateLimits?.forgot ?? 10,
      });
      await api.register(meRoutes);
      await api.register(tokenRoutes);
      await api.register(projectRoutes);
      await api.register(teamRoutes);
      await api.register(dialogRoutes);
      await api.register(scheduleRoutes);
      await api.register(groupRoutes);
      await api.register(templateRoutes);
      await api.register(leadRoutes);
      await api.register(telegramRoutes);
      await api.register(backupRoutes);
      await api.register(adminRoutes);
    },
    { prefix: API_PREFIX },
  );
  return app;
}
