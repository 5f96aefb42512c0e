// Plain values of the protocol, free of the schema library: the CLI loads these on every start.

export const API_PREFIX = '/api/v1';

export const ErrorCodes = [
  'validation',
  'unauthenticated',
  'invalid_credentials',
  'password_expired',
  'password_change_required',
  'forbidden',
  'not_found',
  'conflict',
  'too_large',
  'unsupported_media_type',
  'rate_limited',
  'request_timeout',
  'invalid_code',
  'edit_window_expired',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ErrorCodes)[number];

export const ACCESS_LEVELS = ['admin', 'settings'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];

/** New passwords chosen by people; generated ones are longer. */
export const MIN_PASSWORD_LENGTH = 10;

const EMAIL_RE = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

/** Lower-cased, trimmed email, or null when it is not a plausible address. */
export function normalizeEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL_RE.test(email)) return null;
  return email;
}

/** The three sections of Dialogs (DESIGN.md "Views"). */
export const VIEWS = ['mine', 'shared', 'archive'] as const;
export type View = (typeof VIEWS)[number];
/** A dialog list's `next` (the last dialog's activity time and id), passed back as `before`. */
export const DIALOG_CURSOR_RE = /^(\d+):(\d+)$/;

/** The widget's greeting line, at most. */
export const WIDGET_GREETING_MAX = 500;
/** The widget's accent colour: `#rrggbb`. */
export const WIDGET_COLOR_RE = /^#[0-9a-fA-F]{6}$/;

/** A person's first or last name, a project's name, a lead class: at most this many characters. */
export const MAX_NAME = 100;
/** A group's name, at most. */
export const MAX_GROUP_NAME = 50;
/** An email address, at most (RFC 5321's path limit). */
export const MAX_EMAIL = 254;

/** A group name as the server stores (and measures) it: NFC, trimmed, runs of spaces squeezed. */
export const normalizeGroupName = (raw: string): string => raw.normalize('NFC').trim().replace(/\s+/g, ' ');
/** A lead class name as the server stores it: the rule of group names. */
export const normalizeClassName = normalizeGroupName;

/**
 * An allowed origin as the server stores it (`https://Shop.example.com:443/` -> `https://shop.example.com`,
 * an internationalised host in punycode), or null when `raw` is not an http(s) origin: scheme, host
 * and port only. Shared by the server and `parley apply`, which checks a file before sending it.
 */
export function normalizeOrigin(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname.length > 1 || url.search || url.hash) return null;
  return url.origin;
}

/** Message bodies; a WebSocket frame as a whole may be at most 64 KB. */
export const MAX_BODY = 10_000;
/** How long after sending a message its author may edit it (the brief's ten minutes). */
export const EDIT_WINDOW_MS = 10 * 60_000;
/** How many files one message may carry. */
export const MAX_ATTACHMENTS = 10;
export const MAX_FRAME_BYTES = 64 * 1024;

/** An avatar may be at most this many bytes (the server refuses more; the CLI checks first). */
export const AVATAR_MAX_BYTES = 2 * 1024 * 1024;
