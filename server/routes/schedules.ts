// Working schedules of operators (see services/schedules.ts) and the presence timer's lifetime:
// presence starts when the app is ready (recomputing every scheduled operator's state, which is
// how transitions survive a restart) and stops when the app closes.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ProjectParams } from '../../core/protocol/index.js';
import { schedulesService } from '../services/schedules.js';

const Operators = Type.Array(Type.String({ minLength: 1, maxLength: 254 }), { minItems: 1, maxItems: 500 });
const Clock = Type.String({ maxLength: 10 });

const SetBody = Type.Object(
  {
    operators: Operators,
    days: Type.String({ minLength: 1, maxLength: 100 }),
    from: Clock,
    to: Clock,
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    add: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const ExceptionBody = Type.Object(
  {
    operators: Operators,
    date: Type.String({ maxLength: 20 }),
    off: Type.Optional(Type.Boolean()),
    from: Type.Optional(Clock),
    to: Type.Optional(Clock),
    add: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const ClearBody = Type.Object({ operators: Operators }, { additionalProperties: false });
const ShowQuery = Type.Object({ operator: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })) });

export default async function scheduleRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { projects, presence } = app.services;
  const schedules = schedulesService(
    { db: app.db, repos: app.repos, clock: app.clock, bus: app.bus, mailer: app.mailer, config: app.config },
    projects,
    presence,
  );

  app.addHook('onReady', async () => presence.start());
  app.addHook('onClose', async () => presence.stop());

  const base = '/projects/:projectId/schedules';

  r.get(base, { schema: { params: ProjectParams, querystring: ShowQuery } }, async (request) => {
    const auth = await app.authenticate(request);
    return { schedules: await schedules.show(auth, request.params.projectId, request.query.operator) };
  });

  r.put(base, { schema: { params: ProjectParams, body: SetBody } }, async (request) => {
    const auth = await app.authenticate(request);
    return { schedules: await schedules.set(auth, request.params.projectId, request.body) };
  });

  r.post(`${base}/exceptions`, { schema: { params: ProjectParams, body: ExceptionBody } }, async (request) => {
    const auth = await app.authenticate(request);
    return { schedules: await schedules.except(auth, request.params.projectId, request.body) };
  });

  r.post(`${base}/clear`, { schema: { params: ProjectParams, body: ClearBody } }, async (request, reply) => {
    const auth = await app.authenticate(request);
    await schedules.clear(auth, request.params.projectId, request.body.operators);
    return reply.code(204).send();
  });
}
