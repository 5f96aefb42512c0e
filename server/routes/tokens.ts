// Personal API tokens for scripts and CI.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ApiToken, CreateTokenBody, CreateTokenReply, RevokeTokensReply, TokenParams } from '../../core/protocol/index.js';
import { presentApiToken } from '../services/present.js';

export default async function tokenRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts } = app.services;

  r.get('/tokens', { schema: { response: { 200: Type.Array(ApiToken) } } }, async (request) => {
    const auth = await app.authenticate(request);
    return (await accounts.listTokens(auth)).map(presentApiToken);
  });

  r.post('/tokens', { schema: { body: CreateTokenBody, response: { 201: CreateTokenReply } } }, async (request, reply) => {
    const auth = await app.authenticate(request);
    const { token, row } = await accounts.createToken(auth, request.body.name, request.body.expiresInDays);
    return reply.code(201).send({ token, apiToken: presentApiToken(row) });
  });

  // All of one's API tokens at once, but the one the request is made with (a password reset's advice).
  r.delete('/tokens', { schema: { response: { 200: RevokeTokensReply } } }, async (request) => {
    const auth = await app.authenticate(request);
    return accounts.revokeAllTokens(auth);
  });

  r.delete('/tokens/:name', { schema: { params: TokenParams } }, async (request, reply) => {
    const auth = await app.authenticate(request);
    await accounts.revokeToken(auth, request.params.name);
    return reply.code(204).send();
  });
}
