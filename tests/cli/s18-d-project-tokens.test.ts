// `parley token create --project P`: a token for one project, for the CI job that provisions it.
// Run with it, the CLI sees that project alone: another one, even its owner's, is an unknown
// project as one that does not exist is (exit 1), and server administration is refused in one
// line that names the token's limit. `token list` has a PROJECT column, `--json` a project.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { adminShell, expectFailure, shell } from '../helpers/cli-extra.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ROOT = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const EVE = { email: 'eve@example.com', firstName: 'Eve', lastName: 'Other' };
const UTC = { TZ: 'UTC' };

interface Listed {
  name: string;
  project: { id: number; name: string } | null;
  token?: string;
}

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Root, a server administrator signed in, with the projects Shop and Other. */
async function setup(clock?: ManualClock) {
  server = await startTestServer({ clock, rateLimits: { login: 1000, forgot: 1000 } });
  const root = await adminShell(server, ROOT);
  const shop = await root.json<{ id: number }>(['project', 'create', 'Shop']);
  const other = await root.json<{ id: number }>(['project', 'create', 'Other']);
  const job = (token: string) => shell({ PARLEY_URL: server!.url, PARLEY_TOKEN: token });
  return { server, root, shop, other, job };
}

describe('a token made with --project', () => {
  it('works in that project (dialogs, team, apply of its export) and nowhere else', async () => {
    const { root, shop, other, job } = await setup();
    const made = await root.json<Listed>(['token', 'create', '--name', 'shop-ci', '--project', 'Shop']);
    expect(made).toMatchObject({ name: 'shop-ci', project: { id: shop.id, name: 'Shop' }, state: 'active' });
    const ci = await job(made.token!);

    expect((await ci.json<Array<{ name: string }>>(['project', 'list'])).map((p) => p.name)).toEqual(['Shop']);
    expect((await ci.json<{ dialogs: unknown[] }>(['dialogs', 'list', '-p', 'Shop'])).dialogs).toEqual([]);
    expect((await ci.json<Array<{ email: string }>>(['team', 'list', '-p', String(shop.id)])).map((m) => m.email)).toEqual([ROOT.email]);
    const file = join(await tempDir('parley-shop-'), 'shop.yaml');
    const exported = await ci.run(['export', '-p', 'Shop']);
    expect(exported).toMatchObject({ code: 0, stderr: '' });
    await writeFile(file, exported.stdout);
    const plan = await ci.run(['apply', '-f', file, '--dry-run']);
    expect(plan, plan.stderr).toMatchObject({ code: 0, stderr: '' });

    // Other is its owner's, and still an unknown project, as one that does not exist is.
    expectFailure(await ci.run(['team', 'list', '-p', 'Other']), 1, /^parley: unknown project: Other\n$/);
    expectFailure(await ci.run(['team', 'list', '-p', 'Nowhere']), 1, /^parley: unknown project: Nowhere\n$/);
    expectFailure(await ci.run(['team', 'list', '-p', String(other.id)]), 1, new RegExp(`^parley: unknown project: ${other.id}\\n$`));
    expectFailure(await ci.run(['export', '-p', 'Other']), 1, /^parley: unknown project: Other\n$/);
    // Its owner's session still sees both.
    expect((await root.json<Array<{ name: string }>>(['project', 'list'])).map((p) => p.name)).toEqual(['Shop', 'Other']);
  });

  it('has no server administration, and says why in one line', async () => {
    const { root, job } = await setup();
    const ci = await job((await root.run(['token', 'create', '--name', 'shop-ci', '-p', 'Shop'])).stdout.trim());
    expectFailure(
      await ci.run(['project', 'create', 'Made by CI']),
      1,
      /^parley: this API token is limited to the project "Shop": it cannot create projects \(that takes parley login, or a token made without --project\)\n$/,
    );
    expectFailure(await ci.run(['backup', join(await tempDir('parley-backup-'), 'b.tar')]), 1);
    expectFailure(await ci.run(['token', 'create', '--name', 'child']), 1, /an API token cannot create tokens/);
    expect((await root.json<Array<{ name: string }>>(['project', 'list'])).map((p) => p.name)).toEqual(['Shop', 'Other']);
  });

  it('is made from --project only: PARLEY_PROJECT and the default project leave a token unlimited', async () => {
    const { root } = await setup();
    expect(await root.json<Listed>(['token', 'create', '--name', 'env'], { env: { PARLEY_PROJECT: 'Shop' } })).toMatchObject({ project: null });
    expect(await root.run(['project', 'use', 'Shop'])).toMatchObject({ code: 0 });
    expect(await root.json<Listed>(['token', 'create', '--name', 'default'])).toMatchObject({ project: null });
    const { stdout } = await root.run(['token', 'create', '--help']);
    expect(stdout).toContain('-p, --project <project>');
    expect(stdout.replace(/\s+/g, ' ')).toContain('Only --project limits a token: PARLEY_PROJECT and "parley project use" do not.');
  });

  it('refuses a --project that is empty or not one of the caller’s projects, making nothing', async () => {
    const { root } = await setup();
    // Eve's project, which root is not in.
    const eve = await adminShell(server!, EVE);
    const hers = await eve.json<{ id: number }>(['project', 'create', 'Private']);

    expectFailure(await root.run(['token', 'create', '--name', 'ci', '--project', '']), 2, /a project id or name must not be empty/);
    expectFailure(await root.run(['token', 'create', '--name', 'ci', '--project', '  ']), 2, /a project id or name must not be empty/);
    expectFailure(await root.run(['token', 'create', '--name', 'ci', '--project', 'Nowhere']), 1, /^parley: unknown project: Nowhere\n$/);
    expectFailure(await root.run(['token', 'create', '--name', 'ci', '--project', '999']), 1, /^parley: unknown project: 999\n$/);
    expectFailure(await root.run(['token', 'create', '--name', 'ci', '--project', 'Private']), 1, /^parley: unknown project: Private\n$/);
    expectFailure(await root.run(['token', 'create', '--name', 'ci', '--project', String(hers.id)]), 1, new RegExp(`^parley: unknown project: ${hers.id}\\n$`));
    expect(await root.json(['token', 'list'])).toEqual([]);
  });
});

describe('token list', () => {
  it('has a PROJECT column ("-": every project) and, in --json, each token’s project or null', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const { root, shop, other, job } = await setup(clock);
    await root.run(['token', 'create', '--name', 'everywhere']);
    const shopCi = (await root.run(['token', 'create', '--name', 'shop-ci', '-p', 'Shop'])).stdout.trim();
    await root.run(['token', 'create', '--name', 'other-ci', '-p', String(other.id), '--expires-in-days', '30']);

    expect((await root.run(['token', 'list'], { env: UTC })).stdout).toBe(
      [
        'NAME        PROJECT  CREATED           LAST USED  EXPIRES',
        'everywhere  -        2026-01-05 09:00  -          2027-01-05 (2026-04-05 if unused)',
        'other-ci    Other    2026-01-05 09:00  -          2026-02-04',
        'shop-ci     Shop     2026-01-05 09:00  -          2027-01-05 (2026-04-05 if unused)',
        '',
      ].join('\n'),
    );
    const listed = await root.json<Array<Listed & Record<string, unknown>>>(['token', 'list']);
    expect(listed.map((t) => [t.name, t.project])).toEqual([
      ['everywhere', null],
      ['other-ci', { id: other.id, name: 'Other' }],
      ['shop-ci', { id: shop.id, name: 'Shop' }],
    ]);
    expect(Object.keys(listed[0]).sort()).toEqual(['createdAt', 'expiresAt', 'idleExpiresAt', 'lastUsedAt', 'name', 'project', 'state']);

    // Run with the Shop token: the tokens of Shop alone (the others would name other projects).
    // Its use is written after the answer: waited for, so that the table is known.
    const ci = await job(shopCi);
    expect((await ci.run(['whoami'])).code).toBe(0);
    await expect.poll(async () => (await root.json<Array<{ name: string; lastUsedAt: string | null }>>(['token', 'list'])).find((t) => t.name === 'shop-ci')?.lastUsedAt).not.toBeNull();
    expect((await ci.run(['token', 'list'], { env: UTC })).stdout).toBe(
      [
        'NAME     PROJECT  CREATED           LAST USED         EXPIRES',
        'shop-ci  Shop     2026-01-05 09:00  2026-01-05 09:00  2027-01-05 (2026-04-05 if unused)',
        '',
      ].join('\n'),
    );
  });
});
