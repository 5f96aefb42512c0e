// Dialogs for operator clients: the three views, a dialog with its messages, the client
// card, take/assign/close/reopen, lead class, sending and editing; operator status.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import {
  AssignBody,
  DialogDetail,
  DialogList,
  DialogListQuery,
  DialogSearch,
  DialogSearchQuery,
  DialogParams,
  DialogSummary,
  EditMessageBody,
  LeadClassBody,
  Message,
  MessageParams,
  MessagesQuery,
  ProjectParams,
  SendMessageBody,
  StatusBody,
  TakeBody,
  UpdateCardBody,
  UpdateDialogBody,
  Visitor,
} from '../../core/protocol/index.js';
import { isoOrNull } from '../services/present.js';

const StatusReply = Type.Object({
  userId: Type.Integer(),
  online: Type.Boolean(),
  operator: Type.Boolean(),
  /** What decides right now: the schedule, or a manual switch (without a schedule: always manual). */
  source: Type.Union([Type.Literal('schedule'), Type.Literal('manual')]),
  hasSchedule: Type.Boolean(),
  timezone: Type.String(),
  /** When the state changes next by itself, or null. */
  until: Type.Union([Type.String(), Type.Null()]),
  changedAt: Type.Union([Type.String(), Type.Null()]),
  /** e.g. "online by schedule until 18:00 (Europe/Moscow)". */
  explanation: Type.String(),
  operatorsOnline: Type.Integer(),
});
const StatusQuery = Type.Object({ operator: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })) });

export default async function dialogRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { dialogs, presence } = app.services;
  const base = '/projects/:projectId/dialogs/:dialogId';

  r.get(
    '/projects/:projectId/dialogs',
    { schema: { params: ProjectParams, querystring: DialogListQuery, response: { 200: DialogList } } },
    async (request) => {
      const auth = await app.authenticate(request);
      const q = request.query;
      return dialogs.list(auth, request.params.projectId, q.view ?? 'mine', q.limit ?? 50, q.before);
    },
  );

  r.get(
    '/projects/:projectId/dialogs/search',
    { schema: { params: ProjectParams, querystring: DialogSearchQuery, response: { 200: DialogSearch } } },
    async (request) => {
      const auth = await app.authenticate(request);
      return dialogs.search(auth, request.params.projectId, request.query.q, request.query.limit ?? 20);
    },
  );

  r.get(base, { schema: { params: DialogParams, response: { 200: DialogDetail } } }, async (request) => {
    const auth = await app.authenticate(request);
    const detail = await dialogs.detail(auth, request.params.projectId, request.params.dialogId);
    return { ...detail, visitorOnline: app.hub.visitorSocketCount(detail.visitor.id) > 0 };
  });

  r.get(
    `${base}/messages`,
    { schema: { params: DialogParams, querystring: MessagesQuery, response: { 200: Type.Array(Message) } } },
    async (request) => {
      const auth = await app.authenticate(request);
      return dialogs.messages(auth, request.params.projectId, request.params.dialogId, request.query);
    },
  );

  r.post(
    `${base}/messages`,
    { schema: { params: DialogParams, body: SendMessageBody, response: { 200: Message, 201: Message } } },
    async (request, reply) => {
      const auth = await app.authenticate(request);
      const { message, isNew } = await dialogs.operatorSend(
        auth,
        request.params.projectId,
        request.params.dialogId,
        request.body.clientId,
        request.body.body,
        request.body.attachmentIds,
        { private: request.body.private },
      );
      // 201 the first time, 200 for a repeat of the same clientId (nothing new was stored).
      return reply.code(isNew ? 201 : 200).send(message);
    },
  );

  r.patch(
    '/projects/:projectId/messages/:messageId',
    { schema: { params: MessageParams, body: EditMessageBody, response: { 200: Message } } },
    async (request) => {
      const auth = await app.authenticate(request);
      return dialogs.edit(auth, request.params.projectId, request.params.messageId, request.body.body);
    },
  );

  r.patch(`${base}/visitor`, { schema: { params: DialogParams, body: UpdateCardBody, response: { 200: Visitor } } }, async (request) => {
    const auth = await app.authenticate(request);
    return dialogs.updateCard(auth, request.params.projectId, request.params.dialogId, request.body);
  });

  // A body { from } makes the take conditional: refused (409) when someone else has it by now.
  r.post(`${base}/take`, { schema: { params: DialogParams, body: TakeBody, response: { 200: DialogSummary } } }, async (request) => {
    const auth = await app.authenticate(request);
    const from = request.body?.from;
    return dialogs.change(auth, request.params.projectId, request.params.dialogId, { kind: 'take', from });
  });

  for (const kind of ['close', 'reopen'] as const) {
    r.post(`${base}/${kind}`, { schema: { params: DialogParams, response: { 200: DialogSummary } } }, async (request) => {
      const auth = await app.authenticate(request);
      return dialogs.change(auth, request.params.projectId, request.params.dialogId, { kind });
    });
  }

  r.post(`${base}/assign`, { schema: { params: DialogParams, body: AssignBody, response: { 200: DialogSummary } } }, async (request) => {
    const auth = await app.authenticate(request);
    return dialogs.change(auth, request.params.projectId, request.params.dialogId, { kind: 'assign', email: request.body.email });
  });

  r.put(
    `${base}/lead-class`,
    { schema: { params: DialogParams, body: LeadClassBody, response: { 200: DialogSummary } } },
    async (request) => {
      const auth = await app.authenticate(request);
      return dialogs.change(auth, request.params.projectId, request.params.dialogId, {
        kind: 'leadClass',
        leadClass: request.body.leadClass,
      });
    },
  );

  // The dialog's own fields an operator sets directly (today: the lead class; null clears it).
  r.patch(base, { schema: { params: DialogParams, body: UpdateDialogBody, response: { 200: DialogSummary } } }, async (request) => {
    const auth = await app.authenticate(request);
    const { projectId, dialogId } = request.params;
    if (request.body.leadClass === undefined) return (await dialogs.detail(auth, projectId, dialogId, 0)).dialog;
    return dialogs.change(auth, projectId, dialogId, { kind: 'leadClass', leadClass: request.body.leadClass });
  });

  // ---- operator status: the schedule, or the manual switch (see services/presence.ts) ----
  const statusReply = async (projectId: number, s: Awaited<ReturnType<typeof presence.get>>) => ({
    userId: s.userId,
    online: s.online,
    operator: s.operator,
    source: s.source,
    hasSchedule: s.hasSchedule,
    timezone: s.timezone,
    until: isoOrNull(s.until),
    changedAt: isoOrNull(s.changedAt),
    explanation: s.explanation,
    operatorsOnline: await presence.onlineCount(projectId),
  });

  r.get(
    '/projects/:projectId/status',
    { schema: { params: ProjectParams, querystring: StatusQuery, response: { 200: StatusReply } } },
    async (request) => {
      const auth = await app.authenticate(request);
      const { projectId } = request.params;
      return statusReply(projectId, await presence.get(auth, projectId, request.query.operator));
    },
  );

  r.put('/projects/:projectId/status', { schema: { params: ProjectParams, body: StatusBody, response: { 200: StatusReply } } }, async (request) => {
    const auth = await app.authenticate(request);
    const { projectId } = request.params;
    await presence.set(auth, projectId, request.body.online);
    return statusReply(projectId, await presence.get(auth, projectId));
  });
}
