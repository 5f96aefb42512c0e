// Linking an operator's Telegram chat: a one-time code and t.me link, and unlinking.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { TelegramLinkReply, TelegramUnlinkReply } from '../../core/protocol/index.js';
import { AppError } from '../errors.js';

export default async function telegramRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const bridge = () => {
    if (!app.telegram) {
      throw new AppError(503, 'unavailable', 'this server runs without the Telegram bridge: set PARLEY_TELEGRAM_TOKEN and restart it');
    }
    return app.telegram;
  };

  r.post('/telegram/link', { schema: { response: { 201: TelegramLinkReply } } }, async (request, reply) => {
    const auth = await app.authenticate(request);
    return reply.code(201).send(await bridge().createLink(auth));
  });

  r.delete('/telegram/link', { schema: { response: { 200: TelegramUnlinkReply } } }, async (request) => {
    const auth = await app.authenticate(request);
    return bridge().unlink(auth);
  });
}
