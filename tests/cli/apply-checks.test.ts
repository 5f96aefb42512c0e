// `parley apply` keeps its promise that a file is checked completely before anything is sent:
// every problem of the file in one report (file order, the count right), members that could
// never be saved, references to people the project does not have (with no "team" in the file),
// a create-group step that is whole or nothing, people who already had an account with
// other names converging in one apply, what the server would refuse part-way (the last admin,
// admin access granted by a "settings" member, a project created by someone who may not, a
// project name that is taken), and files for `--project` that leave the project's name out.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import { plan, readState } from '../../cli/provision/plan.js';
import { parseSpec } from '../../cli/provision/validate.js';
import { adminShell, expectFailure, type Shell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };

let server: TestServer;
let admin: Shell;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminShell(server, ADMIN);
  dir = await tempDir('parley-apply-checks-');
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

const projects = async () => (await admin.json<Array<{ name: string }>>(['project', 'list'])).map((p) => p.name);

interface ApplyJson {
  project: { id: number | null; name: string };
  steps: Array<{ action: string; kind: string; name: string; changes: string[] }>;
  notes: string[];
}

interface ProjectJson {
  id: number;
  name: string;
  timezone: string;
}

/**
 * A shell for someone other than the administrator: a new member of `project` with `access`,
 * signed in with the password of their welcome mail, their token in the environment as in CI.
 */
async function memberShell(project: string, email: string, access: 'settings' | 'none'): Promise<Shell> {
  const outbox = await watchOutbox(server.dataDir);
  try {
    const role = access === 'none' ? ['--operator'] : ['--operator', '--access', access];
    await admin.json(['team', 'add', '-p', project, '--email', email, '--first-name', email.split('@')[0], '--last-name', '-', ...role]);
    const oneTime = passwordFrom(await outbox.waitFor((m) => m.to === email));
    const client = await signIn(server.url, email, oneTime, NEW_PASSWORD);
    return shell({ PARLEY_URL: server.url, PARLEY_TOKEN: client.token! });
  } finally {
    outbox.close();
  }
}

describe('every problem of the file at once', () => {
  it('lists structural and semantic problems together, in file order, with the right count', async () => {
    const path = await file(
      [
        'version: 1',
        'project:',
        '  name: Broken',
        '  timezone: Mars/Base',
        '  language: de',
        'team:',
        '  - email: ann@',
        '    firstName: Ann',
        '    lastName: Lee',
        '    operator: true',
        '  - email: bob@example.com',
        '    firstName: Bob',
        '    lastName: "-"',
        '    operator: maybe',
        '',
      ].join('\n'),
    );
    for (const args of [['--dry-run'], []]) {
      const r = await admin.run(['apply', '-f', path, ...args]);
      expectFailure(r, 1, /parley\.yaml:4:13: unknown time zone "Mars\/Base".* \(and 3 more problems\); nothing was applied\n$/);
    }
    expect(await projects()).not.toContain('Broken');
  });

  it('a .json file is read as JSON: a trailing comma is refused where it is, in JSON terms; valid JSON applies', async () => {
    const sub = join(dir, `f${files++}`);
    await mkdir(sub);
    const bad = join(sub, 'parley.json');
    await writeFile(bad, '{"version": 1,\n "project": {"name": "Jason",}}\n');
    expectFailure(await admin.run(['apply', '-f', bad, '--dry-run']), 1, /parley\.json:2:30: not valid JSON: Expected double-quoted property name; nothing was applied\n$/);
    // The same text as YAML (a superset of JSON) is YAML, and it reads.
    const asYaml = join(sub, 'parley.yaml');
    await writeFile(asYaml, '{"version": 1,\n "project": {"name": "Jason",}}\n');
    expect((await admin.run(['apply', '-f', asYaml, '--dry-run'])).code).toBe(0);
    const good = join(sub, 'good.json');
    await writeFile(good, JSON.stringify({ version: 1, project: { name: 'Jason' } }));
    expect(await admin.run(['apply', '-f', good])).toMatchObject({ code: 0, stderr: '' });
    expect(await projects()).toContain('Jason');
  });
});

describe('members the server would refuse', () => {
  it('a team member with neither the operator role nor an access level is refused before anything is sent', async () => {
    const path = await file(
      [
        'project:',
        '  name: Halfway',
        'team:',
        '  - email: root@example.com',
        '    firstName: Root',
        '    lastName: Admin',
        '    access: admin',
        '  - email: ann@example.com',
        '    firstName: Ann',
        '    lastName: Lee',
        '    operator: true',
        '  - email: zed@example.com',
        '    firstName: Zed',
        '    lastName: "-"',
        '    access: none',
        '',
      ].join('\n'),
    );
    const message = /parley\.yaml:12:5: team\[2\] \(zed@example\.com\) needs the operator role, an access level, or both/;
    expectFailure(await admin.run(['apply', '-f', path, '--dry-run']), 1, message);
    expectFailure(await admin.run(['apply', '-f', path]), 1, message);
    // Nothing was sent: no project, so no member either.
    expect(await projects()).not.toContain('Halfway');
  });
});

describe('a file without "team" refers to the members the project has', () => {
  const FILE = [
    'project:',
    '  name: NoTeam',
    'groups:',
    '  - name: wholesale',
    '    members: [ann@example.com, root@example.com]',
    'schedules:',
    '  - operators: [ann@example.com]',
    '    week:',
    '      mon-fri: ["09:00-18:00"]',
    '',
  ].join('\n');

  it('people who are not operators of the project fail the dry run and the real run, and nothing is sent', async () => {
    await admin.json(['project', 'create', 'NoTeam']);
    const path = await file(FILE);
    const notOperator = /parley\.yaml:5:15: ann@example\.com is not an operator of "NoTeam" .*\(and 2 more problems\); nothing was applied/;
    expectFailure(await admin.run(['apply', '-f', path, '--dry-run']), 1, notOperator);
    expectFailure(await admin.run(['apply', '-f', path]), 1, notOperator);
    // No group, not even an empty one, and no schedule.
    expect(await admin.json<unknown[]>(['group', 'list', '-p', 'NoTeam'])).toEqual([]);

    // A member without the operator role is no better; operators of the project are fine.
    await admin.json(['team', 'add', '-p', 'NoTeam', '--email', 'ann@example.com', '--first-name', 'Ann', '--last-name', 'Lee', '--access', 'settings']);
    expectFailure(await admin.run(['apply', '-f', path, '--dry-run']), 1, /parley\.yaml:5:15: ann@example\.com is not an operator .*\(and 2 more problems\)/);
    await admin.json(['team', 'update', '-p', 'NoTeam', 'ann@example.com', '--operator']);
    await admin.json(['team', 'update', '-p', 'NoTeam', 'root@example.com', '--operator']);
    const planned = await admin.json<ApplyJson>(['apply', '-f', path, '--dry-run']);
    expect(planned.steps.map((s) => `${s.action} ${s.kind} ${s.name}`)).toEqual(['create group wholesale', 'create schedule ann@example.com']);
    const applied = await admin.run(['apply', '-f', path, '--detailed-exitcode']);
    expect(applied.code, applied.stderr).toBe(2);
    const again = await admin.run(['apply', '-f', path, '--detailed-exitcode']);
    expect(again, again.stderr).toMatchObject({ code: 0 });
  });

  it('a route to a group the project does not have (and the file does not define) is refused', async () => {
    const path = await file(['project:', '  name: NoTeam', '  routes:', '    - pattern: "*"', '      group: retail', ''].join('\n'));
    expectFailure(await admin.run(['apply', '-f', path, '--dry-run']), 1, /parley\.yaml:5:14: route to unknown group "retail": "NoTeam" has no such group/);
  });

  it('a create-group step refused half-way leaves no group behind', async () => {
    // The race apply cannot rule out: the plan was made while ann was an operator, and she
    // stops being one before the step runs. The group must not stay behind, empty.
    await admin.json(['project', 'create', 'Raced']);
    await admin.json(['team', 'add', '-p', 'Raced', '--email', 'ann@example.com', '--first-name', 'Ann', '--last-name', 'Lee', '--operator']);
    const client: ParleyClient = await signIn(server.url, ADMIN.email, NEW_PASSWORD);
    const [project] = (await client.listProjects()).filter((p) => p.name === 'Raced');
    const parsed = parseSpec(['project:', '  name: Raced', 'groups:', '  - name: night', '    members: [ann@example.com]', ''].join('\n'), 'raced.yaml');
    const steps = plan(parsed, await readState(client, project), { self: ADMIN.email, serverAdmin: true, projects: [project], prune: false });
    expect(steps.map((s) => `${s.action} ${s.kind} ${s.name}`)).toEqual(['create group night']);
    await client.updateMember(project.id, 'ann@example.com', { operator: false, access: 'settings' });
    await expect(steps[0].run(client, project.id)).rejects.toThrow(/operator/);
    expect(await client.listGroups(project.id)).toEqual([]);
  });
});

describe('a person who already has an account with other names', () => {
  it('gets the file\'s names in the first apply; the second apply plans nothing', async () => {
    await admin.json(['project', 'create', 'Elsewhere']);
    await admin.json(['team', 'add', '-p', 'Elsewhere', '--email', 'anna@example.com', '--first-name', 'Anna', '--last-name', 'Berg', '--operator']);
    const path = await file(
      [
        'project:',
        '  name: Names',
        'team:',
        '  - email: root@example.com',
        '    firstName: Root',
        '    lastName: Admin',
        '    access: admin',
        '  - email: anna@example.com',
        '    firstName: Annie',
        '    lastName: Berg-Lund',
        '    operator: true',
        '',
      ].join('\n'),
    );
    const first = await admin.run(['apply', '-f', path, '--detailed-exitcode']);
    expect(first.code, first.stderr).toBe(2);
    expect(first.stdout).toContain('+ create member anna@example.com');
    expect(first.stdout).toContain('Note: anna@example.com already had an account as "Anna Berg": renamed to "Annie Berg-Lund", as the file says.');

    const second = await admin.run(['apply', '-f', path, '--detailed-exitcode']);
    expect(second, second.stderr).toMatchObject({ code: 0 });
    expect(second.stdout).toContain('already matches the file: nothing to do');
    // A person has one name: the account's, in every project.
    const elsewhere = await admin.json<{ firstName: string; lastName: string }>(['team', 'show', '-p', 'Elsewhere', 'anna@example.com']);
    expect(elsewhere).toMatchObject({ firstName: 'Annie', lastName: 'Berg-Lund' });
  });

  it('a template of emoji is previewed in the plan by characters, never half of one', async () => {
    const path = await file(`project:\n  name: Smiles\ntemplates:\n  - name: smile\n    text: "${'😀'.repeat(40)}"\n  - name: grin\n    text: "${'😁'.repeat(70)}"\n`);
    const planned = await admin.run(['apply', '-f', path, '--dry-run']);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain(JSON.stringify('😀'.repeat(40)));
    expect(planned.stdout).toContain(JSON.stringify(`${'😁'.repeat(57)}...`));
    expect(planned.stdout).not.toMatch(/\\ud8/);
  });

  it('a project name with spaces around it is the trimmed project: the second apply plans nothing', async () => {
    const path = await file('project:\n  name: "  Trail "\n');
    const first = await admin.run(['apply', '-f', path, '--detailed-exitcode']);
    expect(first.code, first.stderr).toBe(2);
    const second = await admin.run(['apply', '-f', path, '--detailed-exitcode']);
    expect(second, second.stderr).toMatchObject({ code: 0 });
    expect((await projects()).filter((name) => name === 'Trail')).toHaveLength(1);
  });
});

describe('what the server would refuse part-way is refused by the plan, before anything is sent', () => {
  const solo = (rootAccess: string, extra: string[] = []) =>
    [
      'project:',
      '  name: Solo',
      '  timezone: Asia/Tokyo',
      'team:',
      '  - email: root@example.com',
      '    firstName: Root',
      '    lastName: Admin',
      '    operator: true',
      `    access: ${rootAccess}`,
      '  - email: zed@example.com',
      '    firstName: Zed',
      '    lastName: Z',
      '    operator: true',
      ...extra,
      '',
    ].join('\n');

  it('a file that leaves the project without an admin: the dry run and the real run fail alike', async () => {
    const before = await admin.json<ProjectJson>(['project', 'create', 'Solo']);
    const path = await file(solo('none'));
    const lastAdmin =
      /^parley: \S*parley\.yaml:9:13: root@example\.com is the last admin of "Solo" and the file takes their admin access away: make someone else admin first; nothing was applied\n$/;
    for (const args of [['--dry-run'], [], ['--json'], ['--detailed-exitcode']]) {
      expectFailure(await admin.run(['apply', '-f', path, ...args]), 1, lastAdmin);
    }
    // Not half-applied: the zone and the team are as they were.
    expect((await admin.json<ProjectJson>(['project', 'show', '-p', 'Solo'])).timezone).toBe(before.timezone);
    const team = await admin.json<Array<{ email: string }>>(['team', 'list', '-p', 'Solo']);
    expect(team.map((m) => m.email)).toEqual(['root@example.com']);

    // Handing admin to someone else in the same file is fine: one's own access lowered goes after
    // every other step, the group and the template (which need it) too.
    const handOver = await file(
      solo('none', [
        '  - email: amy@example.com',
        '    firstName: Amy',
        '    lastName: Admin',
        '    access: admin',
        'groups:',
        '  - name: night',
        '    members: [zed@example.com]',
        'templates:',
        '  - name: bye',
        '    text: Bye!',
      ]),
    );
    const planned = await admin.run(['apply', '-f', handOver, '--dry-run']);
    expect(planned.stdout.trimEnd().split('\n').filter((l) => /^ {2}[+~-] /.test(l)).at(-1)).toBe('  ~ update member root@example.com');
    const r = await admin.run(['apply', '-f', handOver, '--detailed-exitcode']);
    expect(r.code, r.stderr).toBe(2);
    expect((await admin.json<Array<{ name: string }>>(['group', 'list', '-p', 'Solo'])).map((g) => g.name)).toEqual(['night']);
    expect((await admin.json<{ templates: Array<{ name: string }> }>(['templates', 'list', '-p', 'Solo'])).templates.map((t) => t.name)).toEqual(['bye']);
    const after = await admin.json<Array<{ email: string; access: string | null }>>(['team', 'list', '-p', 'Solo']);
    expect(after.map((m) => [m.email, m.access])).toEqual([
      ['amy@example.com', 'admin'],
      ['root@example.com', null],
      ['zed@example.com', null],
    ]);
  });

  it('a "settings" member may not grant admin access, nor change an admin', async () => {
    const before = await admin.json<ProjectJson>(['project', 'create', 'Desk']);
    const bob = await memberShell('Desk', 'bob@example.com', 'settings');
    const grant = await file(
      ['project:', '  name: Desk', '  timezone: Asia/Tokyo', 'team:', '  - email: eve@example.com', '    firstName: Eve', '    lastName: "-"', '    access: admin', ''].join('\n'),
    );
    const onlyAdmins = /^parley: \S*parley\.yaml:8:13: only admins can grant admin access \(the file gives it to eve@example\.com\): your access in "Desk" is settings; nothing was applied\n$/;
    expectFailure(await bob.run(['apply', '-f', grant, '--dry-run']), 1, onlyAdmins);
    expectFailure(await bob.run(['apply', '-f', grant]), 1, onlyAdmins);

    const rename = await file(
      ['project:', '  name: Desk', 'team:', '  - email: root@example.com', '    firstName: Root', '    lastName: Admin', '    operator: true', '    access: admin', ''].join('\n'),
    );
    expectFailure(
      await bob.run(['apply', '-f', rename, '--dry-run']),
      1,
      /parley\.yaml:8:13: root@example\.com is an admin, and only admins can change or remove an admin: your access in "Desk" is settings; nothing was applied/,
    );
    expect((await admin.json<ProjectJson>(['project', 'show', '-p', 'Desk'])).timezone).toBe(before.timezone);
    const team = await admin.json<Array<{ email: string; firstName: string }>>(['team', 'list', '-p', 'Desk']);
    expect(team.map((m) => [m.email, m.firstName])).toEqual([
      ['bob@example.com', 'bob'],
      ['root@example.com', 'Root'],
    ]);
    // What a "settings" member may do, they do.
    const plain = await file(['project:', '  name: Desk', '  timezone: Asia/Tokyo', 'team:', '  - email: eve@example.com', '    firstName: Eve', '    lastName: "-"', '    access: settings', ''].join('\n'));
    const ok = await bob.run(['apply', '-f', plain]);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('only a server administrator creates a project: the dry run says so instead of planning it', async () => {
    await admin.json(['project', 'create', 'Counter']);
    const cy = await memberShell('Counter', 'cy@example.com', 'settings');
    const path = await file(['project:', '  name: Cyproj', 'templates:', '  - name: hi', '    text: Hello!', ''].join('\n'));
    const notAdmin = /^parley: \S*parley\.yaml:2:9: you belong to no project named "Cyproj", and only server administrators create projects: ask one to create it, or pass --project; nothing was applied\n$/;
    expectFailure(await cy.run(['apply', '-f', path, '--dry-run', '--detailed-exitcode']), 1, notAdmin);
    expectFailure(await cy.run(['apply', '-f', path]), 1, notAdmin);
    expect(await projects()).not.toContain('Cyproj');
  });

  it('with --json, a step the server refuses (a race) gives what ran on stdout, and the error line names the steps that ran', async () => {
    await admin.json(['project', 'create', 'Racy']);
    const path = await file(['project:', '  name: Racy', '  timezone: Asia/Tokyo', 'templates:', '  - name: clash', '    text: Hi', ''].join('\n'));
    // A colleague creates the same template between the plan and its step.
    const templates = server.app.services.templates;
    const create = templates.create;
    templates.create = async (...args: Parameters<typeof create>) => {
      await create(...args);
      return create(...args);
    };
    try {
      const r = await admin.run(['apply', '-f', path, '--json']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^parley: create template clash failed: a template named "clash" already exists \(1 of 2 steps were applied: update project Racy; fix it and apply again\)\n$/);
      // Session 16 (#9): what ran, and what failed, as data.
      expect(JSON.parse(r.stdout)).toMatchObject({ applied: [{ action: 'update', kind: 'project', name: 'Racy' }], failed: { name: 'clash' } });
    } finally {
      templates.create = create;
    }
    expect((await admin.json<ProjectJson>(['project', 'show', '-p', 'Racy'])).timezone).toBe('Asia/Tokyo');
  });
});

describe('project names are unique', () => {
  it('project create and project set --name refuse a taken name with the server\'s reason', async () => {
    await admin.json(['project', 'create', 'Twin']);
    expectFailure(await admin.run(['project', 'create', ' twin ']), 1, /^parley: a project named "Twin" already exists: pick another name\n$/);
    await admin.json(['project', 'create', 'Other twin']);
    expectFailure(await admin.run(['project', 'set', 'Other twin', '--name', 'TWIN', '--json']), 1, /a project named "Twin" already exists/);
    expect((await projects()).filter((n) => n.toLowerCase() === 'twin')).toEqual(['Twin']);
    // -p finds a project by its name as the server compares names.
    expect((await admin.json<ProjectJson>(['project', 'show', '-p', ' TWIN '])).name).toBe('Twin');
  });

  it('apply --project with the name of another project is refused by the plan', async () => {
    const twin = (await admin.json<ProjectJson[]>(['project', 'list'])).find((p) => p.name === 'Twin')!;
    const path = await file(['project:', '  name: twin', '  timezone: Asia/Tokyo', ''].join('\n'));
    expectFailure(
      await admin.run(['apply', '-f', path, '-p', 'Other twin', '--dry-run']),
      1,
      new RegExp(
        `^parley: \\S*parley\\.yaml:2:9: a project named "Twin" already exists \\(id ${twin.id}\\): leave "name" out to keep "Other twin", or pass --project ${twin.id} to apply the file to that one; nothing was applied\\n$`,
      ),
    );
    // The file as exported from Twin applies to Twin: export, then apply, works unchanged.
    const exported = await admin.run(['export', '-p', 'Twin']);
    const again = await admin.run(['apply', '-f', await file(exported.stdout), '--detailed-exitcode']);
    expect(again, again.stderr).toMatchObject({ code: 0 });
  });
});

describe('apply --project', () => {
  it('takes a file without a project section, or without its name, and keeps the project\'s name', async () => {
    const target = await admin.json<ProjectJson>(['project', 'create', 'Shared target']);
    const templatesOnly = await file(['version: 1', 'templates:', '  - name: T', '    text: t', ''].join('\n'));
    // Without --project, the file must say which project it is.
    expectFailure(await admin.run(['apply', '-f', templatesOnly, '--dry-run']), 1, /parley\.yaml:1:1: the file needs "project" with its "name", or pass --project to apply the file to an existing project; nothing was applied/);
    const planned = await admin.json<ApplyJson>(['apply', '-f', templatesOnly, '-p', 'Shared target', '--dry-run']);
    expect(planned.steps.map((s) => `${s.action} ${s.kind} ${s.name}`)).toEqual(['create template T']);
    expect((await admin.run(['apply', '-f', templatesOnly, '-p', String(target.id)])).code).toBe(0);

    const noName = await file(['project:', '  timezone: Asia/Tokyo', ''].join('\n'));
    expectFailure(await admin.run(['apply', '-f', noName, '--dry-run']), 1, /parley\.yaml:2:3: project needs "name", or pass --project to apply the file to an existing project; nothing was applied/);
    const r = await admin.run(['apply', '-f', noName, '--detailed-exitcode'], { env: { PARLEY_PROJECT: 'Shared target' } });
    expect(r.code, r.stderr).toBe(2);
    expect(await admin.json<ProjectJson>(['project', 'show', '-p', String(target.id)])).toMatchObject({ name: 'Shared target', timezone: 'Asia/Tokyo' });
  });

  it('a different name in the file renames the project, and the plan shows it', async () => {
    const target = await admin.json<ProjectJson>(['project', 'create', 'Before']);
    const path = await file(['project:', '  name: After', ''].join('\n'));
    const planned = await admin.run(['apply', '-f', path, '-p', 'Before', '--dry-run']);
    expect(planned.stdout).toContain('~ update project Before\n      name: Before -> After');
    expect((await admin.run(['apply', '-f', path, '-p', 'Before'])).code).toBe(0);
    expect(await admin.json<ProjectJson>(['project', 'show', '-p', String(target.id)])).toMatchObject({ name: 'After' });
  });
});

describe('--json carries the notes', () => {
  it('the rename of an account that already existed is in "notes"', async () => {
    await admin.json(['project', 'create', 'Noted elsewhere']);
    await admin.json(['team', 'add', '-p', 'Noted elsewhere', '--email', 'carl@example.com', '--first-name', 'Carl', '--last-name', 'Old', '--operator']);
    const path = await file(
      ['project:', '  name: Noted', 'team:', '  - email: root@example.com', '    firstName: Root', '    lastName: Admin', '    access: admin', '  - email: carl@example.com', '    firstName: Carl', '    lastName: New', '    operator: true', ''].join('\n'),
    );
    expect((await admin.json<ApplyJson>(['apply', '-f', path, '--dry-run'])).notes).toEqual([]);
    const applied = await admin.json<ApplyJson>(['apply', '-f', path]);
    expect(applied.notes).toEqual(['carl@example.com already had an account as "Carl Old": renamed to "Carl New", as the file says']);
    expect((await admin.json<ApplyJson>(['apply', '-f', path])).notes).toEqual([]);
  });
});
