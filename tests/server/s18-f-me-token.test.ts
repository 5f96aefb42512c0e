// What a request runs with, told back: GET /me says whether it is a session or an API token,
// the one project such a token is limited to, and whether its owner is a server administrator
// whose powers the token does not carry (its `user.serverAdmin` is false: what the token may do).
// A password reset's answer names the project of each token that stays, as its mail does.
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import type { CreateTokenReply } from '../../core/protocol/index.js';
import { addMember, raw } from '../helpers/accounts-extra.js';
import { codeFrom, watchOutbox } from '../helpers/mail.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const ROOT = 'root@example.com';
const ANN = 'ann@example.com';

let server: TestServer | undefined;
let outbox: Awaited<ReturnType<typeof watchOutbox>> | undefined;

afterEach(async () => {
  outbox?.close();
  outbox = undefined;
  await server?.close();
  server = undefined;
});

/** Root (a server administrator) with Shop and Other; Ann, an operator of Shop, signed in. */
async function setup() {
  server = await startTestServer({ rateLimits: { login: 1000, forgot: 1000 } });
  outbox = await watchOutbox(server.dataDir);
  const { client: root } = await signedInAdmin(server);
  const shop = await root.createProject('Shop');
  const other = await root.createProject('Other');
  const ann = await (await addMember(server, root, shop.id, { email: ANN, firstName: 'Ann', lastName: 'Lee', operator: true }, outbox)).signIn();
  return { server, root, ann, shop, other };
}

const createToken = (client: ParleyClient, body: Record<string, unknown>) =>
  client.request<CreateTokenReply>('POST', '/api/v1/tokens', body);
const as = (token: string) => new ParleyClient({ url: server!.url, token });

describe('GET /me', () => {
  it('says what the request runs with: a session, a token for all projects, a token limited to one', async () => {
    const { root, shop } = await setup();
    const session = await root.me();
    expect(session.token).toEqual({ kind: 'session', project: null, serverAdminWithheld: false });
    expect(session.user.serverAdmin).toBe(true);

    const all = await as((await createToken(root, { name: 'all' })).token).me();
    expect(all.token).toEqual({ kind: 'api', project: null, serverAdminWithheld: false });
    expect(all.user.serverAdmin).toBe(true);
    expect(all.projects.map((p) => p.name)).toEqual(['Shop', 'Other']);

    // Root is a server administrator; the token limited to Shop is not, and says both.
    const limited = await as((await createToken(root, { name: 'shop-ci', projectId: shop.id })).token).me();
    expect(limited.token).toEqual({ kind: 'api', project: { id: shop.id, name: 'Shop' }, serverAdminWithheld: true });
    expect(limited.user).toMatchObject({ email: ROOT, serverAdmin: false });
    expect(limited.projects.map((p) => p.name)).toEqual(['Shop']);
  });

  it('withholds nothing from the limited token of someone who is no server administrator', async () => {
    const { ann, shop } = await setup();
    const annSession = await ann.me();
    expect(annSession.token).toEqual({ kind: 'session', project: null, serverAdminWithheld: false });
    const token = (await createToken(ann, { name: 'ann-ci', projectId: shop.id })).token;
    const reply = await raw(server!.url, 'GET', '/api/v1/me', { token });
    expect(reply.status).toBe(200);
    expect(reply.json.token).toEqual({ kind: 'api', project: { id: shop.id, name: 'Shop' }, serverAdminWithheld: false });
    expect(reply.json.user).toMatchObject({ email: ANN, serverAdmin: false });
  });
});

describe('POST /auth/password/reset', () => {
  it('names the project of each token that stays (null: all the account’s projects), as the mail does', async () => {
    const { root, shop } = await setup();
    await createToken(root, { name: 'all' });
    await createToken(root, { name: 'shop-ci', projectId: shop.id });
    const seen = new Set(outbox!.mails);
    const anon = new ParleyClient({ url: server!.url });
    await anon.forgotPassword(ROOT);
    const code = codeFrom(await outbox!.waitFor((m) => m.to === ROOT && /^Code:/m.test(m.text) && !seen.has(m)));
    const reply = await anon.resetPassword(ROOT, code, 'recovered-password-1');
    expect(reply.apiTokens.map((t) => [t.name, t.project])).toEqual([
      ['all', null],
      ['shop-ci', 'Shop'],
    ]);
    const mail = await outbox!.waitFor((m) => m.to === ROOT && m.subject === 'Your Parley password was reset' && !seen.has(m));
    expect(mail.text).toMatch(/^ {2}shop-ci \(limited to "Shop"\) \[new\]: /m);
  });
});
