import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  AddMemberBody,
  AddMemberReply,
  Member,
  MemberParams,
  ProjectParams,
  RemoveMemberReply,
  UpdateMemberBody,
} from '../../core/protocol/index.js';
import { presentMember } from '../services/present.js';
export default async function teamRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { team } = app.services;

  r.get(
    '/projects/:projectId/members',
    { schema: { params: ProjectParams, response: { 200: Type.Array(Member) } } },
    async (request) => {
      const auth = await app.authenticate(request);
      return (await team.list(auth, request.params.projectId)).map(presentMember);
    },
  );

  r.post(
    '/projects/:projectId/members',
    { schema: { params: ProjectParams, body: AddMemberBody, response: { 201: AddMemberReply } } },
    async (request, reply) => {
      const auth = await app.authenticate(request);
      const { member, newUser, passwordMailed } = await team.add(auth, request.params.projectId, request.body);
      return reply.code(201).send({ member: presentMember(member), newUser, passwordMailed });
    },
  );

  r.get(
    '/projects/:projectId/members/:email',
    { schema: { params: MemberParams, response: { 200: Member } } },
    async (request) => {
      const auth = await app.authenticate(request);
      return presentMember(await team.get(auth, request.params.projectId, request.params.email));
    },
  );

  r.patch(
    '/projects/:projectId/members/:email',
    { schema: { params: MemberParams, body: UpdateMemberBody, response: { 200: Member } } },
    async (request) => {
      const auth = await app.authenticate(request);
      return presentMember(await team.update(auth, request.params.projectId, request.params.email, request.body));
    },
  );

  r.delete(
    '/projects/:projectId/members/:email',
    { schema: { params: MemberParams, response: { 200: RemoveMemberReply } } },
    async (request) => {
      const auth = await app.authenticate(request);
      return team.remove(auth, request.params.projectId, request.params.email);
    },
  );
}
