// No secret ever reaches a log line. One full scenario at trace level (the most the server ever
// logs) touches every kind of secret Parley handles: passwords (one-time, chosen, reset), the
// reset code, session and API tokens, the visitor token, capability URLs of files, the
// Telegram bot token, its webhook secret and a link code. Then every captured line is searched
// for each value, in the forms a log could hold it (as is, URL-encoded, base64).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import type { Attachment, Message, TelegramLinkReply } from '../../core/protocol/index.js';
import { webhookSecretFor } from '../../server/telegram/bridge.js';
import { codeFrom, passwordFrom, type SmtpSink, startSmtpSink } from '../helpers/mail.js';
import { connectOperator, type Peer, visitorHello } from '../helpers/realtime.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { type FakeBotApi, startFakeBotApi, VirtualTimers } from '../helpers/telegram.js';

const ORIGIN = 'https://shop.example.com';
const CHAT = 7001;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);

let smtp: SmtpSink;
let fake: FakeBotApi;
let server: TestServer;
/** Every secret the scenario saw, by what it is. */
const secrets = new Map<string, string>();
const keep = (what: string, value: string) => {
  expect(value.length, what).toBeGreaterThanOrEqual(8);
  secrets.set(what, value);
  return value;
};
const peers: Peer[] = [];

function form(bytes: Buffer, name: string): FormData {
  const fd = new FormData();
  fd.append('file', new Blob([bytes]), name);
  return fd;
}

beforeAll(async () => {
  smtp = await startSmtpSink();
  fake = await startFakeBotApi();
  server = await startTestServer({
    env: {
      PARLEY_LOG_LEVEL: 'trace',
      PARLEY_SMTP_URL: smtp.url,
      PARLEY_TELEGRAM_TOKEN: fake.token,
      PARLEY_TELEGRAM_API: fake.url,
    },
    telegram: { timers: new VirtualTimers(), pollTimeoutSeconds: 1 },
  });
  keep('bot token', fake.token);
  keep('webhook secret', webhookSecretFor(fake.token));
  const api = (token?: string) => Object.assign(new ParleyClient({ url: server.url }), { token });

  // The first administrator: a one-time password, replaced at the first sign-in.
  const { password: oneTime } = await server.app.services.admin.createServerAdmin({
    email: 'root@example.com',
    firstName: 'Root',
    lastName: 'Admin',
  });
  keep('admin one-time password', oneTime);
  const first = await api().login('root@example.com', oneTime);
  const admin = api(keep('admin first session', first.token));
  await admin.changePassword(oneTime, keep('admin password', 'admin-chosen-Pa55word-1'));
  // A wrong password, too: failures are logged by status, never with what was tried.
  await expect(api().login('root@example.com', keep('a wrong password', 'not-the-Pa55word-at-all'))).rejects.toMatchObject({ status: 401 });
  admin.token = keep('admin session', (await api().login('root@example.com', 'admin-chosen-Pa55word-1')).token);

  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });

  // An operator gets the initial password by mail (real SMTP), replaces it, forgets it, resets it.
  await admin.addMember(p.id, { email: 'oli@example.com', firstName: 'Oli', lastName: 'Op', operator: true });
  const welcome = keep('operator one-time password', passwordFrom(await smtp.waitFor((m) => m.to === 'oli@example.com')));
  const operator = api(keep('operator first session', (await api().login('oli@example.com', welcome)).token));
  await operator.changePassword(welcome, keep('operator password', 'oli-chosen-Pa55word-2'));
  await api().forgotPassword('oli@example.com');
  const code = keep('reset code', codeFrom(await smtp.waitFor((m) => /reset/i.test(m.subject))));
  const wrongCode = keep('a wrong reset code', 'WRONGCODE123');
  await expect(api().resetPassword('oli@example.com', wrongCode, 'whatever-Pa55word-9')).rejects.toMatchObject({ status: 400 });
  await api().resetPassword('oli@example.com', code, keep('operator reset password', 'oli-reset-Pa55word-3'));
  operator.token = keep('operator session', (await api().login('oli@example.com', 'oli-reset-Pa55word-3')).token);
  await operator.request('PUT', `/api/v1/projects/${p.id}/status`, { online: true });

  // An API token, used as a Bearer over REST and WebSocket; one in a query string, where it
  // does not authenticate but must not be logged either.
  const created = await operator.createToken('ci');
  const bearer = api(keep('API token', created.token));
  expect((await bearer.me()).user.email).toBe('oli@example.com');
  expect((await fetch(`${server.url}/api/v1/me?token=${encodeURIComponent(created.token)}`)).status).toBe(401);
  const op = await connectOperator(server.url, created.token, p.id);
  peers.push(op);
  await op.next((f) => f.type === 'ready');

  // Telegram: a link code, used in the chat.
  const link = await operator.request<TelegramLinkReply>('POST', '/api/v1/telegram/link');
  keep('telegram link code', link.code);
  const linked = fake.nextSaid(CHAT, /^Linked/);
  fake.userSays(CHAT, `/start ${link.code}`);
  await linked;

  // A visitor: its token from the welcome, used again on a second connection and for an upload.
  const first1 = await visitorHello(server.url, p.widgetKey, ORIGIN);
  peers.push(first1.peer);
  const visitorToken = keep('visitor token', first1.welcome.token);
  const again = await visitorHello(server.url, p.widgetKey, ORIGIN, { token: visitorToken });
  peers.push(again.peer);
  expect(again.welcome.token).toBe(visitorToken);
  const forwarded = fake.nextSaid(CHAT, /my order/);
  again.peer.send({ type: 'message.send', clientId: randomUUID(), body: 'Where is my order?' });
  const created1 = await op.next((f) => f.type === 'message.created' && f.message.body === 'Where is my order?');
  await forwarded;
  const dialogId = (created1.message as Message).dialogId;

  const upload = await fetch(`${server.url}/widget/uploads?key=${p.widgetKey}`, {
    method: 'POST',
    headers: { origin: ORIGIN, 'x-parley-visitor': visitorToken },
    body: form(PNG, 'receipt.png'),
  });
  expect(upload.status).toBe(201);
  const visitorFile = (await upload.json()) as Attachment;
  const opUpload = await fetch(`${server.url}/api/v1/projects/${p.id}/dialogs/${dialogId}/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${created.token}` },
    body: form(Buffer.from('%PDF-1.4 invoice'), 'invoice.pdf'),
  });
  expect(opUpload.status).toBe(201);
  const operatorFile = (await opUpload.json()) as Attachment;
  for (const [what, file] of [
    ['visitor file', visitorFile],
    ['operator file', operatorFile],
  ] as const) {
    // /files/ID/KEY/NAME: whoever holds the URL reads the file, so the key is a secret.
    keep(`${what} capability key`, file.url.split('/')[3]);
    expect((await fetch(`${server.url}${file.url}`)).status).toBe(200);
  }

  // The operator replies over the socket with the file; the visitor receives and acks it.
  const clientId = randomUUID();
  op.send({ type: 'message.send', dialogId, clientId, body: 'Here is your invoice', attachmentIds: [operatorFile.id] });
  await op.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  const pushed = await again.peer.next((f) => f.type === 'message' && f.message.body === 'Here is your invoice');
  again.peer.send({ type: 'ack', messageIds: [pushed.message.id] });
  await op.next((f) => f.type === 'message.updated' && f.message.id === pushed.message.id && f.message.deliveredAt);

  // A careless line that quotes secrets in its text (as an error message might): the logger's
  // last net catches Parley's tokens and a bot token wherever they stand.
  server.app.log.warn({ detail: `quoting ${created.token}, ${visitorToken} and bot${fake.token}/getMe` }, 'a careless log line');

  // Sign-outs and a revoked token end the scenario.
  await operator.revokeToken('ci');
  await expect(bearer.me()).rejects.toMatchObject({ status: 401 });
  await admin.logout();
}, 60_000);

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server?.close();
  await fake?.close();
  await smtp?.close();
});

describe('secrets in logs', () => {
  it('the scenario was logged in full, at trace level', () => {
    const lines = server.logs.map((l) => JSON.parse(l) as { level: number; msg?: string; req?: { url: string } });
    expect(lines.some((l) => l.level === 10)).toBe(true); // trace
    const urls = lines.map((l) => l.req?.url).filter(Boolean) as string[];
    // The requests that carried secrets were logged (redacted), so the search below means something.
    const paths = ['/api/v1/auth/login', '/api/v1/auth/password/reset', '/api/v1/me/password', '/api/v1/tokens'];
    for (const path of [...paths, '/widget/uploads', '/files/', '/ws/operator', '/ws/visitor']) {
      expect(urls.some((u) => u.startsWith(path)), path).toBe(true);
    }
    expect(server.logs.some((l) => /mail sent/.test(l))).toBe(true);
    expect(server.logs.some((l) => /telegram: chat linked/.test(l))).toBe(true);
    expect(secrets.size).toBeGreaterThanOrEqual(18);
  });

  it('no log line holds any secret, as is, URL-encoded or base64', () => {
    const found: string[] = [];
    for (const [what, value] of secrets) {
      const bytes = Buffer.from(value);
      const forms = new Set([value, encodeURIComponent(value), bytes.toString('base64'), bytes.toString('base64url')]);
      // A bot token is "<bot id>:<secret>": the secret half alone is as bad.
      if (what === 'bot token') forms.add(value.split(':')[1]);
      for (const line of server.logs) {
        for (const f of forms) if (line.includes(f)) found.push(`${what} in: ${line.slice(0, 300)}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('credential headers are redacted where a plugin logs them, and quoted tokens are scrubbed', () => {
    const multipart = server.logs.filter((l) => l.includes('"busboyOptions"'));
    expect(multipart.length).toBeGreaterThan(0);
    expect(multipart.join('\n')).toMatch(/"authorization":"\[redacted\]"/);
    expect(multipart.join('\n')).toMatch(/"x-parley-visitor":"\[redacted\]"/);
    const careless = server.logs.find((l) => l.includes('a careless log line'));
    expect(careless).toContain('quoting plt_[redacted], pvt_[redacted] and bot[redacted]/getMe');
  });

  it('a capability URL is logged with its key redacted', () => {
    const fileLines = server.logs.filter((l) => l.includes('"/files/'));
    expect(fileLines.length).toBeGreaterThan(0);
    for (const line of fileLines) expect(line).toMatch(/"\/files\/\d+\/\[redacted\]\//);
  });
});
