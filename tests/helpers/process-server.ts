// A real `parley server` in its own process (bin/parley.js, through tests/helpers/process.ts),
// so a test can `kill -9` it for real and start it again on the same data directory and port.
// Its address is learned from its own "Server listening at" log line. Every process started
// here is tracked by process.ts: `killAllParley()` in afterEach kills what is still running.
import type { Project } from '../../core/protocol/index.js';
import { ParleyClient } from '../../core/client/api.js';
import { runCli } from './cli.js';
import { type Exit, type ParleyProcess, spawnParley } from './process.js';

export { killAllParley } from './process.js';

export interface ServerProcess {
  proc: ParleyProcess;
  url: string;
  port: number;
  dataDir: string;
  /** `kill -9`: no shutdown code runs; resolves once the process is gone. */
  crash(): Promise<Exit>;
  /** SIGTERM: the graceful shutdown (sockets closed, writes finished, database closed). */
  stop(): Promise<Exit>;
}

/**
 * Starts `parley server` on `dataDir`; on `port` when given (a restart on the same address), else
 * on one the system picks. Resolves once it listens.
 */
export async function startServerProcess(dataDir: string, opts: { port?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ServerProcess> {
  const proc = spawnParley(['server', '--host', '127.0.0.1', '--port', String(opts.port ?? 0), '--data-dir', dataDir], {
    // info: the line that says where it listens. Requests are logged too, a line or two per
    // socket opened, which is little next to the frames.
    env: { PARLEY_LOG_LEVEL: 'info', ...opts.env },
  });
  const [, url] = await proc.waitForStdout(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/, 30_000);
  return {
    proc,
    url,
    port: Number(new URL(url).port),
    dataDir,
    crash: () => proc.stop('SIGKILL'),
    stop: () => proc.stop('SIGTERM'),
  };
}

export interface Operator {
  /** Signed in as the server administrator, who is an operator of the project and online. */
  client: ParleyClient;
  token: string;
  email: string;
  project: Project;
}

const PASSWORD = 'a-long-password-42';

/**
 * Before the first start: a server administrator, created in the database the way an admin
 * bootstraps a server (`parley admin create`). Returns the one-time password.
 */
export async function createAdmin(dataDir: string, email = 'ops@example.com'): Promise<{ email: string; password: string }> {
  const r = await runCli(
    ['admin', 'create', '--email', email, '--first-name', 'Olga', '--last-name', 'Ops', '--data-dir', dataDir, '--json'],
    { configDir: dataDir },
  );
  if (r.code !== 0) throw new Error(`parley admin create failed (${r.code}): ${r.stderr}`);
  return { email, password: (JSON.parse(r.stdout) as { password: string }).password };
}

/** Signs the admin in, and makes a project whose widget may connect from `origin`, with them as its online operator. */
export async function setUpProject(url: string, admin: { email: string; password: string }, origin: string): Promise<Operator> {
  const client = new ParleyClient({ url });
  const login = await client.login(admin.email, admin.password);
  client.token = login.token;
  if (login.mustChangePassword) await client.changePassword(admin.password, PASSWORD);
  const project = await client.createProject('Shop');
  await client.updateProject(project.id, { allowedOrigins: [origin] });
  await client.updateMember(project.id, admin.email, { operator: true });
  await client.setStatus(project.id, true);
  return { client, token: login.token, email: admin.email, project: await client.getProject(project.id) };
}
