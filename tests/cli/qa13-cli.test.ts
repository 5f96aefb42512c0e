// Findings of the qa13 CLI and lead reports, through the real `parley` binary against a real
// server: data for files written exactly (export, templates export), a half-applied `profile
// set`, all-digit project names, what `logout` acts on, the "More:" hint, search lengths in
// characters, arguments checked before sending, huge values cut in errors, `team remove --json`,
// and `templates import --replace` with a file that does not say "no templates".
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminShell, expectFailure, loginShell, type Shell, shell } from '../helpers/cli-extra.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const ORIGIN = 'https://shop.example.com';
/** Hebrew in a bidi isolate, a right-to-left override and C1 controls: what print()'s filter replaced. */
const AWKWARD = 'Order \u2067\u05e9\u05dc\u05d5\u05dd 4711\u2069 shipped \u202eabc\u202c \u0085x\u009by';
/** The smallest PNG the server takes as one (its first bytes are what count). */
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

let server: TestServer;
let admin: Shell;
let dir: string;
let alpha: number;
const peers: Peer[] = [];

beforeAll(async () => {
  server = await startTestServer();
  dir = await tempDir('parley-qa13-');
  admin = await adminShell(server, ADMIN);
  alpha = (await admin.json<{ id: number }>(['project', 'create', 'Alpha'])).id;
});

afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  await server?.close();
});

interface TemplateJson {
  name: string;
  text: string;
}

describe('data meant for files is written exactly', () => {
  it('export (YAML and --json) keeps bidi controls and C1 characters, and applying it changes nothing', async () => {
    expect((await admin.run(['templates', 'add', '-p', 'Alpha', 'Hebrew', AWKWARD])).code).toBe(0);

    const json = await admin.json<{ templates: TemplateJson[] }>(['export', '-p', 'Alpha']);
    expect(json.templates.find((t) => t.name === 'Hebrew')?.text).toBe(AWKWARD);

    const yaml = await admin.run(['export', '-p', 'Alpha']);
    expect(yaml).toMatchObject({ code: 0, stderr: '' });
    expect(yaml.stdout).not.toContain('\uFFFD');
    const { parse } = await import('yaml');
    const spec = parse(yaml.stdout) as { templates: TemplateJson[] };
    expect(spec.templates.find((t) => t.name === 'Hebrew')?.text).toBe(AWKWARD);

    // The round trip README promises: an unchanged export is no change at all.
    const file = join(dir, 'alpha.yaml');
    await writeFile(file, yaml.stdout);
    const plan = await admin.run(['apply', '-f', file, '--dry-run']);
    expect(plan, plan.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(plan.stdout).toMatch(/already matches the file: nothing to do/);
    const jsonFile = join(dir, 'alpha.json');
    await writeFile(jsonFile, JSON.stringify(json));
    expect((await admin.run(['apply', '-f', jsonFile])).code).toBe(0);
    const stored = await admin.json<TemplateJson>(['templates', 'show', '-p', 'Alpha', 'Hebrew']);
    expect(stored.text).toBe(AWKWARD);
  });

  it('templates export to a pipe keeps them too, in every format', async () => {
    for (const format of ['json', 'yaml', 'csv']) {
      const r = await admin.run(['templates', 'export', '-p', 'Alpha', '--format', format]);
      expect(r, format).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout, format).not.toContain('\uFFFD');
      const file = join(dir, `templates.${format}`);
      await writeFile(file, r.stdout);
      const plan = await admin.json<{ unchanged: string[]; update: string[] }>(['templates', 'import', '-p', 'Alpha', file, '--dry-run']);
      expect(plan, format).toMatchObject({ update: [], unchanged: ['Hebrew'] });
    }
  });
});

describe('profile set', () => {
  it('with a file that is no image, or over 2 MB, changes nothing: not the names given with it either', async () => {
    const notImage = join(dir, 'notimage.txt');
    await writeFile(notImage, 'hello\n');
    const big = join(dir, 'big.png');
    await writeFile(big, Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]));

    expectFailure(await admin.run(['profile', 'set', '--first-name', 'Changed', '--avatar', notImage]), 1, /notimage\.txt: an avatar must be a PNG, JPEG, WebP or GIF image/);
    expectFailure(await admin.run(['profile', 'set', '--last-name', 'Later', '--avatar', big]), 1, /big\.png: an avatar may be at most 2 MB/);
    expect(await admin.json(['profile', 'show'])).toMatchObject({ firstName: 'Root', lastName: 'Admin', avatarUrl: null });

    // A good one still goes with the names.
    const good = join(dir, 'me.png');
    await writeFile(good, PNG);
    const user = await admin.json<{ firstName: string; avatarUrl: string | null }>(['profile', 'set', '--first-name', 'Rooty', '--avatar', good]);
    expect(user.firstName).toBe('Rooty');
    expect(user.avatarUrl).not.toBeNull();
    await admin.json(['profile', 'set', '--first-name', 'Root', '--no-avatar']);
  });
});

describe('projects named only with digits', () => {
  it('are found by name when no project of yours has that id; an id of yours wins', async () => {
    const y2026 = await admin.json<{ id: number }>(['project', 'create', '2026']);
    expect(y2026.id).not.toBe(2026);
    expect((await admin.json<{ id: number }>(['project', 'show', '2026'])).id).toBe(y2026.id);
    expect(await admin.json(['team', 'list', '-p', '2026'])).toEqual([expect.objectContaining({ email: ADMIN.email })]);

    // "1" names one project and is the id of another (Alpha): the id wins, the named one by its id.
    const one = await admin.json<{ id: number }>(['project', 'create', '1']);
    expect(alpha).toBe(1);
    expect((await admin.json<{ id: number; name: string }>(['project', 'show', '1'])).name).toBe('Alpha');
    expect((await admin.json<{ name: string }>(['project', 'show', String(one.id)])).name).toBe('1');

    // A number that is no id and no name is still unknown (exit 1).
    expectFailure(await admin.run(['team', 'list', '-p', '999']), 1, /unknown project: 999/);
  });
});

describe('logout acts on what it is given', () => {
  it('--url B leaves the login on A; --token T ends T and keeps the stored login', async () => {
    const pat = await shell();
    await loginShell(pat, server.url, ADMIN.email, `${NEW_PASSWORD}\n`);
    const other = 'http://127.0.0.1:9';

    expect(await pat.json(['--url', other, 'logout'])).toEqual({ signedOut: false, url: other });
    expect((await pat.run(['logout', '--url', other])).stdout).toBe(`Not signed in to ${other}.\n`);
    expect(await pat.json(['logout'], { env: { PARLEY_URL: other } })).toEqual({ signedOut: false, url: other });
    expect((await pat.run(['whoami'])).code).toBe(0);

    // A second session, ended by its token from the first shell.
    const second = await shell();
    await loginShell(second, server.url, ADMIN.email, `${NEW_PASSWORD}\n`);
    const token = (JSON.parse(await readFile(join(second.configDir, 'config.json'), 'utf8')) as { login: { token: string } }).login.token;
    expect(await pat.json(['logout', '--token', token])).toEqual({ signedOut: true, url: server.url, wentOffline: [], stillOnline: [] });
    expectFailure(await second.run(['whoami']), 4, /revoked/);
    expect((await pat.run(['whoami'])).code).toBe(0);
    // A token the server refuses is said so (exit 4), not "signed out".
    expectFailure(await pat.run(['logout', '--token', token]), 4);

    expect(await pat.json(['logout'])).toEqual({ signedOut: true, url: server.url, wentOffline: [], stillOnline: [] });
    expectFailure(await pat.run(['whoami']), 4, /not signed in/);
  });
});

describe('dialogs', () => {
  it('the "More:" hint keeps the project and the limit, and pasted as printed lists the next page', async () => {
    const shop = await admin.json<{ id: number; widgetKey: string }>(['project', 'create', 'Shop']);
    expect((await admin.run(['project', 'set', 'Shop', '--allowed-origin', ORIGIN])).code).toBe(0);
    for (const body of ['first', 'second', 'third']) {
      const { peer } = await visitorHello(server.url, shop.widgetKey, ORIGIN);
      peers.push(peer);
      const clientId = randomUUID();
      peer.send({ type: 'message.send', clientId, body });
      await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
    }
    // The admin has several projects and no default: only a hint with -p works.
    const page = await admin.run(['dialogs', 'list', '-p', 'Shop', '--limit', '2']);
    expect(page, page.stderr).toMatchObject({ code: 0, stderr: '' });
    const hint = page.stdout.trim().split('\n').pop()!;
    expect(hint).toMatch(new RegExp(`^More: parley dialogs list -p ${shop.id} --view mine --limit 2 --before \\d+:\\d+$`));
    const next = await admin.json<{ dialogs: unknown[]; next: string | null }>(hint.replace(/^More: parley /, '').split(' '));
    expect(next.dialogs).toHaveLength(1);
    expect(next.next).toBeNull();
  });

  it('search counts characters as the server does: 60 emoji are fine, 101 are too many', async () => {
    const found = await admin.json<{ results: unknown[] }>(['dialogs', 'search', '-p', 'Shop', '😀'.repeat(60)]);
    expect(found.results).toEqual([]);
    expectFailure(await admin.run(['dialogs', 'search', '-p', 'Shop', '𠀀'.repeat(101)]), 2, /the search text is at most 100 characters/);
  });
});

describe('arguments are checked before anything is sent', () => {
  it('empty or malformed names and emails: exit 2, one line naming them', async () => {
    expectFailure(await admin.run(['token', 'revoke', '']), 2, /argument 'name'\. a token name must not be empty/);
    expectFailure(await admin.run(['token', 'revoke', 'no spaces']), 2, /a token name is 1-64 letters/);
    for (const args of [['team', 'show', ''], ['team', 'remove', ''], ['team', 'update', '', '--first-name', 'X']]) {
      expectFailure(await admin.run([...args, '-p', 'Alpha']), 2, /argument 'email'\. an email must not be empty/);
    }
    expectFailure(await admin.run(['team', 'show', 'notanemail', '-p', 'Alpha']), 2, /not a valid email address/);
    expectFailure(await admin.run(['status', 'show', '-p', 'Alpha', '--operator', '']), 2, /'--operator <email>'.*an email must not be empty/);
    expectFailure(await admin.run(['status', 'show', '-p', 'Alpha', '--operator', 'notanemail']), 2, /'--operator <email>'.*not a valid email address/);
    expectFailure(await admin.run(['profile', 'set', '--phone', '1'.repeat(41)]), 2, /^parley: --phone has 41 characters; at most 40 are allowed\n$/);
  });

  it('a huge invalid value is quoted cut, not whole', async () => {
    const huge = 'b'.repeat(100_000);
    const cases: Array<[string[], RegExp]> = [
      [['team', 'add', '-p', 'Alpha', '--email', 'a@b.cd', '--first-name', huge, '--last-name', 'x', '--operator'], /'--first-name <name>' argument 'b{40}… \(100000 characters\)' is invalid\. a name has at most 100/],
      [['project', 'create', huge], /value 'b{40}… \(100000 characters\)' is invalid for argument 'name'\. a project name has at most 100/],
      [['team', 'show', `${huge}@example.com`, '-p', 'Alpha'], /argument 'email'\. an email has at most 254 characters/],
      [['templates', 'add', '-p', 'Alpha', huge, 'text'], /argument 'name'\./],
      [['token', 'revoke', huge], /a token name is 1-64 letters/],
      [['team', 'list', '-p', huge], /unknown project: b{40}… \(100000 characters\)/],
    ];
    for (const [args, message] of cases) {
      const r = await admin.run(args);
      expect(r.stderr.length, args[0]).toBeLessThan(400);
      expectFailure(r, args[0] === 'team' && args[1] === 'list' ? 1 : 2, message);
    }
  });
});

describe('team remove --json', () => {
  it('gives the email as stored, lower case', async () => {
    await admin.json(['team', 'add', '-p', 'Alpha', '--email', 'Eve@Example.com', '--first-name', 'Eve', '--last-name', 'X', '--operator']);
    expect(await admin.json(['team', 'remove', '-p', 'Alpha', 'EVE@EXAMPLE.COM'])).toMatchObject({ email: 'eve@example.com', removed: true, projectId: alpha });
  });
});

describe('templates import --replace', () => {
  it('refuses {}, {"templates": null} and a bare "templates:" (exit 1), and deletes nothing; "templates: []" still means none', async () => {
    const files: Array<[string, string, RegExp]> = [
      ['empty-map.json', '{}\n', /empty-map\.json:1: no "templates" in the file \(\[\] means no templates\)/],
      ['null.json', '{"templates": null}\n', /null\.json:1: "templates" has no list/],
      ['bare.yaml', 'templates:\n', /bare\.yaml:1: "templates" has no list \("templates: \[\]" means no templates\)/],
      ['tilde.yaml', 'templates: ~\n', /tilde\.yaml:1: "templates" has no list/],
      ['top-null.json', 'null\n', /top-null\.json:1: the file holds no list/],
    ];
    for (const [name, text, message] of files) {
      const file = join(dir, name);
      await writeFile(file, text);
      expectFailure(await admin.run(['templates', 'import', '-p', 'Alpha', file, '--replace']), 1, message);
    }
    expect((await admin.json<{ templates: TemplateJson[] }>(['templates', 'list', '-p', 'Alpha'])).templates.map((t) => t.name)).toEqual(['Hebrew']);

    const none = join(dir, 'none.yaml');
    await writeFile(none, 'templates: []\n');
    expect(await admin.json(['templates', 'import', '-p', 'Alpha', none, '--replace', '--dry-run'])).toMatchObject({ delete: ['Hebrew'] });
  });
});
