// Accounts over real HTTP: sign-in, lockout, one-time passwords, forgot/reset, password
// change, API tokens, unauthenticated and malformed requests, and what never reaches the log.
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import {
  addMember,
  expectApiError,
  expectErrorBody,
  loginClient,
  median,
  raw,
  welcomeMailFor,
} from '../helpers/accounts-extra.js';
import { codeFrom, passwordFrom, type ReceivedMail, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const MINUTE = 60_000;
const DAY = 24 * 3600_000;
const NO_IP_LIMIT = { login: 1000, forgot: 1000 };

let server: TestServer | undefined;
let outbox: Awaited<ReturnType<typeof watchOutbox>> | undefined;

afterEach(async () => {
  outbox?.close();
  outbox = undefined;
  await server?.close();
  server = undefined;
});

/** A server with an admin (own password chosen) and one project. */
async function setup(opts: { clock?: ManualClock; rateLimits?: { login?: number; forgot?: number } } = {}) {
  server = await startTestServer({ clock: opts.clock, rateLimits: opts.rateLimits ?? NO_IP_LIMIT });
  outbox = await watchOutbox(server.dataDir);
  const admin = await signedInAdmin(server);
  const project = await admin.client.createProject('Shop');
  return { server, outbox, admin, project };
}

const codeMailFor = (box: NonNullable<typeof outbox>, email: string, after: ReceivedMail[] = []) =>
  box.waitFor((m) => m.to === email && /^Code:/m.test(m.text) && !after.includes(m));

describe('login', () => {
  it('signs in with the right password, case-insensitively on the email', async () => {
    const { server, admin } = await setup();
    const client = new ParleyClient({ url: server.url });
    const reply = await client.login('ROOT@Example.com', admin.password);
    expect(reply.token).toMatch(/^pls_[A-Za-z0-9_-]{43}$/);
    expect(reply.mustChangePassword).toBe(false);
    expect(reply.user).toMatchObject({ email: 'root@example.com', firstName: 'Root', serverAdmin: true });
    client.token = reply.token;
    expect((await client.me()).user.email).toBe('root@example.com');
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const { server } = await setup();
    const client = new ParleyClient({ url: server.url });
    const wrong = await expectApiError(client.login('root@example.com', 'not-the-password'), 401, 'invalid_credentials');
    const unknown = await expectApiError(client.login('nobody@example.com', 'not-the-password'), 401, 'invalid_credentials');
    expect(unknown.message).toBe(wrong.message);
    const rawWrong = await raw(server.url, 'POST', '/api/v1/auth/login', {
      contentType: 'application/json',
      body: JSON.stringify({ email: 'root@example.com', password: 'x' }),
    });
    const rawUnknown = await raw(server.url, 'POST', '/api/v1/auth/login', {
      contentType: 'application/json',
      body: JSON.stringify({ email: 'nobody@example.com', password: 'x' }),
    });
    expectErrorBody(rawWrong, 401, 'invalid_credentials');
    expect(rawUnknown.status).toBe(rawWrong.status);
    expect(rawUnknown.text).toBe(rawWrong.text);
  });

  it('takes comparable time for an unknown email and a wrong password', async () => {
    const { server } = await setup();
    const client = new ParleyClient({ url: server.url });
    const timeFailure = async (email: string) => {
      const start = performance.now();
      await expectApiError(client.login(email, 'wrong-password-123'), 401, 'invalid_credentials');
      return performance.now() - start;
    };
    // Warm-up: the first call of each kind may pay for one-off work.
    await timeFailure('root@example.com');
    await timeFailure('ghost0@example.com');
    const wrong: number[] = [];
    const unknown: number[] = [];
    for (let i = 1; i <= 5; i++) {
      wrong.push(await timeFailure('root@example.com'));
      unknown.push(await timeFailure(`ghost${i}@example.com`));
    }
    const ratio = median(unknown) / median(wrong);
    expect(ratio, `unknown ${unknown.map(Math.round)} ms vs wrong ${wrong.map(Math.round)} ms`).toBeGreaterThanOrEqual(0.4);
    expect(ratio, `unknown ${unknown.map(Math.round)} ms vs wrong ${wrong.map(Math.round)} ms`).toBeLessThanOrEqual(2.5);
  });

  it('locks an account after 10 failures in 15 minutes with Retry-After, until the window has passed', async () => {
    const clock = new ManualClock();
    const { server, outbox, admin, project } = await setup({ clock });
    const other = await addMember(server, admin.client, project.id, {
      email: 'olga@example.com', firstName: 'Olga', lastName: 'Other', operator: true,
    }, outbox);
    const olga = await other.signIn();
    expect(olga.token).toBeTruthy();

    const client = new ParleyClient({ url: server.url });
    for (let i = 0; i < 10; i++) {
      await expectApiError(client.login('root@example.com', `wrong-${i}`), 401, 'invalid_credentials');
      clock.advance(10_000);
    }
    // The 11th attempt fails even with the right password.
    const locked = await expectApiError(client.login('root@example.com', admin.password), 429, 'rate_limited');
    expect(locked.retryAfter).toBeGreaterThan(0);
    expect(locked.retryAfter).toBeLessThanOrEqual(15 * 60);
    const rawLocked = await raw(server.url, 'POST', '/api/v1/auth/login', {
      contentType: 'application/json',
      body: JSON.stringify({ email: 'Root@Example.com', password: admin.password }),
    });
    expectErrorBody(rawLocked, 429, 'rate_limited');
    expect(Number(rawLocked.headers.get('retry-after'))).toBe(locked.retryAfter);

    // Another account is not affected.
    await loginClient(server.url, 'olga@example.com', NEW_PASSWORD);

    // One second before Retry-After runs out: still locked; when it has: open again.
    clock.advance((locked.retryAfter! - 1) * 1000);
    await expectApiError(client.login('root@example.com', admin.password), 429, 'rate_limited');
    clock.advance(1000);
    const reply = await client.login('root@example.com', admin.password);
    expect(reply.token).toMatch(/^pls_/);
  });

  it('counts only the failures of the last 15 minutes', async () => {
    const clock = new ManualClock();
    const { server, admin } = await setup({ clock });
    const client = new ParleyClient({ url: server.url });
    for (let i = 0; i < 9; i++) await expectApiError(client.login('root@example.com', 'wrong'), 401, 'invalid_credentials');
    clock.advance(15 * MINUTE + 1000);
    for (let i = 0; i < 9; i++) await expectApiError(client.login('root@example.com', 'wrong'), 401, 'invalid_credentials');
    expect((await client.login('root@example.com', admin.password)).token).toMatch(/^pls_/);
  });

  it('limits sign-in attempts per address with a 429 and Retry-After', async () => {
    const { server, admin } = await setup({ rateLimits: { login: 3, forgot: 1000 } });
    const client = new ParleyClient({ url: server.url });
    // signedInAdmin used one attempt already.
    await client.login('root@example.com', admin.password);
    await expectApiError(client.login('root@example.com', 'wrong'), 401, 'invalid_credentials');
    const reply = await raw(server.url, 'POST', '/api/v1/auth/login', {
      contentType: 'application/json',
      body: JSON.stringify({ email: 'root@example.com', password: admin.password }),
    });
    expectErrorBody(reply, 429, 'rate_limited');
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('one-time passwords', () => {
  it('signs in restricted with the mailed password until the user picks their own; then it stops working', async () => {
    const { server, outbox, admin, project } = await setup();
    await admin.client.addMember(project.id, { email: 'Nina@Example.com', firstName: 'Nina', lastName: 'New', operator: true });
    const mail = await welcomeMailFor(outbox, 'nina@example.com');
    const oneTime = passwordFrom(mail);
    expect(oneTime.length).toBeGreaterThanOrEqual(16);

    const nina = new ParleyClient({ url: server.url });
    const login = await nina.login('nina@example.com', oneTime);
    expect(login.mustChangePassword).toBe(true);
    expect(login.user.mustChangePassword).toBe(true);
    nina.token = login.token;

    await expectApiError(nina.listProjects(), 403, 'password_change_required');
    const rawProjects = await raw(server.url, 'GET', '/api/v1/projects', { token: login.token });
    expectErrorBody(rawProjects, 403, 'password_change_required');
    await expectApiError(nina.createToken('ci'), 403, 'password_change_required');

    // Rules for the new password still apply.
    await expectApiError(nina.changePassword(oneTime, 'short'), 400, 'validation');
    await expectApiError(nina.changePassword('not-the-one-time', NEW_PASSWORD), 400, 'invalid_credentials');

    const changed = await nina.changePassword(oneTime, NEW_PASSWORD);
    expect(changed.mustChangePassword).toBe(false);
    // The same session is now a full one.
    expect((await nina.listProjects()).map((p) => p.id)).toEqual([project.id]);

    await expectApiError(new ParleyClient({ url: server.url }).login('nina@example.com', oneTime), 401, 'invalid_credentials');
    const again = await new ParleyClient({ url: server.url }).login('nina@example.com', NEW_PASSWORD);
    expect(again.mustChangePassword).toBe(false);
  });

  it('expires an unused one-time password after 7 days', async () => {
    const clock = new ManualClock();
    const { server, outbox, admin, project } = await setup({ clock });
    const early = await addMember(server, admin.client, project.id, {
      email: 'early@example.com', firstName: 'Early', lastName: '-', operator: true,
    }, outbox);
    const late = await addMember(server, admin.client, project.id, {
      email: 'late@example.com', firstName: 'Late', lastName: '-', operator: true,
    }, outbox);
    const client = new ParleyClient({ url: server.url });

    clock.advance(7 * DAY - MINUTE);
    expect((await client.login('early@example.com', early.oneTime)).mustChangePassword).toBe(true);

    clock.advance(MINUTE);
    await expectApiError(client.login('late@example.com', late.oneTime), 401, 'password_expired');
    await expectApiError(client.login('early@example.com', early.oneTime), 401, 'password_expired');
    // A wrong password on an expired account reveals nothing more.
    await expectApiError(client.login('late@example.com', 'wrong-password'), 401, 'invalid_credentials');

    // Forgot/reset gets the user in again.
    await client.forgotPassword('late@example.com');
    const code = codeFrom(await codeMailFor(outbox, 'late@example.com'));
    await client.resetPassword('late@example.com', code, NEW_PASSWORD);
    const reply = await client.login('late@example.com', NEW_PASSWORD);
    expect(reply.mustChangePassword).toBe(false);
  });
});

describe('forgot and reset password', () => {
  it('answers 202 with the same body whether or not the email exists, and mails a code only to a real user', async () => {
    const { server, outbox } = await setup();
    const ask = (email: string) =>
      raw(server.url, 'POST', '/api/v1/auth/password/forgot', {
        contentType: 'application/json',
        body: JSON.stringify({ email }),
      });
    const unknown = await ask('nobody@example.com');
    const known = await ask('root@example.com');
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.text).toBe(known.text);
    expect(known.json).toMatchObject({ status: 'accepted' });

    const mail = await codeMailFor(outbox, 'root@example.com');
    expect(codeFrom(mail)).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    await server.app.mailer.flush();
    expect(outbox.mails.filter((m) => m.to === 'nobody@example.com')).toEqual([]);
    // Only the hash of the code is stored.
    const rows = await server.app.db.all<{ code_hash: string }>('SELECT code_hash FROM password_resets');
    expect(rows).toHaveLength(1);
    expect(rows[0].code_hash).not.toContain(codeFrom(mail).replace('-', ''));
  });

  it('resets the password with the mailed code, once', async () => {
    const { server, outbox, admin } = await setup();
    const client = new ParleyClient({ url: server.url });
    await client.forgotPassword('root@example.com');
    const code = codeFrom(await codeMailFor(outbox, 'root@example.com'));

    const done = await client.resetPassword('root@example.com', code, 'a-brand-new-password');
    expect(done.status).toBe('ok');
    expect((await client.login('root@example.com', 'a-brand-new-password')).token).toMatch(/^pls_/);
    await expectApiError(client.login('root@example.com', admin.password), 401, 'invalid_credentials');

    // Reused: refused, and the password stays.
    await expectApiError(client.resetPassword('root@example.com', code, 'yet-another-password'), 400, 'invalid_code');
    await expectApiError(client.login('root@example.com', 'yet-another-password'), 401, 'invalid_credentials');
  });

  it('refuses a wrong code, and one wrong guess does not burn the right code', async () => {
    const { server, outbox } = await setup();
    const client = new ParleyClient({ url: server.url });
    await client.forgotPassword('root@example.com');
    const code = codeFrom(await codeMailFor(outbox, 'root@example.com'));
    const wrong = code === 'AAAA-AAAA' ? 'BBBB-BBBB' : 'AAAA-AAAA';
    await expectApiError(client.resetPassword('root@example.com', wrong, 'a-brand-new-password'), 400, 'invalid_code');
    // An unknown email gets the same answer.
    const unknown = await expectApiError(
      client.resetPassword('nobody@example.com', code, 'a-brand-new-password'),
      400,
      'invalid_code',
    );
    expect(unknown.message.length).toBeGreaterThan(0);
    // Codes are typed by people: lower case without the dash works.
    await client.resetPassword('root@example.com', code.replace('-', '').toLowerCase(), 'a-brand-new-password');
    expect((await client.login('root@example.com', 'a-brand-new-password')).token).toMatch(/^pls_/);
  });

  it('burns the code after 5 wrong attempts', async () => {
    const { server, outbox, admin } = await setup();
    const client = new ParleyClient({ url: server.url });
    await client.forgotPassword('root@example.com');
    const code = codeFrom(await codeMailFor(outbox, 'root@example.com'));
    for (let i = 0; i < 5; i++) {
      const guess = `ZZZZ-ZZZ${i}`;
      expect(guess).not.toBe(code);
      await expectApiError(client.resetPassword('root@example.com', guess, 'a-brand-new-password'), 400, 'invalid_code');
    }
    await expectApiError(client.resetPassword('root@example.com', code, 'a-brand-new-password'), 400, 'invalid_code');
    expect((await client.login('root@example.com', admin.password)).token).toMatch(/^pls_/);
    await expectApiError(client.login('root@example.com', 'a-brand-new-password'), 401, 'invalid_credentials');
  });

  it('expires the code after 10 minutes', async () => {
    const clock = new ManualClock();
    const { server, outbox, admin } = await setup({ clock });
    const client = new ParleyClient({ url: server.url });
    await client.forgotPassword('root@example.com');
    const first = await codeMailFor(outbox, 'root@example.com');
    // The mail says until when, as a time: it may arrive late (the queue retries).
    const until = new Date(clock.now() + 10 * MINUTE);
    const day = until.toLocaleDateString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });
    expect(first.text).toContain(`It works once, until ${until.toISOString().slice(11, 16)} UTC on ${day}:`);
    clock.advance(10 * MINUTE);
    await expectApiError(client.resetPassword('root@example.com', codeFrom(first), 'a-brand-new-password'), 400, 'invalid_code');
    expect((await client.login('root@example.com', admin.password)).token).toMatch(/^pls_/);

    // A fresh code, used just before its 10 minutes are up, works.
    await client.forgotPassword('root@example.com');
    const second = await codeMailFor(outbox, 'root@example.com', [first]);
    clock.advance(10 * MINUTE - 1000);
    await client.resetPassword('root@example.com', codeFrom(second), 'a-brand-new-password');
    expect((await client.login('root@example.com', 'a-brand-new-password')).token).toMatch(/^pls_/);
  });

  it('ends the user\'s sessions', async () => {
    const { server, outbox, admin } = await setup();
    const other = await loginClient(server.url, 'root@example.com', admin.password);
    expect((await other.me()).user.email).toBe('root@example.com');
    await new ParleyClient({ url: server.url }).forgotPassword('root@example.com');
    const code = codeFrom(await codeMailFor(outbox, 'root@example.com'));
    await new ParleyClient({ url: server.url }).resetPassword('root@example.com', code, 'a-brand-new-password');
    await expectApiError(other.me(), 401, 'unauthenticated');
    await expectApiError(admin.client.me(), 401, 'unauthenticated');
    const fresh = await loginClient(server.url, 'root@example.com', 'a-brand-new-password');
    expect((await fresh.me()).user.email).toBe('root@example.com');
  });
});

describe('password change', () => {
  it('ends the other sessions but keeps the current one', async () => {
    const { server, admin } = await setup();
    const second = await loginClient(server.url, 'root@example.com', admin.password);
    const third = await loginClient(server.url, 'root@example.com', admin.password);
    const { token: apiToken } = await third.createToken('ci');

    await expectApiError(second.changePassword('wrong-current', 'another-password-1'), 400, 'invalid_credentials');
    await expectApiError(second.changePassword(admin.password, admin.password), 400, 'validation');
    await expectApiError(second.changePassword(admin.password, 'short'), 400, 'validation');

    const user = await second.changePassword(admin.password, 'another-password-1');
    expect(user.email).toBe('root@example.com');
    expect((await second.me()).user.email).toBe('root@example.com');
    await expectApiError(third.me(), 401, 'unauthenticated');
    await expectApiError(admin.client.me(), 401, 'unauthenticated');
    // API tokens are for scripts: they stay.
    expect((await new ParleyClient({ url: server.url, token: apiToken }).me()).user.email).toBe('root@example.com');

    await expectApiError(new ParleyClient({ url: server.url }).login('root@example.com', admin.password), 401, 'invalid_credentials');
    await loginClient(server.url, 'root@example.com', 'another-password-1');
  });
});

describe('API tokens', () => {
  it('creates, lists and revokes tokens; a revoked token fails on its next call', async () => {
    const { server, admin } = await setup();
    const created = await admin.client.createToken('ci-deploy', 30);
    expect(created.token).toMatch(/^plt_[A-Za-z0-9_-]{43}$/);
    expect(created.apiToken.name).toBe('ci-deploy');
    expect(Date.parse(created.apiToken.expiresAt!) - Date.parse(created.apiToken.createdAt)).toBe(30 * DAY);

    const script = new ParleyClient({ url: server.url, token: created.token });
    expect((await script.me()).user.email).toBe('root@example.com');
    expect((await script.listProjects()).map((p) => p.name)).toEqual(['Shop']);

    await admin.client.createToken('backup');
    const listed = await admin.client.listTokens();
    expect(listed.map((t) => t.name)).toEqual(['backup', 'ci-deploy']);
    // Used or not: a token never used has no "last used" (it was its creation time).
    expect(listed.map((t) => t.lastUsedAt === null)).toEqual([true, false]);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(JSON.stringify(listed)).not.toContain(created.token.slice(4, 20));

    await expectApiError(admin.client.createToken('ci-deploy'), 409, 'conflict');
    await expectApiError(admin.client.createToken('bad name!'), 400, 'validation');

    await admin.client.revokeToken('ci-deploy');
    await expectApiError(script.me(), 401, 'unauthenticated');
    await expectApiError(script.listProjects(), 401, 'unauthenticated');
    expect((await admin.client.listTokens()).map((t) => t.name)).toEqual(['backup']);
    await expectApiError(admin.client.revokeToken('ci-deploy'), 404, 'not_found');

    // The name is free again; the new token is a different secret.
    const again = await admin.client.createToken('ci-deploy');
    expect(again.token).not.toBe(created.token);
    await expectApiError(script.me(), 401, 'unauthenticated');
  });

  it('keeps each user\'s tokens to themselves', async () => {
    const { server, outbox, admin, project } = await setup();
    const olga = await (
      await addMember(server, admin.client, project.id, { email: 'olga@example.com', firstName: 'Olga', lastName: 'O', operator: true }, outbox)
    ).signIn();
    await admin.client.createToken('shared-name');
    expect(await olga.listTokens()).toEqual([]);
    await expectApiError(olga.revokeToken('shared-name'), 404, 'not_found');
    await olga.createToken('shared-name');
    expect((await admin.client.listTokens()).map((t) => t.name)).toEqual(['shared-name']);
  });
});

describe('requests without a valid session', () => {
  it('answers 401 with the error shape', async () => {
    const { server, project } = await setup();
    const paths: Array<[string, string]> = [
      ['GET', '/api/v1/me'],
      ['GET', '/api/v1/projects'],
      ['GET', '/api/v1/tokens'],
      ['GET', `/api/v1/projects/${project.id}/members`],
      ['POST', '/api/v1/auth/logout'],
    ];
    for (const [method, path] of paths) {
      expectErrorBody(await raw(server.url, method, path), 401, 'unauthenticated');
      expectErrorBody(await raw(server.url, method, path, { token: 'pls_not-a-real-token' }), 401, 'unauthenticated');
      expectErrorBody(
        await raw(server.url, method, path, { headers: { authorization: 'Basic cm9vdDpwYXNz' } }),
        401,
        'unauthenticated',
      );
    }
    await expectApiError(new ParleyClient({ url: server.url, token: 'plt_forged' }).listTokens(), 401, 'unauthenticated');
  });

  it('answers a malformed JSON body with 400', async () => {
    const { server, admin } = await setup();
    const login = await raw(server.url, 'POST', '/api/v1/auth/login', {
      contentType: 'application/json',
      body: '{"email": "root@example.com", "password": ',
    });
    expectErrorBody(login, 400, 'validation');
    const project = await raw(server.url, 'POST', '/api/v1/projects', {
      token: admin.client.token,
      contentType: 'application/json',
      body: '{name: Shop}',
    });
    expectErrorBody(project, 400, 'validation');
    // A well-formed body that breaks the schema is a 400 too.
    const extra = await raw(server.url, 'POST', '/api/v1/auth/login', {
      contentType: 'application/json',
      body: JSON.stringify({ email: 'root@example.com' }),
    });
    expectErrorBody(extra, 400, 'validation');
  });

  it('logout revokes the session and only that one', async () => {
    const { server, admin } = await setup();
    const other = await loginClient(server.url, 'root@example.com', admin.password);
    const reply = await raw(server.url, 'POST', '/api/v1/auth/logout', { token: admin.client.token });
    expect(reply.status).toBe(204);
    await expectApiError(admin.client.me(), 401, 'unauthenticated');
    await expectApiError(admin.client.logout(), 401, 'unauthenticated');
    expect((await other.me()).user.email).toBe('root@example.com');
  });
});

describe('the log', () => {
  it('never holds passwords, tokens or reset codes', async () => {
    const { server, outbox, admin, project } = await setup();
    const secrets: string[] = [admin.password];
    // The admin's own one-time password went through signedInAdmin; sign in again to capture a session token.
    const session = await new ParleyClient({ url: server.url }).login('root@example.com', admin.password);
    secrets.push(session.token);
    if (admin.client.token) secrets.push(admin.client.token);

    await admin.client.addMember(project.id, { email: 'lena@example.com', firstName: 'Lena', lastName: 'Log', operator: true });
    const oneTime = passwordFrom(await welcomeMailFor(outbox, 'lena@example.com'));
    secrets.push(oneTime);
    const lena = new ParleyClient({ url: server.url });
    const lenaLogin = await lena.login('lena@example.com', oneTime);
    lena.token = lenaLogin.token;
    secrets.push(lenaLogin.token);
    await lena.changePassword(oneTime, 'lenas-own-password');
    secrets.push('lenas-own-password');
    // A failed sign-in with a password-like string.
    await expectApiError(lena.login('lena@example.com', 'almost-lenas-password'), 401, 'invalid_credentials');
    secrets.push('almost-lenas-password');

    await lena.forgotPassword('lena@example.com');
    const code = codeFrom(await codeMailFor(outbox, 'lena@example.com'));
    secrets.push(code, code.replace('-', ''));
    await expectApiError(lena.resetPassword('lena@example.com', 'WRNG-CODE', 'reset-password-1'), 400, 'invalid_code');
    await lena.resetPassword('lena@example.com', code, 'reset-password-2');
    secrets.push('reset-password-1', 'reset-password-2');

    const signedIn = await loginClient(server.url, 'lena@example.com', 'reset-password-2');
    secrets.push(signedIn.token!);
    const { token: apiToken } = await signedIn.createToken('ci');
    secrets.push(apiToken);
    await new ParleyClient({ url: server.url, token: apiToken }).me();
    await signedIn.revokeToken('ci');
    await expectApiError(new ParleyClient({ url: server.url, token: apiToken }).me(), 401);
    await signedIn.logout();
    await server.app.mailer.flush();

    expect(server.logs.length).toBeGreaterThan(10);
    const log = server.logs.join('\n');
    // The log does record the traffic, so the search below looks at real content.
    expect(log).toContain('/api/v1/auth/login');
    expect(log).toContain('lena@example.com');
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThanOrEqual(8);
      expect(log.includes(secret), `the log contains the secret "${secret}"`).toBe(false);
    }
    // Token bodies without their prefix, too.
    for (const t of [session.token, lenaLogin.token, apiToken]) expect(log).not.toContain(t.slice(4));
  });
});
