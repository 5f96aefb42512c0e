// The CLI conventions every command follows (DESIGN.md "Interfaces people script against"):
// --json is stable JSON on stdout and nothing else; errors are one line on stderr; exit codes
// 0 ok, 1 error, 2 usage, 4 not authenticated; never a prompt without a TTY; --help everywhere.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminShell, expectFailure, type Shell, loginShell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const OPERATOR = 'olga@example.com';

let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
/** The server admin, signed in through `parley login` (stored login in its config dir). */
let admin: Shell;
/** An operator (no access level) of project Alpha, signed in and past the one-time password. */
let operator: Shell;
let alpha: number;

beforeAll(async () => {
  server = await startTestServer();
  outbox = await watchOutbox(server.dataDir);
  admin = await adminShell(server, ADMIN);
  alpha = (await admin.json<{ id: number }>(['project', 'create', 'Alpha'])).id;
  const add = await admin.run(['team', 'add', '-p', 'Alpha', '--email', OPERATOR, '--first-name', 'Olga', '--last-name', '-', '--operator']);
  expect(add, add.stderr).toMatchObject({ code: 0, stderr: '' });
  const oneTime = passwordFrom(await outbox.waitFor((m) => m.to === OPERATOR));
  operator = await shell();
  await loginShell(operator, server.url, OPERATOR, `${oneTime}\n${NEW_PASSWORD}\n`);
});

afterAll(async () => {
  outbox?.close();
  await server?.close();
});

/** Runs many CLI calls at once, a few at a time (each is a node process). */
async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

describe('--version and --help', () => {
  it('--version prints the package version and exits 0', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const r = await admin.run(['--version']);
    expect(r).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  const COMMANDS = [
    [],
    ['server'],
    ['login'],
    ['logout'],
    ['whoami'],
    ['tui'],
    ['admin'],
    ['admin', 'create'],
    ['admin', 'promote'],
    ['admin', 'demote'],
    ['admin', 'disable'],
    ['admin', 'enable'],
    ['project'],
    ...['create', 'list', 'show', 'set', 'use'].map((v) => ['project', v]),
    ['status'],
    ...['online', 'offline', 'show'].map((v) => ['status', v]),
    ['schedule'],
    ...['set', 'show', 'clear', 'except'].map((v) => ['schedule', v]),
    ['group'],
    ...['create', 'add', 'remove', 'list', 'delete'].map((v) => ['group', v]),
    ['dialogs'],
    ...['list', 'show', 'class'].map((v) => ['dialogs', v]),
    ['templates'],
    ...['add', 'list', 'show', 'edit', 'rm', 'import', 'export'].map((v) => ['templates', v]),
    ['leads'],
    ...['list', 'export', 'report', 'classes'].map((v) => ['leads', v]),
    ...['list', 'add', 'rm', 'rename'].map((v) => ['leads', 'classes', v]),
    ['send'],
    ['events'],
    ['apply'],
    ['export'],
    ['backup'],
    ['restore'],
    ['team'],
    ...['add', 'list', 'show', 'update', 'remove'].map((v) => ['team', v]),
    ['password'],
    ...['change', 'forgot', 'reset'].map((v) => ['password', v]),
    ['profile'],
    ...['show', 'set'].map((v) => ['profile', v]),
    ['token'],
    ...['create', 'list', 'revoke'].map((v) => ['token', v]),
    ['telegram'],
    ...['link', 'unlink'].map((v) => ['telegram', v]),
  ];

  it('every command and group answers --help with usage and an example, exit 0', async () => {
    const results = await inBatches(COMMANDS, 4, async (path) => ({ path, r: await admin.run([...path, '--help']) }));
    for (const { path, r } of results) {
      const name = ['parley', ...path].join(' ');
      expect(r.code, name).toBe(0);
      expect(r.stderr, name).toBe('');
      expect(r.stdout, name).toContain(`Usage: ${name}`);
      expect(r.stdout, name).toMatch(/Examples?:\n {2}\$ .*\bparley /);
    }
  });

  it('the help walk covers every command the program has', async () => {
    const r = await admin.run(['--help']);
    const top = [...r.stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]).filter((n) => n !== 'help');
    expect(top.sort()).toEqual(
      [...new Set(COMMANDS.filter((p) => p.length > 0).map((p) => p[0]))].sort(),
    );
  });

  it('"parley help team" is help too (exit 0); "parley team" alone is a usage error (exit 2)', async () => {
    const help = await admin.run(['help', 'team']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: parley team');
    const bare = await admin.run(['team']);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('Usage: parley team');
  });
});

describe('usage errors exit 2 with one line on stderr', () => {
  it('an unknown command, subcommand or option', async () => {
    expectFailure(await admin.run(['frobnicate']), 2, /unknown command 'frobnicate'/);
    expectFailure(await admin.run(['team', 'frobnicate']), 2, /unknown command 'frobnicate'.*parley team --help/);
    expectFailure(await admin.run(['whoami', '--bogus']), 2, /unknown option '--bogus'/);
    expectFailure(await admin.run(['project', 'create']), 2, /missing required argument 'name'/);
    expectFailure(await admin.run(['team', 'add', '--email', 'a@b.c', '--first-name', 'A', '--last-name', 'B', '--access', 'boss']), 2, /admin, settings, none/);
  });

  it('a member with no role at all: neither --operator nor an access level', async () => {
    const noRole = /^parley: give the member the operator role \(--operator\), an access level \(--access admin\|settings\), or both\n$/;
    expectFailure(await admin.run(['team', 'add', '-p', 'Alpha', '--email', 'nora@example.com', '--first-name', 'Nora', '--last-name', '-']), 2, noRole);
    expectFailure(await admin.run(['team', 'add', '-p', 'Alpha', '--email', 'nora@example.com', '--first-name', 'Nora', '--last-name', '-', '--access', 'none']), 2, noRole);
    expectFailure(await admin.run(['team', 'update', OPERATOR, '-p', 'Alpha', '--no-operator', '--access', 'none']), 2, /team remove/);
    const members = await admin.json<Array<{ email: string; operator: boolean }>>(['team', 'list', '-p', 'Alpha']);
    expect(members.map((m) => m.email)).not.toContain('nora@example.com');
    expect(members.find((m) => m.email === OPERATOR)?.operator).toBe(true);
  });

  it('missing required flags without a TTY: no prompt, exit 2 naming the flag', async () => {
    expectFailure(await admin.run(['team', 'add', '--email', 'x@y.z']), 2, /--first-name/);
    expectFailure(await admin.run(['login']), 2, /--email/);
    expectFailure(await admin.run(['login', '--email', ADMIN.email]), 2, /--password-stdin/);
    expectFailure(await admin.run(['password', 'change']), 2, /--password-stdin/);
    expectFailure(await admin.run(['password', 'forgot']), 2, /--email/);
    expectFailure(await admin.run(['password', 'reset', '--email', ADMIN.email]), 2, /--code/);
    expectFailure(await admin.run(['password', 'reset', '--email', ADMIN.email, '--code', 'AAAA-BBBB']), 2, /--password-stdin/);
    expectFailure(await admin.run(['token', 'create']), 2, /--name/);
    expectFailure(await admin.run(['profile', 'set']), 2, /nothing to change/);
    // Nothing was asked for, and nothing changed: the stored login still works.
    expect((await admin.json<{ user: { email: string } }>(['whoami'])).user.email).toBe(ADMIN.email);
  });

  it('--password-stdin with an empty stdin, or with one line for a change, is a usage error', async () => {
    expectFailure(await admin.run(['login', '--email', ADMIN.email, '--password-stdin'], { stdin: '' }), 2, /empty/);
    expectFailure(await admin.run(['password', 'change', '--password-stdin'], { stdin: `${NEW_PASSWORD}\n` }), 2, /two lines/);
  });

  it('a URL that is not http(s) is a usage error', async () => {
    expectFailure(await admin.run(['whoami', '--url', 'ftp://example.com']), 2, /http/);
    expectFailure(await admin.run(['whoami'], { env: { PARLEY_URL: 'not a url' } }), 2, /not a URL/);
  });
});

describe('names', () => {
  it('a last name of "-" (none given) is left out wherever a person is named', async () => {
    const list = await admin.run(['team', 'list', '-p', 'Alpha']);
    expect(list.stdout).toMatch(/\bOlga\s{2,}/);
    expect(list.stdout).not.toMatch(/Olga -/);
    expect((await admin.run(['team', 'show', '-p', 'Alpha', OPERATOR])).stdout).toMatch(/name:\s+Olga\n/);
    expect((await operator.run(['whoami'])).stdout).toMatch(/name:\s+Olga\n/);
    // --json keeps the stored value: a script sees what it set.
    expect((await admin.json<{ lastName: string }>(['team', 'show', '-p', 'Alpha', OPERATOR])).lastName).toBe('-');
  });
});

describe('--json: parseable JSON on stdout, nothing on stderr', () => {
  it('for every reading command', async () => {
    const runs: Array<[string[], (v: unknown) => void]> = [
      [['whoami'], (v) => expect(v).toMatchObject({ url: server.url, user: { email: ADMIN.email } })],
      [['project', 'list'], (v) => expect(v).toEqual([expect.objectContaining({ id: alpha, name: 'Alpha' })])],
      [['project', 'show', 'Alpha'], (v) => expect(v).toMatchObject({ id: alpha, widgetKey: expect.any(String) })],
      [['team', 'list', '-p', String(alpha)], (v) => expect(v).toHaveLength(2)],
      [['team', 'show', OPERATOR, '-p', 'alpha'], (v) => expect(v).toMatchObject({ email: OPERATOR, operator: true, access: null })],
      [['profile', 'show'], (v) => expect(v).toMatchObject({ email: ADMIN.email, firstName: 'Root' })],
      [['token', 'list'], (v) => expect(Array.isArray(v)).toBe(true)],
    ];
    for (const [args, check] of runs) {
      const r = await admin.run([...args, '--json']);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stderr, args.join(' ')).toBe('');
      check(JSON.parse(r.stdout));
    }
  });

  it('--json is accepted before the command too', async () => {
    const r = await admin.run(['--json', 'whoami']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toMatchObject({ user: { email: ADMIN.email } });
  });

  it('errors under --json still go to stderr only, as one line', async () => {
    expectFailure(await admin.run(['team', 'show', 'nobody@example.com', '-p', 'Alpha', '--json']), 1, /not a member/);
  });
});

describe('not authenticated: exit 4', () => {
  it('no login at all', async () => {
    const nobody = await shell();
    for (const args of [['whoami'], ['team', 'list'], ['project', 'list'], ['token', 'list']]) {
      expectFailure(await nobody.run([...args, '--url', server.url]), 4, /parley login/);
    }
    expectFailure(await nobody.run(['whoami'], { env: { PARLEY_URL: server.url } }), 4, /PARLEY_TOKEN/);
  });

  it('a token the server does not know', async () => {
    const r = await (await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: 'plt_not-a-real-token' })).run(['whoami']);
    expectFailure(r, 4, /invalid, expired or revoked/);
  });

  it('a token revoked while a script uses it: the next call exits 4', async () => {
    const created = await admin.run(['token', 'create', '--name', 'nightly']);
    expect(created.code).toBe(0);
    const script = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: created.stdout.trim() });
    expect((await script.json<unknown[]>(['team', 'list', '-p', 'Alpha'])).length).toBe(2);

    const revoked = await admin.run(['token', 'revoke', 'nightly']);
    expect(revoked).toMatchObject({ code: 0, stderr: '' });

    expectFailure(await script.run(['team', 'list', '-p', 'Alpha']), 4, /revoked/);
    expectFailure(await script.run(['whoami', '--json']), 4);
  });

  it('a wrong password, and an unknown email, fail the same way with exit 4', async () => {
    const a = await (await shell()).run(['login', '--url', server.url, '--email', ADMIN.email, '--password-stdin'], { stdin: 'wrong-password-123\n' });
    const b = await (await shell()).run(['login', '--url', server.url, '--email', 'ghost@example.com', '--password-stdin'], { stdin: 'wrong-password-123\n' });
    expectFailure(a, 4);
    expectFailure(b, 4);
    expect(a.stderr).toBe(b.stderr);
  });

  it('revoking a token that does not exist is an error (exit 1), not an auth failure', async () => {
    expectFailure(await admin.run(['token', 'revoke', 'no-such-token']), 1, /no token named/);
  });
});

describe('errors: exit 1 with one line on stderr', () => {
  it('an operator calling team commands gets the 403 message', async () => {
    const r = await operator.run(['team', 'add', '--email', 'x@example.com', '--first-name', 'X', '--last-name', 'Y', '--operator']);
    expectFailure(r, 1, /access level/);
    expectFailure(await operator.run(['team', 'remove', ADMIN.email]), 1, /access level|admin/);
    expectFailure(await operator.run(['team', 'update', OPERATOR, '--access', 'admin']), 1);
    expectFailure(await operator.run(['project', 'create', 'Mine']), 1, /server administrators/);
    // Nothing was added.
    const members = await admin.json<Array<{ email: string }>>(['team', 'list', '-p', 'Alpha']);
    expect(members.map((m) => m.email).sort()).toEqual([OPERATOR, ADMIN.email].sort());
  });

  it('an unknown project, by id or by name', async () => {
    expectFailure(await admin.run(['team', 'list', '--project', '999']), 1, /unknown project: 999/);
    expectFailure(await admin.run(['team', 'list', '--project', 'NoSuchName']), 1, /unknown project: NoSuchName/);
    expectFailure(await admin.run(['project', 'show', '999']), 1, /unknown project/);
    expectFailure(await admin.run(['project', 'use', 'NoSuchName']), 1, /unknown project/);
  });

  it("another member's project is unknown to an operator", async () => {
    const beta = await admin.json<{ id: number }>(['project', 'create', 'Hidden']);
    expectFailure(await operator.run(['team', 'list', '--project', String(beta.id)]), 1, /unknown project/);
    expectFailure(await operator.run(['project', 'show', 'Hidden']), 1, /unknown project/);
  });

  it('bad member input: malformed email (exit 2), empty first name (exit 2), empty last name (exit 2), duplicate', async () => {
    const add = (email: string, first: string, last: string) =>
      admin.run(['team', 'add', '-p', 'Alpha', '--email', email, '--first-name', first, '--last-name', last, '--operator']);
    expectFailure(await add('not-an-email', 'Nia', 'Ng'), 2, /--email.*not a valid email address: "not-an-email"/);
    expectFailure(await add('a@@b.com', 'Nia', 'Ng'), 2, /--email.*not a valid email address/);
    // Empty names are refused before any request, naming the flag.
    expectFailure(await add('nia@example.com', '', 'Ng'), 2, /--first-name.*must not be empty/);
    expectFailure(await add('nia@example.com', '  ', 'Ng'), 2, /--first-name.*must not be empty/);
    expectFailure(await add('nia@example.com', 'Nia', ''), 2, /--last-name.*must not be empty.*"-"/);
    expectFailure(await add(OPERATOR, 'Olga', '-'), 1, /already/);
    expectFailure(await add(OPERATOR.toUpperCase(), 'Olga', '-'), 1, /already/);
    const members = await admin.json<Array<{ email: string }>>(['team', 'list', '-p', 'Alpha']);
    expect(members).toHaveLength(2);
  });

  it('a server that is not there: exit 1 with "cannot reach"', async () => {
    const closed = await closedPort();
    const url = `http://127.0.0.1:${closed}`;
    const script = await shell({ PARLEY_URL: url, PARLEY_TOKEN: 'plt_whatever' });
    expectFailure(await script.run(['team', 'list', '-p', '1']), 1, /cannot reach.*127\.0\.0\.1/);
    expectFailure(await script.run(['whoami', '--json']), 1, /cannot reach/);
    expectFailure(await (await shell()).run(['login', '--url', url, '--email', ADMIN.email, '--password-stdin'], { stdin: 'x\n' }), 1, /cannot reach/);
  });
});

describe('the default project', () => {
  it('with several projects, a command without --project is a usage error that says what to do', async () => {
    expectFailure(await admin.run(['team', 'list']), 2, /project use/);
  });

  it('`project use` makes later commands work without --project', async () => {
    const gamma = await admin.json<{ id: number }>(['project', 'create', 'Gamma']);
    const use = await admin.run(['project', 'use', 'gamma']);
    expect(use).toMatchObject({ code: 0, stderr: '' });
    expect(use.stdout).toContain('Gamma');

    const add = await admin.run(['team', 'add', '--email', 'gina@example.com', '--first-name', 'Gina', '--last-name', 'Ro', '--operator']);
    expect(add, add.stderr).toMatchObject({ code: 0, stderr: '' });
    const members = await admin.json<Array<{ email: string }>>(['team', 'list']);
    expect(members.map((m) => m.email).sort()).toEqual(['gina@example.com', ADMIN.email]);
    expect((await admin.json<{ id: number }>(['project', 'show'])).id).toBe(gamma.id);
    // --project still wins over the default.
    expect(await admin.json<unknown[]>(['team', 'list', '-p', 'Alpha'])).toHaveLength(2);
    // The default is per config dir: another terminal of the same admin is unaffected.
    const other = await shell({ PARLEY_URL: server.url });
    const token = (await admin.run(['token', 'create', '--name', 'other'])).stdout.trim();
    expectFailure(await other.run(['team', 'list'], { env: { PARLEY_TOKEN: token } }), 2, /several projects/);
  });

  it('an operator with one project needs no --project at all', async () => {
    const members = await operator.json<Array<{ email: string }>>(['team', 'list']);
    expect(members.map((m) => m.email)).toContain(OPERATOR);
  });
});

/** A loopback port with nothing listening on it. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}
