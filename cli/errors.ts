// Errors -> exit codes, in one place: 0 ok, 1 error, 2 usage, 4 not authenticated (a usage error
// of `apply --detailed-exitcode` exits 1 instead: main.ts usageExit).
import { ApiError } from '../core/client/api.js';

export class CliError extends Error {
  readonly exitCode: number = 1;
}
/** Wrong or missing flags, or input that is needed but cannot be asked for (no TTY). */
export class UsageError extends CliError {
  override readonly exitCode = 2;
}
/** No login, or the session/token was refused. */
export class AuthError extends CliError {
  override readonly exitCode = 4;
}

/**
 * A value someone typed, for an error line: whole when short, else its first `max` characters,
 * "…" and its length. A value may be a pasted file, and an error is one line.
 */
export function cut(value: string, max = 40): string {
  const chars = [...value];
  return chars.length <= max ? value : `${chars.slice(0, max).join('')}… (${chars.length} characters)`;
}

export const EXIT = { ok: 0, error: 1, usage: 2, auth: 4 } as const;

export function describeError(err: unknown): { exitCode: number; message: string } {
  if (err instanceof CliError) return { exitCode: err.exitCode, message: err.message };
  if (err instanceof ApiError) {
    if (err.status === 401) {
      const hint = err.code === 'unauthenticated' ? ' (run "parley login", or set PARLEY_TOKEN)' : '';
      return { exitCode: EXIT.auth, message: `${err.message}${hint}` };
    }
    if (err.status === 429 && err.retryAfter) {
      return { exitCode: EXIT.error, message: `${err.message} (retry after ${err.retryAfter} s)` };
    }
    return { exitCode: EXIT.error, message: err.message };
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' && e.path) return { exitCode: EXIT.error, message: `no such file: ${e.path}` };
  return { exitCode: EXIT.error, message: e?.message ?? String(err) };
}
