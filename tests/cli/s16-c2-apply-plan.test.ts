// QA session 16 (qa-admin) on what `parley apply` and `parley export` print, through the real
// binary against a real server: a long text's change is shown where it is, and whole in --json
// (#4); a dry run says that adding someone renames their account (#6); an apply stopped
// part-way says so in one short line, and --json gives the steps that ran (#9); an export reads
// the same in a YAML 1.1 tool (#12); a multi-line greeting stays on its plan line (#16).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminShell, expectFailure, type Shell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };

interface Step {
  action: string;
  kind: string;
  name: string;
  changes: string[];
}
interface ApplyJson {
  changed: boolean;
  steps: Step[];
  notes: string[];
  applied?: Step[];
  failed?: Step & { message: string };
}

let server: TestServer;
let admin: Shell;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminShell(server, ADMIN);
  dir = await tempDir('parley-s16-c2-plan-');
});

afterAll(async () => {
  await server?.close();
});

let files = 0;
async function file(lines: string[]): Promise<string> {
  const sub = join(dir, `f${files++}`);
  await mkdir(sub);
  const path = join(sub, 'parley.yaml');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

const templateFile = (project: string, text: string) => [`project: {name: ${project}}`, 'templates:', '  - name: hello', `    text: ${JSON.stringify(text)}`];

describe('#4 a long text in the plan', () => {
  const HELLO = 'Hello {visitor.name}! I am {operator.first_name}, how may I help?';

  it('is shown around where it changes; --json has both texts whole', async () => {
    expect((await admin.run(['apply', '-f', await file(templateFile('Texts', HELLO))])).code).toBe(0);
    const longer = `${HELLO.slice(0, -1)} you?`;
    const path = await file(templateFile('Texts', longer));
    const dry = await admin.run(['apply', '-f', path, '--dry-run']);
    expect(dry, dry.stderr).toMatchObject({ code: 0 });
    const line = dry.stdout.split('\n').find((l) => l.includes('text ('))!;
    expect(line.trim()).toBe('text (differs from character 65): "...st_name}, how may I help?" -> "...st_name}, how may I help you?"');

    const json = await admin.json<ApplyJson>(['apply', '-f', path, '--dry-run']);
    expect(json.steps).toEqual([
      { action: 'update', kind: 'template', name: 'hello', changes: [`text: ${JSON.stringify(HELLO)} -> ${JSON.stringify(longer)}`] },
    ]);
  });

  it('a change in the middle of a long text shows that part; one further on is said to exist', async () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`);
    const before = words.join(' ');
    expect((await admin.run(['apply', '-f', await file(templateFile('Middle', before))])).code).toBe(0);
    const middle = before.replace('word30', 'WORD30');
    const dry = await admin.run(['apply', '-f', await file(templateFile('Middle', middle)), '--dry-run']);
    const line = dry.stdout.split('\n').find((l) => l.includes('text ('))!;
    expect(line).toMatch(/^ {6}text \(differs from character 201\): "\.\.\.[^"]*word29 word30 word31[^"]*\.\.\." -> "\.\.\.[^"]*word29 WORD30 word31[^"]*\.\.\."$/);
    expect(line).not.toContain('further on');
    expect(line.length).toBeLessThan(200);

    const twice = middle.replace('word58', 'WORD58');
    const far = await admin.run(['apply', '-f', await file(templateFile('Middle', twice)), '--dry-run']);
    const farLine = far.stdout.split('\n').find((l) => l.includes('text ('))!;
    expect(farLine).toContain('WORD30');
    expect(farLine).toContain('(and further on: --json has both texts whole)');
    const json = await admin.json<ApplyJson>(['apply', '-f', await file(templateFile('Middle', twice)), '--dry-run']);
    expect(json.steps[0].changes).toEqual([`text: ${JSON.stringify(before)} -> ${JSON.stringify(twice)}`]);
  });
});

describe('#16 a multi-line greeting', () => {
  it('is one quoted line of the plan, on creation and on change, as in --json', async () => {
    const created = await admin.run(['apply', '-f', await file(['project:', '  name: Greeter', '  widget:', '    greeting: "Line one\\nLine two"']), '--dry-run']);
    expect(created, created.stderr).toMatchObject({ code: 0 });
    expect(created.stdout).toContain('      widget.greeting: "Line one\\nLine two"\n');
    expect(created.stdout.split('\n').some((l) => l.startsWith('Line two'))).toBe(false);

    expect((await admin.run(['apply', '-f', await file(['project:', '  name: Greeter', '  widget:', '    greeting: Hi'])])).code).toBe(0);
    const path = await file(['project:', '  name: Greeter', '  widget:', '    greeting: "Hi\\nthere"']);
    const changed = await admin.run(['apply', '-f', path, '--dry-run']);
    expect(changed.stdout).toContain('      widget.greeting: "Hi" -> "Hi\\nthere"\n');
    expect(changed.stdout.split('\n').some((l) => l.startsWith('there'))).toBe(false);
    const json = await admin.json<ApplyJson>(['apply', '-f', path, '--dry-run']);
    expect(json.steps[0].changes).toEqual(['widget.greeting: "Hi" -> "Hi\\nthere"']);
  });
});

describe('#6 adding someone who has an account in another project', () => {
  it('a server administrator\'s dry run shows the account renamed, as the apply does it; the other file\'s plan says so too', async () => {
    const acme = ['project:', '  name: Acme', 'team:', '  - {email: root@example.com, firstName: Root, lastName: Admin, access: admin}', '  - {email: ann@example.com, firstName: Ann, lastName: Lee, operator: true}'];
    expect((await admin.run(['apply', '-f', await file(acme)])).code).toBe(0);
    const other = await file(['project:', '  name: Other', 'team:', '  - {email: ann@example.com, firstName: Anna, lastName: Lee-Smith, operator: true}']);
    const RENAME = 'renames the account "Ann Lee" to "Anna Lee-Smith" (it is also in "Acme": the names change there too)';

    const dry = await admin.run(['apply', '-f', other, '--dry-run']);
    expect(dry, dry.stderr).toMatchObject({ code: 0 });
    expect(dry.stdout).toContain(`  + create member ann@example.com\n      Anna Lee-Smith\n      operator\n      access none\n      ${RENAME}\n`);
    const json = await admin.json<ApplyJson>(['apply', '-f', other, '--dry-run']);
    expect(json.steps.find((s) => s.kind === 'member')!.changes).toContain(RENAME);

    const applied = await admin.json<ApplyJson>(['apply', '-f', other]);
    expect(applied.notes).toEqual(['ann@example.com already had an account as "Ann Lee": renamed to "Anna Lee-Smith", as the file says']);
    expect((await admin.json<{ firstName: string }>(['team', 'show', 'ann@example.com', '-p', 'Acme'])).firstName).toBe('Anna');

    // Acme's file now renames her back: its plan says the account is shared.
    const back = await admin.run(['apply', '-f', await file(acme), '--dry-run']);
    expect(back.stdout).toContain('      firstName: Anna -> Ann\n      lastName: Lee-Smith -> Lee\n      renames the account, which is also in other projects: the names change there too\n');
  });

  it('a manager who may not rename the account is told in the dry run, and once after applying', async () => {
    await admin.json(['project', 'create', 'Third']);
    const outbox = await watchOutbox(server.dataDir);
    await admin.json(['team', 'add', '-p', 'Third', '--email', 'sam@example.com', '--first-name', 'Sam', '--last-name', 'Settings', '--access', 'settings']);
    const client = await signIn(server.url, 'sam@example.com', passwordFrom(await outbox.waitFor((m) => m.to === 'sam@example.com')));
    outbox.close();
    // Sam also answers chats in Acme, where he sees Ann's account.
    await admin.json(['team', 'add', '-p', 'Acme', '--email', 'sam@example.com', '--first-name', 'Sam', '--last-name', 'Settings', '--operator']);
    const sam = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: client.token! });
    const path = await file([
      'project: {name: Third}',
      'team:',
      '  - {email: sam@example.com, firstName: Sam, lastName: Settings, access: settings}',
      '  - {email: ann@example.com, firstName: Annie, lastName: New, operator: true}',
    ]);
    const KEPT =
      'Note: ann@example.com keeps the names of their account, "Anna Lee-Smith", not the file\'s "Annie New": it is also in another project, ' +
      'so only they (parley profile set) or a server administrator change them.';
    const current = await admin.json<{ firstName: string; lastName: string }>(['team', 'show', 'ann@example.com', '-p', 'Acme']);
    // As the test before left them.
    expect(`${current.firstName} ${current.lastName}`).toBe('Anna Lee-Smith');

    const dry = await sam.run(['apply', '-f', path, '--dry-run']);
    expect(dry, dry.stderr).toMatchObject({ code: 0 });
    expect(dry.stdout).toContain(KEPT);
    expect(dry.stdout).not.toContain('renames the account');
    const applied = await sam.run(['apply', '-f', path]);
    expect(applied, applied.stderr).toMatchObject({ code: 0 });
    expect(applied.stdout.split(KEPT)).toHaveLength(2);
    expect((await admin.json<{ firstName: string }>(['team', 'show', 'ann@example.com', '-p', 'Third'])).firstName).toBe('Anna');
  });
});

describe('#9 an apply the server stops part-way', () => {
  it('says in one short line how many steps ran and where to see them; --json gives them, and the failed one', async () => {
    const templates = Array.from({ length: 8 }, (_, i) => `  - {name: t${i}, text: "Text ${i}"}`);
    const path = await file(['project: {name: Racy}', 'templates:', ...templates]);
    await admin.json(['project', 'create', 'Racy']);
    // A colleague creates t6 between the plan and its step.
    const service = server.app.services.templates;
    const create = service.create;
    service.create = async (...args: Parameters<typeof create>) => {
      const made = await create(...args);
      if ((args as unknown[]).some((a) => (a as { name?: string })?.name === 't6')) return create(...args);
      return made;
    };
    try {
      const r = await admin.run(['apply', '-f', path, '--json']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^parley: create template t6 failed: a template named "t6" already exists \(6 of 8 steps were applied: listed in "applied" on stdout; fix it and apply again\)\n$/);
      const result = JSON.parse(r.stdout) as ApplyJson;
      expect(result.changed).toBe(true);
      expect(result.applied!.map((s) => s.name)).toEqual(['t0', 't1', 't2', 't3', 't4', 't5']);
      expect(result.failed).toEqual({ action: 'create', kind: 'template', name: 't6', changes: ['"Text 6"'], message: 'a template named "t6" already exists' });
      expect(result.steps).toHaveLength(8);

      await admin.run(['templates', 'rm', 't6', '-p', 'Racy']);
      const human = await admin.run(['apply', '-f', path]);
      expect(human.code).toBe(1);
      expect(human.stdout).toContain('Plan for project "Racy" (2 to create, 0 to update, 0 to delete)');
      // Few steps ran: they are named.
      expect(human.stderr).toBe('parley: create template t6 failed: a template named "t6" already exists (0 of 2 steps were applied; fix it and apply again)\n');
    } finally {
      service.create = create;
    }
    const names = (await admin.json<{ templates: Array<{ name: string }> }>(['templates', 'list', '-p', 'Racy'])).templates.map((t) => t.name);
    expect(names.sort()).toEqual(['t0', 't1', 't2', 't3', 't4', 't5', 't6']);
    // Only a failure part-way gives JSON: a file refused before any step leaves stdout empty.
    expectFailure(await admin.run(['apply', '-f', await file(['project: {name: Racy}', 'team: 5']), '--json']), 1, /team must be a list/);
  });

  it('without --json, many applied steps are counted, not listed: the plan above shows them', async () => {
    const templates = Array.from({ length: 40 }, (_, i) => `  - {name: many${i}, text: "Text ${i}"}`);
    const path = await file(['project: {name: Many}', 'templates:', ...templates]);
    await admin.json(['project', 'create', 'Many']);
    const service = server.app.services.templates;
    const create = service.create;
    service.create = async (...args: Parameters<typeof create>) => {
      const made = await create(...args);
      if ((args as unknown[]).some((a) => (a as { name?: string })?.name === 'many39')) return create(...args);
      return made;
    };
    try {
      const r = await admin.run(['apply', '-f', path]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        'parley: create template many39 failed: a template named "many39" already exists (39 of 40 steps were applied: the first 39 of the plan above; fix it and apply again)\n',
      );
    } finally {
      service.create = create;
    }
  });
});

describe('#12 parley export for YAML 1.1 tools', () => {
  it('quotes what YAML 1.1 reads as a boolean, number, date or null; both readings agree, and apply reads it back unchanged', async () => {
    const lines = [
      'project:',
      '  name: Tricky',
      '  leadClasses: [target, "no", "off", "y"]',
      'team:',
      '  - {email: root@example.com, firstName: Root, lastName: Admin, operator: true, access: admin}',
      'groups:',
      '  - {name: "yes", members: [root@example.com]}',
      '  - {name: "0777", members: []}',
      '  - {name: "12:30", members: []}',
      'schedules:',
      '  - operators: [root@example.com]',
      '    week:',
      '      mon-fri: ["09:00-18:00"]',
      '    exceptions:',
      '      2030-12-31: off',
      'templates:',
      '  - {name: "~", text: "null"}',
      '  - {name: "1_000", text: "ON"}',
    ];
    expect((await admin.run(['apply', '-f', await file(lines)])).code).toBe(0);
    const exported = await admin.run(['export', '-p', 'Tricky']);
    expect(exported, exported.stderr).toMatchObject({ code: 0 });
    const text = exported.stdout;
    for (const quoted of ['"yes"', '"no"', '"off"', '"y"', '"0777"', '"12:30"', '"2030-12-31": "off"', '"~"', '"null"', '"1_000"', '"ON"']) expect(text).toContain(quoted);
    // What a YAML 1.1 reader (PyYAML, Psych) makes of it is what Parley makes of it.
    expect(parse(text, { version: '1.1' })).toEqual(parse(text));
    const again = await admin.run(['apply', '-f', await file(text.split('\n')), '--detailed-exitcode']);
    expect(again, again.stderr).toMatchObject({ code: 0 });
    expect(again.stdout).toContain('already matches the file: nothing to do');
  });
});
