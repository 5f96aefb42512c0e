// `parley restore FILE --data-dir D`: unpacks a `parley backup` archive into a new data
// directory, offline (no server involved). Every file is checked against the manifest and the
// database must pass SQLite's integrity check; on any failure, Ctrl-C and SIGTERM included,
// nothing is left behind.
import { Command } from 'commander';
import type { Ctx } from '../context.js';
import { UsageError } from '../errors.js';
import { shellWord } from '../../core/shell.js';
import { result } from '../io.js';
import { checkReadableFile, fileProblem, removeOnInterrupt } from '../local-files.js';
import { withJsonInHelp } from '../options.js';
import { localClock, plural } from '../present.js';

interface Opts {
  dataDir?: string;
}

export async function run(file: string, opts: Opts, ctx: Ctx): Promise<number> {
  const dataDir = opts.dataDir ?? ctx.io.env.PARLEY_DATA_DIR;
  if (!dataDir) throw new UsageError('give the directory to restore into: --data-dir DIR (a new or empty one)');
  const [{ restoreBackup, RestoreFileError }, { formatSize }] = await Promise.all([
    import('../../server/services/backup.js'),
    import('../../core/format-size.js'),
  ]);
  await checkReadableFile(file);
  const unfinished = new Set<string>();
  const release = removeOnInterrupt(ctx.io, () => [...unfinished].reverse());
  const { dataDir: restored, manifest, bytes } = await restoreBackup(file, dataDir, { unfinished })
    .catch((err: unknown) => {
      // Named where it happened: the archive, DIR, or the directory a new DIR is made in.
      throw err instanceof RestoreFileError ? fileProblem(err.cause, err.path, err.access) : err;
    })
    .finally(release);
  const files = manifest.files.length - 1;
  const start = `parley server --data-dir ${shellWord(restored)}`;
  // The whole server's, no project's: when it was taken, on this computer's clock (where it is restored).
  const taken = localClock().time(manifest.createdAt);
  result(ctx.io, { dataDir: restored, bytes, start, ...manifest }, () =>
    [
      `Restored ${file} (${formatSize(bytes)}, taken ${taken} by Parley ${manifest.parleyVersion}, schema ${manifest.schemaVersion}) ` +
        `into ${restored}: ${plural(manifest.counts.messages, 'message')} in ${plural(manifest.counts.dialogs, 'dialog')}, ${plural(files, 'file')}; ` +
        'every file matches its checksum and the database passed its integrity check.',
      ...(manifest.missing.length
        ? [`${manifest.missing.length} file(s) the database names were already missing when the backup was taken.`]
        : []),
      'Start the server on it:',
      `  ${start}`,
    ].join('\n'),
  );
  return 0;
}

export default function restoreCommand(ctx: Ctx): Command {
  return withJsonInHelp(new Command('restore'))
    .description(
      'restore a "parley backup" archive into a new or empty data directory, offline; checks every file and the database before anything lands there',
    )
    .summary('restore a backup into a new or empty data directory')
    .argument('<file>', 'the archive written by "parley backup"')
    .option('--data-dir <dir>', 'the directory to restore into; must not exist or be empty, but for a fresh volume\'s empty lost+found (env PARLEY_DATA_DIR)')
    .addHelpText(
      'after',
      [
        '',
        'Run as root into an existing DIR (made for the service user), the restored files and',
        'directories get the owner and group of DIR, so the server can run on it as that user.',
        'A new DIR is made by, and for, whoever runs the restore.',
        '',
        'Examples:',
        '  $ parley restore parley-2026-01-31.tar --data-dir /srv/parley-restored',
        '  $ parley server --data-dir /srv/parley-restored',
        '',
      ].join('\n'),
    )
    .action((file: string, opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(file, opts, ctx)));
}
