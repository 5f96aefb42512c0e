// Linking an operator's Telegram chat: a one-time code and t.me link, and unlinking. And the
// webhook Telegram posts updates to in webhook mode (outside the API prefix).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { TelegramLinkReply, TelegramUnlinkReply } from '../../core/protocol/index.js';
import { AppError, badRequest, forbidden, notFound } from '../errors.js';
import { assertUnlimited } from '../services/accounts.js';
import { WEBHOOK_PATH } from '../telegram/bridge.js';
import type { TgUpdate } from '../telegram/types.js';

export default async function telegramRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const bridge = () => {
    if (!app.telegram) {
      throw new AppError(503, 'unavailable', 'this server runs without the Telegram bridge: set PARLEY_TELEGRAM_TOKEN and restart it');
    }
    return app.telegram;
  };

  // A linked chat acts as its operator and outlives a token: linking takes a signed-in session.
  r.post('/telegram/link', { schema: { response: { 201: TelegramLinkReply } } }, async (request, reply) => {
    const auth = await app.authenticate(request, { signedInTo: 'link a Telegram chat' });
    return reply.code(201).send(await bridge().createLink(auth));
  });

  // Unlinking stops the relay in every project: not for a token limited to one.
  r.delete('/telegram/link', { schema: { response: { 200: TelegramUnlinkReply } } }, async (request) => {
    const auth = await app.authenticate(request);
    assertUnlimited(auth, 'unlink Telegram, which relays every project');
    return bridge().unlink(auth);
  });
}

/**
 * POST /telegram/webhook: an update from Telegram. Only with the secret token setWebhook was
 * given (X-Telegram-Bot-Api-Secret-Token); anything else is 403 and nothing is handled. 404 when
 * the bridge does not run in webhook mode.
 */
export async function telegramWebhookRoutes(app: FastifyInstance) {
  app.post(
    WEBHOOK_PATH,
    {
      // Checked before the body is even parsed.
      onRequest: async (request) => {
        const bridge = app.telegram;
        if (!bridge?.webhookMode) throw notFound('no Telegram webhook here');
        const given = request.headers['x-telegram-bot-api-secret-token'];
        if (!bridge.webhookAuthorized(typeof given === 'string' ? given : undefined)) {
          throw forbidden('wrong or missing X-Telegram-Bot-Api-Secret-Token');
        }
      },
    },
    async (request, reply) => {
      const update = request.body as TgUpdate | null;
      if (!update || typeof update !== 'object' || !Number.isSafeInteger(update.update_id)) {
        throw badRequest('not a Telegram update');
      }
      await app.telegram!.receive(update);
      return reply.code(200).send({ ok: true });
    },
  );
}
