// `parley password reset` names the API tokens the reset leaves working (they are for scripts and
// CI, and a stolen session may have minted one), marks the new ones, and prints the command that
// ends them; that command works as printed, and `parley token revoke --all` ends them at once.
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import { adminShell, expectFailure, type Shell, shell } from '../helpers/cli-extra.js';
import { codeFrom, watchOutbox } from '../helpers/mail.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const DAY = 24 * 3600_000;
const WHO = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const EMAIL = WHO.email;

let server: TestServer | undefined;
let outbox: Awaited<ReturnType<typeof watchOutbox>> | undefined;

afterEach(async () => {
  outbox?.close();
  outbox = undefined;
  await server?.close();
  server = undefined;
});

async function setup() {
  const clock = new ManualClock();
  server = await startTestServer({ clock, rateLimits: { login: 1000, forgot: 1000 } });
  outbox = await watchOutbox(server.dataDir);
  const admin = await adminShell(server, WHO);
  return { clock, server, outbox, admin };
}

/** A fresh reset code for EMAIL, as the mail brings it. */
async function mailedCode(s: TestServer, box: NonNullable<typeof outbox>): Promise<string> {
  const seen = new Set(box.mails);
  await new ParleyClient({ url: s.url }).forgotPassword(EMAIL);
  return codeFrom(await box.waitFor((m) => m.to === EMAIL && /^Code:/m.test(m.text) && !seen.has(m)));
}

const reset = (sh: Shell, code: string, password: string, extra: string[] = []) =>
  sh.run(['password', 'reset', '--email', EMAIL, '--code', code, '--password-stdin', ...extra], { stdin: `${password}\n` });

const works = async (url: string, token: string) =>
  new ParleyClient({ url, token }).me().then(
    () => true,
    (err: { status?: number }) => (err.status === 401 ? false : Promise.reject(err)),
  );

describe('parley password reset and the API tokens that stay', () => {
  it('lists them (new ones marked) with the command that ends them, which works as printed', async () => {
    const { clock, server, outbox, admin } = await setup();
    const ci = (await admin.run(['token', 'create', '--name', 'ci'])).stdout.trim();
    clock.advance(2 * DAY);
    const deploy = (await admin.run(['token', 'create', '--name', 'deploy'])).stdout.trim();

    // On a computer in UTC: the tokens' times print on this computer's clock.
    const anon = await shell({ PARLEY_URL: server.url, TZ: 'UTC' });
    const r = await reset(anon, await mailedCode(server, outbox), 'recovered-password-1');
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const command = `parley login --url ${server.url} --email ${EMAIL} && parley token revoke --all`;
    expect(r.stdout).toBe(
      [
        `Password changed; all sessions of ${EMAIL} were signed out. Sign in with "parley login".`,
        '',
        'These API tokens still work (new: created in the 24 hours before the reset):',
        'NAME    PROJECT  CREATED           LAST USED',
        'ci      -        2026-01-05 09:00  never',
        'deploy  -        2026-01-07 09:00  never      new',
        '',
        'Any you do not know, or all of them if someone else may have used the account, end at once:',
        `  ${command}`,
        '',
      ].join('\n'),
    );
    // The reset ended the sessions, not the tokens.
    expectFailure(await admin.run(['whoami']), 4);
    expect([await works(server.url, ci), await works(server.url, deploy)]).toEqual([true, true]);

    // The printed command, run as printed (the password from stdin instead of a prompt).
    const [signIn, revokeAll] = command.split(' && ').map((c) => c.split(' ').slice(1));
    const me = await shell();
    expect(await me.run([...signIn, '--password-stdin'], { stdin: 'recovered-password-1\n' })).toMatchObject({ code: 0, stderr: '' });
    const revoked = await me.run(revokeAll);
    expect(revoked).toMatchObject({ code: 0, stderr: '', stdout: 'Revoked 2 tokens: ci, deploy.\n' });
    expect([await works(server.url, ci), await works(server.url, deploy)]).toEqual([false, false]);
    expect((await me.run(['token', 'list'])).stdout).toBe('No API tokens.\n');
    expect(await me.run(revokeAll)).toMatchObject({ code: 0, stdout: 'No API tokens to revoke.\n' });
  });

  it('--json carries the tokens and the command; without tokens, the answer is as before', async () => {
    const { server, outbox, admin } = await setup();
    await admin.run(['token', 'create', '--name', 'nightly']);
    const anon = await shell({ PARLEY_URL: server.url });
    const json = await anon.json(['password', 'reset', '--email', EMAIL, '--code', await mailedCode(server, outbox), '--password-stdin'], {
      stdin: 'recovered-password-1\n',
    });
    expect(json).toEqual({
      email: EMAIL,
      reset: true,
      apiTokens: [{ name: 'nightly', createdAt: '2026-01-05T09:00:00.000Z', lastUsedAt: null, expiresAt: expect.any(String), project: null, new: true }],
      revokeCommand: `parley login --url ${server.url} --email ${EMAIL} && parley token revoke --all`,
    });

    // The token gone, the next reset says nothing about tokens.
    await new ParleyClient({ url: server.url, token: (await new ParleyClient({ url: server.url }).login(EMAIL, 'recovered-password-1')).token }).revokeToken('nightly');
    const plain = await reset(anon, await mailedCode(server, outbox), 'recovered-password-2');
    expect(plain).toMatchObject({
      code: 0,
      stderr: '',
      stdout: `Password changed; all sessions of ${EMAIL} were signed out. Sign in with "parley login".\n`,
    });
  });
});

describe('parley token revoke --all', () => {
  // An API token may revoke only itself (tests/cli/s16-s3-token-scope.test.ts): --all needs a session.
  it('run with an API token, is refused in one line and revokes nothing', async () => {
    const { server, admin } = await setup();
    const ci = (await admin.run(['token', 'create', '--name', 'ci'])).stdout.trim();
    const other = (await admin.run(['token', 'create', '--name', 'other'])).stdout.trim();
    const job = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: ci });
    expect(await job.run(['token', 'revoke', '--all'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'parley: an API token cannot revoke other tokens (only itself, as parley logout does): sign in with parley login\n',
    });
    expect([await works(server.url, ci), await works(server.url, other)]).toEqual([true, true]);
    expect(await admin.json(['token', 'revoke', '--all'])).toEqual({ revoked: ['ci', 'other'], kept: null });
  });

  it('a name or --all, exactly one: otherwise a usage error before any request', async () => {
    const { admin } = await setup();
    await admin.run(['token', 'create', '--name', 'ci']);
    expectFailure(await admin.run(['token', 'revoke']), 2, /name the token to revoke, or give --all/);
    expectFailure(await admin.run(['token', 'revoke', 'ci', '--all']), 2, /give a token name or --all, not both/);
    expect((await admin.json<Array<{ name: string }>>(['token', 'list'])).map((t) => t.name)).toEqual(['ci']);
    expect(await admin.run(['token', 'revoke', 'ci'])).toMatchObject({ code: 0, stdout: 'Token "ci" revoked.\n' });
  });
});
