// Operator groups (see services/groups.ts) and a project's routing: the URL rules that give new
// dialogs a group, and the assignment policy. Every member may read; admin and settings change.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  CreateGroupBody,
  DeleteGroupReply,
  Group,
  GroupParams,
  ProjectParams,
  Routing,
  UpdateGroupBody,
  UpdateRoutingBody,
} from '../../core/protocol/index.js';

export default async function groupRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { groups } = app.services;
  const base = '/projects/:projectId/groups';

  r.get(base, { schema: { params: ProjectParams, response: { 200: Type.Array(Group) } } }, async (request) => {
    const auth = await app.authenticate(request);
    return groups.list(auth, request.params.projectId);
  });

  r.post(base, { schema: { params: ProjectParams, body: CreateGroupBody, response: { 201: Group } } }, async (request, reply) => {
    const auth = await app.authenticate(request);
    return reply.code(201).send(await groups.create(auth, request.params.projectId, request.body.name));
  });

  r.get(`${base}/:name`, { schema: { params: GroupParams, response: { 200: Group } } }, async (request) => {
    const auth = await app.authenticate(request);
    return groups.get(auth, request.params.projectId, request.params.name);
  });

  r.patch(`${base}/:name`, { schema: { params: GroupParams, body: UpdateGroupBody, response: { 200: Group } } }, async (request) => {
    const auth = await app.authenticate(request);
    return groups.update(auth, request.params.projectId, request.params.name, request.body);
  });

  r.delete(`${base}/:name`, { schema: { params: GroupParams, response: { 200: DeleteGroupReply } } }, async (request) => {
    const auth = await app.authenticate(request);
    return groups.remove(auth, request.params.projectId, request.params.name);
  });

  r.get('/projects/:projectId/routing', { schema: { params: ProjectParams, response: { 200: Routing } } }, async (request) => {
    const auth = await app.authenticate(request);
    return groups.routing(auth, request.params.projectId);
  });

  r.put(
    '/projects/:projectId/routing',
    { schema: { params: ProjectParams, body: UpdateRoutingBody, response: { 200: Routing } } },
    async (request) => {
      const auth = await app.authenticate(request);
      return groups.setRouting(auth, request.params.projectId, request.body);
    },
  );
}
