// Carries out the login flow's requests (state.ts decides them) and answers with the action that
// reports the result. A finished sign-in is saved the way `parley login` saves it, so the CLI
// commands run afterwards use the same session.
import { ApiError, ParleyClient } from '../../core/client/api.js';
import { terminalSafeReviver } from '../../core/terminal-text.js';
import type { FieldName, LoginAction, LoginSession, Request } from './state.js';

export interface LoginServices {
  /** Remembers a finished sign-in (the CLI's stored login). */
  saveLogin(session: LoginSession): void;
  /** A client for a server (tests may wrap it). */
  client?(url: string, token?: string): ParleyClient;
}

const defaultClient = (url: string, token?: string) => new ParleyClient({ url, token, reviver: terminalSafeReviver });

/** The field a refusal points at, so the flow can put the cursor there. */
function fieldFor(err: ApiError, request: Request): FieldName | undefined {
  if (err.status === 0) return request.kind === 'change' ? undefined : 'url';
  switch (err.code) {
    case 'invalid_credentials':
    case 'password_expired':
      return 'password';
    case 'invalid_code':
      return 'code';
  }
  if (err.status === 400 && (request.kind === 'change' || request.kind === 'reset')) return 'newPassword';
  return undefined;
}

/**
 * A failure that says nothing about the login itself: the server out of reach, or failing for a
 * while (5xx, a proxy's 502-504, too many requests). A stored login is tried again after one.
 */
const passing = (err: unknown) => err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status >= 500);

function describe(err: unknown, request: Request): { message: string; field?: FieldName; transient?: boolean } {
  if (!(err instanceof ApiError)) return { message: (err as Error)?.message ?? String(err) };
  if (request.kind === 'check' && (err.status === 401 || err.status === 403)) {
    const why =
      err.code === 'password_change_required'
        ? 'the one-time password of your stored login must be replaced first'
        : 'your stored login was refused (signed out or expired)';
    return { message: `${why}: sign in again.` };
  }
  const retry = err.status === 429 && err.retryAfter ? ` (retry after ${Math.ceil(err.retryAfter)} s)` : '';
  const message = `${err.message.charAt(0).toUpperCase()}${err.message.slice(1)}${retry}`;
  if (request.kind === 'check' && passing(err)) return { message, transient: true };
  return { message, field: fieldFor(err, request) };
}

export async function perform(request: Request, services: LoginServices): Promise<LoginAction> {
  const client = services.client ?? defaultClient;
  const finish = async (session: LoginSession, save: boolean): Promise<LoginAction> => {
    const me = await client(session.url, session.token).me();
    const confirmed = { ...session, email: me.user.email };
    if (save) services.saveLogin(confirmed);
    return { type: 'signedIn', session: confirmed, me };
  };
  try {
    switch (request.kind) {
      case 'check':
        return await finish(request.session, false);
      case 'login': {
        const reply = await client(request.url).login(request.email, request.password);
        const session = { url: request.url, token: reply.token, email: reply.user.email };
        if (reply.mustChangePassword) return { type: 'mustChange', session };
        return await finish(session, true);
      }
      case 'change':
        await client(request.session.url, request.session.token).changePassword(request.current, request.next);
        return await finish(request.session, true);
      case 'forgot': {
        const reply = await client(request.url).forgotPassword(request.email);
        const message = reply.message.charAt(0).toUpperCase() + reply.message.slice(1);
        return { type: 'codeSent', message: `${message}.` };
      }
      case 'reset': {
        const anonymous = client(request.url);
        await anonymous.resetPassword(request.email, request.code, request.next);
        const reply = await anonymous.login(request.email, request.next);
        return await finish({ url: request.url, token: reply.token, email: reply.user.email }, true);
      }
    }
  } catch (err) {
    return { type: 'failed', ...describe(err, request) };
  }
}
