// QA session 16 (qa-admin) on what `parley apply` and `templates import` read, through the real
// binary against a real server: a file that is not UTF-8 is refused at its first bad byte (#1),
// YAML tags are refused where they are (#2), --detailed-exitcode keeps 2 for changes alone
// (#3), a file over 10 MB is refused before it is read (#10), the parser's problems in a
// project file's words (#11), and the JSON Schema editors get refuses what apply refuses (#15).
// Every refused file leaves the project exactly as it was.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from '../helpers/cli.js';
import { PARLEY_BIN } from '../helpers/cli.js';
import { adminShell, expectFailure, type Shell } from '../helpers/cli-extra.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };

const FILE = [
  'project:',
  '  name: Input',
  '  timezone: Europe/Berlin',
  '  widget:',
  '    greeting: ""',
  'team:',
  '  - email: root@example.com',
  '    firstName: Root',
  '    lastName: Admin',
  '    access: admin',
  '  - email: ann@example.com',
  '    firstName: Ann',
  '    lastName: Lee',
  '    operator: true',
  'groups:',
  '  - name: sales',
  '    members: [ann@example.com]',
  'schedules:',
  '  - operators: [ann@example.com]',
  '    week:',
  '      mon-fri: ["09:00-18:00"]',
  'templates:',
  '  - name: hello',
  '    text: Hello {visitor.name}!',
  '',
].join('\n');

let server: TestServer;
let admin: Shell;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminShell(server, ADMIN, { PARLEY_PROJECT: 'Input' });
  dir = await tempDir('parley-s16-c2-input-');
  const first = await admin.run(['apply', '-f', await file('base.yaml', FILE)], { env: { PARLEY_PROJECT: undefined } });
  expect(first, first.stderr).toMatchObject({ code: 0 });
});

afterAll(async () => {
  await server?.close();
});

let files = 0;
/** Each file in its own directory, under the name given. */
async function file(name: string, content: string | Buffer): Promise<string> {
  const sub = join(dir, `f${files++}`);
  await mkdir(sub);
  const path = join(sub, name);
  await writeFile(path, content);
  return path;
}

/** The project as `parley export` has it, without its dated header: equal before and after a refused file. */
const exported = async () => {
  const r = await admin.run(['export']);
  expect(r, r.stderr).toMatchObject({ code: 0 });
  return r.stdout.replace(/^#.*\n/gm, '');
};

/** Runs parley in the admin's shell with these bytes (not text) on stdin. */
function runWithStdin(args: string[], bytes: Buffer): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH, HOME: admin.configDir, PARLEY_CONFIG_DIR: admin.configDir, ...admin.env };
    const child = spawn(process.execPath, [PARLEY_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(bytes);
  });
}

/** FILE with `from` replaced, as bytes: `to` may be bytes of another encoding. */
const bytesWith = (from: string, to: Buffer) => {
  const at = FILE.indexOf(from);
  return Buffer.concat([Buffer.from(FILE.slice(0, at)), to, Buffer.from(FILE.slice(at + from.length))]);
};

describe('#1 a file must be UTF-8 text', () => {
  it('a Windows-1252 letter is refused at its line and column, from a file and from stdin; nothing changes', async () => {
    const before = await exported();
    // "Änn": Ä is 0xC4 in Windows-1252 and Latin-1, a broken sequence in UTF-8.
    const bytes = bytesWith('firstName: Ann', Buffer.from('firstName: \xc4nn', 'latin1'));
    const line = FILE.slice(0, FILE.indexOf('firstName: Ann')).split('\n').length;
    const col = '    firstName: '.length + 1;
    const path = await file('latin1.yaml', bytes);
    const fromFile = await admin.run(['apply', '-f', path]);
    expectFailure(fromFile, 1);
    expect(fromFile.stderr).toBe(`parley: ${path}:${line}:${col}: not UTF-8 text (byte 0xC4); save the file as UTF-8; nothing was applied\n`);
    const dry = await admin.run(['apply', '-f', path, '--dry-run']);
    expect(dry.stderr).toBe(fromFile.stderr);
    const piped = await runWithStdin(['apply', '-f', '-'], bytes);
    expectFailure(piped, 1);
    expect(piped.stderr).toBe(`parley: stdin:${line}:${col}: not UTF-8 text (byte 0xC4); save the file as UTF-8; nothing was applied\n`);
    expect(await exported()).toBe(before);
    expect((await admin.json<{ firstName: string }>(['team', 'show', 'ann@example.com'])).firstName).toBe('Ann');
  });

  it('UTF-16 is named as such, with or without a byte-order mark; a UTF-8 byte-order mark is fine', async () => {
    const before = await exported();
    const changed = FILE.replace('lastName: Lee', 'lastName: Lee-Smith');
    const withBom = await file('utf16.yaml', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(changed, 'utf16le')]));
    expectFailure(await admin.run(['apply', '-f', withBom]), 1, /utf16\.yaml is UTF-16: save it as UTF-8; nothing was applied\n$/);
    const bigEndian = Buffer.from(changed, 'utf16le').swap16();
    expectFailure(await runWithStdin(['apply', '-f', '-'], Buffer.concat([Buffer.from([0xfe, 0xff]), bigEndian])), 1, /^parley: stdin is UTF-16: save it as UTF-8; nothing was applied\n$/);
    // Without a mark every other byte is a NUL: valid UTF-8, and yet not text.
    const noBom = await file('utf16-nobom.yaml', Buffer.from(changed, 'utf16le'));
    expectFailure(await admin.run(['apply', '-f', noBom]), 1, /utf16-nobom\.yaml:1:2: a NUL byte, which text never has \(UTF-16\?\); save the file as UTF-8; nothing was applied\n$/);
    expect(await exported()).toBe(before);

    const utf8Bom = await file('bom.yaml', `\ufeff${FILE}`);
    const same = await admin.run(['apply', '-f', utf8Bom, '--detailed-exitcode']);
    expect(same, same.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(same.stdout).toContain('already matches the file: nothing to do');
  });

  it('templates import refuses a Latin-1 CSV (file or stdin) at its first bad byte, and imports nothing', async () => {
    const latin1 = Buffer.from('name,text\r\nCaf\xe9,Bonjour \xe0 tous\r\n', 'latin1');
    const path = await file('latin1.csv', latin1);
    const r = await admin.run(['templates', 'import', path]);
    expectFailure(r, 1);
    expect(r.stderr).toBe(`parley: ${path}:2:4: not UTF-8 text (byte 0xE9); save the file as UTF-8; nothing was imported\n`);
    expectFailure(await runWithStdin(['templates', 'import', '-', '--format', 'csv'], latin1), 1, /^parley: stdin:2:4: not UTF-8 text \(byte 0xE9\)/);
    const names = (await admin.json<{ templates: Array<{ name: string }> }>(['templates', 'list'])).templates.map((t) => t.name);
    expect(names).toEqual(['hello']);
    // The same letters in UTF-8 are imported as they are.
    const utf8 = await file('utf8.csv', 'name,text\r\nCafé,Bonjour à tous\r\n');
    const ok = await admin.run(['templates', 'import', utf8, '--dry-run']);
    expect(ok, ok.stderr).toMatchObject({ code: 0 });
    expect(ok.stdout).toContain('+ create  Café');
  });
});

describe('#2 YAML tags', () => {
  it('an unknown tag is refused with the key it is on and the tag, never applied as the text after it', async () => {
    const before = await exported();
    const env = FILE.replace('greeting: ""', 'greeting: !env GREETING');
    const path = await file('env.yaml', env);
    const line = env.split('\n').findIndex((l) => l.includes('!env')) + 1;
    const r = await admin.run(['apply', '-f', path, '--dry-run']);
    expectFailure(r, 1);
    expect(r.stderr).toBe(
      `parley: ${path}:${line}:15: project.widget.greeting has the YAML tag !env, which apply does not read: write the value itself ` +
        '(a tool such as envsubst can fill it in before apply); nothing was applied\n',
    );
    const include = await file('include.yaml', FILE.replace('text: Hello {visitor.name}!', 'text: !include templates/hello.txt'));
    expectFailure(await admin.run(['apply', '-f', include]), 1, /include\.yaml:24:11: templates\[0\]\.text has the YAML tag !include,/);
    // A tag on a list, and one of YAML 1.1's (a Buffer is no text either).
    const onList = await file('ref.yaml', FILE.replace('members: [ann@example.com]', 'members: !Ref Members'));
    expectFailure(await admin.run(['apply', '-f', onList]), 1, /groups\[0\]\.members has the YAML tag !Ref,/);
    const binary = await file('binary.yaml', FILE.replace('name: sales', 'name: !!binary c2FsZXM='));
    expectFailure(await admin.run(['apply', '-f', binary]), 1, /groups\[0\]\.name has the YAML tag !!binary,/);
    // The core schema's own tags stay what they were: !!str makes text.
    const str = await admin.run(['apply', '-f', await file('str.yaml', FILE.replace('name: sales', 'name: !!str sales')), '--detailed-exitcode']);
    expect(str, str.stderr).toMatchObject({ code: 0 });
    expect(await exported()).toBe(before);
  });
});

describe('#3 --detailed-exitcode: 0 nothing changed, 2 changes, 1 any error (usage included)', () => {
  it('a misspelt or missing option exits 1 with the flag, 2 without it; changes exit 2', async () => {
    const path = await file('same.yaml', FILE);
    const typo = await admin.run(['apply', '-f', path, '--detailed-exitcode', '--prnue']);
    expectFailure(typo, 1, /unknown option '--prnue'/);
    // After the misspelt option commander stops reading options: the flag is still seen.
    expectFailure(await admin.run(['apply', '--prnue', '--detailed-exitcode', '-f', path]), 1, /unknown option '--prnue'/);
    expectFailure(await admin.run(['apply', '--detailed-exitcode']), 1, /required option '-f, --file <path>' not specified/);
    // Without the flag a usage error is still 2, as for every command.
    expectFailure(await admin.run(['apply', '-f', path, '--prnue']), 2, /unknown option '--prnue'/);
    expectFailure(await admin.run(['apply']), 2);

    expect((await admin.run(['apply', '-f', path, '--detailed-exitcode'])).code).toBe(0);
    const change = await file('change.yaml', FILE.replace('timezone: Europe/Berlin', 'timezone: Europe/Paris'));
    expect((await admin.run(['apply', '-f', change, '--dry-run', '--detailed-exitcode'])).code).toBe(2);
    expect((await admin.run(['apply', '-f', change, '--detailed-exitcode'])).code).toBe(2);
    expect((await admin.run(['apply', '-f', path, '--detailed-exitcode'])).code).toBe(2);

    const help = (await admin.run(['apply', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('With --detailed-exitcode (as terraform plan): 0 nothing changed, 2 changes were made (or, with --dry-run, would be), 1 any error, a usage error included');
  });
});

describe('#10 a size limit on project files', () => {
  it('a file over 10 MB is refused before it is read, from a file and from stdin', async () => {
    const big = `${FILE}#${'x'.repeat(10 * 1024 * 1024 - FILE.length)}\n`;
    expect(Buffer.byteLength(big)).toBeGreaterThan(10 * 1024 * 1024);
    const path = await file('big.yaml', big);
    const r = await admin.run(['apply', '-f', path]);
    expectFailure(r, 1);
    expect(r.stderr).toBe(`parley: ${path} is 10.1 MB: a project file is at most 10 MB; nothing was applied\n`);
    expectFailure(await runWithStdin(['apply', '-f', '-'], Buffer.from(big)), 1, /^parley: stdin is more than 10 MB: a project file is at most 10 MB; nothing was applied\n$/);
    // Just under the limit is read and checked as usual.
    const under = await file('under.yaml', `${FILE}#${'x'.repeat(10 * 1024 * 1024 - FILE.length - 3)}\n`);
    const ok = await admin.run(['apply', '-f', under, '--dry-run']);
    expect(ok, ok.stderr).toMatchObject({ code: 0 });
  });
});

describe('#11 the parser\'s problems, in the words of a project file', () => {
  it('an alias bomb, two documents, a key given twice, a merge key, an empty name, no project', async () => {
    const before = await exported();
    const bomb = ['project: {name: Input}', 'a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]'];
    for (const c of 'cdefghi') bomb.push(`${c}: &${c} [${Array(9).fill(`*${String.fromCharCode(c.charCodeAt(0) - 1)}`).join(', ')}]`);
    expectFailure(
      await admin.run(['apply', '-f', await file('laughs.yaml', `${bomb.join('\n')}\n`)]),
      1,
      /laughs\.yaml:3:8: the file's aliases \(\*name\) expand to too much data \(excessive alias count indicates a resource exhaustion attack\); nothing was applied\n$/,
    );
    const two = await admin.run(['apply', '-f', await file('two.yaml', `${FILE}---\nproject: {name: Other}\n`)]);
    expectFailure(two, 1);
    expect(two.stderr).toMatch(new RegExp(`two\\.yaml:${FILE.split('\n').length}:1: a second YAML document starts here \\("---"\\): a project file holds one document, one project; nothing was applied\n$`));
    expectFailure(
      await admin.run(['apply', '-f', await file('dup.yaml', FILE.replace('  timezone: Europe/Berlin\n', '  timezone: Europe/Berlin\n  timezone: Europe/Paris\n'))]),
      1,
      /dup\.yaml:4:3: Map keys must be unique: "timezone" is given twice in project; nothing was applied\n$/,
    );
    const json = `{"project": {"name": "Input", "language": "en", "language": "ru"}}`;
    const dupJson = await admin.run(['apply', '-f', await file('dup.json', json)]);
    expectFailure(dupJson, 1);
    expect(dupJson.stderr).toContain(`dup.json:1:${json.lastIndexOf('"language"') + 1}: Map keys must be unique: "language" is given twice in project;`);
    const merge = FILE.replace('  - email: ann@example.com\n', '  - &ann\n    email: ann@example.com\n').replace('groups:', '  - <<: *ann\n    email: bob@example.com\ngroups:');
    const mergeLine = merge.split('\n').indexOf('  - <<: *ann') + 1;
    const merged = await admin.run(['apply', '-f', await file('merge.yaml', merge)]);
    expectFailure(merged, 1);
    expect(merged.stderr).toContain(`merge.yaml:${mergeLine}:5: YAML merge keys (<<) are not supported (in team[2]): write the fields out`);
    // A file that says it is YAML 1.1, which has merge keys: refused the same, never merged quietly.
    const merged11 = await admin.run(['apply', '-f', await file('merge11.yaml', `%YAML 1.1\n---\n${merge}`)]);
    expectFailure(merged11, 1);
    expect(merged11.stderr).toContain(`merge11.yaml:${mergeLine + 2}:5: YAML merge keys (<<) are not supported (in team[2]): write the fields out`);
    expectFailure(await admin.run(['apply', '-f', await file('empty.yaml', FILE.replace('  name: Input', '  name:'))]), 1, /empty\.yaml:2:8: project\.name is empty \(it must be text\); nothing was applied\n$/);
    expectFailure(
      await admin.run(['apply', '-f', await file('none.yaml', 'templates: []\n')], { env: { PARLEY_PROJECT: undefined } }),
      1,
      /none\.yaml:1:1: the file needs "project" with its "name", or pass --project to apply the file to an existing project; nothing was applied\n$/,
    );
    expect(await exported()).toBe(before);
  });
});

describe('#15 the JSON Schema editors get refuses what apply refuses', () => {
  it('as served at /parley.schema.json: long group names, dates that are not YYYY-MM-DD, too many origins; it names no other address', async () => {
    const r = await fetch(`${server.url}/parley.schema.json`);
    const schema = (await r.json()) as Record<string, unknown>;
    // The schema sits at each server's own address: an $id elsewhere would mislead an editor.
    expect(schema.$id).toBeUndefined();
    const Ajv = ((Ajv2020 as unknown as { default?: typeof Ajv2020 }).default ?? Ajv2020) as typeof Ajv2020;
    const validate = new Ajv({ strict: false, allErrors: true }).compile(schema);
    const YAML = await import('yaml');
    const long = 'g'.repeat(51);
    const cases: Array<[string, string, RegExp | null]> = [
      ['ok', FILE, null],
      ['long group', FILE.replace('name: sales', `name: ${long}`), /groups\[0\]\.name is longer than 50 characters/],
      ['long route group', FILE.replace('  widget:', `  routes: [{pattern: "*", group: ${long}}]\n  widget:`), /project\.routes\[0\]\.group is longer than 50 characters/],
      ['short date', FILE.replace('      mon-fri: ["09:00-18:00"]', '      mon-fri: ["09:00-18:00"]\n    exceptions:\n      2026-1-5: off'), /not a date: "2026-1-5" in schedules\[0\]\.exceptions \(use YYYY-MM-DD\)/],
      ['origins', FILE.replace('  widget:', `  allowedOrigins: [${Array.from({ length: 51 }, (_, i) => `https://s${i}.example.com`).join(', ')}]\n  widget:`), /project\.allowedOrigins has more than 50 items/],
      ['long pattern', FILE.replace('  widget:', `  routes: [{pattern: "https://x.example.com/${'p'.repeat(500)}", group: sales}]\n  widget:`), /project\.routes\[0\]\.pattern is longer than 500 characters/],
    ];
    for (const [what, text, refusal] of cases) {
      const editorAccepts = validate(YAML.parse(text));
      const applied = await admin.run(['apply', '-f', await file('case.yaml', text), '--dry-run']);
      expect(editorAccepts, `${what}: ${JSON.stringify(validate.errors)}`).toBe(refusal === null);
      if (refusal === null) expect(applied, applied.stderr).toMatchObject({ code: 0 });
      else expectFailure(applied, 1, refusal);
    }
    const help = (await admin.run(['apply', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('settings, widget, team, groups, routing, schedules, templates, lead classes');
  });
});
