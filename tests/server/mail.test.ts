// Mail: welcome mails through a real SMTP server (smtp-server, parsed with mailparser), the
// .eml outbox when no SMTP server is configured, and a queue that never blocks a request,
// retries with backoff, survives a restart and forgets bodies once they are handed over.
import { rm, stat } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, ParleyClient } from '../../core/client/api.js';
import { API_PREFIX } from '../../core/protocol/index.js';
import { ManualClock } from '../../server/clock.js';
import type { MailRow } from '../../server/db/mail.js';
import { runCli } from '../helpers/cli.js';
import { passwordFrom, type ReceivedMail, startSmtpSink, watchOutbox } from '../helpers/mail.js';
import { signedInAdmin, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  // Servers first (their mailers talk to the sinks), then sinks and watchers.
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function server(opts: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer(opts);
  // Idempotent close: a test may close a server itself (to restart it) before afterEach does.
  const close = s.close.bind(s);
  let closing: Promise<void> | null = null;
  s.close = () => (closing ??= close());
  cleanups.push(() => s.close());
  return s;
}

async function sink() {
  const s = await startSmtpSink();
  cleanups.push(() => s.close());
  return s;
}

/** A loopback port where nothing listens. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function adminWithProject(s: TestServer, name = 'Acme shop') {
  const { client } = await signedInAdmin(s);
  const project = await client.createProject(name);
  return { client, project };
}

const ann = { email: 'Ann.Lee@Example.com', firstName: 'Ann', lastName: 'Lee', operator: true, access: null };
const ANN = 'ann.lee@example.com';

async function mailRows(s: TestServer, to: string): Promise<MailRow[]> {
  return s.app.db.all<MailRow>('SELECT * FROM mail_queue WHERE recipient = ? ORDER BY id', [to]);
}

/** The one-time password signs in once, forces a change, and is refused after the change. */
async function expectOneTimePassword(url: string, email: string, password: string) {
  const client = new ParleyClient({ url });
  const first = await client.login(email, password);
  expect(first.mustChangePassword).toBe(true);
  expect(first.user.email).toBe(email);
  client.token = first.token;
  await client.changePassword(password, 'ann-chose-a-password');
  const reused = await new ParleyClient({ url }).login(email, password).catch((e: unknown) => e);
  expect(reused).toBeInstanceOf(ApiError);
  expect((reused as ApiError).status).toBe(401);
  const after = await new ParleyClient({ url }).login(email, 'ann-chose-a-password');
  expect(after.mustChangePassword).toBe(false);
}

function expectWelcome(mail: ReceivedMail, projectName: string) {
  expect(mail.to).toBe(ANN);
  expect(mail.subject).toContain(projectName);
  expect(mail.text).toMatch(/^Password:\s+\S{16,}$/m);
  expect(mail.text).toMatch(new RegExp(`^Login:\\s+${ANN.replace(/\./g, '\\.')}$`, 'm'));
}

describe('mail through SMTP', () => {
  it('`parley team add` sends a welcome mail that arrives at the SMTP server with a one-time password', async () => {
    const smtp = await sink();
    const s = await server({ env: { PARLEY_SMTP_URL: smtp.url, PARLEY_MAIL_FROM: 'Parley <parley@acme.test>' } });
    const { client, project } = await adminWithProject(s);
    const { token } = await client.createToken('mail-test');
    const configDir = await tempDir('parley-cli-');
    cleanups.push(() => rm(configDir, { recursive: true, force: true }));

    const cli = await runCli(
      ['team', 'add', '--project', String(project.id), '--email', ann.email, '--first-name', 'Ann', '--last-name', 'Lee', '--operator'],
      { env: { PARLEY_URL: s.url, PARLEY_TOKEN: token }, configDir },
    );
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);

    const mail = await smtp.waitFor((m) => m.to === ANN);
    expectWelcome(mail, 'Acme shop');
    const password = passwordFrom(mail);

    // Handed over: the queue keeps the row but not the body (it held the password).
    await s.app.mailer.flush();
    const [row] = await mailRows(s, ANN);
    expect(row).toMatchObject({ status: 'sent', body: '', attempts: 1 });
    expect(row.sent_at).toEqual(expect.any(Number));
    expect(s.logs.join('\n')).not.toContain(password);

    await expectOneTimePassword(s.url, ANN, password);
  });

  it('a user who already has an account gets a mail without a password when added to another project', async () => {
    const smtp = await sink();
    const s = await server({ env: { PARLEY_SMTP_URL: smtp.url } });
    const { client, project } = await adminWithProject(s);
    const second = await client.createProject('Second shop');
    await client.addMember(project.id, ann);
    const welcome = await smtp.waitFor((m) => m.to === ANN);
    expect(welcome.subject).toContain('Acme shop');
    // She chose her own password (someone who never did gets a new one-time password: qa4-added-mail).
    await expectOneTimePassword(s.url, ANN, passwordFrom(welcome));

    const reply = await client.addMember(second.id, ann);
    expect(reply).toMatchObject({ newUser: false, passwordMailed: false });
    const added = await smtp.waitFor((m) => m.to === ANN && m.subject.includes('Second shop'));
    expect(added.text).not.toMatch(/Password:/);
  });
});

describe('mail without an SMTP server: the outbox', () => {
  it('writes an .eml file (mode 0600) and logs its subject and recipient, never its body', async () => {
    const s = await server();
    const { client } = await adminWithProject(s);
    const reply = await client.addMember((await client.listProjects())[0].id, ann);
    expect(reply.newUser).toBe(true);
    await s.app.mailer.flush();

    const outbox = await watchOutbox(s.dataDir);
    cleanups.push(() => outbox.close());
    const mail = await outbox.waitFor((m) => m.to === ANN);
    expectWelcome(mail, 'Acme shop');
    const password = passwordFrom(mail);

    const [row] = await mailRows(s, ANN);
    expect(row).toMatchObject({ status: 'sent', body: '' });

    // The file: named .eml, readable by the owner only.
    const logged = s.logs
      .map((l) => JSON.parse(l) as { msg?: string; to?: string; subject?: string; file?: string })
      .filter((l) => l.msg === 'mail written to outbox' && l.to === ANN);
    expect(logged).toHaveLength(1);
    expect(logged[0].subject).toBe(mail.subject);
    const file = logged[0].file!;
    expect(file.startsWith(join(s.dataDir, 'outbox'))).toBe(true);
    expect(file).toMatch(/\.eml$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    // The log names the mail, but nothing of what is inside it.
    const log = s.logs.join('\n');
    expect(log).not.toContain(password);
    expect(log).not.toContain('Password:');
    expect(log).not.toContain('This password works once');

    await expectOneTimePassword(s.url, ANN, password);
  });
});

describe('mail when the SMTP server is down', () => {
  it('answers the request while the SMTP server hangs, then records the failed attempt', async () => {
    // An "SMTP server" that accepts connections and never says a word.
    const sockets: Socket[] = [];
    const connected: Array<() => void> = [];
    const hole = createServer((socket) => {
      sockets.push(socket);
      connected.splice(0).forEach((f) => f());
    });
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => {
      sockets.forEach((sock) => sock.destroy());
      return new Promise<void>((resolve) => hole.close(() => resolve()));
    });
    const { port } = hole.address() as { port: number };
    const s = await server({ clock: new ManualClock(), env: { PARLEY_SMTP_URL: `smtp://127.0.0.1:${port}` } });
    const { client, project } = await adminWithProject(s);

    const started = performance.now();
    const reply = await client.addMember(project.id, ann);
    expect(reply.newUser).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);

    // The send is still in flight (stuck on the silent server) although the request has answered.
    if (sockets.length === 0) await new Promise<void>((resolve) => connected.push(resolve));
    expect((await mailRows(s, ANN))[0]).toMatchObject({ status: 'pending', attempts: 0, last_error: null });

    // The server hangs up: the attempt fails and is recorded for a retry.
    sockets.forEach((sock) => sock.destroy());
    await s.app.mailer.flush();
    const [row] = await mailRows(s, ANN);
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.last_error).toEqual(expect.stringMatching(/\S/));
  });

  it('does not block the request, keeps the mail queued, and delivers it after a restart with backoff', async () => {
    const dataDir = await tempDir('parley-mail-');
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const clock = new ManualClock();
    const down = `smtp://127.0.0.1:${await closedPort()}`;
    const s1 = await server({ dataDir, clock, env: { PARLEY_SMTP_URL: down } });
    const { client, project } = await adminWithProject(s1);

    // The request answers 201 at once, although the mail cannot go anywhere.
    const started = performance.now();
    const res = await fetch(`${s1.url}${API_PREFIX}/projects/${project.id}/members`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(ann),
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { newUser: boolean }).newUser).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);

    // The worker tried, failed, and scheduled a retry later: the row is still pending.
    await s1.app.mailer.flush();
    const [failed] = await mailRows(s1, ANN);
    expect(failed.status).toBe('pending');
    expect(failed.attempts).toBeGreaterThanOrEqual(1);
    expect(failed.last_error).toEqual(expect.stringMatching(/\S/));
    expect(failed.next_attempt_at).toBeGreaterThan(clock.now());
    expect(failed.body).toMatch(/^Password:/m);
    const warned = s1.logs.map((l) => JSON.parse(l) as { msg?: string }).filter((l) => l.msg === 'mail failed; will retry');
    expect(warned.length).toBeGreaterThanOrEqual(1);
    await s1.close();

    // Restart on the same data, now with a working SMTP server.
    const smtp = await sink();
    const s2 = await server({ dataDir, clock, env: { PARLEY_SMTP_URL: smtp.url } });

    // Not due yet: the backoff holds it back.
    await s2.app.mailer.flush();
    expect(smtp.mails).toHaveLength(0);
    expect((await mailRows(s2, ANN))[0]).toMatchObject({ status: 'pending', attempts: failed.attempts });

    // Past the retry time it goes out, and its body leaves the queue.
    clock.set(failed.next_attempt_at + 1);
    await s2.app.mailer.flush();
    const mail = await smtp.waitFor((m) => m.to === ANN);
    expectWelcome(mail, 'Acme shop');
    const [sent] = await mailRows(s2, ANN);
    expect(sent).toMatchObject({ status: 'sent', body: '', attempts: failed.attempts + 1 });
    expect(smtp.mails.filter((m) => m.to === ANN)).toHaveLength(1);

    const password = passwordFrom(mail);
    expect([...s1.logs, ...s2.logs].join('\n')).not.toContain(password);
    await expectOneTimePassword(s2.url, ANN, password);
  });
});
