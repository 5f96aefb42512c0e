// One's own account through the real `parley` binary: bootstrapping an admin on the data
// directory, profile and avatar, forgot/reset password, logout, the stored login file and tokens.
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFailure, type Shell, shell } from '../helpers/cli-extra.js';
import { codeFrom, passwordFrom, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
let files: string;

beforeAll(async () => {
  server = await startTestServer();
  outbox = await watchOutbox(server.dataDir);
  files = await tempDir('parley-files-');
});

afterAll(async () => {
  outbox?.close();
  await server?.close();
});

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'),
]);

interface UserJson {
  email: string;
  firstName: string;
  lastName: string;
  phone: string | null;
  avatarUrl: string | null;
  serverAdmin: boolean;
  mustChangePassword: boolean;
}

async function login(sh: Shell, email: string, stdin: string) {
  return sh.run(['login', '--url', server.url, '--email', email, '--password-stdin'], { stdin });
}

describe('parley admin create --data-dir', () => {
  it('creates a server admin directly in the database of a running server and prints a one-time password', async () => {
    const boot = await shell();
    const r = await boot.run([
      'admin', 'create', '--data-dir', server.dataDir,
      '--email', 'Ada@Example.com', '--first-name', 'Ada', '--last-name', 'Lovelace',
    ]);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const m = /one-time password:\s+(\S+)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const oneTime = m![1];
    expect(oneTime.length).toBeGreaterThanOrEqual(16);
    expect(r.stdout).toContain('ada@example.com');

    // The running server sees the new user at once; the password works and must be replaced.
    const ada = await shell();
    expectFailure(await login(ada, 'ada@example.com', `${oneTime}\n`), 2, /must be replaced: give the new password on the second line/);
    const signedIn = await login(ada, 'ada@example.com', `${oneTime}\n${NEW_PASSWORD}\n`);
    expect(signedIn, signedIn.stderr).toMatchObject({ code: 0, stderr: '' });
    const me = await ada.json<{ user: UserJson }>(['whoami']);
    expect(me.user).toMatchObject({ email: 'ada@example.com', serverAdmin: true, mustChangePassword: false });
    // A server admin may create projects.
    expect((await ada.json<{ name: string }>(['project', 'create', 'Lab'])).name).toBe('Lab');
  });

  it('--json gives the email and the password', async () => {
    const created = await (await shell()).json<{ email: string; password: string }>([
      'admin', 'create', '--data-dir', server.dataDir, '--email', 'grace@example.com', '--first-name', 'Grace', '--last-name', 'Hopper',
    ]);
    expect(created.email).toBe('grace@example.com');
    const r = await login(await shell(), 'grace@example.com', `${created.password}\n${NEW_PASSWORD}\n`);
    expect(r).toMatchObject({ code: 0, stderr: '' });
  });

  it('refuses a duplicate and a malformed email (exit 1), and bootstraps an empty data dir', async () => {
    const sh = await shell();
    expectFailure(
      await sh.run(['admin', 'create', '--data-dir', server.dataDir, '--email', 'ADA@example.com', '--first-name', 'A', '--last-name', 'L']),
      1,
      /already exists/,
    );
    expectFailure(
      await sh.run(['admin', 'create', '--data-dir', server.dataDir, '--email', 'not-an-email', '--first-name', 'A', '--last-name', 'L']),
      2,
      /--email.*not a valid email/,
    );
    const empty = await tempDir();
    const r = await sh.run(['admin', 'create', '--data-dir', empty, '--email', 'a@b.co', '--first-name', 'A', '--last-name', '-']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(await readdir(empty)).toContain('parley.db');
  });
});

describe('profile, password, logout, the stored login, tokens', () => {
  const EMAIL = 'pat@example.com';
  let pat: Shell;

  beforeAll(async () => {
    const { password } = await server.app.services.admin.createServerAdmin({ email: EMAIL, firstName: 'Pat', lastName: 'Doe' });
    pat = await shell();
    const r = await login(pat, EMAIL, `${password}\n${NEW_PASSWORD}\n`);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
  });

  it('stores the login in a conf file of mode 0600 inside the config dir', async () => {
    const names = await readdir(pat.configDir);
    expect(names).toContain('config.json');
    const path = join(pat.configDir, 'config.json');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(path, 'utf8')) as { login?: { url: string; email: string; token: string } };
    expect(stored.login).toMatchObject({ url: server.url, email: EMAIL, token: expect.stringMatching(/^pls_/) });
    // The password itself is never stored.
    expect(await readFile(path, 'utf8')).not.toContain(NEW_PASSWORD);
  });

  it('profile set changes names and phone; profile show --json reads them back', async () => {
    const set = await pat.run(['profile', 'set', '--first-name', 'Patricia', '--phone', '+1 555 0100']);
    expect(set).toMatchObject({ code: 0, stderr: '' });
    expect(set.stdout).toContain('Patricia');
    const shown = await pat.json<UserJson>(['profile', 'show']);
    expect(shown).toMatchObject({ email: EMAIL, firstName: 'Patricia', lastName: 'Doe', phone: '+1 555 0100', avatarUrl: null });

    const json = await pat.json<UserJson>(['profile', 'set', '--last-name', '-', '--phone', '']);
    expect(json).toMatchObject({ firstName: 'Patricia', lastName: '-', phone: null });
    expectFailure(await pat.run(['profile', 'set', '--phone', 'call me maybe']), 1, /phone/);
    expect((await pat.json<UserJson>(['profile', 'show'])).phone).toBeNull();
  });

  it('profile set --avatar uploads a PNG (checked by its bytes) and sets a stable avatarUrl', async () => {
    const file = join(files, 'me.png');
    await writeFile(file, PNG);
    const user = await pat.json<UserJson>(['profile', 'set', '--avatar', file]);
    // At the server the CLI talks to, so that a script can fetch it as printed.
    expect(user.avatarUrl).toEqual(expect.stringMatching(new RegExp(`^${server.url}/avatars/\\d+`)));
    const res = await fetch(user.avatarUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    expect((await pat.json<UserJson>(['profile', 'show'])).avatarUrl).toBe(user.avatarUrl);
  });

  it('refuses an HTML file named .png, a file over 2 MB, a missing file and a directory (exit 1); the avatar stays', async () => {
    const before = (await pat.json<UserJson>(['profile', 'show'])).avatarUrl;
    expect(before).not.toBeNull();

    const html = join(files, 'evil.png');
    await writeFile(html, '<html><script>alert(1)</script></html>');
    expectFailure(await pat.run(['profile', 'set', '--avatar', html]), 1, /PNG, JPEG, WebP or GIF/);

    const big = join(files, 'big.png');
    await writeFile(big, Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024 + 1)]));
    expectFailure(await pat.run(['profile', 'set', '--avatar', big]), 1, /2 MB/);

    expectFailure(await pat.run(['profile', 'set', '--avatar', join(files, 'nope.png')]), 1, /no such file/);
    // A directory is named as one, not Node's "EISDIR: illegal operation on a directory, read".
    const folder = await pat.run(['profile', 'set', '--avatar', files]);
    expectFailure(folder, 1);
    expect(folder.stderr).toBe(`parley: ${files} is a directory, not a file\n`);
    // A bad avatar changes nothing, not even the names given with it.
    expectFailure(await pat.run(['profile', 'set', '--first-name', 'Changed', '--avatar', join(files, 'nope.png')]), 1);

    const after = await pat.json<UserJson>(['profile', 'show']);
    expect(after.avatarUrl).toBe(before);
    expect(after.firstName).toBe('Patricia');
  });

  it('profile set --no-avatar removes it', async () => {
    const user = await pat.json<UserJson>(['profile', 'set', '--no-avatar']);
    expect(user.avatarUrl).toBeNull();
  });

  it('token create prints the secret once; token list (JSON or table) never shows it', async () => {
    const first = await pat.run(['token', 'create', '--name', 'ci']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    const secret1 = first.stdout.trim();
    const second = await pat.json<{ name: string; token: string; expiresAt: string }>(['token', 'create', '--name', 'deploy', '--expires-in-days', '7']);
    expect(second).toMatchObject({ name: 'deploy', token: expect.stringMatching(/^plt_/) });
    const secret2 = second.token;

    // The token works for a script.
    const script = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: secret1 });
    expect((await script.json<{ user: UserJson }>(['whoami'])).user.email).toBe(EMAIL);

    const list = await pat.run(['token', 'list', '--json']);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    for (const secret of [secret1, secret2]) expect(list.stdout).not.toContain(secret);
    expect(list.stdout).not.toMatch(/pl[st]_/);
    const tokens = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
    expect(tokens.map((t) => t.name).sort()).toEqual(['ci', 'deploy']);
    for (const t of tokens) expect(Object.keys(t).sort()).toEqual(['createdAt', 'expiresAt', 'idleExpiresAt', 'lastUsedAt', 'name', 'project', 'state']);
    expect(tokens.map((t) => t.state)).toEqual(['active', 'active']);
    expect(tokens.find((t) => t.name === 'ci')?.lastUsedAt).not.toBeNull();

    const table = await pat.run(['token', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/NAME/);
    expect(table.stdout).toContain('deploy');
    expect(table.stdout).not.toMatch(/pl[st]_/);

    expectFailure(await pat.run(['token', 'create', '--name', 'ci']), 1, /already have a token named "ci"/);
    expectFailure(await pat.run(['token', 'create', '--name', 'x', '--expires-in-days', '0']), 2, /days/);
  });

  it('password forgot answers the same for a known and an unknown email; the mailed code resets the password once', async () => {
    const anon = await shell({ PARLEY_URL: server.url });
    const known = await anon.run(['password', 'forgot', '--email', EMAIL]);
    const unknown = await anon.run(['password', 'forgot', '--email', 'nobody@example.com']);
    expect(known).toMatchObject({ code: 0, stderr: '' });
    expect(unknown).toMatchObject({ code: 0, stderr: '' });
    expect(known.stdout.replaceAll(EMAIL, 'E')).toBe(unknown.stdout.replaceAll('nobody@example.com', 'E'));
    const knownJson = await anon.json(['password', 'forgot', '--email', EMAIL]);
    const unknownJson = await anon.json(['password', 'forgot', '--email', 'nobody@example.com']);
    expect(knownJson).toEqual(unknownJson);

    // Two requests for the known email, two mails; only the newest code is usable.
    const resetMails = () => outbox.mails.filter((m) => m.to === EMAIL && /reset code/.test(m.subject));
    await outbox.waitFor(() => resetMails().length >= 2).catch(() => {
      const seen = outbox.mails.map((m) => `${m.to}: ${m.subject}`).join('; ');
      const logged = server.logs.filter((l) => /mail|reset/i.test(l)).join('\n');
      throw new Error(`expected two reset mails to ${EMAIL}; the outbox has: ${seen}\nserver log:\n${logged}`);
    });
    const codes = resetMails().map(codeFrom);
    expect(new Set(codes).size).toBe(2);
    expect(outbox.mails.some((m) => m.to === 'nobody@example.com')).toBe(false);

    const reset = (code: string, password: string) =>
      anon.run(['password', 'reset', '--email', EMAIL, '--code', code, '--password-stdin'], { stdin: `${password}\n` });

    expectFailure(await reset('ZZZZ-ZZZZ', 'reset-password-1'), 1, /code is wrong, expired or already used/);

    // Whichever mail was written last, one of the two codes is the usable one.
    let used: string | null = null;
    for (const code of [...codes].reverse()) {
      const r = await reset(code, 'reset-password-1');
      if (r.code === 0) {
        expect(r.stderr).toBe('');
        used = code;
        break;
      }
    }
    expect(used).not.toBeNull();
    expectFailure(await reset(used!, 'reset-password-2'), 1, /already used/);

    // The reset ended the stored session; the new password signs in, the old one does not.
    expectFailure(await pat.run(['whoami']), 4, /sign in again/);
    expectFailure(await login(await shell(), EMAIL, `${NEW_PASSWORD}\n`), 4);
    expect(await login(pat, EMAIL, 'reset-password-1\n')).toMatchObject({ code: 0, stderr: '' });
    expect((await pat.json<{ user: UserJson }>(['whoami'])).user.email).toBe(EMAIL);
  });

  it('logout ends the session on the server and forgets it; whoami then exits 4', async () => {
    const path = join(pat.configDir, 'config.json');
    const token = (JSON.parse(await readFile(path, 'utf8')) as { login: { token: string } }).login.token;

    const out = await pat.json<{ signedOut: boolean; url: string }>(['logout']);
    // Online by hand nowhere: nothing went offline, nothing stays online (tests/cli/logout-online.test.ts).
    expect(out).toEqual({ signedOut: true, url: server.url, wentOffline: [], stillOnline: [] });
    expectFailure(await pat.run(['whoami']), 4, /not signed in/);
    expect(await readFile(path, 'utf8')).not.toContain(token);
    // The session is gone on the server too, not only forgotten here.
    const reuse = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: token });
    expectFailure(await reuse.run(['whoami']), 4, /revoked/);
    // A second logout is harmless.
    expect(await pat.json(['logout'])).toEqual({ signedOut: false, url: null });
  });
});

describe('parley admin disable|enable', () => {
  it('a server administrator disables an account (its sessions end, it cannot sign in) and enables it again; nobody else may', async () => {
    const { client: root } = await signedInAdmin(server, { email: 'root.disabler@example.com', firstName: 'Root', lastName: 'Disabler' });
    const admin = await shell();
    expect((await login(admin, 'root.disabler@example.com', `${NEW_PASSWORD}\n`)).code).toBe(0);
    const p = await root.createProject('Disable lab');
    await root.addMember(p.id, { email: 'bob.disabled@example.com', firstName: 'Bob', lastName: 'Op', operator: true });
    const bobPassword = passwordFrom(await outbox.waitFor((m) => m.to === 'bob.disabled@example.com'));
    await signIn(server.url, 'bob.disabled@example.com', bobPassword, NEW_PASSWORD);
    const bob = await shell();
    expect((await login(bob, 'bob.disabled@example.com', `${NEW_PASSWORD}\n`)).code).toBe(0);

    // Bob is no server administrator.
    expectFailure(await bob.run(['admin', 'disable', 'root.disabler@example.com']), 1, /only server administrators/);

    const off = await admin.json<{ email: string; disabled: boolean; disabledAt: string | null }>(['admin', 'disable', 'bob.disabled@example.com']);
    expect(off).toMatchObject({ email: 'bob.disabled@example.com', disabled: true });
    expect(Date.parse(off.disabledAt!)).not.toBeNaN();
    expectFailure(await bob.run(['whoami']), 4);
    // With the right password, the reason (the password is not what is wrong).
    expectFailure(await login(await shell(), 'bob.disabled@example.com', `${NEW_PASSWORD}\n`), 4, /this account is disabled: a server administrator can enable it again/);

    const on = await admin.run(['admin', 'enable', 'bob.disabled@example.com']);
    expect(on).toMatchObject({ code: 0, stderr: '' });
    expect(on.stdout).toMatch(/bob.disabled@example.com is enabled/);
    expect((await login(await shell(), 'bob.disabled@example.com', `${NEW_PASSWORD}\n`)).code).toBe(0);

    expectFailure(await admin.run(['admin', 'disable', 'nobody@example.com']), 1, /no user nobody@example.com/);
    expectFailure(await admin.run(['admin', 'disable', 'root.disabler@example.com']), 1, /cannot disable your own account/);
  });
});
