// The team of a project over real HTTP: adding people (validation, duplicates, existing users),
// who may manage whom, the last admin, project isolation, and removal.
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import type { Member } from '../../core/protocol/index.js';
import { addMember, expectApiError, expectErrorBody, loginClient, raw } from '../helpers/accounts-extra.js';
import { watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
let outbox: Awaited<ReturnType<typeof watchOutbox>> | undefined;

afterEach(async () => {
  outbox?.close();
  outbox = undefined;
  await server?.close();
  server = undefined;
});

/** A server admin (admin of both projects) and two projects, Shop and Blog. */
async function setup() {
  server = await startTestServer({ rateLimits: { login: 1000, forgot: 1000 } });
  outbox = await watchOutbox(server.dataDir);
  const root = await signedInAdmin(server);
  const shop = await root.client.createProject('Shop');
  const blog = await root.client.createProject('Blog');
  const s = server;
  const box = outbox;
  /** Adds a new user to a project and signs them in with NEW_PASSWORD. */
  const member = async (projectId: number, email: string, role: { operator?: boolean; access?: 'admin' | 'settings' | null }) => {
    const added = await addMember(s, root.client, projectId, { email, firstName: email.split('@')[0], lastName: 'Tester', ...role }, box);
    return added.signIn();
  };
  return { server: s, outbox: box, root, shop, blog, member };
}

const emails = (members: Member[]) => members.map((m) => m.email);

describe('adding a member', () => {
  it('refuses malformed emails and missing or empty names with 400', async () => {
    const { server, root, shop } = await setup();
    for (const email of ['not-an-email', 'a@b', 'two@@example.com', 'with space@example.com', 'x@example.com>']) {
      await expectApiError(root.client.addMember(shop.id, { email, firstName: 'Ann', lastName: 'Lee', operator: true }), 400, 'validation');
    }
    // Missing first name: the schema answers.
    const missing = await raw(server.url, 'POST', `/api/v1/projects/${shop.id}/members`, {
      token: root.client.token,
      contentType: 'application/json',
      body: JSON.stringify({ email: 'ann@example.com', lastName: 'Lee', operator: true }),
    });
    expectErrorBody(missing, 400, 'validation');
    expect(missing.json.error.message).toMatch(/firstName/);
    await expectApiError(root.client.addMember(shop.id, { email: 'ann@example.com', firstName: '', lastName: 'Lee', operator: true }), 400, 'validation');
    await expectApiError(root.client.addMember(shop.id, { email: 'ann@example.com', firstName: '  ', lastName: 'Lee', operator: true }), 400, 'validation');
    // Empty or blank last name.
    await expectApiError(root.client.addMember(shop.id, { email: 'ann@example.com', firstName: 'Ann', lastName: '', operator: true }), 400, 'validation');
    const blank = await expectApiError(
      root.client.addMember(shop.id, { email: 'ann@example.com', firstName: 'Ann', lastName: '   ', operator: true }),
      400,
      'validation',
    );
    expect(blank.message).toMatch(/last name/);
    // Nobody was added.
    expect(emails(await root.client.listMembers(shop.id))).toEqual(['root@example.com']);
  });

  it('accepts "-" as a last name and stores the email in lower case', async () => {
    const { root, shop, outbox } = await setup();
    const reply = await root.client.addMember(shop.id, {
      email: '  Mixed.Case@Example.COM ',
      firstName: 'Mia',
      lastName: '-',
      operator: true,
    });
    expect(reply.newUser).toBe(true);
    expect(reply.member).toMatchObject({ email: 'mixed.case@example.com', firstName: 'Mia', lastName: '-', operator: true, access: null });
    const mail = await outbox.waitFor((m) => m.to === 'mixed.case@example.com');
    expect(mail.text).toMatch(/^Login:\s+mixed\.case@example\.com$/m);
    expect((await root.client.getMember(shop.id, 'MIXED.CASE@example.com')).email).toBe('mixed.case@example.com');
  });

  it('refuses a duplicate member with 409, whatever the case of the email', async () => {
    const { root, shop } = await setup();
    await root.client.addMember(shop.id, { email: 'dup@example.com', firstName: 'Dee', lastName: 'Up', operator: true });
    await expectApiError(
      root.client.addMember(shop.id, { email: 'DUP@example.com', firstName: 'Dee', lastName: 'Up', access: 'settings' }),
      409,
      'conflict',
    );
    await expectApiError(
      root.client.addMember(shop.id, { email: 'root@example.com', firstName: 'Root', lastName: 'Admin', operator: true }),
      409,
      'conflict',
    );
    const dup = (await root.client.listMembers(shop.id)).filter((m) => m.email === 'dup@example.com');
    expect(dup).toHaveLength(1);
    expect(dup[0].access).toBeNull();
  });

  it('gives an existing user of another project a membership and no new password', async () => {
    const { server, outbox, root, shop, blog, member } = await setup();
    const xena = await member(blog.id, 'xena@example.com', { operator: true });

    const reply = await root.client.addMember(shop.id, { email: 'Xena@example.com', firstName: 'Other', lastName: 'Name', access: 'settings' });
    expect(reply.newUser).toBe(false);
    expect(reply.member).toMatchObject({ email: 'xena@example.com', firstName: 'xena', access: 'settings', operator: false });

    const notice = await outbox.waitFor((m) => m.to === 'xena@example.com' && /Shop/.test(m.subject));
    expect(notice.text).not.toMatch(/Password:/);
    await server.app.mailer.flush();
    expect(outbox.mails.filter((m) => m.to === 'xena@example.com' && /^Password:/m.test(m.text))).toHaveLength(1);

    // The old password still works, without a forced change, and both projects show.
    const again = await new ParleyClient({ url: server.url }).login('xena@example.com', NEW_PASSWORD);
    expect(again.mustChangePassword).toBe(false);
    expect((await xena.listProjects()).map((p) => p.name).sort()).toEqual(['Blog', 'Shop']);
    expect((await xena.getProject(shop.id)).access).toBe('settings');
  });

  it('needs the operator role or an access level', async () => {
    const { root, shop } = await setup();
    await expectApiError(root.client.addMember(shop.id, { email: 'none@example.com', firstName: 'No', lastName: 'Role' }), 400, 'validation');
    await expectApiError(
      root.client.addMember(shop.id, { email: 'none@example.com', firstName: 'No', lastName: 'Role', operator: false, access: null }),
      400,
      'validation',
    );
    await root.client.addMember(shop.id, { email: 'op@example.com', firstName: 'Op', lastName: 'Role', operator: true });
    await expectApiError(root.client.updateMember(shop.id, 'op@example.com', { operator: false }), 400, 'validation');
    expect((await root.client.getMember(shop.id, 'op@example.com')).operator).toBe(true);
  });
});

describe('who manages the team', () => {
  it('answers operators with 403 on add, update and remove', async () => {
    const { root, shop, member } = await setup();
    const op = await member(shop.id, 'op@example.com', { operator: true });
    await root.client.addMember(shop.id, { email: 'peer@example.com', firstName: 'Peer', lastName: 'P', operator: true });

    await expectApiError(op.addMember(shop.id, { email: 'new@example.com', firstName: 'N', lastName: 'N', operator: true }), 403, 'forbidden');
    await expectApiError(op.updateMember(shop.id, 'peer@example.com', { firstName: 'Changed' }), 403, 'forbidden');
    await expectApiError(op.updateMember(shop.id, 'op@example.com', { access: 'admin' }), 403, 'forbidden');
    await expectApiError(op.removeMember(shop.id, 'peer@example.com'), 403, 'forbidden');
    // Reading the team is fine.
    expect(emails(await op.listMembers(shop.id))).toEqual(['op@example.com', 'peer@example.com', 'root@example.com']);
    const after = await root.client.getMember(shop.id, 'peer@example.com');
    expect(after.firstName).toBe('Peer');
    expect(emails(await root.client.listMembers(shop.id))).not.toContain('new@example.com');
  });

  it('lets "settings" members add operators but not grant admin or touch an admin', async () => {
    const { root, shop, member } = await setup();
    const settings = await member(shop.id, 'set@example.com', { access: 'settings' });

    const added = await settings.addMember(shop.id, { email: 'op@example.com', firstName: 'Op', lastName: 'O', operator: true });
    expect(added.member.operator).toBe(true);
    await settings.addMember(shop.id, { email: 'set2@example.com', firstName: 'Set', lastName: 'Two', access: 'settings' });
    await expectApiError(
      settings.addMember(shop.id, { email: 'boss@example.com', firstName: 'B', lastName: 'B', access: 'admin' }),
      403,
      'forbidden',
    );
    await expectApiError(settings.updateMember(shop.id, 'op@example.com', { access: 'admin' }), 403, 'forbidden');
    await expectApiError(settings.updateMember(shop.id, 'set@example.com', { access: 'admin' }), 403, 'forbidden');
    await expectApiError(settings.updateMember(shop.id, 'root@example.com', { firstName: 'Pwned' }), 403, 'forbidden');
    await expectApiError(settings.updateMember(shop.id, 'root@example.com', { access: 'settings' }), 403, 'forbidden');
    await expectApiError(settings.removeMember(shop.id, 'root@example.com'), 403, 'forbidden');

    expect(await root.client.getMember(shop.id, 'root@example.com')).toMatchObject({ access: 'admin', firstName: 'Root' });
    expect(emails(await root.client.listMembers(shop.id))).not.toContain('boss@example.com');
    // Non-admin members are theirs to manage.
    expect((await settings.updateMember(shop.id, 'op@example.com', { access: 'settings' })).access).toBe('settings');
    await settings.removeMember(shop.id, 'op@example.com');
    expect(emails(await root.client.listMembers(shop.id))).toEqual(['root@example.com', 'set2@example.com', 'set@example.com']);
  });

  it('never demotes or removes the last admin (409)', async () => {
    const { root, shop, member } = await setup();
    await expectApiError(root.client.updateMember(shop.id, 'root@example.com', { access: 'settings' }), 409, 'conflict');
    await expectApiError(root.client.updateMember(shop.id, 'root@example.com', { access: null, operator: true }), 409, 'conflict');
    await expectApiError(root.client.removeMember(shop.id, 'root@example.com'), 409, 'conflict');
    expect((await root.client.getMember(shop.id, 'root@example.com')).access).toBe('admin');

    // With a second admin, the first may step down.
    const second = await member(shop.id, 'second@example.com', { access: 'admin' });
    const demoted = await root.client.updateMember(shop.id, 'root@example.com', { access: 'settings', operator: true });
    expect(demoted).toMatchObject({ access: 'settings', operator: true });
    // Now the second one is the last admin: they cannot step down or leave either.
    await expectApiError(second.updateMember(shop.id, 'second@example.com', { access: 'settings' }), 409, 'conflict');
    await expectApiError(second.removeMember(shop.id, 'second@example.com'), 409, 'conflict');
    // And root, a settings member now, may not touch them.
    await expectApiError(root.client.updateMember(shop.id, 'second@example.com', { access: 'settings' }), 403, 'forbidden');
    expect((await second.getMember(shop.id, 'second@example.com')).access).toBe('admin');
  });

  it('lets only server administrators create projects', async () => {
    const { root, shop, member } = await setup();
    const projectAdmin = await member(shop.id, 'padmin@example.com', { access: 'admin' });
    const op = await member(shop.id, 'op@example.com', { operator: true });
    await expectApiError(projectAdmin.createProject('Mine'), 403, 'forbidden');
    await expectApiError(op.createProject('Mine'), 403, 'forbidden');
    expect((await root.client.listProjects()).map((p) => p.name)).toEqual(['Shop', 'Blog']);
    expect((await projectAdmin.listProjects()).map((p) => p.name)).toEqual(['Shop']);
  });
});

describe('project isolation', () => {
  it('answers ids of another project with 404, as for a project that does not exist', async () => {
    const { server, root, shop, blog, member } = await setup();
    // Blog's admin and a Blog operator: members of another project, not of Shop.
    const blogAdmin = await member(blog.id, 'badmin@example.com', { access: 'admin' });
    const blogOp = await member(blog.id, 'bop@example.com', { operator: true });
    await root.client.addMember(shop.id, { email: 'shopop@example.com', firstName: 'S', lastName: 'O', operator: true });

    for (const outsider of [blogAdmin, blogOp]) {
      await expectApiError(outsider.getProject(shop.id), 404, 'not_found');
      await expectApiError(outsider.listMembers(shop.id), 404, 'not_found');
      await expectApiError(
        outsider.addMember(shop.id, { email: 'spy@example.com', firstName: 'Spy', lastName: 'S', operator: true }),
        404,
        'not_found',
      );
      await expectApiError(outsider.getMember(shop.id, 'shopop@example.com'), 404, 'not_found');
      await expectApiError(outsider.updateMember(shop.id, 'shopop@example.com', { firstName: 'X' }), 404, 'not_found');
      await expectApiError(outsider.removeMember(shop.id, 'shopop@example.com'), 404, 'not_found');
      expect((await outsider.listProjects()).map((p) => p.id)).toEqual([blog.id]);
    }
    // Blog's own team does not hold Shop's people either.
    expect(emails(await blogAdmin.listMembers(blog.id))).not.toContain('shopop@example.com');
    // The same answer as an id that exists nowhere.
    const foreign = await raw(server.url, 'GET', `/api/v1/projects/${shop.id}/members`, { token: blogAdmin.token });
    const missing = await raw(server.url, 'GET', '/api/v1/projects/9999/members', { token: blogAdmin.token });
    expectErrorBody(foreign, 404, 'not_found');
    expectErrorBody(missing, 404, 'not_found');
    expect(foreign.json.error.message.replace(String(shop.id), 'N')).toBe(missing.json.error.message.replace('9999', 'N'));

    // Nothing changed in Shop.
    expect(emails(await root.client.listMembers(shop.id))).toEqual(['root@example.com', 'shopop@example.com']);
    expect((await root.client.getMember(shop.id, 'shopop@example.com')).firstName).toBe('S');
  });

  it('answers an unknown project with 404', async () => {
    const { root } = await setup();
    await expectApiError(root.client.getProject(9999), 404, 'not_found');
    await expectApiError(root.client.listMembers(9999), 404, 'not_found');
    await expectApiError(
      root.client.addMember(9999, { email: 'a@example.com', firstName: 'A', lastName: 'A', operator: true }),
      404,
      'not_found',
    );
    await expectApiError(root.client.getMember(9999, 'root@example.com'), 404, 'not_found');
  });
});

describe('removing a member', () => {
  it('ends the sessions and tokens of someone left without a project; others keep their other projects', async () => {
    const { server, root, shop, blog, member } = await setup();
    const only = await member(shop.id, 'only@example.com', { operator: true });
    const { token: onlyApiToken } = await only.createToken('script');
    const onlyScript = new ParleyClient({ url: server.url, token: onlyApiToken });
    expect((await onlyScript.me()).user.email).toBe('only@example.com');

    const both = await member(shop.id, 'both@example.com', { operator: true });
    await root.client.addMember(blog.id, { email: 'both@example.com', firstName: 'Both', lastName: 'B', operator: true });

    await root.client.removeMember(shop.id, 'ONLY@example.com');
    await expectApiError(only.me(), 401, 'unauthenticated');
    await expectApiError(onlyScript.listProjects(), 401, 'unauthenticated');

    await root.client.removeMember(shop.id, 'both@example.com');
    expect((await both.listProjects()).map((p) => p.id)).toEqual([blog.id]);
    expect(emails(await both.listMembers(blog.id))).toContain('both@example.com');
    await expectApiError(both.listMembers(shop.id), 404, 'not_found');

    expect(emails(await root.client.listMembers(shop.id))).toEqual(['root@example.com']);
    await expectApiError(root.client.removeMember(shop.id, 'only@example.com'), 404, 'not_found');
    // Signing in again gives a session that reaches no project.
    const back = await loginClient(server.url, 'only@example.com', NEW_PASSWORD);
    expect(await back.listProjects()).toEqual([]);
    await expectApiError(back.listMembers(shop.id), 404, 'not_found');
  });
});

describe('member fields', () => {
  it('list, show and update answer with email, names, operator and access', async () => {
    const { root, shop } = await setup();
    await root.client.addMember(shop.id, { email: 'amy@example.com', firstName: 'Amy', lastName: 'Able', operator: true });
    const list = await root.client.listMembers(shop.id);
    for (const m of list) {
      expect(Object.keys(m)).toEqual(expect.arrayContaining(['email', 'firstName', 'lastName', 'operator', 'access']));
    }
    expect(list.find((m) => m.email === 'amy@example.com')).toMatchObject({
      firstName: 'Amy',
      lastName: 'Able',
      operator: true,
      access: null,
    });
    expect(list.find((m) => m.email === 'root@example.com')).toMatchObject({ access: 'admin', operator: false });

    expect(await root.client.getMember(shop.id, 'amy@example.com')).toMatchObject({
      email: 'amy@example.com',
      firstName: 'Amy',
      lastName: 'Able',
      operator: true,
      access: null,
    });

    const updated = await root.client.updateMember(shop.id, 'amy@example.com', {
      firstName: ' Amelia ',
      lastName: '-',
      operator: false,
      access: 'settings',
    });
    expect(updated).toMatchObject({ email: 'amy@example.com', firstName: 'Amelia', lastName: '-', operator: false, access: 'settings' });
    expect(await root.client.getMember(shop.id, 'amy@example.com')).toMatchObject({ firstName: 'Amelia', access: 'settings', operator: false });

    await expectApiError(root.client.updateMember(shop.id, 'amy@example.com', { lastName: '  ' }), 400, 'validation');
    await expectApiError(root.client.getMember(shop.id, 'nobody@example.com'), 404, 'not_found');
    await expectApiError(root.client.updateMember(shop.id, 'nobody@example.com', { firstName: 'N' }), 404, 'not_found');
  });
});
