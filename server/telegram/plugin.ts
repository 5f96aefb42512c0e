// The bridge's lifetime: created when PARLEY_TELEGRAM_TOKEN is set (null otherwise), started
// when the app is ready, stopped before the database closes.
import fp from 'fastify-plugin';
import { createBridge, type TelegramBridge } from './bridge.js';
import type { BridgeTuning } from './timers.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The Telegram bridge, or null when the server runs without one. */
    telegram: TelegramBridge | null;
  }
}

export default fp(
  async (app, opts: { tuning?: BridgeTuning }) => {
    const { config } = app;
    if (!config.telegramToken) {
      // Most likely a token forgotten in a deployment's environment: say so rather than idle.
      if (config.telegramWebhookUrl) app.log.warn('PARLEY_TELEGRAM_WEBHOOK_URL is set but PARLEY_TELEGRAM_TOKEN is not: the Telegram bridge is off');
      app.decorate('telegram', null);
      return;
    }
    const bridge = createBridge({
      db: app.db,
      repos: app.repos,
      services: app.services,
      bus: app.bus,
      clock: app.clock,
      log: app.log.child({ component: 'telegram' }),
      apiUrl: config.telegramApi,
      token: config.telegramToken,
      webhookUrl: config.telegramWebhookUrl,
      publicUrl: config.publicUrl,
      uploadMaxBytes: config.uploadMaxBytes,
      visitorOnline: (visitorId) => app.hub.visitorSocketCount(visitorId) > 0,
      tuning: opts.tuning,
    });
    app.decorate('telegram', bridge);
    app.addHook('onReady', async () => bridge.start());
    app.addHook('preClose', async () => bridge.stop());
  },
  { name: 'parley-telegram', dependencies: ['parley-core', 'parley-realtime'] },
);
