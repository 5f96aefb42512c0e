// One error shape for every failure: `{error:{code,message}}` with the right status.
// Internals of 5xx errors are logged, never sent. A storage fault (database locked, disk full,
// read-only data directory) is a 503 with Retry-After: the request may succeed later unchanged.
import type { FastifyError, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ErrorCode } from '../../core/protocol/index.js';
import { AppError, storageFault } from '../errors.js';

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

/** Ajv's words, except that an unknown field is named ("body/widget has no field "colr""). */
function validationMessage(err: FastifyError): string {
  const [first] = err.validation ?? [];
  const unknown = first?.keyword === 'additionalProperties' ? (first.params as { additionalProperty?: unknown }).additionalProperty : undefined;
  if (typeof unknown !== 'string') return err.message;
  return `${err.validationContext ?? 'body'}${first.instancePath} has no field ${JSON.stringify(unknown)}`;
}

/** The errors of reading from (or writing to) a connection the client closed. */
const CONNECTION_GONE = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);

/** The request failed because its client closed the connection mid-request (Node: "aborted"). */
const clientWentAway = (err: { code?: string }, request: FastifyRequest) =>
  err.code !== undefined && CONNECTION_GONE.has(err.code) && request.raw.socket?.destroyed === true;

export default fp(
  async (app) => {
    app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
      // A route may have said what it was about to send (a file's type, a download's name).
      reply.removeHeader('content-disposition').type('application/json; charset=utf-8');
      if (err instanceof AppError) {
        return reply.code(err.status).headers(err.headers).send({ error: { code: err.code, message: err.message } });
      }
      const fault = storageFault(err);
      if (fault) {
        request.log.error({ err }, 'request failed: storage unavailable');
        return reply.code(fault.status).headers(fault.headers).send({ error: { code: fault.code, message: fault.message } });
      }
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
      if (clientWentAway(err, request)) {
        // Not the server's failure: a visitor cancelled an upload, closed the tab. Nobody reads the answer.
        request.log.info({ code: err.code }, 'request aborted: the client went away');
        return reply.code(400).send({ error: { code: 'validation', message: 'the request ended before its body did' } });
      }
      if (status >= 500) {
        request.log.error({ err }, 'request failed');
        return reply.code(status).send({
          error: { code: status === 503 ? 'unavailable' : 'internal', message: 'internal error; see the server log' },
        });
      }
      let message = err.message;
      if (err.validation) message = `invalid request: ${validationMessage(err)}`;
      else if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
        // Fastify's parser says no more than that, and refuses keys that reach a prototype too.
        message = 'the request body is not valid JSON (or holds a "__proto__" key)';
      } else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        message = `a body of type ${request.headers['content-type'] ?? '(none)'} is not taken here: send JSON (application/json), or a file as multipart/form-data where a route takes one`;
      } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') message = 'the request body is too large';
      return reply.code(status).send({ error: { code: byStatus[status] ?? 'validation', message } });
    });

    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
    );
  },
  { name: 'parley-errors' },
);
