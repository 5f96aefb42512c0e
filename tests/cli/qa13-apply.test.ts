// QA round 13 of `parley apply` / `parley export`, through the real binary against a real server:
// taking the operator role away together with groups and hours, values the server normalises
// (they converge), group names with repeated spaces in routes, what the server refuses refused
// before anything is sent, export writing the widget's defaults, the project's creation counted,
// origins in any form the server takes, and time zone links in the zone database's case.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminShell, expectFailure, type Shell } from '../helpers/cli-extra.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };

let server: TestServer;
let admin: Shell;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminShell(server, ADMIN);
  dir = await tempDir('parley-qa13-apply-');
});

afterAll(async () => {
  await server?.close();
});

let files = 0;
/** Each file in its own directory, so that every error can name it `parley.yaml`. */
async function file(text: string): Promise<string> {
  const sub = join(dir, `f${files++}`);
  await mkdir(sub);
  const path = join(sub, 'parley.yaml');
  await writeFile(path, text);
  return path;
}

interface ApplyJson {
  project: { id: number | null; name: string };
  steps: Array<{ action: string; kind: string; name: string; changes: string[] }>;
}

const projects = async () => (await admin.json<Array<{ name: string }>>(['project', 'list'])).map((p) => p.name);
const stepsOf = (r: ApplyJson) => r.steps.map((s) => `${s.action} ${s.kind} ${s.name}`);

/** Applies `text` and expects it to succeed; then again, expecting nothing to do. */
async function converges(text: string) {
  const path = await file(text);
  const first = await admin.run(['apply', '-f', path]);
  expect(first, first.stderr).toMatchObject({ code: 0 });
  const second = await admin.run(['apply', '-f', path, '--detailed-exitcode']);
  expect(second, second.stdout).toMatchObject({ code: 0 });
  expect(second.stdout).toContain('already matches the file: nothing to do');
}

describe('F1: the operator role taken away together with groups and hours', () => {
  const before = (name: string) =>
    [
      `project: {name: ${name}}`,
      'team:',
      '  - {email: root@example.com, firstName: Root, lastName: Admin, access: admin}',
      '  - {email: ann@example.com, firstName: Ann, lastName: Lee, operator: true}',
      '  - {email: bob@example.com, firstName: Bob, lastName: "-", operator: true}',
      'groups:',
      '  - {name: sales, members: [ann@example.com, bob@example.com]}',
      'schedules:',
      '  - operators: [ann@example.com, bob@example.com]',
      '    week: {mon-fri: ["09:00-18:00"]}',
      '',
    ].join('\n');
  const after = (name: string) =>
    before(name)
      .replace('lastName: Lee, operator: true', 'lastName: Lee, operator: false, access: settings')
      .replace('members: [ann@example.com, bob@example.com]', 'members: [bob@example.com]')
      .replace('operators: [ann@example.com, bob@example.com]', 'operators: [bob@example.com]');

  it('is one member step: no group or schedule step the server already does, and it applies whole', async () => {
    await converges(before('Demote'));
    const path = await file(after('Demote'));
    const planned = await admin.json<ApplyJson>(['apply', '-f', path, '--dry-run']);
    expect(stepsOf(planned)).toEqual(['update member ann@example.com']);
    expect(planned.steps[0].changes).toEqual(['operator: true -> false', 'access: none -> settings', 'leaves groups [sales] and working hours with the operator role']);
    const r = await admin.run(['apply', '-f', path, '--detailed-exitcode']);
    expect(r.code, r.stderr).toBe(2);
    const groups = await admin.json<Array<{ name: string; members: Array<{ email: string }> }>>(['group', 'list', '-p', 'Demote']);
    expect(groups.map((g) => [g.name, g.members.map((m) => m.email)])).toEqual([['sales', ['bob@example.com']]]);
    expect((await admin.run(['apply', '-f', path, '--detailed-exitcode'])).code).toBe(0);
  });

  it('with --prune and no "groups", the hours are not deleted twice', async () => {
    await converges(before('DemotePrune'));
    const text = after('DemotePrune').replace(/groups:\n.*\n/, '');
    const path = await file(text);
    const planned = await admin.json<ApplyJson>(['apply', '-f', path, '--prune', '--dry-run']);
    expect(stepsOf(planned)).toEqual(['update member ann@example.com']);
    const r = await admin.run(['apply', '-f', path, '--prune']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect((await admin.run(['apply', '-f', path, '--prune', '--detailed-exitcode'])).code).toBe(0);
  });
});

describe('F2: values the server normalises converge', () => {
  it('duplicate origins, lead classes with repeated spaces or in NFD, template names in NFD and texts with CRLF', async () => {
    await converges(
      [
        'project:',
        '  name: Normal',
        '  allowedOrigins: [https://a.example.com, https://a.example.com]',
        '  leadClasses: [target, "not  target", "Cafe\\u0301 lead"]',
        'templates:',
        '  - {name: "Cafe\\u0301", text: "a\\r\\nb"}',
        '',
      ].join('\n'),
    );
    const { classes } = await admin.json<{ classes: Array<{ name: string }> }>(['leads', 'classes', 'list', '-p', 'Normal']);
    expect(classes.map((c) => c.name)).toContain('Caf\u00e9 lead');
  });
});

describe('F3: a group name with repeated spaces', () => {
  it('is routed to and given members, and converges', async () => {
    await converges(
      [
        'project:',
        '  name: Spaces',
        '  routes:',
        '    - {pattern: "*", group: "Night  shift"}',
        'team:',
        '  - {email: root@example.com, firstName: Root, lastName: Admin, access: admin, operator: true}',
        'groups:',
        '  - {name: "Night  shift", members: [root@example.com]}',
        '',
      ].join('\n'),
    );
    const shown = await admin.json<{ routing: unknown }>(['project', 'show', '-p', 'Spaces']);
    expect(shown.routing).toEqual({ assignment: 'manual', rules: [{ pattern: '*', group: 'Night shift' }] });
  });
});

describe('F4: what the server refuses is refused before anything is sent', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['Blank1', 'team:\n  - {email: root@example.com, firstName: Root, lastName: Admin, access: admin}\n  - {email: x1@example.com, firstName: X, lastName: " ", operator: true}\n', /parley\.yaml:5:53: team\[1\]\.lastName must not be blank/],
    ['Blank2', 'groups: [{name: ok}, {name: " "}]\n', /parley\.yaml:3:29: the group name must not be blank/],
    ['Blank3', 'templates: [{name: first, text: one}, {name: "two\\nlines", text: two}]\n', /parley\.yaml:3:46: the name "two\\nlines" has a line break or control character/],
    ['Blank4', 'team:\n  - {email: root@example.com, firstName: "Ro\\tot", lastName: Admin, access: admin}\n', /parley\.yaml:4:42: team\[0\]\.firstName "Ro\\tot" has a line break/],
    ['Blank5', 'groups: [{name: g}]\n', /parley\.yaml:3:25: the lead class name must not be blank/],
    ['Blank6', 'groups: [{name: g}]\n', /parley\.yaml:3:22: a URL pattern must not contain spaces: "https:\/\/a\.com\/ x"/],
    ['Blank7', 'groups: [{name: g}]\n', /parley\.yaml:3:54: the URL pattern "\*\/B2B\/\*" is already given in project\.routes\[0\]/],
  ];
  const projectPart: Record<string, string> = {
    Blank5: 'project:\n  name: Blank5\n  leadClasses: [target, "  "]\n',
    Blank6: 'project:\n  name: Blank6\n  routes: [{pattern: "https://a.com/ x", group: g}]\n',
    Blank7: 'project:\n  name: Blank7\n  routes: [{pattern: "*/b2b/*", group: g}, {pattern: "*/B2B/*", group: g}]\n',
  };

  it('blank names, control characters, patterns with spaces or given twice: the dry run and the real run fail alike', async () => {
    for (const [name, rest, message] of cases) {
      const path = await file(`${projectPart[name] ?? `project:\n  name: ${name}\n`}${rest}`);
      expectFailure(await admin.run(['apply', '-f', path, '--dry-run']), 1, message);
      const r = await admin.run(['apply', '-f', path]);
      expectFailure(r, 1, message);
      expect(r.stderr).toContain('nothing was applied');
    }
    expect((await projects()).filter((p) => p.startsWith('Blank'))).toEqual([]);
  });
});

describe('F6: export writes the widget always', () => {
  it('so applying an export to a project with another look gives it the default look', async () => {
    await admin.json(['project', 'create', 'LookA']);
    await admin.json(['project', 'create', 'LookB']);
    await admin.json(['project', 'set', 'LookB', '--widget-color', '#ff0000', '--greeting', 'Hello from B']);
    const exported = await admin.run(['export', '-p', 'LookA']);
    expect(exported.stdout).toMatch(/ {2}widget:\n {4}color: null\n {4}greeting: ""\n/);
    const path = await file(exported.stdout.replace(/^ {2}name: LookA\n/m, ''));
    const r = await admin.run(['apply', '-f', path, '-p', 'LookB', '--prune', '--detailed-exitcode']);
    expect(r.code, r.stderr).toBe(2);
    expect((await admin.json<{ widget: unknown }>(['project', 'show', '-p', 'LookB'])).widget).toEqual({ color: null, greeting: null });
  });
});

describe('F8: creating the project is a step applied', () => {
  it('is counted in "Applied", and named in the failure line when a later step fails', async () => {
    const r = await admin.run(['apply', '-f', await file('project: {name: Counted, timezone: Asia/Tokyo}\ntemplates: [{name: hi, text: Hello}]\n')]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('(2 to create, 0 to update, 0 to delete)');
    expect(r.stdout).toContain('Applied 2 changes.');
    expect((await admin.json<{ timezone: string }>(['project', 'show', '-p', 'Counted'])).timezone).toBe('Asia/Tokyo');
    const alone = await admin.run(['apply', '-f', await file('project: {name: Alone}\n')]);
    expect(alone, alone.stderr).toMatchObject({ code: 0 });
    expect(alone.stdout).toContain('Applied 1 change.');

    // A colleague creates the same template between the plan and its step.
    const templates = server.app.services.templates;
    const create = templates.create;
    templates.create = async (...args: Parameters<typeof create>) => {
      await create(...args);
      return create(...args);
    };
    try {
      const r = await admin.run(['apply', '-f', await file('project: {name: Recorded}\ntemplates: [{name: clash, text: Hi}]\n'), '--json']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^parley: create template clash failed: a template named "clash" already exists \(1 of 2 steps were applied: create project Recorded; fix it and apply again\)\n$/);
      // Session 16 (#9): --json gives the steps that ran on stdout.
      expect(JSON.parse(r.stdout)).toMatchObject({ changed: true, applied: [{ action: 'create', kind: 'project', name: 'Recorded' }], failed: { name: 'clash' } });
    } finally {
      templates.create = create;
    }
  });
});

describe('F10: origins the server takes', () => {
  it('are taken in any form, compared as the server stores them', async () => {
    await converges('project:\n  name: Origins\n  allowedOrigins: ["https://Shop.example.com", "https://shop.example.com:443/", "https://магазин.рф"]\n');
    const shown = await admin.json<{ allowedOrigins: string[] }>(['project', 'show', '-p', 'Origins']);
    expect(shown.allowedOrigins).toEqual(['https://shop.example.com', 'https://xn--80aairftm.xn--p1ai']);
    expectFailure(await admin.run(['apply', '-f', await file('project:\n  name: Origins\n  allowedOrigins: ["https://a.com/path"]\n')]), 1, /parley\.yaml:3:20: "https:\/\/a\.com\/path" is not an origin/);
  });
});

describe('F11: time zone links typed in lower case', () => {
  it('are stored and exported in the zone database\'s case', async () => {
    await converges('project: {name: Zones, timezone: europe/kyiv}\n');
    expect((await admin.run(['export', '-p', 'Zones'])).stdout).toContain('  timezone: Europe/Kyiv\n');
    await converges('project: {name: Zones, timezone: us/eastern}\n');
    expect((await admin.json<{ timezone: string }>(['project', 'show', '-p', 'Zones'])).timezone).toBe('US/Eastern');
  });
});
