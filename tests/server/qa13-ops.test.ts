// Operations findings: behind a proxy the client's address is the one the proxy appended (a
// client cannot pick its own, and with it its rate limits); a mistyped SMTP URL is refused
// without quoting its password; a stop does not hang on an SMTP server that never answers.
import { rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { configFromEnv } from '../../server/config.js';
import { DATABASE_FILE } from '../../server/config.js';
import { signedInAdmin, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const servers: TestServer[] = [];
const sockets: Socket[] = [];
let blackHole: Server | undefined;

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await new Promise((resolve) => (blackHole ? blackHole.close(resolve) : resolve(undefined)));
  blackHole = undefined;
});

/** A login from the client `real`, sent through a proxy that appended it to what the client sent. */
function loginVia(server: TestServer, forged: string, real: string) {
  return fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `${forged}, ${real}` },
    body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong-password' }),
  });
}

it('behind a proxy, a client cannot choose its address with its own X-Forwarded-For: the per-address limit holds', async () => {
  const server = await startTestServer({ env: { PARLEY_TRUST_PROXY: '1' }, rateLimits: { login: 3 } });
  servers.push(server);
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await loginVia(server, `10.0.0.${i + 1}`, '198.51.100.7')).status);
  expect(statuses).toEqual([401, 401, 401, 429]);
  // Another client behind the same proxy has its own limit.
  expect((await loginVia(server, '10.0.0.9', '198.51.100.8')).status).toBe(401);
});

it('a mistyped SMTP URL is refused without its password in the message', () => {
  for (const url of ['smpt://mailer:S3cretSmtpPw@mail.example.com:587', 'mailer:S3cretSmtpPw@mail.example.com']) {
    const err = (() => {
      try {
        configFromEnv({ PARLEY_SMTP_URL: url });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.message, url).toMatch(/PARLEY_SMTP_URL must be/);
    expect(err?.message).not.toContain('S3cretSmtpPw');
    expect(err?.message).toContain('mail.example.com');
  }
});

it('a stop with an SMTP server that never answers ends within seconds; the mail stays queued for the next start', async () => {
  const connected = new Promise<void>((resolve) => {
    blackHole = createServer((socket) => {
      sockets.push(socket); // accepted, never greeted
      resolve();
    });
  });
  await new Promise<void>((resolve) => blackHole!.listen(0, '127.0.0.1', resolve));
  const port = (blackHole!.address() as { port: number }).port;
  const dataDir = await tempDir('parley-smtp-stop-');
  const server = await startTestServer({ dataDir, env: { PARLEY_SMTP_URL: `smtp://127.0.0.1:${port}` } });
  const { client: admin } = await signedInAdmin(server);
  const project = await admin.createProject('Shop');
  await admin.addMember(project.id, { email: 'oli@example.com', firstName: 'Oli', lastName: 'Op', operator: true });
  await connected;
  // Before the fix the stop waited for nodemailer's own timeouts (minutes) and the server's
  // forced exit cut it short; here it must simply end, with the mail not marked sent.
  await server.close();
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    const mail = db.prepare('SELECT status, recipient FROM mail_queue WHERE recipient = ?').get('oli@example.com') as { status: string };
    expect(mail.status).toBe('pending');
  } finally {
    db.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
