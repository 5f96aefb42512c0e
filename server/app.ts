// buildApp(options) -> the whole server as a Fastify instance, not listening (tests use it
// with inject or a random port; main.ts listens).
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { API_PREFIX } from '../core/protocol/index.js';
import { systemClock } from './clock.js';
import type { AppOptions } from './config.js';
import { rateLimited } from './errors.js';
import authPlugin from './plugins/auth.js';
import corePlugin from './plugins/core.js';
import errorsPlugin from './plugins/errors.js';
import realtimePlugin from './plugins/realtime.js';
import authRoutes from './routes/auth.js';
import attachmentRoutes from './routes/attachments.js';
import avatarRoutes from './routes/avatars.js';
import healthRoutes from './routes/health.js';
import meRoutes from './routes/me.js';
import projectRoutes from './routes/projects.js';
import dialogRoutes from './routes/dialogs.js';
import realtimeRoutes from './routes/realtime.js';
import scheduleRoutes from './routes/schedules.js';
import groupRoutes from './routes/groups.js';
import templateRoutes from './routes/templates.js';
import leadRoutes from './routes/leads.js';
import teamRoutes from './routes/team.js';
import tokenRoutes from './routes/tokens.js';
import widgetRoutes from './routes/widget.js';
import telegramRoutes, { telegramWebhookRoutes } from './routes/telegram.js';
import telegramPlugin from './telegram/plugin.js';

/** Query parameters that may carry secrets are never written to the log. */
const SECRET_PARAMS = /^(token|code|password|key|secret)$/i;

function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const key of [...params.keys()]) if (SECRET_PARAMS.test(key)) params.set(key, '[redacted]');
  return `${url.slice(0, q)}?${params}`;
}

function loggerOptions(options: AppOptions): FastifyServerOptions['logger'] {
  const { config } = options;
  const base = {
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url), ip: req.ip }),
    },
  };
  if (options.logStream) return { ...base, stream: options.logStream };
  if (config.prettyLogs) {
    return { ...base, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } };
  }
  return base;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(options),
    bodyLimit: 1024 * 1024,
    trustProxy: process.env.PARLEY_TRUST_PROXY === '1',
    forceCloseConnections: true,
  });

  await app.register(errorsPlugin);
  await app.register(corePlugin, { config: options.config, clock: options.clock ?? systemClock });
  await app.register(authPlugin);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      rateLimited(`too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`, context.ttl / 1000),
  });

  await app.register(realtimePlugin);
  // Does nothing unless PARLEY_TELEGRAM_TOKEN is set.
  await app.register(telegramPlugin, { tuning: options.telegram });

  await app.register(healthRoutes);
  await app.register(realtimeRoutes);
  await app.register(avatarRoutes);
  await app.register(widgetRoutes);
  await app.register(attachmentRoutes);
  await app.register(telegramWebhookRoutes);
  await app.register(
    async (api) => {
      await api.register(authRoutes, {
        loginPerMinute: options.rateLimits?.login ?? 30,
        forgotPerMinute: options.rateLimits?.forgot ?? 10,
      });
      await api.register(meRoutes);
      await api.register(tokenRoutes);
      await api.register(projectRoutes);
      await api.register(teamRoutes);
      await api.register(dialogRoutes);
      await api.register(scheduleRoutes);
      await api.register(groupRoutes);
      await api.register(templateRoutes);
      await api.register(leadRoutes);
      await api.register(telegramRoutes);
    },
    { prefix: API_PREFIX },
  );
  return app;
}
