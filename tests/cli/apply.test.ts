// `parley apply` and `parley export` through the real binary against a real server: a project
// from a file, twice (the second run changes nothing), dry runs, prune, an export that rebuilds
// the project on an empty server, and bad files refused whole with their line and column.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonSchema } from '../../cli/provision/schema.js';
import { expectFailure, type Shell, shell } from '../helpers/cli-extra.js';
import { startSmtpSink } from '../helpers/mail.js';

type MailSink = Awaited<ReturnType<typeof startSmtpSink>>;
import { NEW_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };

const FILE = `# The shop's chat, as code.
version: 1
project:
  name: Shop
  timezone: Europe/Moscow
  language: en
  allowedOrigins: [https://shop.example.com]
  widget:
    color: "#0A84FF"
    greeting: Hi! Ask us anything about your order.
  assignment: round-robin
  leadClasses: [target, not target, spam, existing client, partner]
  routes:
    - pattern: https://shop.example.com/b2b/*
      group: wholesale
team:
  - email: root@example.com
    firstName: Root
    lastName: Admin
    operator: true
    access: admin
  - email: ann@example.com
    firstName: Ann
    lastName: Lee
    operator: true
  - email: bob@example.com
    firstName: Bob
    lastName: "-"
    operator: true
    access: settings
schedules:
  - operators: [ann@example.com, bob@example.com]
    week:
      mon-fri: ["09:00-13:00", "14:00-18:00"]
      sat: ["10:00-14:00"]
    exceptions:
      2030-12-31: off
      2030-12-30: ["10:00-15:00"]
groups:
  - name: wholesale
    members: [ann@example.com]
templates:
  - name: hello
    text: Hello {visitor.name}! I am {operator.first_name}. \${7*7} stays as typed.
`;

interface ApplyJson {
  project: { id: number | null; name: string };
  dryRun: boolean;
  changed: boolean;
  steps: Array<{ action: string; kind: string; name: string; changes: string[] }>;
}

let server: TestServer;
let mail: MailSink;
let admin: Shell;
let dir: string;

async function signedInShell(s: TestServer) {
  const { password } = await s.app.services.admin.createServerAdmin(ADMIN);
  const sh = await shell();
  const r = await sh.run(['login', '--url', s.url, '--email', ADMIN.email, '--password-stdin'], { stdin: `${password}\n${NEW_PASSWORD}\n` });
  expect(r, r.stderr).toMatchObject({ code: 0 });
  return sh;
}

async function file(name: string, text: string) {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

beforeAll(async () => {
  mail = await startSmtpSink();
  server = await startTestServer({ env: { PARLEY_SMTP_URL: mail.url } });
  admin = await signedInShell(server);
  dir = admin.configDir;
});

afterAll(async () => {
  await server.close();
  await mail.close();
});

describe('parley apply', () => {
  it('dry run plans the whole project and changes nothing', async () => {
    const path = await file('shop.yaml', FILE);
    const plan = await admin.json<ApplyJson>(['apply', '-f', path, '--dry-run']);
    expect(plan).toMatchObject({ dryRun: true, changed: true, project: { id: null, name: 'Shop' } });
    expect(plan.steps.map((s) => `${s.action} ${s.kind} ${s.name}`)).toEqual([
      'create project Shop',
      'create member ann@example.com',
      'create member bob@example.com',
      // The creator is a member of a new project from the start (an administrator, not an
      // operator): the file makes them an operator, an update (one's own comes last), not a
      // member to add.
      'update member root@example.com',
      'create group wholesale',
      'update routing Shop',
      'create schedule ann@example.com',
      'create schedule bob@example.com',
      'create template hello',
      'create lead class partner',
    ]);
    expect(plan.steps[6].changes).toEqual(['mon-fri 09:00-13:00,14:00-18:00; sat 10:00-14:00; 2030-12-30 10:00-15:00; 2030-12-31 off']);
    expect(await admin.json<unknown[]>(['project', 'list'])).toEqual([]);
  });

  it('applies the file (welcome mails included); the second run changes nothing (exit 0 with --detailed-exitcode)', async () => {
    const path = await file('shop.yaml', FILE);
    const first = await admin.run(['apply', '-f', path, '--detailed-exitcode']);
    expect(first.code, first.stderr).toBe(2);
    expect(first.stdout).toContain('+ create member ann@example.com');
    expect(first.stdout).toContain('~ update member root@example.com\n      operator: false -> true');
    expect(first.stdout).not.toContain('create member root@example.com');
    expect(first.stdout).toMatch(/Applied \d+ changes\./);
    await mail.waitFor((m) => m.to === 'ann@example.com');
    await mail.waitFor((m) => m.to === 'bob@example.com');

    const [project] = await admin.json<Array<{ id: number; name: string; timezone: string; allowedOrigins: string[] }>>(['project', 'list']);
    expect(project).toMatchObject({
      name: 'Shop',
      timezone: 'Europe/Moscow',
      allowedOrigins: ['https://shop.example.com'],
      widget: { color: '#0a84ff', greeting: 'Hi! Ask us anything about your order.' },
    });
    await admin.run(['project', 'use', 'Shop']);
    const team = await admin.json<Array<{ email: string; operator: boolean; access: string | null }>>(['team', 'list']);
    expect(team.map((m) => [m.email, m.operator, m.access]).sort()).toEqual([
      ['ann@example.com', true, null],
      ['bob@example.com', true, 'settings'],
      ['root@example.com', true, 'admin'],
    ]);
    const { schedules } = await admin.json<{ schedules: Array<{ email: string; weekly: Record<string, unknown[]>; exceptions: unknown[] }> }>([
      'schedule',
      'show',
      '--operator',
      'bob@example.com',
    ]);
    expect(schedules[0].weekly.mon).toEqual([
      { from: '09:00', to: '13:00' },
      { from: '14:00', to: '18:00' },
    ]);
    expect(schedules[0].weekly.sun).toEqual([]);
    expect(schedules[0].exceptions).toHaveLength(2);

    const groups = await admin.json<Array<{ name: string; members: Array<{ email: string }> }>>(['group', 'list']);
    expect(groups.map((g) => [g.name, g.members.map((m) => m.email)])).toEqual([['wholesale', ['ann@example.com']]]);
    const shown = await admin.json<{ routing: unknown }>(['project', 'show']);
    expect(shown.routing).toEqual({ assignment: 'round-robin', rules: [{ pattern: 'https://shop.example.com/b2b/*', group: 'wholesale' }] });
    const { templates } = await admin.json<{ templates: Array<{ name: string; text: string }> }>(['templates', 'list']);
    expect(templates.map((t) => [t.name, t.text])).toEqual([['hello', 'Hello {visitor.name}! I am {operator.first_name}. ${7*7} stays as typed.']]);
    const { classes } = await admin.json<{ classes: Array<{ name: string }> }>(['leads', 'classes', 'list']);
    expect(classes.map((c) => c.name)).toEqual(['target', 'not target', 'spam', 'existing client', 'partner']);

    const second = await admin.run(['apply', '-f', path, '--detailed-exitcode']);
    expect(second, second.stderr).toMatchObject({ code: 0 });
    expect(second.stdout).toContain('already matches the file: nothing to do');
    // A zone in another spelling is the same zone: the server keeps the zone database's.
    const lower = await admin.run(['apply', '-f', await file('lower.yaml', FILE.replace('Europe/Moscow', 'europe/moscow')), '--detailed-exitcode']);
    expect(lower, lower.stderr).toMatchObject({ code: 0 });
    // "-" reads the file from stdin, and names it so in a problem.
    const piped = await admin.run(['apply', '-f', '-', '--detailed-exitcode'], { stdin: FILE });
    expect(piped, piped.stderr).toMatchObject({ code: 0 });
    expect(piped.stdout).toContain('already matches the file: nothing to do');
    const bad = await admin.run(['apply', '-f', '-'], { stdin: FILE.replace('Europe/Moscow', 'Mars/Base') });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^parley: stdin:5:13: unknown time zone "Mars\/Base"/);
    // null and "" take the widget's colour and greeting back to none; the file as it was brings them back.
    const plain = FILE.replace('"#0A84FF"', 'null').replace('greeting: Hi! Ask us anything about your order.', 'greeting: ""');
    const reset = await admin.run(['apply', '-f', '-'], { stdin: plain });
    expect(reset, reset.stderr).toMatchObject({ code: 0 });
    expect(reset.stdout).toMatch(/widget\.color: #0a84ff -> none/);
    expect((await admin.json<{ widget: unknown }>(['project', 'show'])).widget).toEqual({ color: null, greeting: null });
    expect((await admin.run(['apply', '-f', '-', '--detailed-exitcode'], { stdin: plain })).code).toBe(0);
    expect((await admin.run(['apply', '-f', '-', '--detailed-exitcode'], { stdin: FILE })).code).toBe(2);
  });

  it('plans updates per field, and --prune deletes what the file leaves out, never the caller', async () => {
    const edited = FILE.replace('    lastName: Lee\n    operator: true\n', '    lastName: Lee-Smith\n    operator: true\n    access: settings\n')
      .replace(/ {2}- email: bob@example\.com\n(?: {4}.*\n)+/, '')
      .replace('[ann@example.com, bob@example.com]', '[ann@example.com]')
      .replace(/ {2}- email: root@example\.com\n(?: {4}.*\n)+/, '')
      .replace(', partner]', ']')
      .replace(/templates:\n[\s\S]*$/, 'templates: []\n');
    const path = await file('shop-edited.yaml', edited);
    const plan = await admin.json<ApplyJson>(['apply', '-f', path, '--prune', '--dry-run']);
    expect(plan.steps.map((s) => `${s.action} ${s.kind} ${s.name}`)).toEqual([
      'update member ann@example.com',
      'delete lead class partner',
      'delete template hello',
      'delete schedule bob@example.com',
      'delete member bob@example.com',
    ]);
    expect(plan.steps[0].changes).toEqual(['lastName: Lee -> Lee-Smith', 'access: none -> settings']);

    // Without --prune, nothing is deleted.
    const kept = await admin.json<ApplyJson>(['apply', '-f', path]);
    expect(kept.steps.map((s) => s.action)).toEqual(['update']);
    const pruned = await admin.run(['apply', '-f', path, '--prune', '--detailed-exitcode']);
    expect(pruned.code, pruned.stderr).toBe(2);
    const team = await admin.json<Array<{ email: string; lastName: string }>>(['team', 'list']);
    expect(team.map((m) => m.email).sort()).toEqual(['ann@example.com', 'root@example.com']);
    expect(team.find((m) => m.email === 'ann@example.com')!.lastName).toBe('Lee-Smith');
    const again = await admin.run(['apply', '-f', path, '--prune', '--detailed-exitcode']);
    expect(again, again.stderr).toMatchObject({ code: 0 });
  });

  it('a name written in another case renames the template or lead class', async () => {
    const base = FILE.replace('  name: Shop\n', '  name: Cases\n');
    expect((await admin.run(['apply', '-f', await file('cases.yaml', base)])).code).toBe(0);
    const renamed = await file('cases-renamed.yaml', base.replace('  - name: hello\n', '  - name: Hello\n').replace(', spam,', ', Spam,'));
    const plan = await admin.json<ApplyJson>(['apply', '-f', renamed, '--dry-run']);
    expect(plan.steps.map((s) => [`${s.action} ${s.kind} ${s.name}`, s.changes])).toEqual([
      ['update template hello', ['name: "hello" -> "Hello"']],
      ['update lead class spam', ['name: "spam" -> "Spam"']],
    ]);
    expect((await admin.run(['apply', '-f', renamed])).code).toBe(0);
    const exported = (await admin.run(['export', '-p', 'Cases'])).stdout;
    expect(exported).toContain('- name: Hello\n');
    expect(exported).toMatch(/leadClasses: \[.*Spam.*\]|- Spam\n/);
    expect((await admin.run(['apply', '-f', renamed, '--detailed-exitcode'])).code).toBe(0);
  });

  it('a file applied again after one of its exception dates has passed still matches: past dates change nothing', async () => {
    const converged = await admin.run(['apply', '-f', await file('again.yaml', FILE)]);
    expect(converged, converged.stderr).toMatchObject({ code: 0 });
    const withPast = FILE.replace('      2030-12-31: off', '      2020-01-01: off\n      2030-12-31: off');
    expect(withPast).toContain('2020-01-01: off');
    const r = await admin.run(['apply', '-f', await file('past.yaml', withPast), '--detailed-exitcode']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('already matches the file: nothing to do');
  });

  it('export, then apply on an empty server, reproduces the project', async () => {
    const exported = await admin.run(['export']);
    expect(exported, exported.stderr).toMatchObject({ code: 0 });
    expect(exported.stdout).toMatch(/^# Parley project "Shop"/);
    const path = await file('exported.yaml', exported.stdout);

    const mail2 = await startSmtpSink();
    const empty = await startTestServer({ env: { PARLEY_SMTP_URL: mail2.url } });
    try {
      const other = await signedInShell(empty);
      const r = await other.run(['apply', '-f', path, '--detailed-exitcode']);
      expect(r.code, r.stderr).toBe(2);
      await other.run(['project', 'use', 'Shop']);
      const again = await other.run(['export']);
      const strip = (s: string) => s.replace(/^#.*\n/gm, '');
      expect(strip(again.stdout)).toBe(strip(exported.stdout));
      const second = await other.run(['apply', '-f', path, '--detailed-exitcode']);
      expect(second, second.stderr).toMatchObject({ code: 0 });
    } finally {
      await empty.close();
      await mail2.close();
    }
  });

  it('refuses a bad file whole, pointing to the line and column of the first problem', { timeout: 120_000 }, async () => {
    const cases: Array<[string, RegExp]> = [
      [FILE.replace('  language: en', '  langauge: en'), /bad\.yaml:6:3: unknown key "langauge" in project/],
      [FILE.replace('Europe/Moscow', 'Mars/Base'), /bad\.yaml:5:13: unknown time zone "Mars\/Base"/],
      [FILE.replace('email: ann@example.com', 'email: ann@'), /bad\.yaml:22:12: "ann@" is not a valid email address/],
      [FILE.replace('"14:00-18:00"', '"14:00-25:00"'), /bad\.yaml:34:32: not a time on the clock: "25:00"/],
      [FILE.replace('"14:00-18:00"', '"12:00-18:00"'), /bad\.yaml:34:32: 12:00-18:00 overlaps other hours on mon/],
      [FILE.replace('2030-12-31: off', '2026-02-30: off'), /bad\.yaml:37:7: not a real date: "2026-02-30"/],
      [FILE.replace('mon-fri:', 'mon-fry:'), /bad\.yaml:34:7: unknown weekday or range: "mon-fry"/],
      [FILE.replace('    operator: true\n    access: settings', '    operator: maybe\n    access: settings'), /bad\.yaml:29:15: team\[2\]\.operator must be true or false/],
      [FILE.replace('  language: en', '  language: de'), /bad\.yaml:6:13: project\.language must be "en" or "ru"/],
      [`${FILE}  - email: ann@example.com\n    firstName: Ann\n    lastName: Again\n`.replace(/schedules:[\s\S]*$/, '') + 'team2: 1\n', /unknown key "team2"/],
      [FILE.replace('    firstName: Ann\n', ''), /bad\.yaml:22:5: team\[1\] needs "firstName"/],
      [FILE.replace('project:\n  name: Shop', 'project:\n  name: Shop\n  name: Shop'), /bad\.yaml:5:3: Map keys must be unique/],
      ['project: [1, 2', /bad\.yaml:1:\d+: /],
      // An empty file (a failed `parley export > FILE`) is refused as empty, never "nothing to keep".
      ['', /bad\.yaml:1:1: the file is empty: it must be a mapping with at least "project: \{name: …\}"/],
      [' \n# nothing yet\n', /bad\.yaml:1:1: the file is empty: it must be a mapping/],
      [FILE.replace('"#0A84FF"', 'blue'), /bad\.yaml:9:12: project\.widget\.color must be null or an accent colour as #rrggbb/],
      [FILE.replace('{operator.first_name}', '{operator.phone}'), /unknown placeholder \{operator\.phone\} in template "hello"/],
      [FILE.replace('group: wholesale', 'group: retail'), /bad\.yaml:15:14: route to unknown group "retail"/],
      [FILE.replace('members: [ann@example.com]', 'members: [zed@example.com]'), /zed@example\.com is not an operator in "team"/],
      [FILE.replaceAll('wholesale', 'w'.repeat(51)), /bad\.yaml:15:14: project\.routes\[0\]\.group is longer than 50 characters/],
    ];
    const before = await admin.run(['export']);
    // Each case in its own directory, so that all can run at once and still be named bad.yaml.
    const results = await Promise.all(
      cases.map(async ([text], i) => {
        await mkdir(join(dir, `case${i}`), { recursive: true });
        return admin.run(['apply', '-f', await file(`case${i}/bad.yaml`, text)]);
      }),
    );
    results.forEach((r, i) => {
      expectFailure(r, 1, cases[i][1]);
      expect(r.stderr).toContain('nothing was applied');
    });
    const dup = FILE.replace('  - email: bob@example.com', '  - email: ANN@example.com');
    expectFailure(await admin.run(['apply', '-f', await file('bad.yaml', dup)]), 1, /team\[2\]\.email "ann@example\.com" is already given in team\[1\]/);
    expectFailure(await admin.run(['apply', '-f', join(dir, 'missing.yaml')]), 1, /no such file/);
    const folder = await admin.run(['apply', '-f', join(dir, 'case0')]);
    expectFailure(folder, 1);
    expect(folder.stderr).toBe(`parley: ${join(dir, 'case0')} is a directory, not a file\n`);
    const after = await admin.run(['export']);
    expect(after.stdout.replace(/^#.*\n/gm, '')).toBe(before.stdout.replace(/^#.*\n/gm, ''));
  });

  it('ships the JSON Schema for editors, equal to the one apply checks against', async () => {
    const shipped = JSON.parse(await readFile(new URL('../../schema/parley.schema.json', import.meta.url), 'utf8'));
    expect(shipped).toEqual(jsonSchema());
  });
});
