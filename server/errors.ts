import type { ErrorCode } from '../core/protocol/index.js';

/** An error that reaches the client as `{error:{code,message}}` with `status`. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code: ErrorCode = 'validation') => new AppError(400, code, message);
export const unauthenticated = (message = 'sign in first: the request carries no valid session or token') =>
  new AppError(401, 'unauthenticated', message);
export const forbidden = (message: string, code: ErrorCode = 'forbidden') => new AppError(403, code, message);
export const notFound = (message: string) => new AppError(404, 'not_found', message);
/** A member without the operator role tries to answer; an admin of the project gives it. */
export const notAnOperator = () =>
  forbidden('only operators answer dialogs in this project; an admin gives the role with: parley team update EMAIL --operator');
export const conflict = (message: string) => new AppError(409, 'conflict', message);
export const tooLarge = (message: string) => new AppError(413, 'too_large', message);
export const rateLimited = (message: string, retryAfterSeconds: number) =>
  new AppError(429, 'rate_limited', message, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
export const unavailable = (message: string, retryAfterSeconds: number) =>
  new AppError(503, 'unavailable', message, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });

/** SQLite result codes (extended ones start with these) that describe the storage, not the request. */
const SQLITE_BUSY = /^SQLITE_(BUSY|LOCKED)/;
const SQLITE_STORAGE = /^SQLITE_(READONLY|FULL|IOERR|CANTOPEN|PROTOCOL|NOLFS)/;
/** File-system errors of the data directory that will pass once someone frees space or fixes the mount. */
const STORAGE_ERRNO = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE']);

/**
 * A failure of the storage rather than of the request (the database locked by another process,
 * a full disk, a read-only data directory): a 503 with Retry-After, so clients keep what they
 * were sending and try again, instead of a 500 that reads as "this request is wrong". Null for
 * anything else.
 */
export function storageFault(err: unknown): AppError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (SQLITE_BUSY.test(code)) return unavailable('the database is busy; try again in a moment', 1);
  if (SQLITE_STORAGE.test(code) || STORAGE_ERRNO.has(code)) {
    return unavailable('the server cannot store data right now (disk full or read-only?); try again later', 5);
  }
  return null;
}
