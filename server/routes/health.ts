import type { FastifyInstance } from 'fastify';

export default async function healthRoutes(app: FastifyInstance) {
  // Liveness: the process answers.
  app.get('/healthz', async () => ({ status: 'ok' }));

  // Readiness: the database answers too.
  app.get('/readyz', async (_request, reply) => {
    try {
      await app.db.ping();
      return { status: 'ready' };
    } catch (err) {
      app.log.error({ err }, 'readiness check failed');
      return reply.code(503).send({ error: { code: 'unavailable', message: 'the database does not answer' } });
    }
  });
}
