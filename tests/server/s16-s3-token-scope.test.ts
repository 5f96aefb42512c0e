// What an API token may do about its owner's account. Managing credentials takes a session signed
// in with the password (as GitHub does with personal access tokens): a token cannot mint tokens
// (which would outlive its own revocation), change the password (and lock the owner out), revoke
// the owner's other tokens, or link a Telegram chat. It may revoke itself (`parley logout`). And
// `GET /tokens` says which tokens no longer work, and why.
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import { expectApiError, loginClient, raw } from '../helpers/accounts-extra.js';
import { NEW_PASSWORD, signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const DAY = 24 * 3600_000;
const EMAIL = 'root@example.com';
const REFUSED = 'an API token cannot create tokens or change the password: sign in with parley login';
const REVOKE_REFUSED = 'an API token cannot revoke other tokens (only itself, as parley logout does): sign in with parley login';

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(clock?: ManualClock) {
  server = await startTestServer({ clock, rateLimits: { login: 1000, forgot: 1000 } });
  const admin = await signedInAdmin(server);
  const tokenClient = (token: string) => new ParleyClient({ url: server!.url, token });
  return { server, admin: admin.client, tokenClient };
}

const refusedWith = async (call: Promise<unknown>, message: string) => expect((await expectApiError(call, 403, 'forbidden')).message).toBe(message);

describe('an API token cannot manage its owner’s credentials', () => {
  it('cannot create a token: a leaked one mints nothing that outlives its revocation', async () => {
    const { server, admin, tokenClient } = await setup();
    const parent = await admin.createToken('parent');
    const asParent = tokenClient(parent.token);
    await refusedWith(asParent.createToken('child', 3650), REFUSED);
    expect((await admin.listTokens()).map((t) => t.name)).toEqual(['parent']);

    // Revoked (as `PARLEY_TOKEN=… parley logout` does), nothing of it is left that works.
    await asParent.logout();
    await expectApiError(asParent.me(), 401, 'unauthenticated');
    expect(await admin.listTokens()).toEqual([]);

    // The refusal is the one error shape.
    const body = JSON.stringify({ name: 'child' });
    const bare = await raw(server.url, 'POST', '/api/v1/tokens', { token: (await admin.createToken('ci')).token, body, contentType: 'application/json' });
    expect({ status: bare.status, json: bare.json }).toEqual({ status: 403, json: { error: { code: 'forbidden', message: REFUSED } } });
  });

  it('cannot change the password: the old one still signs in, and the owner’s sessions go on', async () => {
    const { server, admin, tokenClient } = await setup();
    const ci = tokenClient((await admin.createToken('ci')).token);
    await refusedWith(ci.changePassword(NEW_PASSWORD, 'taken-over-password-1'), REFUSED);
    // Also with a wrong current password: nothing about the password is learnt from the answer.
    await refusedWith(ci.changePassword('not-the-password', 'taken-over-password-1'), REFUSED);
    expect((await admin.me()).user.email).toBe(EMAIL);
    expect((await loginClient(server.url, EMAIL, NEW_PASSWORD)).token).toMatch(/^pls_/);
    await expectApiError(new ParleyClient({ url: server.url }).login(EMAIL, 'taken-over-password-1'), 401, 'invalid_credentials');
  });

  it('cannot revoke another token, nor all of them; it may revoke itself by name', async () => {
    const { admin, tokenClient } = await setup();
    const ci = await admin.createToken('ci');
    const deploy = await admin.createToken('deploy');
    const asCi = tokenClient(ci.token);
    await refusedWith(asCi.revokeToken('deploy'), REVOKE_REFUSED);
    await refusedWith(asCi.revokeAllTokens(), REVOKE_REFUSED);
    // A name it does not have is the same refusal: a token learns nothing by guessing names.
    await refusedWith(asCi.revokeToken('no-such-token'), REVOKE_REFUSED);
    expect((await tokenClient(deploy.token).me()).user.email).toBe(EMAIL);
    expect((await admin.listTokens()).map((t) => t.name)).toEqual(['ci', 'deploy']);

    await asCi.revokeToken('ci');
    await expectApiError(asCi.me(), 401, 'unauthenticated');
    expect((await admin.listTokens()).map((t) => t.name)).toEqual(['deploy']);
  });

  it('cannot link a Telegram chat (refused before the bridge is even asked)', async () => {
    const { admin, tokenClient } = await setup();
    const ci = tokenClient((await admin.createToken('ci')).token);
    await refusedWith(ci.request('POST', '/api/v1/telegram/link'), 'an API token cannot link a Telegram chat: sign in with parley login');
    // A session gets past that: this server has no bridge.
    await expectApiError(admin.request('POST', '/api/v1/telegram/link'), 503, 'unavailable');
  });

  it('still does what its owner may with the server: CI and backups run on it', async () => {
    const { server, admin, tokenClient } = await setup();
    const token = (await admin.createToken('ci')).token;
    const ci = tokenClient(token);
    const backup = await raw(server.url, 'GET', '/api/v1/admin/backup', { token });
    expect([backup.status, backup.headers.get('content-type')]).toEqual([200, 'application/x-tar']);
    const project = await ci.createProject('Made by CI');
    await ci.addMember(project.id, { email: 'ann@example.com', firstName: 'Ann', lastName: 'Lee', operator: true });
    expect((await ci.listMembers(project.id)).map((m) => m.email).sort()).toEqual(['ann@example.com', EMAIL]);
    expect((await ci.listTokens()).map((t) => t.name)).toEqual(['ci']);
    expect((await ci.updateProfile({ firstName: 'Rooty' })).firstName).toBe('Rooty');
  });

  it('a session still manages them all', async () => {
    const { admin } = await setup();
    await admin.createToken('a');
    await admin.createToken('b');
    await admin.revokeToken('a');
    expect(await admin.revokeAllTokens()).toEqual({ revoked: ['b'], kept: null });
    const me = await admin.changePassword(NEW_PASSWORD, 'another-password-42');
    expect(me.email).toBe(EMAIL);
  });
});

describe('GET /tokens tells which tokens no longer work', () => {
  it('expired and idle-expired, with the day each ends; a dead token’s name can be used again', async () => {
    const clock = new ManualClock();
    const { server, tokenClient } = await setup(clock);
    // Sessions end after 14 idle days: sign in afresh after each jump.
    let admin = await loginClient(server.url, EMAIL, NEW_PASSWORD);
    const t0 = clock.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const used = await admin.createToken('used');
    await admin.createToken('unused');
    await admin.createToken('short', 1);
    expect((await admin.listTokens()).map((t) => [t.name, t.state, t.idleExpiresAt])).toEqual([
      ['short', 'active', iso(t0 + 90 * DAY)],
      ['unused', 'active', iso(t0 + 90 * DAY)],
      ['used', 'active', iso(t0 + 90 * DAY)],
    ]);

    // `used` is used on day 30: its idle end moves with it.
    clock.advance(30 * DAY);
    admin = await loginClient(server.url, EMAIL, NEW_PASSWORD);
    await tokenClient(used.token).me();
    await expect.poll(async () => (await admin.listTokens()).find((t) => t.name === 'used')?.idleExpiresAt).toBe(iso(t0 + 120 * DAY));

    // Day 91: `short` expired on day 1 (its expiry came first), `unused` ended on day 90, `used` works.
    clock.advance(61 * DAY);
    admin = await loginClient(server.url, EMAIL, NEW_PASSWORD);
    expect((await admin.listTokens()).map(({ name, state, expiresAt, idleExpiresAt }) => ({ name, state, expiresAt, idleExpiresAt }))).toEqual([
      { name: 'short', state: 'expired', expiresAt: iso(t0 + DAY), idleExpiresAt: iso(t0 + 90 * DAY) },
      { name: 'unused', state: 'idle-expired', expiresAt: iso(t0 + 365 * DAY), idleExpiresAt: iso(t0 + 90 * DAY) },
      { name: 'used', state: 'active', expiresAt: iso(t0 + 365 * DAY), idleExpiresAt: iso(t0 + 120 * DAY) },
    ]);
    expect((await tokenClient(used.token).me()).user.email).toBe(EMAIL);

    // A working token's name is taken; an ended one's is free again, and the new token replaces it.
    await expectApiError(admin.createToken('used'), 409, 'conflict');
    const renewed = await admin.createToken('unused');
    expect(renewed.apiToken).toMatchObject({ name: 'unused', state: 'active', expiresAt: iso(clock.now() + 365 * DAY) });
    expect((await tokenClient(renewed.token).me()).user.email).toBe(EMAIL);
    expect((await admin.listTokens()).map((t) => [t.name, t.state])).toEqual([
      ['short', 'expired'],
      ['unused', 'active'],
      ['used', 'active'],
    ]);
    // Revoking an ended one takes it off the list.
    await admin.revokeToken('short');
    expect((await admin.listTokens()).map((t) => t.name)).toEqual(['unused', 'used']);
  });
});
