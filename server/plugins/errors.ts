// One error shape for every failure: `{error:{code,message}}` with the right status.
// Internals of 5xx errors are logged, never sent.
import type { FastifyError } from 'fastify';
import fp from 'fastify-plugin';
import type { ErrorCode } from '../../core/protocol/index.js';
import { AppError } from '../errors.js';

const byStatus: Record<number, ErrorCode> = {
  400: 'validation',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

export default fp(
  async (app) => {
    app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
      if (err instanceof AppError) {
        return reply.code(err.status).headers(err.headers).send({ error: { code: err.code, message: err.message } });
      }
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
      if (status >= 500) {
        request.log.error({ err }, 'request failed');
        return reply.code(status).send({
          error: { code: status === 503 ? 'unavailable' : 'internal', message: 'internal error; see the server log' },
        });
      }
      let message = err.message;
      if (err.validation) message = `invalid request: ${err.message}`;
      else if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
        message = 'the request body is not valid JSON';
      } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = 'the request body is too large';
      return reply.code(status).send({ error: { code: byStatus[status] ?? 'validation', message } });
    });

    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
    );
  },
  { name: 'parley-errors' },
);
