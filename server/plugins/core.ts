// Infrastructure: the database, the event bus, the mailer and the services, decorated on the
// instance and closed with it (the database last, after pending writes finished).
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import fp from 'fastify-plugin';
import type { Clock } from '../clock.js';
import { DATABASE_FILE, type ServerConfig } from '../config.js';
import { createRepos, type Repos } from '../db/index.js';
import { holdDataDir } from '../db/lock.js';
import { type Db, openDatabase } from '../db/sqlite.js';
import { createLocalBus, type EventBus } from '../realtime/bus.js';
import { createServices, type Services } from '../services/index.js';
import { createMailer, type Mailer } from '../services/mailer.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: ServerConfig;
    clock: Clock;
    db: Db;
    repos: Repos;
    bus: EventBus;
    mailer: Mailer;
    services: Services;
  }
}

export default fp(
  async (app, opts: { config: ServerConfig; clock: Clock }) => {
    const { config, clock } = opts;
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    const lock = holdDataDir(config.dataDir);
    let db: Db;
    try {
      db = await openDatabase(join(config.dataDir, DATABASE_FILE));
    } catch (err) {
      lock.release();
      throw err;
    }
    // The database holds one-time passwords and reset codes (in mail not sent yet): for this
    // user only, also when it was made before (the server's umask, main.ts, covers new files).
    for (const suffix of ['', '-wal', '-shm']) {
      await chmod(join(config.dataDir, DATABASE_FILE + suffix), 0o600).catch(() => undefined);
    }
    const repos = createRepos(db);
    const bus = createLocalBus();
    const mailer = createMailer({
      db,
      repos,
      clock,
      log: app.log.child({ component: 'mailer' }),
      smtpUrl: config.smtpUrl,
      from: config.mailFrom,
      outboxDir: join(config.dataDir, 'outbox'),
    });
    const services = createServices({ db, repos, clock, bus, mailer, config });

    app.decorate('config', config);
    app.decorate('clock', clock);
    app.decorate('db', db);
    app.decorate('repos', repos);
    app.decorate('bus', bus);
    app.decorate('mailer', mailer);
    app.decorate('services', services);

    app.addHook('onReady', async () => mailer.kick());
    app.addHook('onClose', async () => {
      await mailer.stop();
      await db.close();
      lock.release();
    });
  },
  { name: 'parley-core' },
);
