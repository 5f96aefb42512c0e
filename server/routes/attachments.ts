// Uploading and downloading files of dialogs.
//
//   POST /api/v1/projects/:projectId/dialogs/:dialogId/attachments   operators (Bearer), multipart
//   POST /widget/uploads?key=WIDGET_KEY                              the widget: X-Parley-Visitor token,
//                                                                   from an allowed origin (CORS)
//   GET  /files/:id/:key/:name                                       the file, for whoever holds the URL
import type { ReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { Attachment, DialogParams } from '../../core/protocol/index.js';
import type { ProjectRow } from '../db/projects.js';
import { AppError, badRequest, forbidden, notAnOperator, notFound, unauthenticated } from '../errors.js';
import { FILE_CSP } from '../plugins/security.js';
import { type IncomingFile, presentAttachment } from '../services/attachments.js';
import { sha256 } from '../secrets.js';

/**
 * Answers a widget request from an allowed origin with CORS headers; refuses any other origin.
 * `null` (sandboxed frames, file: pages, some redirects) is never one: anyone can send it.
 */
export function allowWidgetOrigin(request: FastifyRequest, reply: FastifyReply, project: ProjectRow): void {
  const origin = request.headers.origin;
  if (!corsFor(request, reply, project)) throw forbidden(`origin ${origin ?? '(none)'} is not allowed for this project`);
}

/** Sets the CORS headers when the request comes from one of the project's allowed origins. */
function corsFor(request: FastifyRequest, reply: FastifyReply, project: ProjectRow): boolean {
  const origin = request.headers.origin;
  const allowed = JSON.parse(project.allowed_origins) as string[];
  if (!origin || origin === 'null' || !allowed.includes(origin)) return false;
  reply.headers({
    'access-control-allow-origin': origin,
    'access-control-allow-headers': 'content-type, x-parley-visitor',
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-max-age': '600',
    // The widget waits out a 429 or 503 by it (a site's script cannot read it otherwise).
    'access-control-expose-headers': 'retry-after',
    vary: 'Origin',
  });
  return true;
}

/**
 * A stored file (an attachment, an avatar), opened before anything is sent: one missing on disk
 * (a backup restored without its files, a file deleted by hand) is then a 404 like any other.
 * Its size is the one on disk, which the response's Content-Length must be.
 */
export async function openStoredFile(path: string): Promise<{ stream: ReadStream; size: number }> {
  const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? notFound('the file is gone from the server') : err;
  });
  try {
    const { size } = await handle.stat();
    // The stream closes the handle when it ends, fails, or the client goes away.
    return { stream: handle.createReadStream(), size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

const ONE_FILE = 'an upload must be one file in a form field named "file", and nothing else';
/** @fastify/multipart's errors for parts beyond its limits, and for a field that would overwrite a prototype. */
const MULTIPART_EXTRA_PARTS = new Set(['FST_PARTS_LIMIT', 'FST_FILES_LIMIT', 'FST_FIELDS_LIMIT', 'FST_PROTO_VIOLATION', 'FST_INVALID_JSON_FIELD_ERROR']);

export default async function attachmentRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { attachments, dialogs } = app.services;
  // One byte over the limit reaches attachments.receive, which counts the bytes and refuses them.
  await app.register(multipart, { limits: { fileSize: app.config.uploadMaxBytes + 1, files: 1, fields: 5, parts: 6 } });

  // Files no message carries are swept as the server starts (those whose hour ran out while it
  // was down) and every few minutes after.
  app.addHook('onReady', async () => attachments.start((err) => app.log.error({ err }, 'attachments: sweep failed')));
  app.addHook('onClose', async () => attachments.stop());

  /**
   * The file of an upload: a multipart/form-data body of exactly one part, a file in the field
   * `file` (what the widget, the CLI and the TUI send). Anything else is refused whole, never half
   * taken: a second file dropped in silence would look sent to whoever chose it. The file streams
   * into a temporary one, which the caller hands to `attachments.store`.
   */
  async function readUpload(request: FastifyRequest): Promise<IncomingFile> {
    if (!request.isMultipart()) throw badRequest('send the file as multipart/form-data');
    let upload: IncomingFile | undefined;
    try {
      for await (const part of request.parts()) {
        if (upload || part.type !== 'file' || part.fieldname !== 'file') throw badRequest(ONE_FILE);
        upload = await attachments.receive(part.file, part.filename);
      }
    } catch (err) {
      if (upload) await rm(upload.path, { force: true });
      // What is left of a refused body is read and dropped: left waiting in the parser, it would
      // hold the connection, and the client could not send its next request on it.
      request.raw.unpipe();
      request.raw.resume();
      throw uploadError(err);
    }
    if (!upload) throw badRequest('the form has no file');
    return upload;
  }

  /** A failure while reading an upload, as the client's mistake it is. */
  function uploadError(err: unknown): unknown {
    if (err instanceof AppError) return err;
    const code = (err as { code?: unknown }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') return attachments.fileTooLarge();
    // Parts beyond the plugin's limits (above), or a field named __proto__: more than one file.
    if (typeof code === 'string' && MULTIPART_EXTRA_PARTS.has(code)) return badRequest(ONE_FILE);
    // busboy's own errors are plain Errors without a code (a missing boundary, a part cut off, a
    // malformed header); and a body may end before its last boundary.
    const busboys = err instanceof Error && err.constructor === Error && code === undefined;
    if (busboys || code === 'FST_MP_PREMATURE_CLOSE') return badRequest('the upload is not a valid multipart/form-data body');
    return err;
  }

  r.post(
    '/api/v1/projects/:projectId/dialogs/:dialogId/attachments',
    { schema: { params: DialogParams, response: { 201: Attachment } } },
    async (request, reply) => {
      const auth = await app.authenticate(request);
      // Files go into dialogs with messages: only those who answer dialogs upload them.
      if (!(await app.services.projects.membership(auth, request.params.projectId)).operator) {
        throw notAnOperator();
      }
      const { dialog } = await dialogs.detail(auth, request.params.projectId, request.params.dialogId, 0);
      const upload = await readUpload(request);
      const row = await attachments.store(
        { projectId: request.params.projectId, visitorId: dialog.visitor.id, by: 'operator' },
        upload,
      );
      return reply.code(201).send(presentAttachment(row));
    },
  );

  const WidgetQuery = Type.Object({ key: Type.String({ minLength: 1, maxLength: 64 }) });

  async function widgetProject(key: string): Promise<ProjectRow> {
    const project = await app.repos.projects.byWidgetKey(key);
    if (!project) throw notFound('unknown widget key');
    return project;
  }

  r.options('/widget/uploads', { schema: { querystring: WidgetQuery }, config: { widgetCors: true } }, async (request, reply) => {
    allowWidgetOrigin(request, reply, await widgetProject(request.query.key));
    return reply.code(204).send();
  });

  r.post(
    '/widget/uploads',
    {
      schema: { querystring: WidgetQuery, response: { 201: Attachment } },
      config: { rateLimit: { max: 30, timeWindow: 60_000 }, widgetCors: true },
      // Before the rate limit's own hook: its 429 needs the CORS headers too, or the widget cannot
      // read why the upload was refused. (The handler checks the origin again, and refuses.)
      onRequest: async (request, reply) => {
        const key = (request.query as { key?: unknown }).key;
        const project = typeof key === 'string' ? await app.repos.projects.byWidgetKey(key) : undefined;
        if (project) corsFor(request, reply, project);
      },
    },
    async (request, reply) => {
      const project = await widgetProject(request.query.key);
      allowWidgetOrigin(request, reply, project);
      const token = request.headers['x-parley-visitor'];
      const tokenHash = typeof token === 'string' ? sha256(token) : undefined;
      // A file before the first message stores the visitor, as a message would; the token must
      // then be one a widget said hello with and still holds open.
      let visitor: { id: number } | undefined = tokenHash ? await app.repos.dialogs.visitorByTokenHash(project.id, tokenHash) : undefined;
      const pending = !visitor && tokenHash ? app.hub.pendingVisitor(project.id, tokenHash) : undefined;
      if (pending) visitor = await app.services.dialogs.storeVisitor(pending);
      if (!visitor) throw unauthenticated('unknown visitor: the widget must say hello first');
      // A spent budget is told before the body is read; the write that stores the file checks again.
      await attachments.checkBudget(visitor.id);
      const row = await attachments.store({ projectId: project.id, visitorId: visitor.id, by: 'visitor' }, await readUpload(request));
      return reply.code(201).send(presentAttachment(row));
    },
  );

  r.get(
    '/files/:id/:key/:name',
    {
      schema: {
        params: Type.Object({
          id: Type.Integer({ minimum: 1 }),
          key: Type.String({ minLength: 1, maxLength: 64 }),
          name: Type.String({ maxLength: 300 }),
        }),
      },
    },
    async (request, reply) => {
      const row = await attachments.byIdAndKey(request.params.id, request.params.key);
      if (!row) throw notFound('no such file');
      const file = await openStoredFile(join(attachments.dir, row.file));
      const inline = row.mime.startsWith('image/');
      reply.headers({
        'content-type': row.mime,
        'content-length': String(file.size),
        // RFC 6266/5987: an ASCII fallback and the exact UTF-8 name.
        'content-disposition': `${inline ? 'inline' : 'attachment'}; filename="${row.name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(row.name)}`,
        'x-content-type-options': 'nosniff',
        // Opened as a page, a file is a sandboxed document that runs and loads nothing.
        'content-security-policy': FILE_CSP,
        'cache-control': 'private, max-age=86400',
        'cross-origin-resource-policy': 'cross-origin',
      });
      return reply.send(file.stream);
    },
  );
}
