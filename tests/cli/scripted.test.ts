// The "Done when", through the real `parley` binary against a real server: with only
// PARLEY_URL and PARLEY_TOKEN set, a script creates a project, adds three operators and lists
// them as JSON; each operator's welcome mail carries a password that works once and forces a change.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFailure, type Shell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

interface MemberJson {
  email: string;
  firstName: string;
  lastName: string;
  operator: boolean;
  access: string | null;
}

const OPERATORS = [
  { email: 'Ann.Lee@Example.com', firstName: 'Ann', lastName: 'Lee' },
  { email: 'bob@example.com', firstName: 'Bob', lastName: '-' },
  { email: 'cleo@example.com', firstName: 'Cleo', lastName: 'Park' },
];
const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };

let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;

beforeAll(async () => {
  server = await startTestServer();
  outbox = await watchOutbox(server.dataDir);
});

afterAll(async () => {
  outbox?.close();
  await server?.close();
});

describe('a script with only PARLEY_URL and PARLEY_TOKEN', () => {
  let token: string;
  let projectId: number;
  let script: Shell;

  it('a server admin signs in with the one-time password (replacing it) and creates an API token', async () => {
    const { password: oneTime } = await server.app.services.admin.createServerAdmin(ADMIN);
    const admin = await shell();
    const login = await admin.run(['login', '--url', server.url, '--email', ADMIN.email, '--password-stdin'], {
      stdin: `${oneTime}\n${NEW_PASSWORD}\n`,
    });
    expect(login).toMatchObject({ code: 0, stderr: '' });
    expect(login.stdout).toContain(ADMIN.email);
    expect(login.stdout).not.toMatch(/must be replaced/);

    const created = await admin.run(['token', 'create', '--name', 'ci']);
    expect(created.code).toBe(0);
    expect(created.stderr).toBe('');
    // Only the token, so that TOKEN=$(parley token create --name ci) works.
    expect(created.stdout).toMatch(/^plt_[A-Za-z0-9_-]{20,}\n$/);
    token = created.stdout.trim();
    script = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: token });
  });

  it('creates a project', async () => {
    const project = await script.json<{ id: number; name: string; widgetKey: string }>(['project', 'create', 'Acme']);
    expect(project.name).toBe('Acme');
    expect(project.id).toBeGreaterThan(0);
    expect(project.widgetKey).toEqual(expect.any(String));
    projectId = project.id;
  });

  it('adds three operators', async () => {
    for (const op of OPERATORS) {
      const r = await script.run([
        'team', 'add', '--project', String(projectId),
        '--email', op.email, '--first-name', op.firstName, '--last-name', op.lastName, '--operator',
      ]);
      expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toContain(op.email.toLowerCase());
    }
  });

  it('lists them as JSON with email, names, operator flag and access', async () => {
    const members = await script.json<MemberJson[]>(['team', 'list', '--project', String(projectId)]);
    expect(Array.isArray(members)).toBe(true);
    const sorted = [...members].sort((a, b) => a.email.localeCompare(b.email));
    expect(sorted.map((m) => ({ email: m.email, firstName: m.firstName, lastName: m.lastName, operator: m.operator, access: m.access }))).toEqual(
      [
        ...OPERATORS.map((o) => ({ email: o.email.toLowerCase(), firstName: o.firstName, lastName: o.lastName, operator: true, access: null })),
        // The admin who created the project through the token is its admin.
        { email: ADMIN.email, firstName: ADMIN.firstName, lastName: ADMIN.lastName, operator: false, access: 'admin' },
      ].sort((a, b) => a.email.localeCompare(b.email)),
    );
  });

  it('the token alone identifies the admin: nothing is stored in the script\'s config dir', async () => {
    const whoami = await script.json<{ user: { email: string }; url: string }>(['whoami']);
    expect(whoami.user.email).toBe(ADMIN.email);
    expect(whoami.url).toBe(server.url);
    const stored = await readFile(join(script.configDir, 'config.json'), 'utf8').catch(() => '{}');
    expect(JSON.parse(stored)).not.toHaveProperty('login');
    const other = await shell(); // same machine, no env: not signed in
    expectFailure(await other.run(['whoami', '--url', server.url]), 4, /not signed in/);
  });
});

describe("each operator's welcome mail carries a password that works once and forces a change", () => {
  const welcome = async (email: string) => {
    const mail = await outbox.waitFor((m) => m.to === email && /Acme/.test(m.subject));
    return passwordFrom(mail);
  };

  it('every operator got one, with a long generated password, all different', async () => {
    const passwords = await Promise.all(OPERATORS.map((o) => welcome(o.email.toLowerCase())));
    for (const p of passwords) expect(p.length).toBeGreaterThanOrEqual(16);
    expect(new Set(passwords).size).toBe(3);
  });

  it('a login with only the one-time password is a usage error that stores no session; with the new one it works once', async () => {
    const email = OPERATORS[0].email.toLowerCase();
    const oneTime = await welcome(email);
    const op = await shell();

    const login = await op.run(['login', '--url', server.url, '--email', email, '--password-stdin'], { stdin: `${oneTime}\n` });
    expectFailure(login, 2, /must be replaced: give the new password on the second line of standard input/);
    expectFailure(await op.run(['whoami', '--url', server.url]), 4, /not signed in/);

    const signedIn = await op.json<{ email: string; mustChangePassword: boolean }>(
      ['login', '--url', server.url, '--email', email, '--password-stdin'],
      { stdin: `${oneTime}\n${NEW_PASSWORD}\n` },
    );
    expect(signedIn).toMatchObject({ email, mustChangePassword: false });
    const members = await op.json<MemberJson[]>(['team', 'list']);
    expect(members).toHaveLength(4);

    // The one-time password worked once.
    const again = await (await shell()).run(['login', '--url', server.url, '--email', email, '--password-stdin'], {
      stdin: `${oneTime}\n`,
    });
    expectFailure(again, 4);
    // The new one works.
    const fresh = await (await shell()).json<{ mustChangePassword: boolean }>(
      ['login', '--url', server.url, '--email', email, '--password-stdin'],
      { stdin: `${NEW_PASSWORD}\n` },
    );
    expect(fresh.mustChangePassword).toBe(false);
  });

  it('a login with both lines replaces the one-time password at once; the old one then fails', async () => {
    for (const o of OPERATORS.slice(1)) {
      const email = o.email.toLowerCase();
      const oneTime = await welcome(email);
      const op = await shell();
      const login = await op.json<{ mustChangePassword: boolean }>(
        ['login', '--url', server.url, '--email', email, '--password-stdin'],
        { stdin: `${oneTime}\n${NEW_PASSWORD}-${o.firstName}\n` },
      );
      expect(login.mustChangePassword).toBe(false);
      const me = await op.json<{ user: { email: string; mustChangePassword: boolean } }>(['whoami']);
      expect(me.user).toMatchObject({ email, mustChangePassword: false });

      const reuse = await (await shell()).run(['login', '--url', server.url, '--email', email, '--password-stdin'], {
        stdin: `${oneTime}\n${NEW_PASSWORD}\n`,
      });
      expectFailure(reuse, 4);
    }
  });
});

describe('the same script manages the team afterwards', () => {
  let script: Shell;
  let cleo: Shell;
  const CLEO = 'cleo@example.com';

  beforeAll(async () => {
    const admin = await shell();
    const r = await admin.run(['login', '--url', server.url, '--email', ADMIN.email, '--password-stdin'], { stdin: `${NEW_PASSWORD}\n` });
    expect(r.code).toBe(0);
    const token = (await admin.run(['token', 'create', '--name', 'ci-2'])).stdout.trim();
    script = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: token });
    cleo = await shell();
    const signed = await cleo.run(['login', '--url', server.url, '--email', CLEO, '--password-stdin'], { stdin: `${NEW_PASSWORD}-Cleo\n` });
    expect(signed, signed.stderr).toMatchObject({ code: 0, stderr: '' });
  });

  it('team show and team update (--access, --no-operator, names) answer with the member', async () => {
    const shown = await script.json<MemberJson>(['team', 'show', 'CLEO@example.com', '-p', 'Acme']);
    expect(shown).toMatchObject({ email: CLEO, firstName: 'Cleo', operator: true, access: null });
    const updated = await script.json<MemberJson>([
      'team', 'update', CLEO, '-p', 'Acme', '--access', 'settings', '--no-operator', '--last-name', 'Parker',
    ]);
    expect(updated).toMatchObject({ email: CLEO, lastName: 'Parker', operator: false, access: 'settings' });
    expectFailure(await script.run(['team', 'update', CLEO, '-p', 'Acme']), 2, /nothing to change/);
    expectFailure(await script.run(['team', 'show', 'nobody@example.com', '-p', 'Acme']), 1, /not a member/);
  });

  it('a "settings" member may now manage the team, but not grant admin', async () => {
    const r = await cleo.run(['team', 'add', '--email', 'dan@example.com', '--first-name', 'Dan', '--last-name', 'Ode', '--operator']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expectFailure(await cleo.run(['team', 'update', 'dan@example.com', '--access', 'admin']), 1, /admin/);
  });

  it('a user who already exists gets a membership in another project and no new password', async () => {
    const beta = await script.json<{ id: number }>(['project', 'create', 'Beta']);
    const added = await script.json<MemberJson & { newUser: boolean }>([
      'team', 'add', '-p', String(beta.id), '--email', CLEO, '--first-name', 'Cleo', '--last-name', 'Park', '--operator',
    ]);
    expect(added).toMatchObject({ email: CLEO, newUser: false, operator: true });
    const mail = await outbox.waitFor((m) => m.to === CLEO && /Beta/.test(m.subject));
    expect(mail.text).not.toMatch(/^Password:/m);
    // Her password is unchanged, and she sees both projects.
    const me = await cleo.json<{ projects: Array<{ name: string }> }>(['whoami']);
    expect(me.projects.map((p) => p.name).sort()).toEqual(['Acme', 'Beta']);
  });

  it('team remove: access to that project ends; removal from the last project ends the sessions', async () => {
    const removed = await script.json<{ email: string; removed: boolean }>(['team', 'remove', CLEO, '-p', 'Acme']);
    expect(removed).toMatchObject({ email: CLEO, removed: true });
    expectFailure(await cleo.run(['team', 'list', '-p', 'Acme']), 1, /unknown project/);
    expect((await cleo.json<{ projects: Array<{ name: string }> }>(['whoami'])).projects.map((p) => p.name)).toEqual(['Beta']);

    expect((await script.run(['team', 'remove', CLEO, '-p', 'Beta'])).code).toBe(0);
    expectFailure(await cleo.run(['whoami']), 4, /sign in again/);
    expectFailure(await script.run(['team', 'remove', CLEO, '-p', 'Beta']), 1, /not a member/);
  });
});
