// `parley apply` measures group and lead class names as the server does, through the real binary
// against a real server: the server stores them trimmed with runs of spaces squeezed to one and
// counts that (services/groups.ts, services/leads.ts), so a name written with runs of spaces that
// fits once squeezed is applied, and one that does not is refused before anything is sent, saying
// so. The JSON Schema editors get counts as written (it cannot squeeze), and says so in its note.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminShell, expectFailure, type Shell } from '../helpers/cli-extra.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const GAP = ' '.repeat(40);
/** 23 characters as stored, 62 as written. */
const NIGHT = `Night${GAP}shift  shift  shift`;
/** The same group, written with other runs of spaces (a route naming it). */
const NIGHT_AGAIN = `  night   shift${GAP}shift shift`;
/** 18 characters as stored, 117 as written. */
const RETURNING = `Returning${' '.repeat(100)}customer`;

const file = (groupName: string, routeGroup: string | null, leadClass: string) =>
  [
    'project:',
    '  name: Spaces',
    '  timezone: Europe/Berlin',
    `  leadClasses: [${JSON.stringify(leadClass)}]`,
    // Always a line, so the lines below keep their numbers.
    routeGroup === null ? '  routes: []' : `  routes: [{pattern: "*", group: ${JSON.stringify(routeGroup)}}]`,
    'team:',
    '  - email: root@example.com',
    '    firstName: Root',
    '    lastName: Admin',
    '    access: admin',
    '    operator: true',
    'groups:',
    `  - name: ${JSON.stringify(groupName)}`,
    '    members: [root@example.com]',
    '',
  ].join('\n');

let server: TestServer;
let admin: Shell;
let dir: string;
let files = 0;

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminShell(server, ADMIN);
  dir = await tempDir('parley-s17-left-names-');
});
afterAll(async () => server?.close());

async function write(text: string): Promise<string> {
  const sub = join(dir, `f${files++}`);
  await mkdir(sub);
  await writeFile(join(sub, 'parley.yaml'), text);
  return join(sub, 'parley.yaml');
}

describe('apply: group and lead class names measured as the server stores them', () => {
  it('a name longer than the limit as written but within it squeezed is applied, as the server stores it; again, nothing to change', async () => {
    const text = file(NIGHT, NIGHT_AGAIN, RETURNING);
    const r = await admin.run(['apply', '-f', await write(text)]);
    expect(r, r.stderr).toMatchObject({ code: 0 });

    const groups = await admin.json<Array<{ name: string; members: Array<{ email: string }> }>>(['group', 'list', '-p', 'Spaces']);
    expect(groups).toEqual([expect.objectContaining({ name: 'Night shift shift shift', members: [expect.objectContaining({ email: ADMIN.email })] })]);
    const routing = await admin.json<{ routing: { rules: Array<{ pattern: string; group: string }> } }>(['project', 'show', 'Spaces']);
    expect(routing.routing.rules).toEqual([{ pattern: '*', group: 'Night shift shift shift' }]);
    const exported = (await admin.run(['export', '-p', 'Spaces'])).stdout;
    expect(exported).toMatch(/\n {4}- Returning customer\n/);

    const again = await admin.run(['apply', '-f', await write(text), '--detailed-exitcode']);
    expect(again, again.stderr).toMatchObject({ code: 0 });
  });

  it('a name too long even squeezed is refused, where it is, before anything is sent', async () => {
    const before = (await admin.run(['export', '-p', 'Spaces'])).stdout.replace(/^#.*\n/gm, '');
    const long = `${'a'.repeat(30)}${GAP}${'b'.repeat(30)}`; // 61 squeezed
    const longClass = `${'c'.repeat(60)}${GAP}${'d'.repeat(60)}`; // 121 squeezed
    const cases: Array<[string, RegExp]> = [
      [file(long, long, RETURNING), /parley\.yaml:5:\d+: project\.routes\[0\]\.group is longer than 50 characters, even with runs of spaces counted as one \(and 1 more problem\)/],
      [file(long, null, RETURNING), /parley\.yaml:13:11: groups\[0\]\.name is longer than 50 characters, even with runs of spaces counted as one; nothing was applied/],
      [file(NIGHT, NIGHT, longClass), /parley\.yaml:4:\d+: project\.leadClasses\[0\] is longer than 100 characters, even with runs of spaces counted as one; nothing was applied/],
      // Without runs of spaces the words are the schema's.
      [file('g'.repeat(51), null, RETURNING), /groups\[0\]\.name is longer than 50 characters; nothing was applied/],
    ];
    for (const [text, refusal] of cases) expectFailure(await admin.run(['apply', '-f', await write(text), '-p', 'Spaces']), 1, refusal);
    // A route to a group too long is told so once: not also "route to unknown group" (the one more problem is the group's).
    expect((await admin.run(['export', '-p', 'Spaces'])).stdout.replace(/^#.*\n/gm, '')).toBe(before);
  });

  it("the JSON Schema counts as written (editors never pass what the server refuses) and its note gives the server's count", async () => {
    const schema = (await (await fetch(`${server.url}/parley.schema.json`)).json()) as any;
    const groupName = schema.properties.groups.items.properties.name;
    expect(groupName).toMatchObject({ maxLength: 50, description: expect.stringContaining('at most 50 characters with runs of spaces counted as one') });
    expect(schema.properties.project.properties.routes.items.properties.group.description).toBe(groupName.description);
    expect(schema.properties.project.properties.leadClasses.items).toMatchObject({ maxLength: 100, description: expect.stringContaining('runs of spaces counted as one') });
    const Ajv = ((Ajv2020 as unknown as { default?: typeof Ajv2020 }).default ?? Ajv2020) as typeof Ajv2020;
    const validate = new Ajv({ strict: false }).compile(schema);
    const YAML = await import('yaml');
    expect(validate(YAML.parse(file('Night shift', 'Night shift', 'Returning customer')))).toBe(true);
    expect(validate(YAML.parse(file(NIGHT, 'Night shift', 'Returning customer')))).toBe(false);
  });
});
