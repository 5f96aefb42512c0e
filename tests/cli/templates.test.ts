// `parley templates` through the real binary against a real server: add/list/show/edit/rm,
// import from JSON, YAML and CSV (upsert, --replace, --dry-run, bad rows with their line and
// nothing changed), export in each format round-tripping through import, and who may write.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportPlan, Template } from '../../core/protocol/index.js';
import type { Io } from '../../cli/io.js';
import { progressBar } from '../../cli/progress.js';
import { adminShell, expectFailure, type Shell, loginShell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const OPERATOR = 'olga@example.com';

let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
let admin: Shell;
let operator: Shell;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  outbox = await watchOutbox(server.dataDir);
  dir = await tempDir('parley-templates-');
  admin = await adminShell(server, ADMIN);
  await admin.json(['project', 'create', 'Alpha']);
  await admin.json(['project', 'create', 'Beta']);
  await Promise.all(['Copy json', 'Copy yaml', 'Copy csv'].map((name) => admin.json(['project', 'create', name])));
  const add = await admin.run(['team', 'add', '-p', 'Alpha', '--email', OPERATOR, '--first-name', 'Olga', '--last-name', '-', '--operator']);
  expect(add, add.stderr).toMatchObject({ code: 0, stderr: '' });
  operator = await shell();
  await loginShell(operator, server.url, OPERATOR, `${passwordFrom(await outbox.waitFor((m) => m.to === OPERATOR))}\n${NEW_PASSWORD}\n`);
});

afterAll(async () => {
  outbox?.close();
  await server?.close();
});

const file = async (name: string, content: string) => {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
};
const listOf = async (project: string) =>
  (await admin.json<{ templates: Template[] }>(['templates', 'list', '-p', project])).templates.map((t) => [t.name, t.text]);

describe('add, list, show, edit, rm', () => {
  it('an operator adds templates; everyone lists and shows them', async () => {
    const added = await operator.run(['templates', 'add', 'Greeting', 'Hello, {visitor.name}!', 'I am {operator.first_name}.']);
    expect(added, added.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toMatch(/^Added the template "Greeting" to "Alpha" \(id \d+\)\.\n$/);
    const fromStdin = await operator.json<Template>(['templates', 'add', 'Delivery', '-'], { stdin: 'We deliver in 2 days.\nFree over $50.\n' });
    expect(fromStdin.text).toBe('We deliver in 2 days.\nFree over $50.');
    await operator.json(['templates', 'add', 'Math', 'Total: ${7*7} {{constructor.constructor(\'x\')()}}']);

    const table = await admin.run(['templates', 'list', '-p', 'Alpha']);
    expect(table).toMatchObject({ code: 0, stderr: '' });
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+TEXT$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[1])).toEqual(['Delivery', 'Greeting', 'Math']);
    expect(lines[1]).toContain('We deliver in 2 days. Free over $50.');

    const shown = await admin.run(['templates', 'show', 'greeting', '-p', 'Alpha']);
    expect(shown.stdout).toMatch(/^name:\s+Greeting\nid:\s+\d+\n.*\n.*\n\nHello, \{visitor\.name\}! I am \{operator\.first_name\}\.\n$/);
    // Stored and shown literally: template text is never evaluated.
    expect((await operator.json<Template>(['templates', 'show', 'Math'])).text).toBe("Total: ${7*7} {{constructor.constructor('x')()}}");
    expectFailure(await operator.run(['templates', 'show', 'Nope']), 1, /no template named "Nope"/);
  });

  it('edit renames and replaces the text; rm deletes', async () => {
    const edited = await operator.json<Template>(['templates', 'edit', 'Delivery', '--name', 'Shipping', '--text', 'Ships in {project.name} time.']);
    expect(edited).toMatchObject({ name: 'Shipping', text: 'Ships in {project.name} time.' });
    const byStdin = await operator.run(['templates', 'edit', 'shipping', '--text', '-'], { stdin: 'line 1\nline 2\n' });
    expect(byStdin).toMatchObject({ code: 0, stdout: 'Updated the template "Shipping".\n' });
    expect((await operator.json<Template>(['templates', 'show', String(edited.id)])).text).toBe('line 1\nline 2');
    const rm = await operator.run(['templates', 'rm', 'Shipping']);
    expect(rm).toMatchObject({ code: 0, stdout: 'Removed the template "Shipping".\n', stderr: '' });
    expectFailure(await operator.run(['templates', 'rm', 'Shipping']), 1, /no template named/);
  });

  it('refuses unknown placeholders (naming them), duplicates, empty text and missing arguments', async () => {
    const [phone, dup, blank, alone, nothing, email] = await Promise.all([
      operator.run(['templates', 'add', 'Phone', 'Call {visitor.phone}']),
      operator.run(['templates', 'add', 'GREETING', 'again']),
      operator.run(['templates', 'add', 'Blank', '-'], { stdin: '\n\n' }),
      operator.run(['templates', 'add', 'Alone']),
      operator.run(['templates', 'edit', 'Greeting']),
      operator.run(['templates', 'edit', 'Greeting', '--text', 'Hi {operator.email}']),
    ]);
    expectFailure(phone, 1, /unknown placeholder \{visitor\.phone\}.*known: \{visitor\.name\}/);
    expectFailure(dup, 1, /already exists/);
    expectFailure(blank, 2, /needs some text/);
    expectFailure(alone, 2, /missing required argument 'text'/);
    expectFailure(nothing, 2, /nothing to change/);
    expectFailure(email, 1, /\{operator\.email\}/);
    expect((await operator.json<Template>(['templates', 'show', 'Greeting'])).text).toBe('Hello, {visitor.name}! I am {operator.first_name}.');
  });

  it('refuses an empty or too long name or text before sending, naming where it was given (exit 2)', async () => {
    const before = await listOf('Alpha');
    const cases: Array<[string[], RegExp, string?]> = [
      [['templates', 'add', 'n'.repeat(101), 'x'], /argument 'name'\. the name "n{40}…" is longer than 100 characters/],
      [['templates', 'add', '  ', 'x'], /argument 'name'\. the template has no name/],
      [['templates', 'add', 'two\nlines', 'x'], /argument 'name'\. the name "two\\nlines" has a line break or control character/],
      [['templates', 'add', 'Long', 'a'.repeat(10_001)], /^parley: the text has 10001 characters; at most 10000 are allowed\n$/],
      [['templates', 'add', 'Long', '-'], /^parley: the text has 10001 characters; at most 10000 are allowed\n$/, `${'a'.repeat(10_001)}\n`],
      [['templates', 'add', 'Empty', ''], /^parley: a template needs some text\n$/],
      [['templates', 'edit', 'Greeting', '--name', 'n'.repeat(101)], /'--name <new-name>'.* the name "n{40}…" is longer than 100 characters/],
      [['templates', 'edit', 'Greeting', '--name', ''], /'--name <new-name>'.* the template has no name/],
      [['templates', 'edit', 'Greeting', '--text', 'a'.repeat(10_001)], /^parley: --text has 10001 characters; at most 10000 are allowed\n$/],
      [['templates', 'edit', 'Greeting', '--text', ' '], /^parley: a template needs some text\n$/],
    ];
    const results = await Promise.all(cases.map(([args, , stdin]) => admin.run([...args, '-p', 'Alpha'], { stdin })));
    results.forEach((r, i) => {
      expectFailure(r, 2, cases[i][1]);
      expect(r.stderr).not.toMatch(/a{200}/);
    });
    expect(await listOf('Alpha')).toEqual(before);
    // The limits themselves are allowed.
    const longest = await admin.json<Template>(['templates', 'add', 'n'.repeat(100), 'a'.repeat(10_000), '-p', 'Alpha']);
    expect([longest.name.length, longest.text.length]).toEqual([100, 10_000]);
    await admin.json(['templates', 'rm', String(longest.id), '-p', 'Alpha']);
  });

  it("an operator cannot change an admin's template or import; another project's are out of reach", async () => {
    await admin.json(['templates', 'add', 'Policy', 'Returns within 30 days.', '-p', 'Alpha']);
    const path = await file('op.json', '[{"name": "X", "text": "y"}]');
    const [edit, rm, imp, beta] = await Promise.all([
      operator.run(['templates', 'edit', 'Policy', '--text', 'No returns.']),
      operator.run(['templates', 'rm', 'Policy']),
      operator.run(['templates', 'import', path]),
      operator.run(['templates', 'list', '-p', 'Beta']),
    ]);
    expectFailure(edit, 1, /"admin" or "settings"/);
    expectFailure(rm, 1, /"admin" or "settings"/);
    expectFailure(imp, 1, /importing templates needs/);
    expectFailure(beta, 1, /unknown project: Beta/);
    expect((await operator.json<Template>(['templates', 'show', 'Policy'])).text).toBe('Returns within 30 days.');
  });
});

describe('import', () => {
  it('JSON: upserts by name and prints the plan', async () => {
    await admin.json(['templates', 'add', 'Old', 'old text', '-p', 'Beta']);
    await admin.json(['templates', 'add', 'Same', 'same text', '-p', 'Beta']);
    const path = await file(
      'beta.json',
      JSON.stringify({ templates: [{ name: 'Same', text: 'same text' }, { name: 'old', text: 'new text' }, { name: 'Hello', text: 'Hi {visitor.name}' }] }, null, 2),
    );
    const r = await admin.run(['templates', 'import', path, '-p', 'Beta']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('Imported templates into "Beta": 1 created, 1 updated, 0 deleted, 1 unchanged.\n  + create  Hello\n  ~ update  old\n');
    expect(await listOf('Beta')).toEqual([['Hello', 'Hi {visitor.name}'], ['old', 'new text'], ['Same', 'same text']]);
    // A bare list works too; importing the same again changes nothing.
    const bare = await file('bare.json', '[{"name": "Hello", "text": "Hi {visitor.name}"}]');
    expect(await admin.json(['templates', 'import', bare, '-p', 'Beta'])).toEqual({ dryRun: false, create: [], update: [], delete: [], unchanged: ['Hello'] });
  });

  it('--dry-run prints what would change and changes nothing; --replace deletes what the file does not list', async () => {
    const path = await file('replace.yaml', 'templates:\n  - name: Hello\n    text: Hi {visitor.name}\n  - name: Brand new\n    text: |\n      Two\n      lines\n');
    const before = await listOf('Beta');
    const [dry, dryJson] = await Promise.all([
      admin.run(['templates', 'import', path, '--replace', '--dry-run', '-p', 'Beta']),
      admin.json(['templates', 'import', path, '--replace', '--dry-run', '-p', 'Beta']),
    ]);
    expect(dry, dry.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toBe(
      'Dry run for "Beta" (nothing changed): 1 to create, 0 to update, 2 to delete, 1 unchanged.\n  + create  Brand new\n  - delete  old\n  - delete  Same\n',
    );
    expect(dryJson).toEqual({
      dryRun: true,
      create: ['Brand new'],
      update: [],
      delete: ['old', 'Same'],
      unchanged: ['Hello'],
    });
    expect(await listOf('Beta')).toEqual(before);
    const applied = await admin.json(['templates', 'import', path, '--replace', '-p', 'Beta']);
    expect(applied).toMatchObject({ dryRun: false, create: ['Brand new'], delete: ['old', 'Same'] });
    expect(await listOf('Beta')).toEqual([['Brand new', 'Two\nlines\n'], ['Hello', 'Hi {visitor.name}']]);
  });

  it('CSV (RFC 4180): quoted fields with commas, quotes and line breaks; CRLF; a BOM; columns in any order', async () => {
    const csv =
      '\ufefftext,Name\r\n' +
      '"Hello, {visitor.name}!\r\nHow can ""we"" help?",Greeting\r\n' +
      'Plain text,Plain\r\n' +
      '"=1+2, a formula-looking text",Formula\r\n';
    const path = await file('beta.csv', csv);
    const plan = await admin.json<{ create: string[] }>(['templates', 'import', path, '-p', 'Beta']);
    expect(plan.create).toEqual(['Greeting', 'Plain', 'Formula']);
    const list = Object.fromEntries(await listOf('Beta'));
    expect(list.Greeting).toBe('Hello, {visitor.name}!\nHow can "we" help?');
    expect(list.Formula).toBe('=1+2, a formula-looking text');
  });

  it('from stdin with --format', async () => {
    const r = await admin.json<{ create: string[] }>(['templates', 'import', '-', '--format', 'csv', '-p', 'Beta'], { stdin: 'name,text\nPiped,"from, stdin"\n' });
    expect(r.create).toEqual(['Piped']);
    const [noFormat, txt, missing, xml] = await Promise.all([
      admin.run(['templates', 'import', '-', '-p', 'Beta'], { stdin: '[]' }),
      // A file that is there but whose name says no format (one that is not there is "no such file").
      admin.run(['templates', 'import', await file('x.txt', 'name,text\n'), '-p', 'Beta']),
      admin.run(['templates', 'import', join(dir, 'missing.json'), '-p', 'Beta']),
      admin.run(['templates', 'import', '-', '--format', 'xml', '-p', 'Beta']),
    ]);
    expectFailure(noFormat, 2, /--format/);
    expectFailure(txt, 2, /\.json, \.yaml or \.csv/);
    expectFailure(missing, 1, /no such file/);
    expectFailure(xml, 2, /json, yaml, csv/);
  });

  it('an empty or blank file (a failed `export > FILE`) is refused, even with --replace; only an explicit empty list means none', async () => {
    const before = await listOf('Beta');
    expect(before.length).toBeGreaterThan(0);
    const blank: Array<[string, string, string]> = [
      ['empty.csv', '', 'the file is empty: it has no header "name,text"'],
      ['blank.csv', ' \r\n\n', 'the file is empty: it has no header "name,text"'],
      ['empty.yaml', '', 'the file is empty ("templates: []" means no templates)'],
      ['comments.yml', '# our templates\n\n', 'the file is empty ("templates: []" means no templates)'],
      ['empty.json', '\n', 'the file is empty ([] means no templates)'],
    ];
    const runs = await Promise.all(
      blank.map(async ([name, content]) => admin.run(['templates', 'import', await file(name, content), '--replace', '-p', 'Beta'])),
    );
    runs.forEach((r, i) => {
      expectFailure(r, 1);
      expect(r.stderr.startsWith(`parley: ${join(dir, blank[i][0])}: ${blank[i][2]}`), r.stderr).toBe(true);
    });
    expectFailure(await admin.run(['templates', 'import', '-', '--format', 'csv', '--replace', '-p', 'Beta'], { stdin: '' }), 1, /^parley: stdin: the file is empty/);
    expect(await listOf('Beta')).toEqual(before);

    const explicit = await Promise.all(
      [['none.csv', 'name,text\r\n'], ['none.yaml', 'templates: []\n'], ['none.json', '[]']].map(async ([name, content]) =>
        admin.json<ImportPlan>(['templates', 'import', await file(name, content), '--replace', '--dry-run', '-p', 'Beta']),
      ),
    );
    for (const plan of explicit) {
      expect(plan).toMatchObject({ dryRun: true, create: [], update: [], unchanged: [] });
      expect([...plan.delete].sort()).toEqual(before.map(([name]) => name).sort());
    }
  });

  describe('a bad row fails the whole import with its line number, and nothing changes', () => {
    let before: string[][];
    beforeAll(async () => {
      before = await listOf('Beta');
    });
    /** Imports each bad file at once (they are independent), then checks that nothing changed. */
    const fails = async (cases: Array<[name: string, content: string, message: RegExp]>, extra: string[] = []) => {
      const runs = await Promise.all(
        cases.map(async ([name, content]) => admin.run(['templates', 'import', await file(name, content), '-p', 'Beta', ...extra])),
      );
      runs.forEach((r, i) => expectFailure(r, 1, cases[i][2]));
      expect(await listOf('Beta')).toEqual(before);
    };

    it('CSV: missing name, empty text, a duplicate name, an unknown placeholder, a broken quote, a bad header', async () => {
      const bad: [string, string, RegExp] = [
        'bad.csv',
        'name,text\r\nFine,"multi\r\nline"\r\n,no name\r\nEmpty,\r\nfine,twice\r\nPh,"call {visitor.phone}"\r\n',
        /bad\.csv: nothing was imported: line 4: the template has no name; line 5: the text of "Empty" is empty; line 6: the name "fine" is already used on line 2; line 7: "Ph" uses unknown placeholder \{visitor\.phone\}/,
      ];
      await fails([
        bad,
        ['quote.csv', 'name,text\nA,"open\nB,b\n', /quote\.csv: line 2: a quoted field is not closed/],
        ['fields.csv', 'name,text\nA,b,c\n', /fields\.csv:2: expected 2 fields/],
        ['header.csv', 'title,body\nA,b\n', /header\.csv:1: the first line must name the columns "name,text"/],
      ]);
      // With --replace or --dry-run too.
      await fails([bad], ['--replace']);
      await fails([bad], ['--dry-run']);
    });

    it('YAML and JSON: the line each template starts on; syntax errors with their line', async () => {
      await fails([
        [
          'bad.yaml',
          'templates:\n  - name: One\n    text: fine\n\n  - name: Two\n    text: "{operator.phone}"\n  - text: no name\n',
          /bad\.yaml: nothing was imported: line 5: "Two" uses unknown placeholder \{operator\.phone\}.*; line 7: the template has no name/,
        ],
        ['keys.yaml', '- name: A\n  text: a\n- name: B\n  body: b\n', /keys\.yaml:4: unknown key "body"/],
        ['syntax.yaml', 'templates:\n  - name: A\n    text: [unclosed\n', /syntax\.yaml:\d+: not valid YAML/],
        [
          'bad.json',
          '[\n  {"name": "A", "text": "a"},\n  {"name": "a", "text": "again"},\n  {"name": "C", "text": ""}\n]\n',
          /bad\.json: nothing was imported: line 3: the name "a" is already used on line 2; line 4: the text of "C" is empty/,
        ],
        ['syntax.json', '[\n  {"name": "A", "text": "a"},\n]\n', /syntax\.json:3: not valid JSON/],
      ]);
    });
  });
});

describe('export', () => {
  const tricky: Array<[string, string]> = [
    ['Commas, "quotes"', 'a, "b", c'],
    ['Multi-line', 'one\ntwo\n\nfour'],
    ['Spaces', '  leading and trailing  '],
    ['Unicode', 'Здравствуйте, {visitor.name}! 👋'],
    ['Literal', "${7*7} {{constructor.constructor('x')()}}"],
    ['Trailing newline', 'ends here\n'],
    ['Formula', '=SUM(A1:A2)'],
  ];

  beforeAll(async () => {
    const path = await file('tricky.json', JSON.stringify(tricky.map(([name, text]) => ({ name, text }))));
    await admin.json(['templates', 'import', path, '--replace', '-p', 'Beta']);
  });

  it('--format json, yaml and csv each round-trip through import', async () => {
    const formats = ['json', 'yaml', 'csv'] as const;
    const exported = await Promise.all(formats.map((format) => admin.run(['templates', 'export', '--format', format, '-p', 'Beta'])));
    for (const out of exported) expect(out, out.stderr).toMatchObject({ code: 0, stderr: '' });
    const paths = await Promise.all(formats.map((format, i) => file(`export.${format}`, exported[i].stdout)));
    // Into three empty projects, and into Beta itself (which changes nothing).
    const plans = await Promise.all(
      formats.map((format, i) => admin.json<{ create: string[] }>(['templates', 'import', paths[i], '-p', `Copy ${format}`])),
    );
    for (const plan of plans) expect(plan.create).toHaveLength(tricky.length);
    const again = await Promise.all(paths.map((path) => admin.json(['templates', 'import', path, '-p', 'Beta'])));
    for (const plan of again) expect(plan).toMatchObject({ create: [], update: [], delete: [] });
    const lists = await Promise.all(formats.map((format) => listOf(`Copy ${format}`)));
    for (const list of lists) expect(Object.fromEntries(list)).toEqual(Object.fromEntries(tricky));
    expect(lists[0]).toEqual(await listOf('Beta'));
  });

  it('an export far over a pipe\'s 64 KB arrives whole on stdout (it was cut where the pipe was full)', async () => {
    await admin.json(['project', 'create', 'Big']);
    const big = Array.from({ length: 30 }, (_, i) => ({ name: `T${String(i).padStart(2, '0')}`, text: `${i} ${'long text '.repeat(900)}`.trim() }));
    const file = join(dir, 'big.json');
    await writeFile(file, JSON.stringify({ templates: big }));
    const imported = await admin.run(['templates', 'import', file, '-p', 'Big']);
    expect(imported, imported.stderr).toMatchObject({ code: 0 });
    const out = await admin.run(['templates', 'export', '--format', 'json', '-p', 'Big']);
    expect(out, out.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout.length).toBeGreaterThan(256 * 1024);
    expect(JSON.parse(out.stdout).templates).toEqual(big);
  });

  it('the formats look as documented; -o picks the format from the file name', async () => {
    const json = JSON.parse((await admin.run(['templates', 'export', '-p', 'Beta'])).stdout) as { templates: Array<{ name: string; text: string }> };
    expect(Object.keys(json)).toEqual(['templates']);
    expect(Object.keys(json.templates[0])).toEqual(['name', 'text']);
    const csv = (await admin.run(['templates', 'export', '--format', 'csv', '-p', 'Beta'])).stdout;
    expect(csv.startsWith('name,text\r\n')).toBe(true);
    expect(csv).toContain('"Commas, ""quotes""","a, ""b"", c"\r\n');
    expect(csv).toContain('Multi-line,"one\ntwo\n\nfour"\r\n');
    const yamlPath = join(dir, 'out.yml');
    const written = await admin.run(['templates', 'export', '-o', yamlPath, '-p', 'Beta']);
    expect(written).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await readFile(yamlPath, 'utf8')).toMatch(/^templates:\n {2}- name: /);
    expect((await admin.run(['templates', 'export', '--json', '-p', 'Beta'])).stdout).toBe(
      (await admin.run(['templates', 'export', '--format', 'json', '-p', 'Beta'])).stdout,
    );
    expectFailure(await admin.run(['templates', 'export', '--json', '--format', 'csv', '-p', 'Beta']), 2, /disagree/);
  });

  it('a directory, or a directory that does not exist, is one plain line naming it (exit 1)', async () => {
    const [intoDir, intoNowhere, fromDir] = await Promise.all([
      admin.run(['templates', 'export', '-o', dir, '-p', 'Beta']),
      admin.run(['templates', 'export', '-o', join(dir, 'nowhere', 't.csv'), '-p', 'Beta']),
      admin.run(['templates', 'import', dir, '--format', 'csv', '-p', 'Beta']),
    ]);
    for (const r of [intoDir, intoNowhere, fromDir]) expectFailure(r, 1);
    expect(intoDir.stderr).toBe(`parley: ${dir} is a directory, not a file\n`);
    expect(intoNowhere.stderr).toBe(`parley: no such directory: ${join(dir, 'nowhere')}\n`);
    expect(fromDir.stderr).toBe(`parley: ${dir} is a directory, not a file\n`);
  });

  it('import checks the file before its name says the format: a directory or a missing file is that (exit 1)', async () => {
    const missing = join(dir, 'nofile.txt');
    const [fromDir, fromNothing] = await Promise.all([
      admin.run(['templates', 'import', dir, '-p', 'Beta']),
      admin.run(['templates', 'import', missing, '-p', 'Beta']),
    ]);
    expectFailure(fromDir, 1);
    expect(fromDir.stderr).toBe(`parley: ${dir} is a directory, not a file\n`);
    expectFailure(fromNothing, 1);
    expect(fromNothing.stderr).toBe(`parley: no such file: ${missing}\n`);
  });
});

describe('the progress bar', () => {
  function fakeIo(tty: boolean, json = false): Io & { err: () => string } {
    const stderr = new PassThrough();
    let text = '';
    stderr.on('data', (c) => (text += c));
    return {
      stdout: new PassThrough(),
      stderr,
      stdin: new PassThrough(),
      env: {},
      stdoutIsTTY: tty,
      stdinIsTTY: tty,
      stderrIsTTY: tty,
      json,
      err: () => text,
    };
  }

  it('draws on a terminal for large files, counts to the total, and erases itself', () => {
    const io = fakeIo(true);
    const bar = progressBar(io, 500, 'checking templates', { minTotal: 200 });
    bar.tick(1);
    bar.tick(500);
    bar.say('importing 500 templates…');
    bar.end();
    expect(io.err()).toContain('checking templates [------------------------------] 1/500');
    expect(io.err()).toContain('checking templates [##############################] 500/500');
    expect(io.err()).toContain('importing 500 templates…');
    expect(io.err().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('stays silent for small files, in scripts and with --json', () => {
    for (const [io, total] of [[fakeIo(true), 10], [fakeIo(false), 5000], [fakeIo(true, true), 5000]] as const) {
      const bar = progressBar(io, total, 'checking templates', { minTotal: 200 });
      bar.tick(total);
      bar.say('x');
      bar.end();
      expect(io.err()).toBe('');
    }
  });
});
