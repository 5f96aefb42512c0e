// Revoking all of one's API tokens at once takes a session, at the route and in the service: an
// API token may revoke only itself. So the service has no "keep the caller's token" case: every
// token ends, and the answer's `kept` (kept for the scripts that read it) is truthfully null.
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import { AppError } from '../../server/errors.js';
import type { Auth } from '../../server/services/accounts.js';
import { expectApiError } from '../helpers/accounts-extra.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const tokenClient = (url: string, token: string) => new ParleyClient({ url, token });

describe('revokeAllTokens', () => {
  it('called with an API token, even past the route, refuses (403) and ends none, not even the others', async () => {
    server = await startTestServer();
    const admin = await signedInAdmin(server);
    const ci = await admin.client.createToken('ci');
    const other = await admin.client.createToken('other');
    const user = (await server.app.repos.users.byEmail(admin.email))!;
    const rows = await server.app.repos.credentials.apiTokens(user.id);
    const asCi: Auth = { user, credentialId: rows.find((t) => t.name === 'ci')!.id, kind: 'api' };

    const refused = await server.app.services.accounts.revokeAllTokens(asCi).then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ status: 403, code: 'forbidden', message: expect.stringMatching(/^an API token cannot revoke other tokens/) });
    for (const t of [ci, other]) expect((await tokenClient(server.url, t.token).me()).user.email).toBe(admin.email);
    // The same through the route.
    await expectApiError(tokenClient(server.url, ci.token).revokeAllTokens(), 403, 'forbidden');
    expect((await admin.client.listTokens()).map((t) => t.name).sort()).toEqual(['ci', 'other']);
  });

  it('called with a session, ends every token and keeps none; the session goes on', async () => {
    server = await startTestServer();
    const admin = await signedInAdmin(server);
    const ci = await admin.client.createToken('ci');
    const other = await admin.client.createToken('other');
    expect(await admin.client.revokeAllTokens()).toEqual({ revoked: expect.arrayContaining(['ci', 'other']), kept: null });
    for (const t of [ci, other]) await expectApiError(tokenClient(server.url, t.token).me(), 401, 'unauthenticated');
    expect(await admin.client.listTokens()).toEqual([]);
    expect((await admin.client.me()).user.email).toBe(admin.email);
  });
});
