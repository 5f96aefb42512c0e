// Files in dialogs: uploaded by a visitor (through the widget) or an operator, typed by their
// bytes, stored under generated names in DATA_DIR/uploads, and reachable only through an
// unguessable URL that is given to the dialog's visitor and the project's operators.
//
// An upload streams into DATA_DIR/incoming (never whole in memory) and moves into uploads/ once
// it is complete and allowed. A file that no message carries an hour after its upload (or after
// a send last asked for it) is removed by a sweep: the visitor dropped it, or the send failed.
// A visitor's uploads count against a daily budget, removed files included.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Attachment } from '../../core/protocol/index.js';
import { formatSize } from '../../core/format-size.js';
import { attachmentsRepo, type UploadBudgetRow } from '../db/attachments.js';
import type { Tx } from '../db/sqlite.js';
import { badRequest, notFound, rateLimited, tooLarge } from '../errors.js';
import type { ServiceDeps } from './context.js';
import { safeFileName, sniffFile, type SniffedType } from '../../core/filetype.js';

export const UPLOAD_RULES = {
  /** A file no message carries is removed this long after its upload, or after a send last asked for it. */
  unusedTtlMs: 3600_000,
  /** How often the server looks for such files (and once as it starts). */
  sweepEveryMs: 5 * 60_000,
  /** A visitor's upload budget (config.uploadVisitorBytesPerDay; files removed since count too) lasts this long. */
  budgetWindowMs: 24 * 3600_000,
} as const;

/** Expired files handled per write: a backlog never holds the writer for long. */
const SWEEP_BATCH = 200;
/** The first bytes of an upload, which its type is told by. */
const HEAD_BYTES = 64;

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
  /** Null once a message carries the file. */
  expires_at: number | null;
}

/** An upload received in full into a temporary file. */
export interface IncomingFile {
  path: string;
  size: number;
  head: Buffer;
  name: string | undefined;
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

/** The name as given, with the true extension added when it claims another type than the bytes say. */
function nameFor(raw: string | undefined, type: SniffedType): string {
  const name = safeFileName(raw);
  const matches = name.toLowerCase().endsWith(`.${type.ext}`) || (type.ext === 'jpg' && /\.jpe?g$/i.test(name));
  return type.ext === 'bin' || matches ? name : `${name}.${type.ext}`;
}

export type AttachmentsService = ReturnType<typeof attachmentsService>;

export function attachmentsService(deps: ServiceDeps) {
  const { db, clock, config } = deps;
  const repo = attachmentsRepo(db);
  const dir = join(config.dataDir, 'uploads');
  const incomingDir = join(config.dataDir, 'incoming');
  // A budget smaller than the largest file would refuse that file for good.
  const budget = Math.max(config.uploadVisitorBytesPerDay, config.uploadMaxBytes);
  const fileTooLarge = () => tooLarge(`a file may be at most ${formatSize(config.uploadMaxBytes)}`);
  let timer: NodeJS.Timeout | null = null;
  let sweeping: Promise<unknown> = Promise.resolve();

  /** Writes `data` to a temporary file as it arrives, refusing it once it passes the size limit. */
  async function receive(data: AsyncIterable<Buffer>, name: string | undefined): Promise<IncomingFile> {
    await mkdir(incomingDir, { recursive: true });
    const path = join(incomingDir, randomBytes(16).toString('hex'));
    let size = 0;
    let head = Buffer.alloc(0);
    try {
      await pipeline(
        data,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            size += chunk.length;
            if (size > config.uploadMaxBytes) throw fileTooLarge();
            if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
            yield chunk;
          }
        },
        createWriteStream(path, { flags: 'wx' }),
      );
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
    return { path, size, head, name };
  }

  /** The visitor's budget as it stands at `now`: a new day once the last one is over. */
  async function budgetAt(visitorId: number, now: number, tx?: Tx): Promise<UploadBudgetRow> {
    const row = await repo.budget(visitorId, tx);
    return row && row.since + UPLOAD_RULES.budgetWindowMs > now ? row : { visitor_id: visitorId, since: now, bytes: 0 };
  }

  function overBudget(row: UploadBudgetRow, now: number) {
    const wait = (row.since + UPLOAD_RULES.budgetWindowMs - now) / 1000;
    return rateLimited(`a visitor may upload ${formatSize(budget)} of files a day; retry in ${Math.ceil(wait)} s`, wait);
  }

  /** Removes the files whose expiry has come and that no message carries; returns how many. */
  async function sweep(): Promise<number> {
    let removed = 0;
    for (;;) {
      const { files, more } = await db.write(async (tx) => {
        const due = await repo.expired(tx, clock.now(), SWEEP_BATCH);
        await repo.keep(tx, due.filter((a) => a.used).map((a) => a.id));
        const unused = due.filter((a) => !a.used);
        await repo.remove(tx, unused.map((a) => a.id));
        return { files: unused.map((a) => a.file), more: due.length === SWEEP_BATCH };
      });
      // Once the rows are gone: a failure here leaves a file nobody names, never a row without its file.
      await Promise.all(files.map((file) => rm(join(dir, file), { force: true })));
      removed += files.length;
      if (!more) return removed;
    }
  }

  return {
    dir,
    receive,
    sweep,
    fileTooLarge,

    /**
     * Stores an upload (received, or bytes at hand) as the owner's. A visitor's counts against
     * their budget, checked in the write that stores it, so parallel uploads cannot overdraw it.
     */
    async store(
      owner: { projectId: number; visitorId: number; by: 'visitor' | 'operator' },
      upload: IncomingFile | { bytes: Buffer; name: string | undefined },
    ): Promise<AttachmentRow> {
      const incoming = 'bytes' in upload ? await receive(Readable.from([upload.bytes]), upload.name) : upload;
      const file = `${owner.projectId}-${randomBytes(16).toString('hex')}`;
      try {
        if (incoming.size === 0) throw badRequest('the file is empty');
        const type = sniffFile(incoming.head);
        // In place before the row that names it: a backup takes the files its rows name.
        await mkdir(dir, { recursive: true });
        await rename(incoming.path, join(dir, file));
        const now = clock.now();
        const id = await db.write(async (tx) => {
          if (owner.by === 'visitor') {
            const spent = await budgetAt(owner.visitorId, now, tx);
            if (spent.bytes + incoming.size > budget) throw overBudget(spent, now);
            await repo.setBudget(tx, { ...spent, bytes: spent.bytes + incoming.size });
          }
          const { lastID } = await tx.run(
            `INSERT INTO attachments (project_id, visitor_id, uploaded_by, access_key, file, name, mime, size, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            [
              owner.projectId,
              owner.visitorId,
              owner.by,
              randomBytes(16).toString('base64url'),
              file,
              nameFor(incoming.name, type),
              type.mime,
              incoming.size,
              now,
              now + UPLOAD_RULES.unusedTtlMs,
            ],
          );
          return lastID;
        });
        return (await db.get<AttachmentRow>('SELECT * FROM attachments WHERE id = ?', [id]))!;
      } catch (err) {
        await rm(incoming.path, { force: true });
        await rm(join(dir, file), { force: true });
        throw err;
      }
    },

    /** Refuses a visitor's upload before its body is read when their budget is spent. */
    async checkBudget(visitorId: number): Promise<void> {
      const now = clock.now();
      const spent = await budgetAt(visitorId, now);
      if (spent.bytes >= budget) throw overBudget(spent, now);
    },

    /**
     * The attachments a message may carry: uploaded into this visitor's conversation, and for a
     * visitor's own message uploaded by the visitor (an operator's upload may be a note's file,
     * or not sent yet: the visitor must not get its address by naming its id). Claimed for the
     * send that asks, so the sweep cannot remove one before the message is stored.
     */
    async forMessage(visitorId: number, ids: number[] | undefined, by: 'visitor' | 'operator'): Promise<Attachment[]> {
      if (!ids || ids.length === 0) return [];
      const unique = [...new Set(ids)];
      const onlyVisitors = by === 'visitor';
      const rows = await db.write(async (tx) => {
        await repo.claim(tx, visitorId, unique, clock.now() + UPLOAD_RULES.unusedTtlMs, onlyVisitors);
        return tx.all<AttachmentRow>(
          `SELECT * FROM attachments WHERE visitor_id = ? AND id IN (${unique.map(() => '?').join(',')})
           ${onlyVisitors ? "AND uploaded_by = 'visitor'" : ''}`,
          [visitorId, ...unique],
        );
      });
      if (rows.length !== unique.length) throw notFound('an attachment of this message does not exist in this dialog');
      return unique.map((id) => presentAttachment(rows.find((r) => r.id === id)!));
    },

    byIdAndKey: async (id: number, key: string) => {
      const row = await db.get<AttachmentRow>('SELECT * FROM attachments WHERE id = ?', [id]);
      return row && row.access_key === key ? row : undefined;
    },

    /**
     * Sweeps at once (what expired while the server was down), then every few minutes. Uploads
     * a crash cut off are dropped first: nothing else writes there while no request is served.
     */
    async start(onError: (err: unknown) => void): Promise<void> {
      await rm(incomingDir, { recursive: true, force: true });
      const run = () => (sweeping = sweep().catch(onError));
      await run();
      timer = setInterval(run, UPLOAD_RULES.sweepEveryMs);
      timer.unref();
    },

    /** Stops the sweeps, once the one under way (if any) has finished. */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await sweeping;
    },
  };
}
