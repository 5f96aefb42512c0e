// A real Parley server for tests: a fresh SQLite file in a temp dir, listening on a random
// loopback port, with its logs captured so tests can search them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ParleyClient } from '../../core/client/api.js';
import { buildApp } from '../../server/app.js';
import type { Clock } from '../../server/clock.js';
import { configFromEnv } from '../../server/config.js';
import { TEST_SCRYPT } from './cli.js';
import type { BridgeTuning } from '../../server/telegram/timers.js';

export interface TestServer {
  app: FastifyInstance;
  url: string;
  dataDir: string;
  /** Every log line written so far (JSON). */
  logs: string[];
  close(): Promise<void>;
}

export async function tempDir(prefix = 'parley-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function startTestServer(
  opts: {
    clock?: Clock;
    env?: NodeJS.ProcessEnv;
    dataDir?: string;
    rateLimits?: { login?: number; forgot?: number };
    /** The Telegram bridge's timers and polling (tests run it in virtual time). */
    telegram?: BridgeTuning;
    /** Pings every socket this often (30 s in production). */
    heartbeatMs?: number;
    /** Checks operator sockets' sessions this often (60 s in production). */
    sessionCheckMs?: number;
    /** Cuts a request whose headers and body took longer than this to arrive (at least 300 s in production). */
    requestTimeoutMs?: number;
  } = {},
): Promise<TestServer> {
  const dataDir = opts.dataDir ?? (await tempDir());
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, done) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  // Every visitor of a test comes from 127.0.0.1: the per-address budgets against floods are
  // lifted unless a test sets them (tests/server/abuse-limits.test.ts tests them).
  const unlimited = { PARLEY_WIDGET_SOCKETS_PER_ADDRESS: '1000000', PARLEY_WIDGET_VISITORS_PER_MINUTE: '1000000' };
  const config = configFromEnv({ PARLEY_LOG_LEVEL: 'debug', ...unlimited, ...TEST_SCRYPT, ...opts.env, PARLEY_DATA_DIR: dataDir, PARLEY_PORT: '0' });
  const app = await buildApp({ config, clock: opts.clock, logStream, rateLimits: opts.rateLimits, telegram: opts.telegram, heartbeatMs: opts.heartbeatMs, sessionCheckMs: opts.sessionCheckMs, requestTimeoutMs: opts.requestTimeoutMs });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  if (!opts.env?.PARLEY_PUBLIC_URL) config.publicUrl = url;
  return {
    app,
    url,
    dataDir,
    logs,
    async close() {
      await app.close();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const NEW_PASSWORD = 'a-long-password-42';

/**
 * A server administrator who has already replaced the one-time password, and a client signed
 * in as them.
 */
export async function signedInAdmin(
  server: TestServer,
  who = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' },
): Promise<{ client: ParleyClient; email: string; password: string }> {
  const { password: oneTime } = await server.app.services.admin.createServerAdmin(who);
  const client = await signIn(server.url, who.email, oneTime, NEW_PASSWORD);
  return { client, email: who.email, password: NEW_PASSWORD };
}

/** Signs in; when the password is a one-time one, replaces it with `newPassword`. */
export async function signIn(url: string, email: string, password: string, newPassword = NEW_PASSWORD) {
  const client = new ParleyClient({ url });
  const reply = await client.login(email, password);
  client.token = reply.token;
  if (reply.mustChangePassword) await client.changePassword(password, newPassword);
  return client;
}
