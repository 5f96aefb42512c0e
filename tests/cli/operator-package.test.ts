// The operator package the server serves at /parley.tgz: an operator on a computer without
// Parley follows the welcome mail word for word. npm installs the package from the server (one
// package, nothing to compile or download besides it), and the installed `parley` signs in with
// the mailed password and works; what needs the whole installation says so in one line.
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { welcomeMailFor } from '../helpers/accounts-extra.js';
import { runCli } from '../helpers/cli.js';
import { expectFailure } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, signedInAdmin, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ANN = 'ann@example.com';
let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;

beforeAll(async () => {
  server = await startTestServer();
  outbox = await watchOutbox(server.dataDir);
});

afterAll(async () => {
  outbox?.close();
  await server?.close();
});

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

describe('the operator package (/parley.tgz)', () => {
  it('is installed by the command of the welcome mail, and its parley signs in with the mailed password', async () => {
    const admin = (await signedInAdmin(server)).client;
    const shop = await admin.createProject('Shop');
    await admin.addMember(shop.id, { email: ANN, firstName: 'Ann', lastName: 'Lee', operator: true });
    const mail = await welcomeMailFor(outbox, ANN);
    expect(mail.text).not.toContain('npx');
    // The Node.js it names is the one the package needs.
    const { engines } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(mail.text).toContain(`it needs Node.js ${engines.node.replace(/^>=/, '')} or later`);
    const install = /^ {2}(npm install -g (\S+))$/m.exec(mail.text);
    expect(install?.[2]).toBe(`${server.url}/parley.tgz`);
    const loginLine = /^ {2}parley (login .*)$/m.exec(mail.text);
    expect(loginLine?.[1]).toBe(`login --url ${server.url} --email ${ANN}`);

    // "Another computer": npm's global prefix and cache in a temp dir.
    const home = await tempDir('parley-kit-');
    const prefix = join(home, 'global');
    const installed = await run('npm', [...install![1].split(' ').slice(1), '--prefix', prefix, '--cache', join(home, 'npm-cache'), '--no-audit', '--no-fund'], { HOME: home });
    expect(installed.code, installed.out).toBe(0);
    const root = join(prefix, 'lib', 'node_modules', 'parley');
    // Nothing besides it: no dependencies to fetch, nothing native to build.
    expect((await readdir(root)).sort()).toEqual(['bin', 'dist', 'package.json']);
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
    const ours = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(pkg).toMatchObject({ name: 'parley', version: ours.version, bin: { parley: 'bin/parley.js' } });
    expect(pkg.dependencies).toBeUndefined();

    const bin = join(root, 'bin', 'parley.js');
    const parley = (args: string[], stdin?: string) => runCli(args, { configDir: join(home, 'config'), bin, stdin });
    expect(await parley(['--version'])).toMatchObject({ code: 0, stdout: `${ours.version}\n` });
    const login = await parley([...loginLine![1].split(' '), '--password-stdin'], `${passwordFrom(mail)}\n${NEW_PASSWORD}\n`);
    expect(login, login.stderr).toMatchObject({ code: 0, stderr: '' });
    const me = await parley(['whoami', '--json']);
    expect(JSON.parse(me.stdout)).toMatchObject({ user: { email: ANN } });
    const online = await parley(['status', 'online', '-p', 'Shop']);
    expect(online, online.stderr).toMatchObject({ code: 0, stderr: '' });
    const shown = await parley(['status', 'show', '-p', 'Shop', '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ online: true });

    // Template files: yaml is bundled too, loaded only for them. A YAML file is read (then refused
    // for an operator's access), and the templates are written as YAML.
    await admin.createTemplate(shop.id, { name: 'Hello', text: 'Hi, how can I help?' });
    const file = join(home, 'templates.yaml');
    await writeFile(file, 'templates:\n  - name: Bye\n    text: Thank you!\n');
    expectFailure(await parley(['templates', 'import', file, '-p', 'Shop']), 1, /importing templates needs/);
    expect(await parley(['templates', 'export', '-p', 'Shop', '--format', 'yaml'])).toMatchObject({
      code: 0,
      stdout: 'templates:\n  - name: Hello\n    text: Hi, how can I help?\n',
    });

    // The TUI is inside (bundled), and loads.
    const tui = await import(pathToFileURL(join(root, 'dist', 'tui', 'main.bundle.js')).href);
    expect(typeof tui.startTui).toBe('function');
    // The server's own commands need the whole installation: one line, exit 1.
    expectFailure(await parley(['server']), 1, /runs on the server's machine, from the Parley installation/);
    expectFailure(await parley(['admin', 'promote', ANN, '--data-dir', home]), 1, /runs on the server's machine, from the Parley installation/);
  });

  it('is served with an ETag; a second download of the same version is a 304', async () => {
    const first = await fetch(`${server.url}/parley.tgz`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/gzip');
    const body = Buffer.from(await first.arrayBuffer());
    expect(body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    const again = await fetch(`${server.url}/parley.tgz`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it("serves apply's JSON Schema for editors, the repository's file", async () => {
    const r = await fetch(`${server.url}/parley.schema.json`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/schema+json');
    expect(await r.text()).toBe(await readFile(new URL('../../schema/parley.schema.json', import.meta.url), 'utf8'));
  });
});
