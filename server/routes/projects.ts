import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { CreateProjectBody, Project, ProjectParams, UpdateProjectBody } from '../../core/protocol/index.js';
import { presentProject } from '../services/present.js';

export default async function projectRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { projects, groups, dialogs } = app.services;

  r.get('/projects', { schema: { response: { 200: Type.Array(Project) } } }, async (request) => {
    const auth = await app.authenticate(request);
    return (await projects.list(auth)).map((p) => presentProject(p, app.config.publicUrl));
  });

  r.post('/projects', { schema: { body: CreateProjectBody, response: { 201: Project } } }, async (request, reply) => {
    const auth = await app.authenticate(request);
    return reply.code(201).send(presentProject(await projects.create(auth, request.body), app.config.publicUrl));
  });

  r.get('/projects/:projectId', { schema: { params: ProjectParams, response: { 200: Project } } }, async (request) => {
    const auth = await app.authenticate(request);
    return presentProject(await projects.get(auth, request.params.projectId), app.config.publicUrl);
  });

  r.patch(
    '/projects/:projectId',
    { schema: { params: ProjectParams, body: UpdateProjectBody, response: { 200: Project } } },
    async (request) => {
      const auth = await app.authenticate(request);
      const { routing, ...settings } = request.body;
      // Both checked first, then written in one transaction: a mistake in either saves nothing.
      const routingWrite = routing ? await groups.planRouting(auth, request.params.projectId, routing) : undefined;
      const project = await projects.update(auth, request.params.projectId, settings, routingWrite);
      // Under round-robin now, dialogs waiting for an operator go to whoever is online.
      if (routing?.assignment !== undefined) await dialogs.assignWaiting(request.params.projectId);
      return presentProject(project, app.config.publicUrl);
    },
  );
}
