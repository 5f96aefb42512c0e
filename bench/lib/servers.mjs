// The two servers a run compares: the bare relay (the floor) and Parley itself, each a child
// process on loopback so its RSS is its own. Parley gets an admin, a project whose allowed
// origin is the bench's, and an API token for the CLI measurements.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, until } from './stats.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin/parley.js');
export const ORIGIN = 'http://bench.localhost';
/** The per-address widget limits, out of the way of a load that is all from one address. */
const ONE_ADDRESS_LIMITS = { PARLEY_WIDGET_SOCKETS_PER_ADDRESS: '1000000', PARLEY_WIDGET_VISITORS_PER_MINUTE: '1000000' };

function firstLine(child) {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) resolve(buf.slice(0, i));
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before it was ready`)));
  });
}

/** The bare relay; `fanout` makes it send each operator event to every operator, as Parley does. */
export async function startRelay({ fanout = false } = {}) {
  const args = [join(ROOT, 'bench/lib/relay.mjs'), ...(fanout ? ['--fanout'] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const { port } = JSON.parse(await firstLine(child));
  return {
    pid: child.pid,
    operatorUrl: `ws://127.0.0.1:${port}/operator`,
    visitorUrl: (dialogId) => `ws://127.0.0.1:${port}/visitor?dialog=${dialogId}`,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export async function startParley() {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-'));
  const email = 'bench@example.com';
  const created = spawnSync(
    process.execPath,
    [BIN, 'admin', 'create', '--email', email, '--first-name', 'Bench', '--last-name', '-', '--data-dir', dataDir, '--json'],
    { encoding: 'utf8' },
  );
  if (created.status !== 0) throw new Error(`admin create failed: ${created.stderr}`);
  const oneTime = JSON.parse(created.stdout).password;

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...(process.env.PARLEY_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), BIN, 'server', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir], {
    stdio: ['ignore', process.env.PARLEY_BENCH_STDOUT ? 'inherit' : 'ignore', 'inherit'],
    // Every widget of a run (10,000 idle ones, the soak's visitors) comes from 127.0.0.1: one
    // address, which the server would otherwise hold to one office's share.
    env: { ...process.env, ...ONE_ADDRESS_LIMITS, PARLEY_PUBLIC_URL: url, PARLEY_LOG_LEVEL: 'warn' },
  });
  await until('the server to be ready', async () => {
    try {
      return (await fetch(`${url}/readyz`)).ok;
    } catch {
      return false;
    }
  });

  const { ParleyClient } = await import(join(ROOT, 'dist/core/client/api.js'));
  const client = new ParleyClient({ url });
  const login = await client.login(email, oneTime);
  client.token = login.token;
  const password = 'bench-password-42';
  await client.changePassword(oneTime, password);
  const project = await client.createProject('Bench');
  await client.updateProject(project.id, { allowedOrigins: [ORIGIN] });
  await client.updateMember(project.id, email, { operator: true });
  await client.setStatus(project.id, true);
  const { token: apiToken } = await client.createToken('bench');

  return {
    pid: child.pid,
    url,
    dataDir,
    project,
    token: client.token,
    apiToken,
    client,
    operatorUrl: `ws://127.0.0.1:${port}/ws/operator?project=${project.id}`,
    visitorUrl: `ws://127.0.0.1:${port}/ws/visitor?key=${encodeURIComponent(project.widgetKey)}`,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
