// The mail of someone added to a project who already has an account (QA lifecycle 9): an account
// that never chose its own password (its one-time password unused, or expired) gets a new
// one-time password, as a new user does; one with its own password gets a notice without one.
// Through a real SMTP server.
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import { passwordFrom, startSmtpSink } from '../helpers/mail.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const EVE = 'eve@example.com';
const eve = { email: EVE, firstName: 'Eve', lastName: 'Op', operator: true, access: null };
const DAY = 86_400_000;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const login = (server: TestServer, password: string) =>
  new ParleyClient({ url: server.url }).login(EVE, password).catch((e: unknown) => e as ApiError);

describe('adding an existing account to a project', () => {
  it('mails a new one-time password while the account never chose one; later a notice without a password', async () => {
    const smtp = await startSmtpSink();
    cleanups.push(() => smtp.close());
    const clock = new ManualClock(Date.UTC(2026, 10, 27, 8));
    const server = await startTestServer({ clock, env: { PARLEY_SMTP_URL: smtp.url }, rateLimits: { login: 1000, forgot: 1000 } });
    cleanups.push(() => server.close());
    const { client: admin } = await signedInAdmin(server);
    const [acme, second, third] = [await admin.createProject('Acme'), await admin.createProject('Second'), await admin.createProject('Third')];
    const mailTo = (project: string) => smtp.waitFor((m) => m.to === EVE && m.subject.includes(project));

    expect(await admin.addMember(acme.id, eve)).toMatchObject({ newUser: true, passwordMailed: true });
    const first = passwordFrom(await mailTo('Acme'));

    // Added to another project before she signed in: a new password, which replaces the first.
    expect(await admin.addMember(second.id, eve)).toMatchObject({ newUser: false, passwordMailed: true });
    const secondMail = await mailTo('Second');
    expect(secondMail.text).toMatch(/^Login:\s+eve@example\.com$/m);
    expect(secondMail.text).toContain('It replaces the password of any earlier mail from Parley, which no longer works.');
    const replaced = passwordFrom(secondMail);
    expect(replaced).not.toBe(first);
    expect(await login(server, first)).toMatchObject({ status: 401, code: 'invalid_credentials' });

    // Expired unused: removing and adding her again (the usual "resend the invitation") mails a fresh one.
    clock.advance(8 * DAY);
    expect(await login(server, replaced)).toMatchObject({ status: 401, code: 'password_expired' });
    await admin.removeMember(second.id, EVE);
    expect(await admin.addMember(second.id, eve)).toMatchObject({ newUser: false, passwordMailed: true });
    const fresh = passwordFrom(await smtp.waitFor((m) => m.to === EVE && m.subject.includes('Second') && m !== secondMail));
    const signedIn = await login(server, fresh);
    expect(signedIn).not.toBeInstanceOf(ApiError);
    const session = new ParleyClient({ url: server.url, token: (signedIn as { token: string }).token });
    await session.changePassword(fresh, 'eve-chose-this-one');

    // With a password of her own: a notice without a password, pointing to "password forgot".
    expect(await admin.addMember(third.id, eve)).toMatchObject({ newUser: false, passwordMailed: false });
    const notice = await mailTo('Third');
    expect(notice.text).not.toMatch(/Password:/);
    expect(notice.text).toContain('Sign in with the password you chose.');
    expect(notice.text).toContain(`Forgot it? parley password forgot --url ${server.url} --email ${EVE}`);
    expect(notice.text).toContain(`  npm install -g ${server.url}/parley.tgz\n`);
    expect(await login(server, 'eve-chose-this-one')).toMatchObject({ mustChangePassword: false });
  });
});
