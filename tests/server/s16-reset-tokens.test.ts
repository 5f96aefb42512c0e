// A password reset ends sessions, not API tokens (scripts and CI run on them). But a stolen session
// could have minted a token that outlives the recovery: the reset's answer and a "your password
// was reset" mail name the tokens that still work, mark those created in the day before as new,
// and give the command that ends them all; DELETE /tokens ends them in one request.
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import { expectApiError, loginClient } from '../helpers/accounts-extra.js';
import { codeFrom, type ReceivedMail, watchOutbox } from '../helpers/mail.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const EMAIL = 'root@example.com';

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
  const admin = await signedInAdmin(server);
  return { clock, server, outbox, admin };
}

/** Forgot, then reset with the mailed code; the raw answer and the mail that says it was reset. */
async function recover(s: TestServer, box: NonNullable<typeof outbox>, newPassword: string) {
  const seen = new Set(box.mails);
  const anon = new ParleyClient({ url: s.url });
  await anon.forgotPassword(EMAIL);
  const code = codeFrom(await box.waitFor((m) => m.to === EMAIL && /^Code:/m.test(m.text) && !seen.has(m)));
  const reply = await anon.resetPassword(EMAIL, code, newPassword);
  const mail = await box.waitFor((m: ReceivedMail) => m.to === EMAIL && m.subject === 'Your Parley password was reset' && !seen.has(m));
  return { reply, mail };
}

const tokenClient = (url: string, token: string) => new ParleyClient({ url, token });

describe('a password reset names the API tokens that stay', () => {
  it('in its answer and its mail, the new ones marked, with the command that ends them; the tokens still work', async () => {
    const { clock, server, outbox, admin } = await setup();
    const created = clock.now();
    const ci = await admin.client.createToken('ci');
    // Used once: the reset says when.
    await tokenClient(server.url, ci.token).me();
    await expect.poll(async () => (await admin.client.listTokens()).find((t) => t.name === 'ci')?.lastUsedAt).toBe(new Date(created).toISOString());
    const shortLived = await admin.client.createToken('short', 1);
    const gone = await admin.client.createToken('gone');
    await admin.client.revokeToken('gone');

    // Three days on, someone with a stolen session mints one for themselves.
    clock.advance(3 * DAY);
    const minted = clock.now();
    const stolen = await loginClient(server.url, EMAIL, admin.password);
    const backdoor = await stolen.createToken('backdoor');
    clock.advance(HOUR);

    const { reply, mail } = await recover(server, outbox, 'recovered-password-1');
    const command = `parley login --url ${server.url} --email ${EMAIL} && parley token revoke --all`;
    // Expired (short) and revoked (gone) tokens no longer work: not named.
    expect(reply).toEqual({
      status: 'ok',
      message: `the password was changed; sign in with it. 2 API tokens still work (backdoor, ci); to end them all: ${command}`,
      apiTokens: [
        { name: 'backdoor', createdAt: new Date(minted).toISOString(), lastUsedAt: null, expiresAt: expect.any(String), project: null, new: true },
        {
          name: 'ci',
          createdAt: new Date(created).toISOString(),
          lastUsedAt: new Date(created).toISOString(),
          expiresAt: expect.any(String),
          project: null,
          new: false,
        },
      ],
      revokeCommand: command,
    });

    expect(mail.text).toContain(`The Parley password of ${EMAIL} at ${server.url} was reset at 10:00 UTC on 8 Jan 2026 with a code mailed here: every session was signed out.`);
    expect(mail.text).toContain('These API tokens still work ([new]: created in the 24 hours before the reset):');
    expect(mail.text).toContain('  backdoor [new]: created 09:00 UTC on 8 Jan 2026, never used');
    expect(mail.text).toContain('  ci: created 09:00 UTC on 5 Jan 2026, last used 09:00 UTC on 5 Jan 2026');
    expect(mail.text).toContain(`  ${command}`);
    expect(mail.text).not.toMatch(/\b(short|gone)\b/);

    // The sessions are over; the tokens are not (they were not ended silently).
    await expectApiError(stolen.me(), 401, 'unauthenticated');
    expect((await tokenClient(server.url, ci.token).me()).user.email).toBe(EMAIL);
    expect((await tokenClient(server.url, backdoor.token).me()).user.email).toBe(EMAIL);
    await expectApiError(tokenClient(server.url, shortLived.token).me(), 401, 'unauthenticated');
    await expectApiError(tokenClient(server.url, gone.token).me(), 401, 'unauthenticated');
  });

  it('a token older than a day before the reset is not new', async () => {
    const { clock, server, outbox, admin } = await setup();
    await admin.client.createToken('nightly');
    clock.advance(DAY + 1000);
    const { reply, mail } = await recover(server, outbox, 'recovered-password-1');
    expect(reply.apiTokens.map((t) => [t.name, t.new])).toEqual([['nightly', false]]);
    expect(reply.message).toContain('1 API token still works (nightly)');
    expect(mail.text).not.toContain('[new]');
  });

  it('without API tokens: the usual answer, and a mail that says there are none', async () => {
    const { server, outbox } = await setup();
    const { reply, mail } = await recover(server, outbox, 'recovered-password-1');
    expect(reply).toEqual({ status: 'ok', message: 'the password was changed; sign in with it', apiTokens: [], revokeCommand: null });
    expect(mail.text).toContain('The account has no API tokens.');
    expect(mail.text).not.toContain('token revoke');
  });
});

describe('DELETE /tokens ends all of one\'s API tokens at once', () => {
  it('after signing in with the new password, every token named by the reset is refused', async () => {
    const { server, outbox, admin } = await setup();
    const ci = await admin.client.createToken('ci');
    const backdoor = await admin.client.createToken('backdoor');
    const { reply } = await recover(server, outbox, 'recovered-password-1');
    expect(reply.apiTokens.map((t) => t.name)).toEqual(['backdoor', 'ci']);

    const me = await loginClient(server.url, EMAIL, 'recovered-password-1');
    expect(await me.revokeAllTokens()).toEqual({ revoked: ['backdoor', 'ci'], kept: null });
    await expectApiError(tokenClient(server.url, ci.token).me(), 401, 'unauthenticated');
    await expectApiError(tokenClient(server.url, backdoor.token).me(), 401, 'unauthenticated');
    expect(await me.listTokens()).toEqual([]);
    // The session it ran with goes on.
    expect((await me.me()).user.email).toBe(EMAIL);
    expect(await me.revokeAllTokens()).toEqual({ revoked: [], kept: null });
  });

  it('made with an API token, is refused (403) and ends none: only a session may', async () => {
    const { server, admin } = await setup();
    const ci = await admin.client.createToken('ci');
    const other = await admin.client.createToken('other');
    const asCi = tokenClient(server.url, ci.token);
    await expectApiError(asCi.revokeAllTokens(), 403, 'forbidden');
    expect((await asCi.me()).user.email).toBe(EMAIL);
    expect((await tokenClient(server.url, other.token).me()).user.email).toBe(EMAIL);
  });

  it('needs a signed-in caller', async () => {
    const { server } = await setup();
    await expectApiError(new ParleyClient({ url: server.url }).revokeAllTokens(), 401, 'unauthenticated');
  });
});
