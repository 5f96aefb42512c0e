// Signing in and setting up, through the real binary: a refused session or a server that is
// down is reported as such even with a default project; a login that leaves the one-time
// password in place is a usage error and stores nothing; `admin create` works only on a
// server's data directory (or an empty one, to bootstrap), never on a typo.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminShell, expectFailure, loginShell, type Shell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const SIGN_IN_AGAIN = /^parley: the session or token is invalid, expired or revoked: sign in again/;

let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
let admin: Shell;

beforeAll(async () => {
  server = await startTestServer();
  outbox = await watchOutbox(server.dataDir);
  admin = await adminShell(server, ADMIN);
  await admin.json(['project', 'create', 'Alpha']);
  await admin.json(['project', 'create', 'Beta']);
  await admin.json(['project', 'use', 'Beta']);
});

afterAll(async () => {
  outbox?.close();
  await server?.close();
});

describe('with a default project set', () => {
  it('a garbage or revoked token is a refused session (exit 4), not a lost project', async () => {
    expectFailure(await admin.run(['team', 'list'], { env: { PARLEY_TOKEN: 'garbage' } }), 4, SIGN_IN_AGAIN);

    const token = (await admin.run(['token', 'create', '--name', 'ci'])).stdout.trim();
    expect((await admin.json<unknown[]>(['team', 'list'], { env: { PARLEY_TOKEN: token } })).length).toBe(1);
    expect(await admin.run(['token', 'revoke', 'ci'])).toMatchObject({ code: 0 });
    expectFailure(await admin.run(['team', 'list'], { env: { PARLEY_TOKEN: token } }), 4, SIGN_IN_AGAIN);
  });

  it('a default project that is gone is still a usage error naming "parley project use"', async () => {
    const path = join(admin.configDir, 'config.json');
    const stored = JSON.parse(await readFile(path, 'utf8')) as { projects: Record<string, number> };
    const other = await shell();
    await writeFile(join(other.configDir, 'config.json'), JSON.stringify({ ...stored, projects: { [server.url]: 999 } }));
    expectFailure(await other.run(['team', 'list']), 2, /the default project \(id 999\) is gone or out of reach: pick one with "parley project use"/);
  });

  it('a server that is down is reported as unreachable (exit 1)', async () => {
    const down = await startTestServer();
    const sh = await adminShell(down, ADMIN);
    await sh.json(['project', 'create', 'Gone soon']);
    await sh.json(['project', 'use', 'Gone soon']);
    await down.close();
    expectFailure(await sh.run(['team', 'list']), 1, new RegExp(`^parley: cannot reach the Parley server at ${down.url}`));
  });
});

describe('login --password-stdin with a one-time password', () => {
  it('one line only is a usage error (exit 2) saying the second line is needed, and stores no session', async () => {
    const email = 'olga@example.com';
    await admin.json(['team', 'add', '-p', 'Alpha', '--email', email, '--first-name', 'Olga', '--last-name', '-', '--operator']);
    const oneTime = passwordFrom(await outbox.waitFor((m) => m.to === email));

    const op = await shell();
    const r = await op.run(['login', '--url', server.url, '--email', email, '--password-stdin'], { stdin: `${oneTime}\n` });
    expectFailure(r, 2, /one-time password of olga@example\.com must be replaced: give the new password on the second line of standard input/);
    expect(await readdir(op.configDir)).not.toContain('config.json');
    expectFailure(await op.run(['whoami', '--url', server.url]), 4, /not signed in/);

    // A login stored before is kept as it was.
    const before = await readFile(join(admin.configDir, 'config.json'), 'utf8');
    expectFailure(await admin.run(['login', '--url', server.url, '--email', email, '--password-stdin'], { stdin: `${oneTime}\n` }), 2);
    expect(await readFile(join(admin.configDir, 'config.json'), 'utf8')).toBe(before);

    // The one-time password was not used up: with the second line, the login works.
    await loginShell(op, server.url, email, `${oneTime}\n${NEW_PASSWORD}\n`);
    expect((await op.json<{ user: { mustChangePassword: boolean } }>(['whoami'])).user.mustChangePassword).toBe(false);
  });
});

describe('admin create --data-dir', () => {
  const create = (dataDir: string, email = 'ada@example.com') =>
    admin.run(['admin', 'create', '--data-dir', dataDir, '--email', email, '--first-name', 'Ada', '--last-name', 'Lovelace']);

  it('refuses a directory that does not exist, and creates nothing', async () => {
    const parent = await tempDir();
    const typo = join(parent, 'parly');
    expectFailure(await create(typo), 1, /the data directory .*parly does not exist: start the server on it once \("parley server --data-dir .*parly"\), or give an empty directory/);
    expect(await readdir(parent)).toEqual([]);
  });

  it('refuses a directory with files but no Parley database, and creates none', async () => {
    const other = await tempDir();
    await writeFile(join(other, 'notes.txt'), 'not a server');
    expectFailure(await create(other), 1, /no Parley database in .*: start the server on it once/);
    expect(await readdir(other)).toEqual(['notes.txt']);
  });

  it('refuses a file in place of the directory, naming --data-dir', async () => {
    const file = join(await tempDir(), 'parley.db');
    await writeFile(file, '');
    expectFailure(await create(file), 1);
    expect((await create(file)).stderr).toBe(`parley: --data-dir must be a directory, but ${file} is a file\n`);
    expect(await readFile(file, 'utf8')).toBe('');
  });

  it('bootstraps a new server in an empty directory, and adds to an existing database', async () => {
    const fresh = await tempDir();
    const r = await create(fresh);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(await readdir(fresh)).toContain('parley.db');
    // --json: the login and its one-time password, as the README documents.
    const second = await admin.json<Record<string, unknown>>(['admin', 'create', '--data-dir', fresh, '--email', 'grace@example.com', '--first-name', 'Grace', '--last-name', 'Hopper']);
    expect(second).toEqual({ email: 'grace@example.com', password: expect.stringMatching(/^\S{12,}$/) });
  });
});

describe('parley server: a setting that cannot work', () => {
  it('is one line naming the flag or variable it came from (exit 1), and nothing is created', async () => {
    const parent = await tempDir();
    const file = join(parent, 'afile');
    await writeFile(file, '');
    const sh = await shell();
    const dataDir = join(parent, 'data');
    const server = (args: string[], env: NodeJS.ProcessEnv = {}) => sh.run(['server', '--port', '0', ...args], { env });
    const [host, hostEnv, dataFile, dataFileEnv, underFile] = await Promise.all([
      server(['--host', '999.1.1.1', '--data-dir', dataDir]),
      server(['--data-dir', dataDir], { PARLEY_HOST: '999.1.1.1' }),
      server(['--data-dir', file]),
      server([], { PARLEY_DATA_DIR: file }),
      server(['--data-dir', join(file, 'data')]),
    ]);
    expectFailure(host, 1, /^parley: --host must be an IP address or a host name, got "999\.1\.1\.1"\n$/);
    expectFailure(hostEnv, 1, /^parley: PARLEY_HOST must be an IP address or a host name, got "999\.1\.1\.1"\n$/);
    expect(`${host.stderr}${hostEnv.stderr}`).not.toMatch(/PARLEY_PUBLIC_URL/);
    expectFailure(dataFile, 1);
    expect(dataFile.stderr).toBe(`parley: --data-dir must be a directory, but ${file} is a file\n`);
    expectFailure(dataFileEnv, 1);
    expect(dataFileEnv.stderr).toBe(`parley: PARLEY_DATA_DIR must be a directory, but ${file} is a file\n`);
    expectFailure(underFile, 1, /^parley: --data-dir must be a directory, but part of the path .*afile\/data is a file\n$/);
    expect((await readdir(parent)).sort()).toEqual(['afile']);
  });
});
