// Bearer authentication. Routes ask for the caller explicitly: `await app.authenticate(request)`.
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { unauthenticated } from '../errors.js';
import type { Auth } from '../services/accounts.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The caller, or a 401. Unless `allowRestricted`, a caller who must still replace their
     * one-time password gets a 403 `password_change_required`. With `signedInTo` (what the
     * request does, "create tokens or change the password"), an API token gets a 403: managing
     * the account's credentials takes a session someone signed in to with the password.
     */
    authenticate(request: FastifyRequest, opts?: AuthenticateOptions): Promise<Auth>;
  }
}

export interface AuthenticateOptions {
  allowRestricted?: boolean;
  signedInTo?: string;
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1] : null;
}

export default fp(
  async (app) => {
    app.decorate('authenticate', async (request: FastifyRequest, opts: AuthenticateOptions = {}) => {
      const token = bearerToken(request);
      if (!token) throw unauthenticated();
      const auth = await app.services.accounts.authenticate(token);
      if (!auth) throw unauthenticated('the session or token is invalid, expired or revoked: sign in again');
      if (!opts.allowRestricted) app.services.accounts.assertNotRestricted(auth);
      if (opts.signedInTo !== undefined) app.services.accounts.assertSignedIn(auth, opts.signedInTo);
      return auth;
    });
  },
  { name: 'parley-auth', dependencies: ['parley-core'] },
);
