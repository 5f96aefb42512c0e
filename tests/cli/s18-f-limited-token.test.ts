// Run with an API token limited to a project, the CLI says so where it matters: `whoami` names
// the token and its project (and that its owner's server administration is not reached through
// it), `apply` of a file for another project names the limit instead of "only server
// administrators", and `password reset` lists the project of each token that stays. Besides:
// `--project 0` is an unknown project, as any other id that is none.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import { adminShell, expectFailure, shell } from '../helpers/cli-extra.js';
import { codeFrom, passwordFrom, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ROOT = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };

let server: TestServer | undefined;
let outbox: Awaited<ReturnType<typeof watchOutbox>> | undefined;

afterEach(async () => {
  outbox?.close();
  outbox = undefined;
  await server?.close();
  server = undefined;
});

/** Root, a server administrator signed in, with the projects Shop and Other. */
async function setup() {
  server = await startTestServer({ rateLimits: { login: 1000, forgot: 1000 } });
  outbox = await watchOutbox(server.dataDir);
  const root = await adminShell(server, ROOT);
  const shop = await root.json<{ id: number }>(['project', 'create', 'Shop']);
  const other = await root.json<{ id: number }>(['project', 'create', 'Other']);
  const job = (token: string) => shell({ PARLEY_URL: server!.url, PARLEY_TOKEN: token });
  const token = async (...args: string[]) => (await root.run(['token', 'create', ...args])).stdout.trim();
  return { server, root, shop, other, job, token };
}

interface MeJson {
  user: { email: string; serverAdmin: boolean };
  token: { kind: string; project: { id: number; name: string } | null; serverAdminWithheld: boolean };
}

describe('parley whoami', () => {
  it('names what it runs with; through a token limited to a project, administration is the person’s, not the token’s', async () => {
    const { server, root, shop, job, token } = await setup();
    const ci = await job(await token('--name', 'shop-ci', '--project', 'Shop'));
    const r = await ci.run(['whoami']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      [
        `server:       ${server.url}`,
        `email:        ${ROOT.email}`,
        'name:         Root Admin',
        'token:        API token limited to "Shop"',
        'server admin: yes (not through this token)',
        'password:     set',
        '',
        'Projects:',
        `  ${shop.id}  Shop (admin)`,
        '',
      ].join('\n'),
    );
    const json = await ci.json<MeJson>(['whoami']);
    expect(json.token).toEqual({ kind: 'api', project: { id: shop.id, name: 'Shop' }, serverAdminWithheld: true });
    expect(json.user.serverAdmin).toBe(false);

    // The session, and a token for all projects: administration is theirs.
    const own = (await root.run(['whoami'])).stdout;
    expect(own).toMatch(/^token: +session \(parley login\)\nserver admin: yes\n/m);
    expect((await root.json<MeJson>(['whoami'])).token).toEqual({ kind: 'session', project: null, serverAdminWithheld: false });
    const all = await job(await token('--name', 'all'));
    expect((await all.run(['whoami'])).stdout).toMatch(/^token: +API token \(all your projects\)\nserver admin: yes\n/m);
  });

  it('says "no" for a limited token of someone who is no server administrator', async () => {
    const { server, root } = await setup();
    await root.json(['team', 'add', '-p', 'Shop', '--email', 'ann@example.com', '--first-name', 'Ann', '--last-name', 'Lee', '--operator']);
    const ann = await signIn(server.url, 'ann@example.com', passwordFrom(await outbox!.waitFor((m) => m.to === 'ann@example.com')), NEW_PASSWORD);
    const shopId = (await ann.listProjects())[0].id;
    const annCi = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: (await ann.createToken('ci', undefined, shopId)).token });
    expect((await annCi.run(['whoami'])).stdout).toMatch(/^token: +API token limited to "Shop"\nserver admin: no\n/m);
  });
});

describe('parley apply with a token limited to a project', () => {
  it('refuses a file for another project, naming the limit rather than server administration', async () => {
    const { root, job, token } = await setup();
    const ci = await job(await token('--name', 'shop-ci', '--project', 'Shop'));
    const dir = await tempDir('parley-s18-f-');
    const limit = (name: string) =>
      new RegExp(
        `^parley: \\S*${name}\\.yaml:2:9: this API token is limited to the project "Shop": it reaches no project named "${name}", and cannot create one \\(that takes parley login, or a token made without --project\\); nothing was applied\\n$`,
      );
    // Other exists (root's), New does not: the token can tell neither, and says the same.
    for (const name of ['Other', 'New']) {
      const path = join(dir, `${name}.yaml`);
      await writeFile(path, ['project:', `  name: ${name}`, 'templates:', '  - name: hi', '    text: Hello!', ''].join('\n'));
      expectFailure(await ci.run(['apply', '-f', path, '--dry-run']), 1, limit(name));
      expectFailure(await ci.run(['apply', '-f', path]), 1, limit(name));
    }
    expect((await root.json<Array<{ name: string }>>(['project', 'list'])).map((p) => p.name)).toEqual(['Shop', 'Other']);
    expect(await root.json(['templates', 'list', '-p', 'Other'])).toEqual({ templates: [] });
  });
});

describe('parley password reset', () => {
  it('lists the project of each token that stays, "-" for one that works in all', async () => {
    const { server, token } = await setup();
    await token('--name', 'all');
    await token('--name', 'shop-ci', '--project', 'Shop');
    const seen = new Set(outbox!.mails);
    await new ParleyClient({ url: server.url }).forgotPassword(ROOT.email);
    const code = codeFrom(await outbox!.waitFor((m) => m.to === ROOT.email && /^Code:/m.test(m.text) && !seen.has(m)));
    const anon = await shell({ PARLEY_URL: server.url });
    const args = ['password', 'reset', '--email', ROOT.email, '--code', code, '--password-stdin'];
    const r = await anon.run(args, { stdin: 'recovered-password-1\n' });
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^NAME +PROJECT +CREATED +LAST USED *\nall +- +\d{2}:\d{2} +never +new\nshop-ci +Shop +\d{2}:\d{2} +never +new\n/m);
  });
});

describe('--project 0', () => {
  it('is an unknown project (exit 1), not the server’s validation error; a project named "0" is found by its name', async () => {
    const { root } = await setup();
    expectFailure(await root.run(['team', 'list', '-p', '0']), 1, /^parley: unknown project: 0\n$/);
    expectFailure(await root.run(['project', 'show', '00']), 1, /^parley: unknown project: 00\n$/);
    const zero = await root.json<{ id: number }>(['project', 'create', '0']);
    expect((await root.json<{ id: number; name: string }>(['project', 'show', '-p', '0'])).id).toBe(zero.id);
  });
});
