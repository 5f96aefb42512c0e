// API tokens limited to one project (POST /tokens with a projectId; `parley token create
// --project`), as GitHub's fine-grained and GitLab's project tokens are: a CI job that provisions
// one project gets a token that, leaked, reaches that project alone. Every other project answers
// it 404 word for word as to someone who is not a member (REST and the operator socket), the
// project list shows its project alone, and its owner's server administration is gone. In its
// project it has its owner's membership as it stands. The project's deletion deletes it.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import type { ApiToken, CreateTokenReply } from '../../core/protocol/index.js';
import { migrations } from '../../server/db/migrations.js';
import { sha256 } from '../../server/secrets.js';
import { addMember, expectApiError, raw } from '../helpers/accounts-extra.js';
import { codeFrom, watchOutbox } from '../helpers/mail.js';
import { connectOperator } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ROOT = 'root@example.com';
const ANN = 'ann@example.com';
const limitedMessage = (project: string, what: string) =>
  `this API token is limited to the project "${project}": it cannot ${what} (that takes parley login, or a token made without --project)`;

let server: TestServer | undefined;
let outbox: Awaited<ReturnType<typeof watchOutbox>> | undefined;

afterEach(async () => {
  outbox?.close();
  outbox = undefined;
  await server?.close();
  server = undefined;
});

/**
 * Root (a server administrator) with two projects, Shop and Other; Ann, an operator of both
 * (or of Shop alone), signed in.
 */
async function setup(opts: { annInOther?: boolean } = {}) {
  server = await startTestServer({ rateLimits: { login: 1000, forgot: 1000 } });
  outbox = await watchOutbox(server.dataDir);
  const { client: root } = await signedInAdmin(server);
  const shop = await root.createProject('Shop');
  const other = await root.createProject('Other');
  const ann = await (await addMember(server, root, shop.id, { email: ANN, firstName: 'Ann', lastName: 'Lee', operator: true }, outbox)).signIn();
  if (opts.annInOther ?? true) await root.addMember(other.id, { email: ANN, firstName: 'Ann', lastName: 'Lee', operator: true });
  return { server, root, ann, shop, other };
}

const createToken = (client: ParleyClient, body: Record<string, unknown>) =>
  client.request<CreateTokenReply>('POST', '/api/v1/tokens', body);

const as = (token: string) => new ParleyClient({ url: server!.url, token });

describe('a token limited to a project', () => {
  it('works in its project as its owner does there: dialogs, team, settings, its socket', async () => {
    const { root, shop } = await setup();
    const made = await createToken(root, { name: 'shop-ci', projectId: shop.id });
    expect(made.apiToken).toMatchObject({ name: 'shop-ci', state: 'active', project: { id: shop.id, name: 'Shop' } });
    const ci = as(made.token);

    expect((await ci.listProjects()).map((p) => p.name)).toEqual(['Shop']);
    const me = await ci.me();
    expect(me.projects.map((p) => p.name)).toEqual(['Shop']);
    // Its owner is a server administrator; through this token, not.
    expect(me.user).toMatchObject({ email: ROOT, serverAdmin: false });
    expect((await ci.listDialogs(shop.id)).dialogs).toEqual([]);
    expect((await ci.listMembers(shop.id)).map((m) => m.email).sort()).toEqual([ANN, ROOT]);
    expect((await ci.updateProject(shop.id, { language: 'ru' })).language).toBe('ru');

    const peer = await connectOperator(server!.url, made.token, shop.id);
    expect(await peer.next((f) => f.type === 'ready')).toMatchObject({ projectId: shop.id });
    await peer.close();
  });

  it('gets every other project as one that does not exist, word for word, its owner a member or not', async () => {
    const { root, ann, shop, other } = await setup({ annInOther: false });
    const ci = (await createToken(root, { name: 'shop-ci', projectId: shop.id })).token;
    // Ann is in no project but Shop: what she is told of Other is what a stranger is told.
    const stranger = (await ann.createToken('mine')).token;
    expect((await root.getProject(other.id)).name).toBe('Other');
    for (const [method, path, body] of [
      ['GET', `/api/v1/projects/${other.id}`],
      ['PATCH', `/api/v1/projects/${other.id}`, '{"language":"ru"}'],
      ['GET', `/api/v1/projects/${other.id}/members`],
      ['GET', `/api/v1/projects/${other.id}/dialogs`],
      ['GET', `/api/v1/projects/${other.id}/groups`],
      ['GET', `/api/v1/projects/${other.id}/templates`],
    ] as const) {
      const opts = { body, contentType: body ? 'application/json' : undefined };
      const limited = await raw(server!.url, method, path, { ...opts, token: ci });
      const notMember = await raw(server!.url, method, path, { ...opts, token: stranger });
      expect({ path, status: limited.status, json: limited.json }).toEqual({ path, status: 404, json: notMember.json });
    }
    await expect(connectOperator(server!.url, ci, other.id)).rejects.toThrow('upgrade refused: 404');
    // Nothing of Other changed.
    expect((await root.getProject(other.id)).language).toBe('en');
  });

  it('has none of its owner’s server administration: projects, accounts, backups', async () => {
    const { root, shop } = await setup();
    const ci = as((await createToken(root, { name: 'shop-ci', projectId: shop.id })).token);

    const created = await expectApiError(ci.createProject('Made by CI'), 403, 'forbidden');
    expect(created.message).toBe(limitedMessage('Shop', 'create projects'));
    const disabled = await expectApiError(ci.request('POST', `/api/v1/admin/users/${ANN}/disable`), 403, 'forbidden');
    expect(disabled.message).toBe(limitedMessage('Shop', 'disable or enable accounts'));
    const backup = await raw(server!.url, 'GET', '/api/v1/admin/backup', { token: ci.token! });
    expect([backup.status, backup.json?.error]).toEqual([403, { code: 'forbidden', message: limitedMessage('Shop', 'take backups') }]);
    // Nor what every project shows of its owner, or relays to them: the profile, the avatar, Telegram.
    const renamed = await expectApiError(ci.request('PATCH', '/api/v1/me', { firstName: 'Mallory' }), 403, 'forbidden');
    expect(renamed.message).toBe(limitedMessage('Shop', 'change your profile, which all your projects show'));
    await expectApiError(ci.request('DELETE', '/api/v1/me/avatar'), 403, 'forbidden');
    const unlinked = await raw(server!.url, 'DELETE', '/api/v1/telegram/link', { token: ci.token! });
    expect([unlinked.status, unlinked.json?.error]).toEqual([403, { code: 'forbidden', message: limitedMessage('Shop', 'unlink Telegram, which relays every project') }]);
    // Nor may it make a token (limited or not): that takes a session, as for every token.
    await expectApiError(createToken(ci, { name: 'child' }), 403, 'forbidden');
    await expectApiError(createToken(ci, { name: 'child', projectId: shop.id }), 403, 'forbidden');

    // Nothing happened; its owner's session still does all of it.
    expect((await root.listProjects()).map((p) => p.name)).toEqual(['Shop', 'Other']);
    expect((await root.me()).user).toMatchObject({ serverAdmin: true, firstName: 'Root' });
    expect((await root.createProject('Made by Root')).name).toBe('Made by Root');
  });

  it('has its owner’s role in the project as it stands: a change applies, and a removal makes the project 404', async () => {
    const { root, ann, shop, other } = await setup();
    const ci = as((await createToken(ann, { name: 'shop-ci', projectId: shop.id })).token);

    const refused = await expectApiError(ci.updateProject(shop.id, { language: 'ru' }), 403, 'forbidden');
    expect(refused.message).toBe('changing project settings needs the "admin" or "settings" access level in this project');
    await root.updateMember(shop.id, ANN, { access: 'settings' });
    expect((await ci.updateProject(shop.id, { language: 'ru' })).language).toBe('ru');

    await root.removeMember(shop.id, ANN);
    const gone = await expectApiError(ci.getProject(shop.id), 404, 'not_found');
    expect(gone.message).toBe(`no project with id ${shop.id}`);
    expect(await ci.listProjects()).toEqual([]);
    await expect(connectOperator(server!.url, ci.token!, shop.id)).rejects.toThrow('upgrade refused: 404');
    // Ann is still in Other, so her token was not revoked; it is still no way into Other.
    expect((await ci.me()).user.email).toBe(ANN);
    await expectApiError(ci.getProject(other.id), 404, 'not_found');
  });

  it('ends with its project: deleted, the project takes its tokens along', async () => {
    const { root, shop } = await setup();
    const last = await root.createProject('Last');
    const lastCi = (await createToken(root, { name: 'last-ci', projectId: last.id })).token;
    const shopCi = (await createToken(root, { name: 'shop-ci', projectId: shop.id })).token;
    const everywhere = (await createToken(root, { name: 'everywhere' })).token;
    expect((await as(lastCi).getProject(last.id)).name).toBe('Last');

    // No command deletes a project yet: as a future one, or someone at the database, would.
    await server!.app.db.write((tx) => tx.run('DELETE FROM projects WHERE id = ?', [last.id]));
    await expectApiError(as(lastCi).me(), 401, 'unauthenticated');
    expect((await root.listTokens()).map((t) => t.name)).toEqual(['everywhere', 'shop-ci']);
    // The next project may get the deleted one's id: the old token is no way into it.
    const next = await root.createProject('Next');
    expect(next.id).toBe(last.id);
    await expectApiError(as(lastCi).getProject(next.id), 401, 'unauthenticated');
    // The other tokens are untouched.
    expect((await as(shopCi).getProject(shop.id)).name).toBe('Shop');
    expect((await as(everywhere).listProjects()).map((p) => p.name)).toEqual(['Shop', 'Other', 'Next']);
  });
});

describe('creating and listing them', () => {
  it('takes a project of its creator by id: anything else is a 400, a project they are not in a 404', async () => {
    const { root, ann, other } = await setup({ annInOther: false });
    for (const projectId of [0, -1, 1.5, '1', null]) {
      const reply = await raw(server!.url, 'POST', '/api/v1/tokens', {
        token: root.token!,
        body: JSON.stringify({ name: 'bad', projectId }),
        contentType: 'application/json',
      });
      expect({ projectId, status: reply.status, code: reply.json?.error?.code }).toEqual({ projectId, status: 400, code: 'validation' });
      expect(reply.json.error.message).toMatch(/projectId/);
    }
    // A project that does not exist and one Ann is not in: the same 404.
    const missing = await expectApiError(createToken(ann, { name: 'ci', projectId: 999 }), 404, 'not_found');
    expect(missing.message).toBe('no project with id 999');
    const notHers = await expectApiError(createToken(ann, { name: 'ci', projectId: other.id }), 404, 'not_found');
    expect(notHers.message).toBe(`no project with id ${other.id}`);
    expect(await ann.listTokens()).toEqual([]);
  });

  it('lists each token’s project, null for one that works everywhere; a limited token lists its project’s', async () => {
    const { root, shop, other } = await setup();
    await createToken(root, { name: 'everywhere' });
    const shopCi = (await createToken(root, { name: 'shop-ci', projectId: shop.id })).token;
    await createToken(root, { name: 'other-ci', projectId: other.id, expiresInDays: 30 });
    const projectOf = (tokens: ApiToken[]) => tokens.map((t) => [t.name, t.project]);
    expect(projectOf(await root.listTokens())).toEqual([
      ['everywhere', null],
      ['other-ci', { id: other.id, name: 'Other' }],
      ['shop-ci', { id: shop.id, name: 'Shop' }],
    ]);
    // The others would name the owner's other projects.
    expect(projectOf(await as(shopCi).listTokens())).toEqual([['shop-ci', { id: shop.id, name: 'Shop' }]]);
    // A renamed project is named as it is now.
    await root.updateProject(shop.id, { name: 'Shop EU' });
    expect(projectOf(await as(shopCi).listTokens())).toEqual([['shop-ci', { id: shop.id, name: 'Shop EU' }]]);
  });

  it('the reset mail says which project a remaining token is limited to', async () => {
    const { root, shop } = await setup();
    await createToken(root, { name: 'everywhere' });
    await createToken(root, { name: 'shop-ci', projectId: shop.id });
    const anon = new ParleyClient({ url: server!.url });
    await anon.forgotPassword(ROOT);
    const code = codeFrom(await outbox!.waitFor((m) => m.to === ROOT && /^Code:/m.test(m.text)));
    await anon.resetPassword(ROOT, code, 'recovered-password-1');
    const mail = await outbox!.waitFor((m) => m.to === ROOT && m.subject === 'Your Parley password was reset');
    expect(mail.text).toMatch(/^ {2}everywhere \[new\]: created /m);
    expect(mail.text).toMatch(/^ {2}shop-ci \(limited to "Shop"\) \[new\]: created /m);
  });
});

describe('the upgrade', () => {
  it('keeps the tokens from before it working in every project of their owner', async () => {
    const dataDir = await tempDir('parley-project-tokens-');
    const upgrade = migrations.findIndex((m) => m.name === 'API tokens: limited to one project');
    expect(upgrade).toBeGreaterThan(0);
    const db = new Database(join(dataDir, 'parley.db'));
    db.pragma('foreign_keys = ON');
    for (const m of migrations.slice(0, upgrade)) db.exec(m.sql);
    db.pragma(`user_version = ${upgrade}`);
    const token = 'plt_from-before-the-upgrade';
    const now = Date.now();
    db.prepare(
      `INSERT INTO users (id, email, first_name, last_name, password_hash, server_admin, created_at, updated_at)
       VALUES (1, ?, 'Root', 'Admin', 'x', 1, ?, ?)`,
    ).run(ROOT, now, now);
    for (const [id, name, key] of [[1, 'Shop', 'wk1'], [2, 'Other', 'wk2']] as const) {
      db.prepare(`INSERT INTO projects (id, name, widget_key, timezone, created_at, updated_at) VALUES (?, ?, ?, 'UTC', ?, ?)`).run(id, name, key, now, now);
      db.prepare(`INSERT INTO memberships (project_id, user_id, access, created_at) VALUES (?, 1, 'admin', ?)`).run(id, now);
    }
    db.prepare(
      `INSERT INTO credentials (user_id, kind, name, token_hash, created_at, idle_ttl_ms, expires_at)
       VALUES (1, 'api', 'ci', ?, ?, ?, ?)`,
    ).run(sha256(token), now, 90 * 86_400_000, now + 365 * 86_400_000);
    db.close();

    server = await startTestServer({ dataDir });
    const ci = as(token);
    expect((await ci.listProjects()).map((p) => p.name)).toEqual(['Shop', 'Other']);
    expect((await ci.me()).user.serverAdmin).toBe(true);
    expect((await ci.listTokens()).map((t) => [t.name, t.project])).toEqual([['ci', null]]);
  });
});
