// GET /api/v1/admin/backup   server administrators: a consistent backup of the whole server
//                            (database, attachments, avatars) streamed as one tar archive
//                            (core/backup-format.ts; `parley backup FILE` saves it).
import type { FastifyInstance } from 'fastify';
import { forbidden } from '../errors.js';
import { assertUnlimited } from '../services/accounts.js';
import { backupService } from '../services/backup.js';

export default async function backupRoutes(app: FastifyInstance) {
  const backups = backupService(app);
  app.addHook('onClose', () => backups.close());

  // The 200 answer is a byte stream (application/x-tar), which no JSON schema describes.
  app.get('/admin/backup', async (request, reply) => {
    const auth = await app.authenticate(request);
    assertUnlimited(auth, 'take backups');
    if (!auth.user.server_admin) throw forbidden('only server administrators take backups (see "parley admin create", or "parley admin promote EMAIL" for an existing account)');
    const { manifest, stream } = await backups.create();
    request.log.info(
      { files: manifest.files.length, messages: manifest.counts.messages, missing: manifest.missing.length },
      'backup started',
    );
    if (manifest.missing.length > 0) {
      request.log.warn({ missing: manifest.missing }, 'files the database refers to are missing from the data directory');
    }
    const stamp = manifest.createdAt.replace(/[-:]/g, '').replace(/\..*$/, '');
    return reply
      .headers({
        'content-type': 'application/x-tar',
        'content-disposition': `attachment; filename="parley-backup-${stamp}.tar"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      })
      .send(stream);
  });
}
