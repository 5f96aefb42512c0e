// Security QA 15 (finding 1) of `parley apply`, through the real binary against a real server:
// the names of an account that is also in another project are its owner's, so a file applied by
// a manager who is not a server administrator leaves them alone and says so, in the dry run too,
// and a second apply plans nothing; a server administrator's apply still renames.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Member } from '../../core/protocol/index.js';
import { adminShell, type Shell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const IVY = 'ivy@example.com';

let server: TestServer;
let admin: Shell;
/** Has "settings" access in Shop, and is not a server administrator. */
let sam: Shell;
let dir: string;

interface ApplyJson {
  changed: boolean;
  steps: Array<{ action: string; kind: string; name: string }>;
  notes: string[];
}

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminShell(server, ADMIN);
  dir = await tempDir('parley-qa15-apply-');
  for (const name of ['Other', 'Shop']) await admin.json(['project', 'create', name]);
  const outbox = await watchOutbox(server.dataDir);
  await admin.json(['team', 'add', '-p', 'Other', '--email', IVY, '--first-name', 'Ivy', '--last-name', 'Old', '--operator']);
  await admin.json(['team', 'add', '-p', 'Shop', '--email', 'sam@example.com', '--first-name', 'Sam', '--last-name', 'Settings', '--access', 'settings']);
  const client = await signIn(server.url, 'sam@example.com', passwordFrom(await outbox.waitFor((m) => m.to === 'sam@example.com')));
  outbox.close();
  sam = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: client.token! });
});

afterAll(async () => {
  await server?.close();
});

async function file(name: string, lines: string[]): Promise<string> {
  const path = join(dir, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

const KEPT =
  'ivy@example.com keeps the names of their account, "Ivy Old", not the file\'s "Ivy New": it is also in another project, ' +
  'so only they (parley profile set) or a server administrator change them';

const namesIn = async (project: string) => {
  const m = await admin.json<Member>(['team', 'show', IVY, '-p', project]);
  return `${m.firstName} ${m.lastName}`;
};

describe('a file naming someone of another project otherwise', () => {
  it('a manager\'s apply keeps the account\'s names, says so, and applying again plans nothing', async () => {
    const path = await file('shop.yaml', [
      'project:',
      '  name: Shop',
      'team:',
      '  - email: sam@example.com',
      '    firstName: Sam',
      '    lastName: Settings',
      '    access: settings',
      `  - email: ${IVY}`,
      '    firstName: Ivy',
      '    lastName: New',
      '    operator: true',
    ]);
    const dry = await sam.run(['apply', '-f', path, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`+ create member ${IVY}`);

    const first = await sam.run(['apply', '-f', path, '--detailed-exitcode']);
    expect(first.code, first.stderr).toBe(2);
    expect(first.stdout).toContain(`Note: ${KEPT}.\nApplied 1 change.`);
    expect([await namesIn('Other'), await namesIn('Shop')]).toEqual(['Ivy Old', 'Ivy Old']);

    // The plan knows now: no step, and the note comes with the plan, in a dry run as well.
    const again = await sam.run(['apply', '-f', path, '--dry-run', '--detailed-exitcode']);
    expect(again, again.stderr).toMatchObject({ code: 0 });
    expect(again.stdout).toContain('already matches the file: nothing to do');
    expect(again.stdout).toContain(`Note: ${KEPT}.`);
    expect(await sam.json<ApplyJson>(['apply', '-f', path, '--dry-run'])).toMatchObject({ changed: false, steps: [], notes: [KEPT] });

    // A server administrator's apply of the same file does rename (the names are not theirs to
    // keep from one, as with team update).
    const renamed = await admin.json<ApplyJson>(['apply', '-f', path]);
    expect(renamed).toMatchObject({ changed: true, notes: [] });
    expect(renamed.steps.map((s) => `${s.action} ${s.kind} ${s.name}`)).toEqual([`update member ${IVY}`]);
    expect(await namesIn('Other')).toBe('Ivy New');
  });
});
