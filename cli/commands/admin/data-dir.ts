// The commands that work on a server's data directory directly (`admin create`, `admin
// promote|demote`), beside the server or without it. The server's modules load only when such a
// command runs: the operator package (parley.tgz) has none of them, and says so.
import { readdir } from 'node:fs/promises';
import type { Services } from '../../../server/services/index.js';
import { CliError } from '../../errors.js';
import type { Ctx } from '../../context.js';

export const DATA_DIR_HELP = 'data directory of the server (env PARLEY_DATA_DIR, default ./.parley)';

/**
 * Runs `fn` on the services of the data directory `dataDir` (else PARLEY_DATA_DIR, else the
 * default), once it is known to be a server's: one holding its database, or, when `bootstrap`,
 * an empty directory made for a new server (`admin create`, then start the server). Anything else
 * is most likely a typo, and a fresh database made there would report success for an account
 * the real server never sees. `fn` also gets the server's public URL as configured here.
 */
export async function onDataDir<T>(
  ctx: Ctx,
  dataDir: string | undefined,
  bootstrap: boolean,
  fn: (services: Services, publicUrl: string) => Promise<T>,
): Promise<T> {
  const { configFromEnv } = await import('../../../server/config.js');
  const { withOfflineServices } = await import('../../../server/offline.js');
  const config = configFromEnv(ctx.io.env, { dataDir });
  await checkDataDir(config.dataDir, bootstrap);
  return withOfflineServices(ctx.io.env, dataDir, (services) => fn(services, config.publicUrl));
}

async function checkDataDir(dir: string, bootstrap: boolean): Promise<void> {
  const { DATABASE_FILE } = await import('../../../server/config.js');
  const howTo = bootstrap
    ? `start the server on it once ("parley server --data-dir ${dir}"), or give an empty directory to set up a new server`
    : 'give the data directory of the server (it holds parley.db)';
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A file in its place was refused with the rest of the configuration (configFromEnv).
    if (code === 'ENOENT') throw new CliError(`the data directory ${dir} does not exist: ${howTo}`);
    throw new CliError(`cannot read the data directory ${dir}: ${(err as Error).message}`);
  }
  if (!entries.includes(DATABASE_FILE) && (entries.length > 0 || !bootstrap)) throw new CliError(`no Parley database in ${dir}: ${howTo}`);
}
