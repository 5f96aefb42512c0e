// Everything the server can be told, from flags and PARLEY_* environment variables.
import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { AVATAR_MAX_BYTES } from '../core/protocol/constants.js';
import type { Clock } from './clock.js';
import { DEFAULT_SCRYPT_N, SCRYPT_N_RANGE } from './secrets.js';
import type { BridgeTuning } from './telegram/timers.js';

export interface ServerConfig {
  dataDir: string;
  host: string;
  port: number;
  /** The address people and mails use to reach this server (PARLEY_PUBLIC_URL). */
  publicUrl: string;
  smtpUrl: string | null;
  mailFrom: string;
  logLevel: string;
  /** Pretty logs (a TTY) or JSON lines. */
  prettyLogs: boolean;
  /** Largest file a visitor or operator may attach (PARLEY_UPLOAD_MAX_BYTES). */
  uploadMaxBytes: number;
  /**
   * What one visitor may upload through the widget in a day (PARLEY_UPLOAD_VISITOR_BYTES_PER_DAY);
   * never less than one file of uploadMaxBytes in effect (services/attachments.ts).
   */
  uploadVisitorBytesPerDay: number;
  /** The Telegram bot's token (PARLEY_TELEGRAM_TOKEN); the bridge runs only when it is set. Never logged. */
  telegramToken: string | null;
  /** Base URL of the Bot API (PARLEY_TELEGRAM_API). */
  telegramApi: string;
  /** Webhook mode when set (PARLEY_TELEGRAM_WEBHOOK_URL): the public address of POST /telegram/webhook. */
  telegramWebhookUrl: string | null;
  /** PARLEY_TRUST_PROXY: take the client's address from X-Forwarded-For (behind a reverse proxy). */
  trustProxy: boolean;
  /** Widget sockets one client address may hold open at once (PARLEY_WIDGET_SOCKETS_PER_ADDRESS). */
  widgetSocketsPerAddress: number;
  /** Visitors one client address may start a minute, by their first message (PARLEY_WIDGET_VISITORS_PER_MINUTE). */
  widgetVisitorsPerMinute: number;
  /** scrypt's N for new password hashes (PARLEY_SCRYPT_N); secrets.ts. */
  scryptN: number;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DATA_DIR = './.parley';
export const DEFAULT_TELEGRAM_API = 'https://api.telegram.org';
/**
 * The per-address budgets of the widget. Generous, because one address is often many people: an
 * office or a mobile carrier's NAT, and every visitor at once behind a reverse proxy when
 * PARLEY_TRUST_PROXY is not set. They stop one script, not a busy site.
 */
export const DEFAULT_WIDGET_SOCKETS_PER_ADDRESS = 500;
export const DEFAULT_WIDGET_VISITORS_PER_MINUTE = 60;
export const DEFAULT_UPLOAD_MAX_BYTES = 10 * 1024 * 1024;
export const DEFAULT_UPLOAD_VISITOR_BYTES_PER_DAY = 100 * 1024 * 1024;
/** The SQLite database inside the data directory. */
export const DATABASE_FILE = 'parley.db';

/** Lifetimes and limits of the account rules, in one place. */
export const ACCOUNT_RULES = {
  initialPasswordTtlMs: 7 * 24 * 3600_000,
  resetCodeTtlMs: 10 * 60_000,
  resetCodeMaxAttempts: 5,
  /** At most this many reset mails per user per hour; more requests get the same answer, no mail. */
  resetMailsPerHour: 3,
  sessionIdleMs: 14 * 24 * 3600_000,
  sessionMaxMs: 90 * 24 * 3600_000,
  apiTokenIdleMs: 90 * 24 * 3600_000,
  apiTokenDefaultDays: 365,
  /** A password reset marks the API tokens created this long before it as new (a stolen session's, perhaps). */
  newApiTokenMs: 24 * 3600_000,
  loginFailureWindowMs: 15 * 60_000,
  loginFailureLimit: 10,
  avatarMaxBytes: AVATAR_MAX_BYTES,
} as const;

export function configFromEnv(
  env: NodeJS.ProcessEnv,
  flags: { host?: string; port?: number; dataDir?: string } = {},
): ServerConfig {
  // A flag wins over its variable, so a refusal names whichever of the two was given.
  const host = parseHost(flags.host ?? env.PARLEY_HOST ?? DEFAULT_HOST, flags.host !== undefined ? '--host' : 'PARLEY_HOST');
  const port = flags.port ?? (env.PARLEY_PORT ? parsePort(env.PARLEY_PORT, 'PARLEY_PORT') : DEFAULT_PORT);
  const dataDir = parseDataDir(
    flags.dataDir ?? env.PARLEY_DATA_DIR ?? DEFAULT_DATA_DIR,
    flags.dataDir !== undefined ? '--data-dir' : 'PARLEY_DATA_DIR',
  );
  // Any address of the machine is reached on loopback from it; an IPv6 one is bracketed in a URL.
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const logLevel = env.PARLEY_LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new Error(`PARLEY_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const mailFrom = env.PARLEY_MAIL_FROM || 'Parley <parley@localhost>';
  if (!MAIL_FROM.test(mailFrom)) {
    throw new Error(`PARLEY_MAIL_FROM must be an address, as in "Parley <chat@example.com>" or chat@example.com, got "${mailFrom}"`);
  }
  const webhook = env.PARLEY_TELEGRAM_WEBHOOK_URL?.trim() || null;
  return {
    dataDir,
    host,
    port,
    publicUrl: parseUrl(env.PARLEY_PUBLIC_URL ?? `http://${shownHost}:${port}`, 'PARLEY_PUBLIC_URL', ['http:', 'https:']).replace(/\/+$/, ''),
    smtpUrl: env.PARLEY_SMTP_URL ? parseUrl(env.PARLEY_SMTP_URL, 'PARLEY_SMTP_URL', ['smtp:', 'smtps:']) : null,
    mailFrom,
    logLevel,
    prettyLogs: Boolean(process.stdout.isTTY),
    uploadMaxBytes: parseSize(env.PARLEY_UPLOAD_MAX_BYTES, 'PARLEY_UPLOAD_MAX_BYTES', DEFAULT_UPLOAD_MAX_BYTES),
    uploadVisitorBytesPerDay: parseSize(
      env.PARLEY_UPLOAD_VISITOR_BYTES_PER_DAY,
      'PARLEY_UPLOAD_VISITOR_BYTES_PER_DAY',
      DEFAULT_UPLOAD_VISITOR_BYTES_PER_DAY,
    ),
    telegramToken: env.PARLEY_TELEGRAM_TOKEN?.trim() || null,
    telegramApi: parseUrl(env.PARLEY_TELEGRAM_API || DEFAULT_TELEGRAM_API, 'PARLEY_TELEGRAM_API', ['http:', 'https:']).replace(/\/+$/, ''),
    // Telegram posts updates only to https addresses.
    telegramWebhookUrl: webhook && parseUrl(webhook, 'PARLEY_TELEGRAM_WEBHOOK_URL', ['https:']),
    trustProxy: parseSwitch(env.PARLEY_TRUST_PROXY, 'PARLEY_TRUST_PROXY'),
    widgetSocketsPerAddress: parseCount(env.PARLEY_WIDGET_SOCKETS_PER_ADDRESS, 'PARLEY_WIDGET_SOCKETS_PER_ADDRESS', DEFAULT_WIDGET_SOCKETS_PER_ADDRESS),
    widgetVisitorsPerMinute: parseCount(env.PARLEY_WIDGET_VISITORS_PER_MINUTE, 'PARLEY_WIDGET_VISITORS_PER_MINUTE', DEFAULT_WIDGET_VISITORS_PER_MINUTE),
    scryptN: parseScryptN(env.PARLEY_SCRYPT_N),
  };
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
/** `addr@host`, or `Name <addr@host>` (the name may be quoted). */
const MAIL_FROM = /^(?:[^<>]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/;

/** A URL of one of `protocols`, as given (a typo fails the start, not every mail an hour later). */
function parseUrl(raw: string, what: string, protocols: string[]): string {
  let url: URL;
  // The value may hold a password (smtp://user:password@host): the error quotes it without.
  const shown = raw.trim().replace(/^([a-z][a-z0-9+.-]*:(?:\/\/)?)?[^@]*@/i, '$1…@');
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`${what} must be a URL (${protocols.map((p) => `${p}//…`).join(' or ')}), got "${shown}"`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new Error(`${what} must be a ${protocols.map((p) => p.slice(0, -1)).join(' or ')} URL, got "${shown}"`);
  }
  return raw.trim();
}

/**
 * An IP address or a host name. Checked here because the default public URL is made from it:
 * otherwise `--host 999.1.1.1` is refused as a bad PARLEY_PUBLIC_URL, which nobody set.
 */
function parseHost(raw: string, what: string): string {
  // An IPv6 address may come bracketed, as in a URL; it is listened on without the brackets.
  const inner = /^\[(.*)\]$/.exec(raw)?.[1];
  const bare = inner !== undefined && isIP(inner) === 6 ? inner : raw;
  if (isIP(bare) || HOST_NAME.test(bare)) return bare;
  throw new Error(`${what} must be an IP address or a host name, got "${raw}"`);
}

/** Labels of letters, digits and inner hyphens, the last not all digits (that would be an IPv4 address). */
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*(?![0-9]+$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * The data directory, absolute. It may not exist yet (the server creates it), but a file in its
 * place would fail later as a bare "EEXIST: file already exists, mkdir".
 */
function parseDataDir(raw: string, what: string): string {
  const dir = resolve(raw);
  let stats;
  try {
    stats = statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return dir;
    if (code === 'ENOTDIR') throw new Error(`${what} must be a directory, but part of the path ${raw} is a file`);
    throw err;
  }
  if (!stats.isDirectory()) throw new Error(`${what} must be a directory, but ${raw} is a file`);
  return dir;
}

/** An on/off setting: 1, true, yes or on; 0, false, no, off or empty. */
function parseSwitch(raw: string | undefined, what: string): boolean {
  const value = (raw ?? '').trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['', '0', 'false', 'no', 'off'].includes(value)) return false;
  throw new Error(`${what} must be 1 or 0 (true/false, yes/no, on/off), got "${raw}"`);
}

/** A power of two in SCRYPT_N_RANGE, or the default. */
function parseScryptN(raw: string | undefined): number {
  const value = raw?.trim();
  if (!value) return DEFAULT_SCRYPT_N;
  const n = Number(value);
  const { min, max } = SCRYPT_N_RANGE;
  if (!/^\d+$/.test(value) || n < min || n > max || (n & (n - 1)) !== 0) {
    throw new Error(`PARLEY_SCRYPT_N must be a power of two from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

export function parsePort(raw: string, what: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 0 || port > 65535) {
    throw new Error(`${what} must be a port number from 0 to 65535, got "${raw}"`);
  }
  return port;
}

/** A limit: a whole number from 1 up, or `fallback` when not set. */
function parseCount(raw: string | undefined, what: string, fallback: number): number {
  const value = raw?.trim();
  if (!value) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || !Number.isSafeInteger(n)) throw new Error(`${what} must be a whole number from 1 up, got "${raw}"`);
  return n;
}

/** A size: a whole number of bytes from 1 up, or `fallback` when not set (or empty). */
function parseSize(raw: string | undefined, what: string, fallback: number): number {
  if (!raw) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || !Number.isSafeInteger(n)) throw new Error(`${what} must be a number of bytes, got "${raw}"`);
  return n;
}

export interface AppOptions {
  config: ServerConfig;
  clock?: Clock;
  /** Where logs go; defaults to stdout (pretty on a TTY). Tests capture them here. */
  logStream?: NodeJS.WritableStream;
  /** Per-IP limits of the public auth endpoints, per minute. */
  rateLimits?: { login?: number; forgot?: number };
  /** The Telegram bridge's timing (tests: virtual time, short long polls). */
  telegram?: BridgeTuning;
  /** How often every socket is pinged (a peer that missed a ping is dropped); 30 s. */
  heartbeatMs?: number;
  /** How often an operator socket's session or token is checked again (expiry); 60 s. */
  sessionCheckMs?: number;
  /** How long a request (headers and body) may take to arrive; by default long enough for the largest upload over a slow link. */
  requestTimeoutMs?: number;
}
