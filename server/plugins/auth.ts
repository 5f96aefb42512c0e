// Bearer authentication. Routes ask for the caller explicitly: `await app.authenticate(request)`.
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { unauthenticated } from '../errors.js';
import type { Auth } from '../services/accounts.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The caller, or a 401. Unless `allowRestricted`, a caller who must still replace their
     * one-time password gets a 403 `password_change_required`.
     */
    authenticate(request: FastifyRequest, opts?: { allowRestricted?: boolean }): Promise<Auth>;
  }
}

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1] : null;
}

export default fp(
  async (app) => {
    app.decorate('authenticate', async (request: FastifyRequest, opts: { allowRestricted?: boolean } = {}) => {
      const token = bearerToken(request);
      if (!token) throw unauthenticated();
      const auth = await app.services.accounts.authenticate(token);
      if (!auth) throw unauthenticated('the session or token is invalid, expired or revoked: sign in again');
      if (!opts.allowRestricted) app.services.accounts.assertNotRestricted(auth);
      return auth;
    });
  },
  { name: 'parley-auth', dependencies: ['parley-core'] },
);
