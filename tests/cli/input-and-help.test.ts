// What people type reaches the server as typed, or is refused in plain words before anything is
// sent; and the help says what the commands do: template files keep their scalars as written,
// stdin keeps its line breaks, limits are checked naming the flag, -p works on `project show`
// and `project set`, the global options show in a command's help, `events --help` lists every
// event type.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Template } from '../../core/protocol/index.js';
import { adminShell, expectFailure, type Shell } from '../helpers/cli-extra.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };

let server: TestServer;
let admin: Shell;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminShell(server, ADMIN);
  await admin.json(['project', 'create', 'Alpha']);
  await admin.json(['project', 'create', 'Beta']);
  await admin.json(['project', 'use', 'Alpha']);
  dir = await tempDir('parley-input-');
});

afterAll(async () => {
  await server?.close();
});

const file = async (name: string, content: string) => {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
};
const templates = async (project = 'Alpha') =>
  (await admin.json<{ templates: Template[] }>(['templates', 'list', '-p', project])).templates.map((t) => [t.name, t.text]);

describe('templates import keeps the text as written', () => {
  it('YAML scalars that read as numbers or booleans are imported exactly as they stand in the file', async () => {
    const path = await file(
      'numbers.yaml',
      [
        'templates:',
        '  - name: price',
        '    text: 1.50',
        '  - name: 007',
        '    text: 007',
        '  - name: hex',
        '    text: 0x1F',
        '  - name: big',
        '    text: 12345678901234567890',
        '  - name: yes',
        '    text: true',
        '',
      ].join('\n'),
    );
    const r = await admin.run(['templates', 'import', path, '-p', 'Beta']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(await templates('Beta')).toEqual([
      ['007', '007'],
      ['big', '12345678901234567890'],
      ['hex', '0x1F'],
      ['price', '1.50'],
      ['yes', 'true'],
    ]);
  });

  it('JSON numbers and booleans are not text: refused with their place, nothing imported', async () => {
    const before = await templates('Alpha');
    for (const [body, where] of [
      ['{"templates": [{"name": "a", "text": "ok"}, {"name": "b", "text": 5}]}', /templates\[1\]\.text must be text, not number/],
      ['[{"name": true, "text": "x"}]', /templates\[0\]\.name must be text, not boolean/],
    ] as const) {
      const r = await admin.run(['templates', 'import', await file('bad.json', body)]);
      expectFailure(r, 1, where);
    }
    expect(await templates('Alpha')).toEqual(before);
  });
});

describe('text from stdin', () => {
  it('templates add NAME - keeps line breaks and drops only the newline that ends the input', async () => {
    const added = await admin.json<Template>(['templates', 'add', 'Poem', '-'], { stdin: 'Roses are red,\n\nviolets blue.\n\n' });
    expect(added.text).toBe('Roses are red,\n\nviolets blue.\n');
  });
});

describe('limits are checked before sending, in plain words naming the flag (exit 2)', () => {
  const long = (n: number) => 'a'.repeat(n);

  it('refuses too long or empty values without sending anything', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['project', 'set', '--greeting', long(501)], /^parley: --greeting has 501 characters; at most 500 are allowed\n$/],
      [['send', '1', long(10_001)], /^parley: the message has 10001 characters; at most 10000 are allowed\n$/],
      [['team', 'add', '--email', 'ann@example.com', '--first-name', long(101), '--last-name', 'Lee', '--operator'], /'--first-name <name>'.* a name has at most 100 characters/],
      [['profile', 'set', '--last-name', long(101)], /'--last-name <name>'.* a name has at most 100 characters/],
      [['team', 'add', '--email', `${long(250)}@example.com`, '--first-name', 'A', '--last-name', 'B', '--operator'], /'--email <email>'.* an email has at most 254 characters/],
      [['token', 'create', '--name', ''], /'--name <name>'.* a token name must not be empty/],
      [['schedule', 'set', '--operator', 'root@example.com', '--days', '', '--from', '09:00', '--to', '18:00'], /'--days <days>'.* the days must not be empty/],
      [['project', 'create', long(101)], /a project name has at most 100 characters/],
      [['project', 'set', '--name', ''], /'--name <name>'.* a project name must not be empty/],
    ];
    const results = await Promise.all(cases.map(([args]) => admin.run(args)));
    results.forEach((r, i) => {
      expectFailure(r, 2, cases[i][1]);
      expect(r.stderr).not.toMatch(/body\/|invalid request/);
    });
    const shown = await admin.json<{ name: string; widget: { greeting: string | null } }>(['project', 'show']);
    expect(shown).toMatchObject({ name: 'Alpha', widget: { greeting: null } });
    expect((await admin.json<unknown[]>(['project', 'list'])).length).toBe(2);
  });
});

describe('flags that contradict each other are a usage error (exit 2), not "the last one wins"', () => {
  it('refuses a flag with its negation, and --off with hours', async () => {
    const avatar = await file('me.png', 'not even a picture');
    const cases: Array<[string[], RegExp]> = [
      [['team', 'update', 'root@example.com', '--operator', '--no-operator'], /^parley: --operator and --no-operator contradict each other: give one/],
      [['profile', 'set', '--avatar', avatar, '--no-avatar'], /^parley: --avatar and --no-avatar contradict each other: give one/],
      [['schedule', 'except', '--operator', 'root@example.com', '--date', '2030-01-02', '--off', '--add', '--from', '09:00', '--to', '10:00'], /^parley: --off is a whole day off: it takes no --from, --to or --add\n$/],
    ];
    for (const [args, expected] of cases) expectFailure(await admin.run(args), 2, expected);
    // The same flag twice is no contradiction.
    const twice = await admin.run(['team', 'update', 'root@example.com', '--first-name', 'Root', '--first-name', 'Root']);
    expect(twice.stderr).not.toMatch(/contradict/);
  });
});

describe('-p on project show and project set, as on every project command', () => {
  it('works, and a different argument beside it is a usage error', async () => {
    const shown = await admin.json<{ name: string }>(['project', 'show', '-p', 'Beta']);
    expect(shown.name).toBe('Beta');
    const set = await admin.json<{ name: string; timezone: string }>(['project', 'set', '-p', 'Beta', '--timezone', 'Europe/Berlin']);
    expect(set).toMatchObject({ name: 'Beta', timezone: 'Europe/Berlin' });
    expect((await admin.json<{ timezone: string }>(['project', 'show', 'Alpha'])).timezone).not.toBe('Europe/Berlin');
    expectFailure(await admin.run(['project', 'show', 'Alpha', '-p', 'Beta']), 2, /two projects given/);
  });
});

describe('project show', () => {
  it("gives the embed snippet at the server's public URL, not the address the CLI reaches it at", async () => {
    const behindProxy = await startTestServer({ env: { PARLEY_PUBLIC_URL: 'https://chat.example.com' } });
    try {
      const sh = await adminShell(behindProxy, ADMIN);
      const created = await sh.json<{ widgetKey: string; widgetScriptUrl: string }>(['project', 'create', 'Shop']);
      expect(created.widgetScriptUrl).toBe('https://chat.example.com/widget.js');
      const shown = await sh.run(['project', 'show', 'Shop']);
      expect(shown.stdout).toContain(`  <script src="https://chat.example.com/widget.js" data-project="${created.widgetKey}" async></script>\n`);
    } finally {
      await behindProxy.close();
    }
  });
});

describe('help', () => {
  it('login --help shows --url (and the other global options)', async () => {
    const r = await admin.run(['login', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Global Options:[\s\S]*--url <url>[\s\S]*--token <token>[\s\S]*--json/);
  });

  it('restore and admin create, promote and demote list --json, the one global flag they take (they never talk to a server)', async () => {
    for (const command of [['restore'], ['admin', 'create'], ['admin', 'promote'], ['admin', 'demote']]) {
      const r = await admin.run([...command, '--help']);
      expect(r.code).toBe(0);
      const globals = r.stdout.split('Global Options:\n')[1]?.split('\n\n')[0];
      expect(globals, r.stdout).toMatch(/^ +--json +print stable JSON on stdout and nothing else$/);
    }
    // The server takes none of them.
    expect((await admin.run(['server', '--help'])).stdout).not.toMatch(/Global Options|--json/);
  });

  it('dialogs list --help describes the views as the server makes them', async () => {
    const r = await admin.run(['dialogs', 'list', '--help']);
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(text).toContain(
      "mine (open: yours, unassigned in your groups, unassigned without a group), shared (every other open dialog: someone else's, or unassigned in a group you are not in) or archive (closed)",
    );
  });

  it('events --help lists every event type the project sends', async () => {
    const r = await admin.run(['events', '--help']);
    const text = r.stdout.replace(/\s+/g, ' ');
    for (const type of [
      'dialog.created',
      'dialog.updated',
      'message.created',
      'message.updated',
      'typing',
      'operator.status_changed',
      'visitor.updated',
      'visitor.presence',
      'groups.changed',
    ]) {
      expect(text).toContain(type);
    }
  });
});
