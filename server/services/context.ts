import type { Clock } from '../clock.js';
import type { ServerConfig } from '../config.js';
import type { Repos } from '../db/index.js';
import type { Db } from '../db/sqlite.js';
import type { EventBus } from '../realtime/bus.js';
import type { Mailer } from './mailer.js';

/** What every service is built from. */
export interface ServiceDeps {
  db: Db;
  repos: Repos;
  clock: Clock;
  bus: EventBus;
  mailer: Mailer;
  config: ServerConfig;
}
