// The CLI side of "an API token cannot manage its owner's credentials": each command the server
// now refuses to a token says so in one line (exit 1), `password change` before asking for any
// password, and a token may still end itself. And `token list` says which tokens have ended, and why.
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import { adminShell, expectFailure, loginShell, shell } from '../helpers/cli-extra.js';
import { NEW_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const DAY = 24 * 3600_000;
/** The CLI's environment on a computer in UTC: times print on this computer's clock. */
const UTC = { TZ: 'UTC' };
const WHO = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const REFUSED = 'parley: an API token cannot create tokens or change the password: sign in with parley login\n';
const REVOKE_REFUSED = 'parley: an API token cannot revoke other tokens (only itself, as parley logout does): sign in with parley login\n';

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(clock?: ManualClock) {
  server = await startTestServer({ clock, rateLimits: { login: 1000, forgot: 1000 } });
  const admin = await adminShell(server, WHO);
  const tokenShell = (token: string) => shell({ PARLEY_URL: server!.url, PARLEY_TOKEN: token });
  return { server, admin, tokenShell };
}

const works = (url: string, token: string) =>
  new ParleyClient({ url, token }).me().then(
    () => true,
    (err: { status?: number }) => (err.status === 401 ? false : Promise.reject(err)),
  );

describe('with PARLEY_TOKEN', () => {
  it('token create, password change and token revoke (of another, or --all) are refused in one line', async () => {
    const { server, admin, tokenShell } = await setup();
    const parent = (await admin.run(['token', 'create', '--name', 'parent'])).stdout.trim();
    const other = (await admin.run(['token', 'create', '--name', 'other'])).stdout.trim();
    const job = await tokenShell(parent);

    expect(await job.run(['token', 'create', '--name', 'child', '--expires-in-days', '3650'])).toEqual({ code: 1, stdout: '', stderr: REFUSED });
    expect(await job.run(['token', 'create', '--name', 'child', '--json'])).toEqual({ code: 1, stdout: '', stderr: REFUSED });
    // Refused before the passwords are read: with them piped, and without a terminal to ask on.
    expect(await job.run(['password', 'change', '--password-stdin'], { stdin: `${NEW_PASSWORD}\nnew-password-12\n` })).toEqual({
      code: 1,
      stdout: '',
      stderr: REFUSED,
    });
    expect(await job.run(['password', 'change'])).toEqual({ code: 1, stdout: '', stderr: REFUSED });
    expect(await job.run(['token', 'revoke', 'other'])).toEqual({ code: 1, stdout: '', stderr: REVOKE_REFUSED });
    expect(await job.run(['token', 'revoke', '--all', '--json'])).toEqual({ code: 1, stdout: '', stderr: REVOKE_REFUSED });

    // Nothing changed: both tokens work, the password is the old one, no child exists.
    expect([await works(server.url, parent), await works(server.url, other)]).toEqual([true, true]);
    expect((await admin.json<Array<{ name: string }>>(['token', 'list'])).map((t) => t.name)).toEqual(['other', 'parent']);
    await loginShell(await shell(), server.url, WHO.email, `${NEW_PASSWORD}\n`);

    // What a CI job does still works with it.
    expect((await job.json<{ user: { email: string } }>(['whoami'])).user.email).toBe(WHO.email);
    expect(await job.json<{ name: string }>(['project', 'create', 'From CI'])).toMatchObject({ name: 'From CI' });
  });

  it('a token ends itself: token revoke with its own name, or logout', async () => {
    const { server, admin, tokenShell } = await setup();
    const ci = (await admin.run(['token', 'create', '--name', 'ci'])).stdout.trim();
    const nightly = (await admin.run(['token', 'create', '--name', 'nightly'])).stdout.trim();
    expect(await (await tokenShell(ci)).run(['token', 'revoke', 'ci'])).toEqual({ code: 0, stdout: 'Token "ci" revoked.\n', stderr: '' });
    const job = await tokenShell(nightly);
    expect(await job.run(['logout'])).toMatchObject({ code: 0, stdout: `Signed out of ${server.url}: that token no longer works.\n` });
    expectFailure(await job.run(['whoami']), 4);
    expect([await works(server.url, ci), await works(server.url, nightly)]).toEqual([false, false]);
    expect(await admin.run(['token', 'list'])).toMatchObject({ code: 0, stdout: 'No API tokens.\n' });
  });

  it('token create --help gives both limits and says a session is needed', async () => {
    const { stdout } = await (await shell()).run(['token', 'create', '--help']);
    expect(stdout).toContain('1 to 3650 (default 365)');
    expect(stdout).toContain('unused for 90 days');
    expect(stdout.replace(/\s+/g, ' ')).toContain('an API token cannot make more tokens, only revoke itself (parley logout)');
  });
});

describe('token list', () => {
  it('shows when each token ends, and which have ended and why; --json has state and idleExpiresAt', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    const { server, admin, tokenShell } = await setup(clock);
    const used = (await admin.run(['token', 'create', '--name', 'used'])).stdout.trim();
    await admin.run(['token', 'create', '--name', 'unused']);
    await admin.run(['token', 'create', '--name', 'short', '--expires-in-days', '1']);
    // On this computer's clock: one in UTC here (s17-left2-times.test.ts has other zones).
    expect((await admin.run(['token', 'list'], { env: UTC })).stdout).toBe(
      [
        'NAME    PROJECT  CREATED           LAST USED  EXPIRES',
        'short   -        2026-01-05 09:00  -          2026-01-06',
        'unused  -        2026-01-05 09:00  -          2027-01-05 (2026-04-05 if unused)',
        'used    -        2026-01-05 09:00  -          2027-01-05 (2026-04-05 if unused)',
        '',
      ].join('\n'),
    );

    clock.advance(30 * DAY);
    await loginShell(admin, server.url, WHO.email, `${NEW_PASSWORD}\n`);
    expect((await (await tokenShell(used)).run(['whoami'])).code).toBe(0);
    await expect
      .poll(async () => (await admin.json<Array<{ name: string; lastUsedAt: string | null }>>(['token', 'list'])).find((t) => t.name === 'used')?.lastUsedAt)
      .toBe('2026-02-04T09:00:00.000Z');

    clock.advance(61 * DAY);
    await loginShell(admin, server.url, WHO.email, `${NEW_PASSWORD}\n`);
    expect((await admin.run(['token', 'list'], { env: UTC })).stdout).toBe(
      [
        'NAME    PROJECT  CREATED           LAST USED         EXPIRES',
        'short   -        2026-01-05 09:00  -                 expired 2026-01-06',
        'unused  -        2026-01-05 09:00  -                 expired 2026-04-05 (unused for 90 days)',
        'used    -        2026-01-05 09:00  2026-02-04 09:00  2027-01-05 (2026-05-05 if unused)',
        '',
      ].join('\n'),
    );
    expect(await admin.json(['token', 'list'])).toEqual([
      {
        name: 'short',
        createdAt: '2026-01-05T09:00:00.000Z',
        lastUsedAt: null,
        expiresAt: '2026-01-06T09:00:00.000Z',
        idleExpiresAt: '2026-04-05T09:00:00.000Z',
        state: 'expired',
        project: null,
      },
      {
        name: 'unused',
        createdAt: '2026-01-05T09:00:00.000Z',
        lastUsedAt: null,
        expiresAt: '2027-01-05T09:00:00.000Z',
        idleExpiresAt: '2026-04-05T09:00:00.000Z',
        state: 'idle-expired',
        project: null,
      },
      {
        name: 'used',
        createdAt: '2026-01-05T09:00:00.000Z',
        lastUsedAt: '2026-02-04T09:00:00.000Z',
        expiresAt: '2027-01-05T09:00:00.000Z',
        idleExpiresAt: '2026-05-05T09:00:00.000Z',
        state: 'active',
        project: null,
      },
    ]);

    // The ended token's name is free: a CI job's token is renewed under the same name.
    const renewed = await admin.json<{ name: string; state: string; token: string }>(['token', 'create', '--name', 'unused']);
    expect(renewed).toMatchObject({ name: 'unused', state: 'active' });
    expect(await works(server.url, renewed.token)).toBe(true);
    expectFailure(await admin.run(['token', 'create', '--name', 'used']), 1, /already have a token named "used"/);
  });
});
