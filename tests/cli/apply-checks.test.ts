// `parley apply` keeps its promise that a file is checked completely before anything is sent:
// every problem of the file in one report (file order, the count right), members that could
// never be saved, references to people the project does not have (with no "team" in the file),
// a create-group step that is whole or nothing, and people who already had an account with
// other names converging in one apply.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import { plan, readState } from '../../cli/provision/plan.js';
import { parseSpec } from '../../cli/provision/validate.js';
import { adminShell, expectFailure, type Shell } from '../helpers/cli-extra.js';
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
  steps: Array<{ action: string; kind: string; name: string; changes: string[] }>;
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
    const steps = plan(parsed, await readState(client, project), { self: ADMIN.email, prune: false });
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
