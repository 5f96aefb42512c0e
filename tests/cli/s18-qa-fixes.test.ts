// Defects of the CLI found by a QA pass of session 18: `templates export -o` to a name that says
// no format wrote JSON that `templates import` then refused; the commands that work on a data
// directory (`admin promote`, `restore`, ...) took --url and --token and quietly changed the
// local data instead. The real binary against a real server and data directory.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { adminShell, expectFailure, type Shell } from '../helpers/cli-extra.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

let server: TestServer;
let admin: Shell;

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminShell(server, { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' });
  await admin.json(['project', 'create', 'Shop']);
  await admin.json(['templates', 'add', 'Hello', 'Hi, how can I help?', '-p', 'Shop']);
});

afterAll(async () => {
  await server?.close();
});

describe('templates export -o', () => {
  it('refuses a file name that says no format (import could not read it back), writing nothing', async () => {
    const dir = await tempDir('parley-export-');
    for (const name of ['templates.txt', 'templates.xlsx', 'templates']) {
      const r = await admin.run(['templates', 'export', '-p', 'Shop', '-o', join(dir, name)]);
      expectFailure(r, 2, new RegExp(`cannot tell the format from .*${name}: name the file \\.json, \\.yaml or \\.csv, or pass --format`));
    }
    expect(await readdir(dir)).toEqual([]);
    // With --format, any name: and it imports back with the same --format.
    const file = join(dir, 'templates.txt');
    expect(await admin.run(['templates', 'export', '-p', 'Shop', '-o', file, '--format', 'yaml'])).toMatchObject({ code: 0 });
    const back = await admin.run(['templates', 'import', file, '-p', 'Shop', '--format', 'yaml', '--dry-run']);
    expect(back, back.stderr).toMatchObject({ code: 0 });
    expect(back.stdout).toContain('0 to create, 0 to update, 0 to delete, 1 unchanged');
  });
});

describe('the commands that work on a data directory', () => {
  it('refuse --url and --token (they would be ignored while the local data changes), and change nothing', async () => {
    const dataDir = await tempDir('parley-data-');
    const configDir = await tempDir('parley-cli-');
    const made = await runCli(['admin', 'create', '--email', 'ann@example.com', '--first-name', 'Ann', '--last-name', 'Lee', '--data-dir', dataDir, '--json'], { configDir });
    expect(made, made.stderr).toMatchObject({ code: 0, stderr: '' });
    const cases: Array<[string[], string]> = [
      [['admin', 'demote', 'ann@example.com', '--data-dir', dataDir, '--url', server.url], 'admin demote'],
      [['admin', 'promote', 'ann@example.com', '--data-dir', dataDir, '--token', 'plt_x'], 'admin promote'],
      [['admin', 'create', '--email', 'bob@example.com', '--first-name', 'Bob', '--last-name', '-', '--data-dir', dataDir, '--url', server.url, '--token', 'x'], 'admin create'],
      [['restore', join(dataDir, 'none.tar'), '--data-dir', join(dataDir, 'r'), '--token', 'x'], 'restore'],
    ];
    for (const [args, name] of cases) {
      const flags = ['--url', '--token'].filter((f) => args.includes(f)).join(' and ');
      expectFailure(await runCli(args, { configDir }), 2, new RegExp(`^parley: ${name} works on a data directory on this machine, not on a server: leave out ${flags}\\n$`));
    }
    // Ann is still the one administrator (demote was refused before it ran), and there is no Bob.
    const demoted = await runCli(['admin', 'demote', 'ann@example.com', '--data-dir', dataDir], { configDir });
    expectFailure(demoted, 1, /ann@example\.com is the last server administrator/);
    expectFailure(await runCli(['admin', 'promote', 'bob@example.com', '--data-dir', dataDir], { configDir }), 1, /bob@example\.com/);
  });
});
