// `parley backup FILE`: a consistent backup of the running server (database, attachments,
// avatars) saved as one archive. The download is checked against its manifest as it streams in
// and lands in FILE only when whole (temp file, fsync, rename), so FILE is never half written,
// and the temp file goes however the command ends, a signal included.
import { randomBytes } from 'node:crypto';
import { link, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { ApiError } from '../../core/client/api.js';
import { API_PREFIX } from '../../core/protocol/constants.js';
import type { ErrorBody } from '../../core/protocol/index.js';
import type { Ctx } from '../context.js';
import { CliError } from '../errors.js';
import { result } from '../io.js';
import { fileProblem, removeOnInterrupt } from '../local-files.js';
import { localClock, plural } from '../present.js';

interface Opts {
  force?: boolean;
}

export async function run(file: string, opts: Opts, ctx: Ctx): Promise<number> {
  const target = resolve(file);
  // Checked before downloading anything: --force replaces a file, never a directory.
  const existing = await stat(target).catch(() => null);
  if (existing?.isDirectory()) throw new CliError(`${file} is a directory: give the backup's file name (parley backup ${join(file, 'parley.tar')})`);
  if (!opts.force && existing) throw new CliError(`${file} exists: pass --force to replace it`);
  const client = await ctx.client();
  const [{ backupReader }, { formatSize }] = await Promise.all([
    import('../../core/backup-format.js'),
    import('../../core/format-size.js'),
  ]);

  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.partial`);
  // Ctrl-C, or a `timeout` around a cron job, ends the process in the middle of the download.
  const release = removeOnInterrupt(ctx.io, () => [temp]);
  const out = await open(temp, 'wx', 0o600).catch((err: unknown) => {
    release();
    throw fileProblem(err, file, 'write');
  });
  let placed = false;
  try {
    const res = await download(client.url, client.token!, `${API_PREFIX}/admin/backup`);
    const reader = backupReader(`the backup from ${client.url}`);
    const body = res.body![Symbol.asyncIterator]();
    for (;;) {
      const next = await body.next().catch((err: unknown) => {
        throw new CliError(`the backup download from ${client.url} broke off: ${describeCause(err)}`);
      });
      if (next.done) break;
      await out.write(next.value);
      await reader.write(next.value);
    }
    const manifest = await reader.end();
    await out.sync();
    await out.close();
    await place(temp, target, file, Boolean(opts.force));
    placed = true;
    const { size } = await stat(target);
    const files = manifest.files.length - 1;
    // The whole server's, no project's: when it was taken, on this computer's clock.
    const taken = localClock().time(manifest.createdAt);
    result(
      ctx.io,
      { file: target, bytes: size, ...manifest },
      () =>
        `Backup written to ${file}: ${formatSize(size)}, ${plural(manifest.counts.messages, 'message')} in ${plural(manifest.counts.dialogs, 'dialog')}, ` +
        `${plural(files, 'file')} (Parley ${manifest.parleyVersion}, schema ${manifest.schemaVersion}, taken ${taken})` +
        (manifest.missing.length ? `; ${manifest.missing.length} file(s) the database names were missing on the server` : ''),
    );
    return 0;
  } finally {
    await out.close().catch(() => undefined);
    if (!placed) await rm(temp, { force: true });
    release();
  }
}

/** GET with the token; a failure becomes the ApiError every other command reports. */
async function download(url: string, token: string, path: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/x-tar, application/json' } });
  } catch (err) {
    throw new ApiError(0, 'unreachable', `cannot reach the Parley server at ${url}: ${describeCause(err)}`);
  }
  if (res.status >= 400 || !res.body) {
    const text = await res.text();
    let code = 'http_error';
    let message = `the server answered ${res.status}`;
    try {
      ({ code, message } = (JSON.parse(text) as ErrorBody).error);
    } catch {
      // Not our error shape (a proxy in between): keep the status line.
    }
    throw new ApiError(res.status, code, message);
  }
  return res;
}

/** Into place atomically; without --force a FILE that appeared meanwhile is still not replaced. */
async function place(temp: string, target: string, file: string, force: boolean): Promise<void> {
  if (force) return rename(temp, target);
  try {
    await link(temp, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliError(`${file} exists: pass --force to replace it`);
    // A file system without hard links: the check before the download has to do.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV') throw err;
    return rename(temp, target);
  }
  await rm(temp, { force: true });
}

function describeCause(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

export default function backupCommand(ctx: Ctx): Command {
  return new Command('backup')
    .description(
      'save a consistent backup of the running server (database, attachments, avatars) to FILE, while it keeps serving (server administrators)',
    )
    .summary('save a backup of the running server to FILE (server administrators)')
    .argument('<file>', 'the archive to write (a tar file); restore it with "parley restore"')
    .option('--force', 'replace FILE if it exists')
    .addHelpText(
      'after',
      '\nExamples:\n  $ parley backup parley-$(date +%F).tar\n  $ parley backup /backups/parley.tar --force --json\n',
    )
    .action((file: string, opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(file, opts, ctx)));
}
