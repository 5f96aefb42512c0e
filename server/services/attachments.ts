// Files in dialogs: uploaded by a visitor (through the widget) or an operator, typed by their
// bytes, stored under generated names in DATA_DIR/uploads, and reachable only through an
// unguessable URL that is given to the dialog's visitor and the project's operators.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Attachment } from '../../core/protocol/index.js';
import type { Queryable } from '../db/sqlite.js';
import { badRequest, notFound } from '../errors.js';
import type { ServiceDeps } from './context.js';
import { safeFileName, sniffFile } from '../../core/filetype.js';

export interface AttachmentRow {
  id: number;
  project_id: number;
  visitor_id: number;
  uploaded_by: 'visitor' | 'operator';
  access_key: string;
  file: string;
  name: string;
  mime: string;
  size: number;
  created_at: number;
}

export function presentAttachment(a: AttachmentRow): Attachment {
  return {
    id: a.id,
    name: a.name,
    mime: a.mime,
    size: a.size,
    url: `/files/${a.id}/${a.access_key}/${encodeURIComponent(a.name)}`,
  };
}

export type AttachmentsService = ReturnType<typeof attachmentsService>;

export function attachmentsService(deps: ServiceDeps) {
  const { db, clock, config } = deps;
  const dir = join(config.dataDir, 'uploads');

  return {
    dir,

    async store(
      owner: { projectId: number; visitorId: number; by: 'visitor' | 'operator' },
      upload: { bytes: Buffer; name: string | undefined },
    ): Promise<AttachmentRow> {
      if (upload.bytes.length === 0) throw badRequest('the file is empty');
      const type = sniffFile(upload.bytes);
      let name = safeFileName(upload.name);
      // A name that claims another type than the bytes say gets the true extension added.
      if (type.ext !== 'bin' && !name.toLowerCase().endsWith(`.${type.ext}`) && !(type.ext === 'jpg' && /\.jpe?g$/i.test(name))) {
        name = `${name}.${type.ext}`;
      }
      const file = `${owner.projectId}-${randomBytes(16).toString('hex')}`;
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, file), upload.bytes);
      const accessKey = randomBytes(16).toString('base64url');
      const id = await db.write(async (tx) => {
        const { lastID } = await tx.run(
          `INSERT INTO attachments (project_id, visitor_id, uploaded_by, access_key, file, name, mime, size, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [owner.projectId, owner.visitorId, owner.by, accessKey, file, name, type.mime, upload.bytes.length, clock.now()],
        );
        return lastID;
      });
      return (await db.get<AttachmentRow>('SELECT * FROM attachments WHERE id = ?', [id]))!;
    },

    /** The attachments a message may carry: uploaded into this visitor's conversation. */
    async forMessage(visitorId: number, ids: number[] | undefined, q: Queryable = db): Promise<Attachment[]> {
      if (!ids || ids.length === 0) return [];
      const unique = [...new Set(ids)];
      const rows = await q.all<AttachmentRow>(
        `SELECT * FROM attachments WHERE visitor_id = ? AND id IN (${unique.map(() => '?').join(',')})`,
        [visitorId, ...unique],
      );
      if (rows.length !== unique.length) throw notFound('an attachment of this message does not exist in this dialog');
      return unique.map((id) => presentAttachment(rows.find((r) => r.id === id)!));
    },

    byIdAndKey: async (id: number, key: string) => {
      const row = await db.get<AttachmentRow>('SELECT * FROM attachments WHERE id = ?', [id]);
      return row && row.access_key === key ? row : undefined;
    },
  };
}
