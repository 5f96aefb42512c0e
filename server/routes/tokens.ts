// Personal API tokens for scripts and CI. Only a signed-in session manages them: an API token
// may list them, and revoke itself (DELETE /tokens/ITS_NAME, or POST /auth/logout), no more.
// A token made with a projectId works in that project alone (services/accounts.ts Auth.project).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ApiToken, CreateTokenBody, CreateTokenReply, RevokeTokensReply, TokenParams } from '../../core/protocol/index.js';
import { CREATE_TOKENS, REVOKE_OTHERS } from '../services/accounts.js';
import { presentApiToken } from '../services/present.js';

export default async function tokenRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts } = app.services;

  // Dead tokens (expired, or unused too long) are listed with their state until revoked or replaced.
  r.get('/tokens', { schema: { response: { 200: Type.Array(ApiToken) } } }, async (request) => {
    const auth = await app.authenticate(request);
    const now = app.clock.now();
    return (await accounts.listTokens(auth)).map((row) => presentApiToken(row, now));
  });

  r.post('/tokens', { schema: { body: CreateTokenBody, response: { 201: CreateTokenReply } } }, async (request, reply) => {
    const auth = await app.authenticate(request, { signedInTo: CREATE_TOKENS });
    const { name, expiresInDays, projectId } = request.body;
    const { token, row } = await accounts.createToken(auth, name, expiresInDays, projectId);
    return reply.code(201).send({ token, apiToken: presentApiToken(row, app.clock.now()) });
  });

  // All of one's API tokens at once (a password reset's advice).
  r.delete('/tokens', { schema: { response: { 200: RevokeTokensReply } } }, async (request) => {
    const auth = await app.authenticate(request, { signedInTo: REVOKE_OTHERS });
    return accounts.revokeAllTokens(auth);
  });

  // A session revokes any of its owner's tokens; a token only itself (the service checks which it names).
  r.delete('/tokens/:name', { schema: { params: TokenParams } }, async (request, reply) => {
    const auth = await app.authenticate(request);
    await accounts.revokeToken(auth, request.params.name);
    return reply.code(204).send();
  });
}
