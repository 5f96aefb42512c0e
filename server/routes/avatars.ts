// Avatars are public: the website widget shows them next to operator messages.
import { join } from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { notFound } from '../errors.js';
import { FILE_CSP } from '../plugins/security.js';
import { openStoredFile } from './attachments.js';

export default async function avatarRoutes(app: FastifyInstance) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();

  r.get('/avatars/:userId', { schema: { params: Type.Object({ userId: Type.Integer({ minimum: 1 }) }) } }, async (request, reply) => {
    const user = await app.repos.users.byId(request.params.userId);
    if (!user?.avatar_file || !user.avatar_type || !user.avatar_etag) throw notFound('no such avatar');
    const etag = `"${user.avatar_etag}"`;
    const headers = {
      'content-type': user.avatar_type,
      'x-content-type-options': 'nosniff',
      'content-disposition': 'inline',
      'content-security-policy': FILE_CSP,
      'cache-control': 'public, max-age=300',
      // The widget shows it on sites of other origins, also under COEP.
      'cross-origin-resource-policy': 'cross-origin',
      etag,
    };
    if (request.headers['if-none-match'] === etag) return reply.code(304).headers(headers).send();
    // Opened before the headers are set: a file missing on disk is a plain 404, not an image's.
    const avatar = await openStoredFile(join(app.services.profile.avatarDir, user.avatar_file));
    return reply.headers({ ...headers, 'content-length': String(avatar.size) }).send(avatar.stream);
  });
}
