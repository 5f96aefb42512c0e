// Reply templates of a project (services/templates.ts says who may write).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  CreateTemplateBody,
  ImportPlan,
  ImportTemplatesBody,
  ProjectParams,
  Template,
  TemplateList,
  TemplateParams,
  UpdateTemplateBody,
} from '../../core/protocol/index.js';

export default async function templateRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { templates } = app.services;
  const base = '/projects/:projectId/templates';

  r.get(base, { schema: { params: ProjectParams, response: { 200: TemplateList } } }, async (request) => {
    const auth = await app.authenticate(request);
    return { templates: await templates.list(auth, request.params.projectId) };
  });

  r.post(base, { schema: { params: ProjectParams, body: CreateTemplateBody, response: { 201: Template } } }, async (request, reply) => {
    const auth = await app.authenticate(request);
    return reply.code(201).send(await templates.create(auth, request.params.projectId, request.body));
  });

  // A whole file of templates in one request and one transaction (it may be large).
  r.post(
    `${base}/import`,
    { bodyLimit: 32 * 1024 * 1024, schema: { params: ProjectParams, body: ImportTemplatesBody, response: { 200: ImportPlan } } },
    async (request) => {
      const auth = await app.authenticate(request);
      return templates.import(auth, request.params.projectId, request.body);
    },
  );

  r.get(`${base}/:templateId`, { schema: { params: TemplateParams, response: { 200: Template } } }, async (request) => {
    const auth = await app.authenticate(request);
    return templates.get(auth, request.params.projectId, request.params.templateId);
  });

  r.patch(
    `${base}/:templateId`,
    { schema: { params: TemplateParams, body: UpdateTemplateBody, response: { 200: Template } } },
    async (request) => {
      const auth = await app.authenticate(request);
      return templates.update(auth, request.params.projectId, request.params.templateId, request.body);
    },
  );

  r.delete(`${base}/:templateId`, { schema: { params: TemplateParams } }, async (request, reply) => {
    const auth = await app.authenticate(request);
    await templates.remove(auth, request.params.projectId, request.params.templateId);
    return reply.code(204).send();
  });
}
