// One's own profile over real HTTP: names and phone, and the avatar (magic bytes, size limit,
// public URL with safe headers, removal).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import { expectApiError, expectErrorBody, pngBytes, raw } from '../helpers/accounts-extra.js';
import { signedInAdmin, signIn, startTestServer, type TestServer } from '../helpers/server.js';

const MB = 1024 * 1024;

let server: TestServer;
let client: ParleyClient;
let counter = 0;

beforeAll(async () => {
  server = await startTestServer({ rateLimits: { login: 1000, forgot: 1000 } });
  client = (await signedInAdmin(server)).client;
});

afterAll(async () => {
  await server?.close();
});

/** A fresh user of its own for each test, so tests do not share a profile. */
async function freshUser(): Promise<ParleyClient> {
  counter += 1;
  const email = `user${counter}@example.com`;
  const { password } = await server.app.services.admin.createServerAdmin({ email, firstName: 'Una', lastName: 'User' });
  return signIn(server.url, email, password);
}

const putAvatar = (token: string | null, body: Buffer | string, contentType = 'application/octet-stream') =>
  raw(server.url, 'PUT', '/api/v1/me/avatar', { token, body, contentType });

describe('profile', () => {
  it('updates names and phone, trimmed, leaving other fields alone', async () => {
    const me = await freshUser();
    const updated = await me.updateProfile({ firstName: '  Rita ', lastName: '-', phone: ' +1 (555) 010-9999 ' });
    expect(updated).toMatchObject({ firstName: 'Rita', lastName: '-', phone: '+1 (555) 010-9999' });

    const partial = await me.updateProfile({ lastName: 'Rowe' });
    expect(partial).toMatchObject({ firstName: 'Rita', lastName: 'Rowe', phone: '+1 (555) 010-9999' });

    const cleared = await me.updateProfile({ phone: null });
    expect(cleared.phone).toBeNull();
    expect((await me.me()).user).toMatchObject({ firstName: 'Rita', lastName: 'Rowe', phone: null });
  });

  it('refuses an invalid phone and empty names with 400 and keeps the profile', async () => {
    const me = await freshUser();
    await me.updateProfile({ firstName: 'Kim', phone: '+44 20 7946 0000' });
    for (const phone of ['call me maybe', '<b>1</b>', '12']) {
      await expectApiError(me.updateProfile({ phone }), 400, 'validation');
    }
    await expectApiError(me.updateProfile({ firstName: '' }), 400, 'validation');
    await expectApiError(me.updateProfile({ firstName: '   ' }), 400, 'validation');
    await expectApiError(me.updateProfile({ lastName: ' ' }), 400, 'validation');
    expect((await me.me()).user).toMatchObject({ firstName: 'Kim', lastName: 'User', phone: '+44 20 7946 0000' });
  });

  it('never changes the email or other protected fields through a profile update', async () => {
    const me = await freshUser();
    const before = (await me.me()).user;
    const reply = await raw(server.url, 'PATCH', '/api/v1/me', {
      token: me.token,
      contentType: 'application/json',
      body: JSON.stringify({ firstName: 'Ivy', email: 'hijack@example.com', serverAdmin: false, id: 1 }),
    });
    expect([200, 400]).toContain(reply.status);
    const after = (await me.me()).user;
    expect(after).toMatchObject({ id: before.id, email: before.email, serverAdmin: before.serverAdmin });
  });

  it('needs a session', async () => {
    expectErrorBody(await raw(server.url, 'PATCH', '/api/v1/me', {
      contentType: 'application/json',
      body: JSON.stringify({ firstName: 'Anon' }),
    }), 401, 'unauthenticated');
    expectErrorBody(await putAvatar(null, pngBytes()), 401, 'unauthenticated');
    expectErrorBody(await raw(server.url, 'DELETE', '/api/v1/me/avatar'), 401, 'unauthenticated');
  });
});

describe('avatar', () => {
  it('stores a PNG and serves it publicly with its type and nosniff', async () => {
    const me = await freshUser();
    const png = pngBytes(300);
    const user = await me.setAvatar(png);
    expect(user.avatarUrl).toMatch(new RegExp(`^/avatars/${user.id}\\b`));
    expect((await me.me()).user.avatarUrl).toBe(user.avatarUrl);

    const served = await raw(server.url, 'GET', user.avatarUrl!);
    expect(served.status).toBe(200);
    expect(served.bytes.equals(png)).toBe(true);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-disposition')).toMatch(/^inline/);

    // A new avatar gets a new URL; it serves the new bytes.
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100, 7)]);
    const replaced = await me.setAvatar(jpeg);
    expect(replaced.avatarUrl).not.toBe(user.avatarUrl);
    const servedJpeg = await raw(server.url, 'GET', replaced.avatarUrl!);
    expect(servedJpeg.bytes.equals(jpeg)).toBe(true);
    expect(servedJpeg.headers.get('content-type')).toBe('image/jpeg');
  });

  it('takes the type from the bytes, whatever the Content-Type says', async () => {
    const me = await freshUser();
    const reply = await putAvatar(me.token, pngBytes(), 'text/html');
    expect(reply.status).toBe(200);
    const served = await raw(server.url, 'GET', reply.json.avatarUrl);
    expect(served.headers.get('content-type')).toBe('image/png');
  });

  it('accepts exactly 2 MB and refuses more with 413', async () => {
    const me = await freshUser();
    const ok = await me.setAvatar(pngBytes(2 * MB));
    expect(ok.avatarUrl).not.toBeNull();

    const big = await putAvatar(me.token, pngBytes(2 * MB + 1), 'image/png');
    expectErrorBody(big, 413, 'too_large');
    await expectApiError(me.setAvatar(pngBytes(3 * MB)), 413, 'too_large');
    // The earlier avatar stays.
    expect((await me.me()).user.avatarUrl).toBe(ok.avatarUrl);
  });

  it('refuses an HTML file, even one sent as image/png, with 415', async () => {
    const me = await freshUser();
    const html = Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>');
    const reply = await putAvatar(me.token, html, 'image/png');
    expectErrorBody(reply, 415, 'unsupported_media_type');
    await expectApiError(me.setAvatar(html), 415, 'unsupported_media_type');
    // Almost-PNG (a truncated signature) is not an image either.
    await expectApiError(me.setAvatar(pngBytes().subarray(0, 6)), 415, 'unsupported_media_type');
    expect((await me.me()).user.avatarUrl).toBeNull();
  });

  it('refuses an empty body with 400', async () => {
    const me = await freshUser();
    expectErrorBody(await putAvatar(me.token, Buffer.alloc(0), 'image/png'), 400);
    expectErrorBody(await raw(server.url, 'PUT', '/api/v1/me/avatar', { token: me.token }), 400);
    await expectApiError(me.setAvatar(Buffer.alloc(0)), 400);
    expect((await me.me()).user.avatarUrl).toBeNull();
  });

  it('removes the avatar: avatarUrl null, the old URL 404', async () => {
    const me = await freshUser();
    const { avatarUrl } = await me.setAvatar(pngBytes());
    expect((await raw(server.url, 'GET', avatarUrl!)).status).toBe(200);

    const cleared = await me.clearAvatar();
    expect(cleared.avatarUrl).toBeNull();
    expect((await me.me()).user.avatarUrl).toBeNull();
    const gone = await raw(server.url, 'GET', avatarUrl!);
    expectErrorBody(gone, 404, 'not_found');
    // Another user's avatar is untouched.
    const other = await client.setAvatar(pngBytes(80));
    await me.clearAvatar();
    expect((await raw(server.url, 'GET', other.avatarUrl!)).status).toBe(200);
  });
});
