// Lead classes of a project, the lead journal (paged) and its report (services/leads.ts).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  LeadClass,
  LeadClassList,
  LeadClassNameBody,
  LeadClassOrderBody,
  LeadClassParams,
  LeadsPage,
  LeadsQuery,
  LeadsReport,
  LeadsReportQuery,
  ProjectParams,
} from '../../core/protocol/index.js';
import { leadsService } from '../services/leads.js';

export default async function leadRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const leads = leadsService(app, app.services.projects);
  const classes = '/projects/:projectId/lead-classes';

  r.get(classes, { schema: { params: ProjectParams, response: { 200: LeadClassList } } }, async (request) => {
    const auth = await app.authenticate(request);
    return { classes: await leads.classes(auth, request.params.projectId) };
  });

  r.post(classes, { schema: { params: ProjectParams, body: LeadClassNameBody, response: { 201: LeadClass } } }, async (request, reply) => {
    const auth = await app.authenticate(request);
    return reply.code(201).send(await leads.addClass(auth, request.params.projectId, request.body.name));
  });

  r.put(
    `${classes}/order`,
    { schema: { params: ProjectParams, body: LeadClassOrderBody, response: { 200: LeadClassList } } },
    async (request) => {
      const auth = await app.authenticate(request);
      return { classes: await leads.orderClasses(auth, request.params.projectId, request.body.names) };
    },
  );

  r.patch(
    `${classes}/:classId`,
    {
      schema: {
        params: LeadClassParams,
        body: LeadClassNameBody,
        // How many dialogs were renamed with it.
        response: { 200: Type.Object({ id: Type.Integer(), name: Type.String(), dialogs: Type.Integer() }) },
      },
    },
    async (request) => {
      const auth = await app.authenticate(request);
      return leads.renameClass(auth, request.params.projectId, request.params.classId, request.body.name);
    },
  );

  r.delete(
    `${classes}/:classId`,
    // The dialogs that keep the removed class (the journal is not rewritten).
    { schema: { params: LeadClassParams, response: { 200: Type.Object({ name: Type.String(), dialogs: Type.Integer() }) } } },
    async (request) => {
      const auth = await app.authenticate(request);
      return leads.removeClass(auth, request.params.projectId, request.params.classId);
    },
  );

  r.get(
    '/projects/:projectId/leads',
    { schema: { params: ProjectParams, querystring: LeadsQuery, response: { 200: LeadsPage } } },
    async (request) => {
      const auth = await app.authenticate(request);
      return leads.page(auth, request.params.projectId, request.query);
    },
  );

  r.get(
    '/projects/:projectId/leads/report',
    { schema: { params: ProjectParams, querystring: LeadsReportQuery, response: { 200: LeadsReport } } },
    async (request) => {
      const auth = await app.authenticate(request);
      return leads.report(auth, request.params.projectId, request.query, app.clock.now());
    },
  );
}
