// `parley telegram link|unlink` through the real binary against a real server whose bridge
// talks to the fake Bot API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelegramLinkReply } from '../../core/protocol/index.js';
import { adminShell, expectFailure, type Shell, loginShell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';
import { BOT, type FakeBotApi, startFakeBotApi, startServerWithBot } from '../helpers/telegram.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const ANN = 'ann@example.com';
const CHAT = 7001;

let fake: FakeBotApi;
let server: TestServer;
let admin: Shell;
let ann: Shell;

beforeAll(async () => {
  fake = await startFakeBotApi();
  server = await startServerWithBot(fake);
  const outbox = await watchOutbox(server.dataDir);
  admin = await adminShell(server, ADMIN);
  await admin.json(['project', 'create', 'Alpha']);
  await admin.run(['project', 'use', 'Alpha']);
  const r = await admin.run(['team', 'add', '--email', ANN, '--first-name', 'Ann', '--last-name', 'Lee', '--operator']);
  expect(r, r.stderr).toMatchObject({ code: 0 });
  ann = await shell();
  await loginShell(ann, server.url, ANN, `${passwordFrom(await outbox.waitFor((m) => m.to === ANN))}\n${NEW_PASSWORD}\n`);
  outbox.close();
});

afterAll(async () => {
  await server.close();
  await fake.close();
  expect(server.logs.join('\n')).not.toContain(fake.token);
});

describe('parley telegram', () => {
  it('link prints the t.me link and the code; /start CODE links the chat; unlink ends it', async () => {
    const human = await ann.run(['telegram', 'link']);
    expect(human, human.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(human.stdout).toMatch(new RegExp(`https://t\\.me/${BOT.username}\\?start=[A-Za-z0-9_-]+`));
    expect(human.stdout).toMatch(/valid until: (\d{4}-\d\d-\d\d )?\d\d:\d\d\n/);

    const link = await ann.json<TelegramLinkReply>(['telegram', 'link']);
    expect(Object.keys(link).sort()).toEqual(['bot', 'code', 'expiresAt', 'url']);
    expect(link.url).toBe(`https://t.me/${BOT.username}?start=${link.code}`);
    let said = fake.nextSaid(CHAT);
    fake.userSays(CHAT, `/start ${link.code}`);
    expect((await said).params.text).toMatch(/^Linked to Parley as Ann Lee \(ann@example\.com\)/);

    said = fake.nextSaid(CHAT);
    expect(await ann.json(['telegram', 'unlink'])).toEqual({ unlinked: true });
    expect((await said).params.text).toMatch(/no longer linked/);
    const again = await ann.run(['telegram', 'unlink']);
    expect(again).toMatchObject({ code: 0, stdout: 'No Telegram chat was linked.\n' });
  });

  it('someone who is an operator nowhere is told so (exit 1); a server without the bridge says how to start it', async () => {
    expectFailure(await admin.run(['telegram', 'link']), 1, /only operators can link Telegram/);
    const plain = await startTestServer();
    try {
      expectFailure(await ann.run(['telegram', 'link', '--url', plain.url]), 4);
      const { password } = await plain.app.services.admin.createServerAdmin(ADMIN);
      const other = await shell({ PARLEY_URL: plain.url });
      const r = await other.run(['login', '--email', ADMIN.email, '--password-stdin'], { stdin: `${password}\n${NEW_PASSWORD}\n` });
      expect(r, r.stderr).toMatchObject({ code: 0 });
      expectFailure(await other.run(['telegram', 'link']), 1, /PARLEY_TELEGRAM_TOKEN/);
    } finally {
      await plain.close();
    }
  });
});
