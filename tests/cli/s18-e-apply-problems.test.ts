// `parley apply` finds every problem of a file in one pass, those the YAML parser meets too: a
// YAML tag (`!env X`), a key given twice, a second document, an alias with no anchor before it
// and an unknown directive are counted with the file's other problems, named first when they
// come first in the file, and listed with the others on a terminal. The real `parley` binary
// against a real server; the terminal is a pseudo-terminal from util-linux `script`.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, PARLEY_BIN, TEST_SCRYPT } from '../helpers/cli.js';
import { adminShell, expectFailure, type Shell } from '../helpers/cli-extra.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };

/** The file of the QA report: a tag on line 5, an unknown key on line 6, a bad email on line 8. */
const BAD = [
  'version: 1',
  'project:',
  '  name: Tagged',
  '  widget:',
  '    greeting: !env GREETING',
  '  colour: red',
  'team:',
  '  - email: ann@',
  '    firstName: Ann',
  '    lastName: Lee',
  '    operator: true',
  '',
].join('\n');

const TAG = 'project.widget.greeting has the YAML tag !env, which apply does not read: write the value itself';
const UNKNOWN_KEY = 'unknown key "colour" in project';
const EMAIL = '"ann@" is not a valid email address';

let server: TestServer;
let admin: Shell;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminShell(server, ADMIN);
  dir = await tempDir('parley-s18-e-apply-');
});

afterAll(async () => {
  await server?.close();
});

let files = 0;
/** Each file in its own directory under the name `name`, which the errors then start with. */
async function file(name: string, text: string): Promise<{ path: string; cwd: string }> {
  const cwd = join(dir, `f${files++}`);
  await mkdir(cwd);
  await writeFile(join(cwd, name), text);
  return { path: join(cwd, name), cwd };
}

const projects = async () => (await admin.json<Array<{ name: string }>>(['project', 'list'])).map((p) => p.name);

/**
 * Runs `parley args` in `cwd` on a terminal (stdout and stderr a pseudo-terminal, as for a
 * person typing it): `output` is what the terminal was sent, its "\r\n" made "\n".
 */
function runOnTerminal(args: string[], cwd: string): Promise<CliResult & { output: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const command = ['exec', process.execPath, PARLEY_BIN, ...args].map(quote).join(' ');
  const env = { PATH: process.env.PATH, SHELL: '/bin/sh', TERM: 'dumb', HOME: admin.configDir, PARLEY_CONFIG_DIR: admin.configDir, ...TEST_SCRYPT, ...admin.env };
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, output: stdout.replace(/\r\n/g, '\n') }));
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a YAML tag is one problem of the file among the others', () => {
  it('is named first (it comes first) and the others are counted, in a dry run and a real one; nothing is applied', async () => {
    const { path } = await file('bad.yaml', BAD);
    for (const args of [['--dry-run'], []]) {
      const r = await admin.run(['apply', '-f', path, ...args]);
      expectFailure(r, 1, new RegExp(`^parley: \\S*bad\\.yaml:5:15: ${escape(TAG)} .*\\(and 2 more problems\\); nothing was applied\\n$`));
    }
    expect(await projects()).not.toContain('Tagged');
  });

  it('on a terminal the others are listed under it, in file order, as without the tag', async () => {
    const { cwd } = await file('bad.yaml', BAD);
    const r = await runOnTerminal(['apply', '-f', 'bad.yaml'], cwd);
    expect(r.code, r.output).toBe(1);
    const lines = r.output.split('\n').filter(Boolean);
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^  bad\\.yaml:6:3: ${escape(UNKNOWN_KEY)} `)),
      `  bad.yaml:8:12: ${EMAIL}`,
      expect.stringMatching(new RegExp(`^parley: bad\\.yaml:5:15: ${escape(TAG)} .*\\(and 2 more problems\\); nothing was applied$`)),
    ]);

    // The same file without the tag: its other problems, listed and counted the same way.
    const { cwd: plain } = await file('bad.yaml', BAD.replace('!env GREETING', 'Hello'));
    const untagged = await runOnTerminal(['apply', '-f', 'bad.yaml'], plain);
    expect(untagged.code, untagged.output).toBe(1);
    expect(untagged.output.split('\n').filter(Boolean)).toEqual([
      `  bad.yaml:8:12: ${EMAIL}`,
      expect.stringMatching(new RegExp(`^parley: bad\\.yaml:6:3: ${escape(UNKNOWN_KEY)} .*\\(and 1 more problem\\); nothing was applied$`)),
    ]);
    expect(await projects()).not.toContain('Tagged');
  });

  it('a tagged project name, without --project, is refused with the rest of the file\'s problems', async () => {
    const { path } = await file('name.yaml', ['project:', '  name: !env PROJECT', '  timezone: Mars/Base', ''].join('\n'));
    expectFailure(
      await admin.run(['apply', '-f', path, '--dry-run']),
      1,
      /^parley: \S*name\.yaml:2:9: project\.name has the YAML tag !env, .* \(and 1 more problem\); nothing was applied\n$/,
    );
    // A tagged section is one problem, not also "must be a list" for the text the tag stood before.
    const { path: section } = await file('team.yaml', ['project:', '  name: Tagged', 'team: !include team.yaml', 'templates:', '  - {name: hi, text: "{nosuch}"}', ''].join('\n'));
    const r = await admin.run(['apply', '-f', section, '--dry-run']);
    expectFailure(r, 1, /^parley: \S*team\.yaml:3:7: team has the YAML tag !include, .* \(and 1 more problem\); nothing was applied\n$/);
    expect(r.stderr).not.toContain('must be a list');
  });
});

describe("the parser's other problems are counted too", () => {
  it('a key given twice, an alias with no anchor, an unknown directive and a second document, with the file\'s own problems', async () => {
    const text = [
      '%FOO bar',
      '---',
      'project:',
      '  name: Parsed',
      '  language: de',
      '  language: fr',
      '  timezone: Mars/Base',
      'groups:',
      '  - name: night',
      '    members: [*nobody]',
      '---',
      'project: {name: Other}',
      '',
    ].join('\n');
    const { path, cwd } = await file('parsed.yaml', text);
    expectFailure(await admin.run(['apply', '-f', path, '--dry-run']), 1, /^parley: \S*parsed\.yaml:1:1: Unknown directive %FOO \(and 4 more problems\); nothing was applied\n$/);
    const r = await runOnTerminal(['apply', '-f', 'parsed.yaml', '--dry-run'], cwd);
    expect(r.code, r.output).toBe(1);
    expect(r.output.split('\n').filter(Boolean)).toEqual([
      // The second value of a key given twice is not checked as well: the repeat is its problem.
      '  parsed.yaml:6:3: Map keys must be unique: "language" is given twice in project',
      '  parsed.yaml:7:13: unknown time zone "Mars/Base" (use an IANA name such as Europe/Moscow)',
      '  parsed.yaml:10:15: groups[0].members[0] is the alias *nobody, but no anchor &nobody comes before it',
      '  parsed.yaml:11:1: a second YAML document starts here ("---"): a project file holds one document, one project',
      'parley: parsed.yaml:1:1: Unknown directive %FOO (and 4 more problems); nothing was applied',
    ]);
    expect(await projects()).not.toContain('Parsed');
  });

  it('aliases that expand to too much data end the pass, with the problems found before them', async () => {
    const bomb = ['project: {name: Laughs, widget: {greeting: !env GREETING}}', 'a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]'];
    for (const c of 'cdefghi') bomb.push(`${c}: &${c} [${Array(9).fill(`*${String.fromCharCode(c.charCodeAt(0) - 1)}`).join(', ')}]`);
    const { path } = await file('laughs.yaml', `${bomb.join('\n')}\n`);
    expectFailure(
      await admin.run(['apply', '-f', path]),
      1,
      /^parley: \S*laughs\.yaml:1:44: project\.widget\.greeting has the YAML tag !env, .* \(and 1 more problem\); nothing was applied\n$/,
    );
  });

  it('YAML that does not parse is still refused with the parser\'s problems alone', async () => {
    const { path } = await file('syntax.yaml', ['project:', '  name: Broken', '  language: [en', '  timezone: Mars/Base', ''].join('\n'));
    const r = await admin.run(['apply', '-f', path, '--dry-run']);
    expectFailure(r, 1, /^parley: \S*syntax\.yaml:4:3: .*; nothing was applied\n$/);
    expect(r.stderr).not.toContain('more problem');
  });
});
