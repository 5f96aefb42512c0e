// The services on the database alone, without HTTP: for `parley admin create` and other
// commands that act on a data directory directly.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from './clock.js';
import { configFromEnv, DATABASE_FILE } from './config.js';
import { createRepos } from './db/index.js';
import { openDatabase } from './db/sqlite.js';
import { createLocalBus } from './realtime/bus.js';
import { createServices, type Services } from './services/index.js';
import { createMailer } from './services/mailer.js';

export async function withOfflineServices<T>(
  env: NodeJS.ProcessEnv,
  dataDir: string | undefined,
  fn: (services: Services) => Promise<T>,
): Promise<T> {
  const config = configFromEnv(env, { dataDir });
  // A database made here (the bootstrap) is for its user only, as the server's files are.
  const umask = process.umask(0o077);
  let db: Awaited<ReturnType<typeof openDatabase>>;
  try {
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    db = await openDatabase(join(config.dataDir, DATABASE_FILE));
  } finally {
    process.umask(umask);
  }
  const repos = createRepos(db);
  const quiet = () => undefined;
  const log = { info: quiet, warn: quiet, error: quiet };
  // Mail enqueued here is sent by the running (or next) server, which reads the same queue.
  const mailer = createMailer({ db, repos, clock: systemClock, log, smtpUrl: null, from: config.mailFrom, outboxDir: '' });
  try {
    return await fn(createServices({ db, repos, clock: systemClock, bus: createLocalBus(), mailer, config }));
  } finally {
    await mailer.stop();
    await db.close();
  }
}
