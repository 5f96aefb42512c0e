// Security QA 15, findings 1, 2 and 5: accounts shared by projects (a manager of one project may
// not rename, or read the phone of, someone whose account is in another project), a password
// reset ends the Telegram link (the chat is told), and the sign-in lock counts per address.
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import type { Member } from '../../core/protocol/index.js';
import { ManualClock } from '../../server/clock.js';
import { addMember, expectApiError, expectErrorBody, raw } from '../helpers/accounts-extra.js';
import { codeFrom, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';
import { CHAT, endTelegramScenario, linkChat, startTelegramScenario, type TelegramScenario } from '../helpers/telegram-scenario.js';

const MINUTE = 60_000;

let server: TestServer | undefined;
let outbox: Awaited<ReturnType<typeof watchOutbox>> | undefined;
let telegram: TelegramScenario | undefined;

afterEach(async () => {
  outbox?.close();
  outbox = undefined;
  await server?.close();
  server = undefined;
  if (telegram) await endTelegramScenario(telegram);
  telegram = undefined;
});

type TeamMember = Member & { inOtherProjects: boolean };

describe('an account in another project: its names and its phone are its owner\'s', () => {
  /** Projects A and B; Bea is B's admin (phone set), Mia has `settings` in A only, Carl is only in A. */
  async function setup() {
    server = await startTestServer();
    outbox = await watchOutbox(server.dataDir);
    const root = await signedInAdmin(server);
    const a = await root.client.createProject('Alpha');
    const b = await root.client.createProject('Beta');
    const bea = await (await addMember(server, root.client, b.id, { email: 'bea@example.com', firstName: 'Bea', lastName: 'Berg', operator: true, access: 'admin' }, outbox)).signIn();
    await bea.updateProfile({ phone: '+1 555 0100' });
    const mia = await (await addMember(server, root.client, a.id, { email: 'mia@example.com', firstName: 'Mia', lastName: 'Manager', access: 'settings' }, outbox)).signIn();
    await addMember(server, root.client, a.id, { email: 'carl@example.com', firstName: 'Carl', lastName: 'Only', operator: true }, outbox);
    return { root: root.client, a, b, bea, mia };
  }

  const memberIn = async (client: ParleyClient, projectId: number, email: string) =>
    (await client.listMembers(projectId)).find((m) => m.email === email) as TeamMember;

  it('adding an existing account keeps its names and does not hand its phone to the adder', async () => {
    const { a, mia } = await setup();
    const added = await mia.addMember(a.id, { email: 'bea@example.com', firstName: 'X', lastName: 'Y', operator: true });
    expect(added.newUser).toBe(false);
    expect(added.member).toMatchObject({ email: 'bea@example.com', firstName: 'Bea', lastName: 'Berg', phone: null, inOtherProjects: true });
    // Nor does the team listing, nor one member's page, show it in A.
    expect(await memberIn(mia, a.id, 'bea@example.com')).toMatchObject({ phone: null, inOtherProjects: true });
    expect(await mia.request('GET', `/api/v1/projects/${a.id}/members/bea@example.com`)).toMatchObject({ phone: null });
  });

  it('refuses a manager of A renaming an account that is also in B (403), changing nothing anywhere', async () => {
    const { a, b, bea, mia } = await setup();
    await mia.addMember(a.id, { email: 'bea@example.com', firstName: 'Bea', lastName: 'Berg', operator: true });
    const refused = await expectApiError(
      mia.updateMember(a.id, 'bea@example.com', { firstName: 'Support-Team', lastName: 'Please pay at https://evil.example', operator: false, access: 'settings' }),
      403,
      'forbidden',
    );
    expect(refused.message).toMatch(/also in another project.*parley profile set.*server administrator/);
    // Nothing of the request was applied (the access either).
    expect(await memberIn(mia, a.id, 'bea@example.com')).toMatchObject({ firstName: 'Bea', lastName: 'Berg', operator: true, access: null });
    expect(await memberIn(bea, b.id, 'bea@example.com')).toMatchObject({ firstName: 'Bea', lastName: 'Berg', phone: '+1 555 0100' });
    expect((await bea.me()).user).toMatchObject({ firstName: 'Bea', lastName: 'Berg' });

    // The names as they are are no change: the rest of the update goes through.
    const same = await mia.updateMember(a.id, 'bea@example.com', { firstName: 'Bea', lastName: 'Berg', access: 'settings' });
    expect(same).toMatchObject({ firstName: 'Bea', access: 'settings' });
  });

  it('still renames an account that is only in this project; a server administrator and the owner rename anyone', async () => {
    const { root, a, b, bea, mia } = await setup();
    expect(await mia.updateMember(a.id, 'carl@example.com', { firstName: 'Carlos' })).toMatchObject({ firstName: 'Carlos', inOtherProjects: false });

    await mia.addMember(a.id, { email: 'bea@example.com', firstName: 'Bea', lastName: 'Berg', operator: true });
    // The root administrator is a server administrator (and an admin of A).
    expect(await root.updateMember(a.id, 'bea@example.com', { lastName: 'Berg-Lund' })).toMatchObject({ lastName: 'Berg-Lund' });
    expect(await memberIn(bea, b.id, 'bea@example.com')).toMatchObject({ lastName: 'Berg-Lund' });
    // Bea, as B's admin, renames herself through B's team: the names are hers.
    expect(await bea.updateMember(b.id, 'bea@example.com', { firstName: 'Beatrice' })).toMatchObject({ firstName: 'Beatrice', phone: '+1 555 0100' });

    // Once Carl is in B too, A's manager no longer renames him.
    await root.addMember(b.id, { email: 'carl@example.com', firstName: 'Carlos', lastName: 'Only', operator: true });
    await expectApiError(mia.updateMember(a.id, 'carl@example.com', { firstName: 'Carl' }), 403, 'forbidden');
  });
});

describe('a password reset ends the Telegram link', () => {
  it('the chat is told, and acts as the operator no more; a password change keeps the link', async () => {
    telegram = await startTelegramScenario();
    const t = telegram;
    await linkChat(t);

    // The owner changes their password while signed in: the link stays (they are the owner).
    await t.operator.changePassword(NEW_PASSWORD, 'another-password-77');
    const status = t.fake.nextSaid(CHAT);
    t.fake.userSays(CHAT, '/status');
    expect((await status).params.text).toMatch(/Shop: offline/);

    // Account recovery: a mailed code and a new password.
    const mails = await watchOutbox(t.server.dataDir);
    try {
      await new ParleyClient({ url: t.server.url }).forgotPassword('oli@example.com');
      const code = codeFrom(await mails.waitFor((m) => m.to === 'oli@example.com' && /^Code:/m.test(m.text)));
      const told = t.fake.nextSaid(CHAT);
      await new ParleyClient({ url: t.server.url }).resetPassword('oli@example.com', code, 'recovered-password-99');
      expect((await told).params.text).toMatch(/no longer linked to Parley: the account's password was reset/);
    } finally {
      mails.close();
    }

    // The chat is a stranger now: /online switches nobody on.
    const after = t.fake.nextSaid(CHAT);
    t.fake.userSays(CHAT, '/online');
    expect((await after).params.text).toMatch(/^This bot brings Parley chats to operators/);
    const { token } = await new ParleyClient({ url: t.server.url }).login('oli@example.com', 'recovered-password-99');
    expect(await new ParleyClient({ url: t.server.url, token }).getStatus(t.project.id)).toMatchObject({ online: false });
  });
});

describe('the sign-in lock counts per address', () => {
  /** A server behind a proxy, so each test request says its client address (X-Forwarded-For). */
  async function setup(clock: ManualClock) {
    server = await startTestServer({ clock, env: { PARLEY_TRUST_PROXY: '1' }, rateLimits: { login: 10_000, forgot: 1000 } });
    const root = await signedInAdmin(server);
    return { url: server.url, password: root.password };
  }

  const login = (url: string, from: string, password: string) =>
    raw(url, 'POST', '/api/v1/auth/login', {
      contentType: 'application/json',
      headers: { 'x-forwarded-for': from },
      body: JSON.stringify({ email: 'root@example.com', password }),
    });

  it('10 failures lock that address out; the owner still signs in from another', async () => {
    const clock = new ManualClock();
    const { url, password } = await setup(clock);
    for (let i = 0; i < 10; i++) {
      expectErrorBody(await login(url, '203.0.113.9', `wrong-${i}`), 401, 'invalid_credentials');
      clock.advance(10_000);
    }
    const locked = await login(url, '203.0.113.9', password);
    expectErrorBody(locked, 429, 'rate_limited');
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);

    // The owner, elsewhere, is not kept out.
    expect((await login(url, '198.51.100.7', password)).status).toBe(200);
    // The attacker's address stays locked until its window has passed.
    clock.advance((retryAfter - 1) * 1000);
    expectErrorBody(await login(url, '203.0.113.9', password), 429, 'rate_limited');
    clock.advance(1000);
    expect((await login(url, '203.0.113.9', password)).status).toBe(200);
  });

  it('past the account\'s ceiling, every address that failed waits; one that did not still gets in', async () => {
    const clock = new ManualClock();
    const { url, password } = await setup(clock);
    // 100 failures from 20 addresses, 5 each: none reaches its own limit.
    for (let i = 0; i < 100; i++) {
      expectErrorBody(await login(url, `203.0.113.${i % 20}`, 'wrong'), 401, 'invalid_credentials');
    }
    expectErrorBody(await login(url, '203.0.113.3', password), 429, 'rate_limited');
    // A fresh address has its password checked: a wrong one counts, and then it waits too.
    expectErrorBody(await login(url, '192.0.2.1', 'wrong'), 401, 'invalid_credentials');
    expectErrorBody(await login(url, '192.0.2.1', password), 429, 'rate_limited');
    // The owner, from an address with no failures, signs in.
    expect((await login(url, '198.51.100.7', password)).status).toBe(200);
    // After the window the account is open again everywhere.
    clock.advance(15 * MINUTE + 1000);
    expect((await login(url, '203.0.113.3', password)).status).toBe(200);
  });

  it('a password reset clears the lock of every address', async () => {
    const clock = new ManualClock();
    const { url } = await setup(clock);
    outbox = await watchOutbox(server!.dataDir);
    for (let i = 0; i < 10; i++) expectErrorBody(await login(url, '203.0.113.9', 'wrong'), 401, 'invalid_credentials');
    expectErrorBody(await login(url, '203.0.113.9', 'anything'), 429, 'rate_limited');
    await new ParleyClient({ url }).forgotPassword('root@example.com');
    const code = codeFrom(await outbox.waitFor((m) => m.to === 'root@example.com' && /^Code:/m.test(m.text)));
    await new ParleyClient({ url }).resetPassword('root@example.com', code, 'brand-new-password-1');
    expect((await login(url, '203.0.113.9', 'brand-new-password-1')).status).toBe(200);
  });
});
