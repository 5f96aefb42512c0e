// QA round 14 of `parley apply`, through the real binary against a real server: a caller with
// neither "admin" nor "settings" access is refused up front what the server would refuse them
// part-way (F5), and a file's own problems and those found against the project come out
// together, the first in file order named (F9).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminShell, expectFailure, loginShell, type Shell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
/** An operator of Ops, without access level. */
const ANN = 'ann@example.com';
/** A second server administrator, an operator of Ops without access level. */
const SAM = { email: 'sam@example.com', firstName: 'Sam', lastName: 'Server' };

let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
let admin: Shell;
let ann: Shell;
let sam: Shell;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  outbox = await watchOutbox(server.dataDir);
  admin = await adminShell(server, ADMIN);
  sam = await adminShell(server, SAM);
  dir = await tempDir('parley-qa14-apply-');
  await admin.json(['project', 'create', 'Ops']);
  for (const email of [ANN, SAM.email]) {
    const r = await admin.run(['team', 'add', '-p', 'Ops', '--email', email, '--first-name', 'Op', '--last-name', '-', '--operator']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
  }
  ann = await shell();
  await loginShell(ann, server.url, ANN, `${passwordFrom(await outbox.waitFor((m) => m.to === ANN))}\n${NEW_PASSWORD}\n`);
  await admin.json(['templates', 'add', '-p', 'Ops', "root's", 'by root']);
  await ann.json(['templates', 'add', '-p', 'Ops', "ann's", 'by ann']);
});

afterAll(async () => {
  outbox?.close();
  await server?.close();
});

let files = 0;
/** Each file in its own directory, so that every error can name it `parley.yaml`. */
async function file(lines: string[]): Promise<string> {
  const sub = join(dir, `f${files++}`);
  await mkdir(sub);
  const path = join(sub, 'parley.yaml');
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

interface Template {
  name: string;
  text: string;
}
const templates = async () => (await admin.json<{ templates: Template[] }>(['templates', 'list', '-p', 'Ops'])).templates.map((t) => `${t.name}: ${t.text}`).sort();
const classes = async () => (await admin.json<{ classes: Array<{ name: string }> }>(['leads', 'classes', 'list', '-p', 'Ops'])).classes.map((c) => c.name);

/** The dry run and the real run fail alike, and the real run changes nothing. */
async function refused(who: Shell, path: string, args: string[], message: RegExp) {
  const before = [await templates(), await classes()];
  expectFailure(await who.run(['apply', '-f', path, ...args, '--dry-run']), 1, message);
  const r = await who.run(['apply', '-f', path, ...args]);
  expectFailure(r, 1, message);
  expect(r.stderr).toContain('nothing was applied');
  expect([await templates(), await classes()]).toEqual(before);
}

const NOT_ADMIN = 'needs the "admin" or "settings" access level, and your access in "Ops" is none';

describe('F5: a caller with neither "admin" nor "settings" access', () => {
  it("is refused editing a template someone else created, up front, at the template's place; their own they edit", async () => {
    const path = await file(['templates:', '  - {name: mine, text: "created by ann"}', "  - {name: root's, text: ann edits it}"]);
    await refused(ann, path, ['-p', 'Ops'], new RegExp(`^parley: \\S*parley\\.yaml:3:5: update template root's: editing a template someone else created ${NOT_ADMIN}; nothing was applied\\n$`));

    const own = await file(['templates:', '  - {name: mine, text: "created by ann"}', "  - {name: ann's, text: ann edits her own}"]);
    const r = await ann.run(['apply', '-f', own, '-p', 'Ops']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('Applied 2 changes.');
    expect(await templates()).toEqual(["ann's: ann edits her own", 'mine: created by ann', "root's: by root"]);
  });

  it('is refused deleting (--prune) a template someone else created, at the section; their own they delete', async () => {
    await ann.json(['templates', 'add', '-p', 'Ops', 'scratch', 'to go']);
    const path = await file(['templates:', "  - {name: ann's, text: ann edits her own}", '  - {name: mine, text: "created by ann"}']);
    await refused(ann, path, ['-p', 'Ops', '--prune'], new RegExp(`^parley: \\S*parley\\.yaml:2:3: delete template root's: deleting a template someone else created ${NOT_ADMIN}; nothing was applied\\n$`));

    const keep = await file(['templates:', "  - {name: ann's, text: ann edits her own}", '  - {name: mine, text: "created by ann"}', "  - {name: root's, text: by root}"]);
    const r = await ann.json<{ steps: Array<{ action: string; name: string }> }>(['apply', '-f', keep, '-p', 'Ops', '--prune']);
    expect(r.steps).toMatchObject([{ action: 'delete', name: 'scratch' }]);
    expect(await templates()).toEqual(["ann's: ann edits her own", 'mine: created by ann', "root's: by root"]);
  });

  it('is refused settings, groups, routing, schedules and lead classes, each at its place, before the templates are created', async () => {
    const path = await file([
      'project:',
      '  timezone: Asia/Tokyo',
      '  assignment: round-robin',
      '  leadClasses: [target, not target, spam, existing client, VIP]',
      'groups:',
      '  - {name: night, members: [ann@example.com]}',
      'schedules:',
      '  - operators: [ann@example.com]',
      '    week: {mon-fri: ["09:00-18:00"]}',
      'templates:',
      '  - {name: fresh, text: new}',
    ]);
    await refused(ann, path, ['-p', 'Ops'], new RegExp(`^parley: \\S*parley\\.yaml:2:13: update project Ops: changing project settings ${NOT_ADMIN} \\(and 4 more problems\\); nothing was applied\\n$`));
    expect(await templates()).not.toContain('fresh: new');

    // The others, one line each, as a terminal lists them (here: each alone).
    const alone: Array<[string[], string]> = [
      [['project:', '  assignment: round-robin'], '2:15: update routing Ops: managing groups and routing'],
      [['project:', '  leadClasses: [target, not target, spam, existing client, VIP]'], '2:60: create lead class VIP: managing lead classes'],
      [['groups:', '  - {name: night, members: [ann@example.com]}'], '2:5: create group night: managing groups and routing'],
      [['schedules:', '  - operators: [ann@example.com]', '    week: {mon-fri: ["09:00-18:00"]}'], '2:5: create schedule ann@example.com: managing schedules'],
    ];
    for (const [lines, message] of alone) {
      const [at, text] = [message.slice(0, message.indexOf(': ')), message.slice(message.indexOf(': ') + 2)];
      expectFailure(await ann.run(['apply', '-f', await file(lines), '-p', 'Ops', '--dry-run']), 1, new RegExp(`^parley: \\S*parley\\.yaml:${at}: ${text} ${NOT_ADMIN}; nothing`));
    }
  });

  it('a server administrator is no more in a project than their access there: refused what the server refuses them', async () => {
    const path = await file(['project:', '  leadClasses: [target, not target, spam, existing client, VIP]']);
    await refused(sam, path, ['-p', 'Ops'], /^parley: \S*parley\.yaml:2:60: create lead class VIP: managing lead classes needs the "admin" or "settings" access level, and your access in "Ops" is none;/);
    // As the server says.
    expectFailure(await sam.run(['leads', 'classes', 'add', '-p', 'Ops', 'VIP']), 1, /managing lead classes needs the "admin" or "settings" access level/);
    // A project they create, they are its admin: nothing is refused.
    const created = await file(['project:', '  name: Sams', '  leadClasses: [VIP]', 'groups:', '  - {name: night}', 'templates:', '  - {name: hi, text: Hello}']);
    const r = await sam.run(['apply', '-f', created]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stdout).toContain('Applied 4 changes.');
  });
});

describe('F9: all problems in one pass', () => {
  it("the file's own problems and those found against the project: the first in file order named, the others counted", async () => {
    const lines = ['project:', '  name: LC', '  routes:', '    - {pattern: "*", group: nosuch}', 'templates:', '  - {name: t, text: "{bad}"}'];
    const r = await admin.run(['apply', '-f', await file(lines), '--dry-run']);
    expectFailure(r, 1, /^parley: \S*parley\.yaml:4:29: route to unknown group "nosuch": "LC" has no such group \(define it under "groups"\) \(and 1 more problem\); nothing was applied\n$/);

    // A problem of the structure too (a template without its text), and who may do what.
    const mixed = await file([
      'project:',
      '  leadClasses: [target, not target, spam, existing client, VIP]',
      'templates:',
      '  - {name: t}',
      "  - {name: root's, text: taken}",
    ]);
    expectFailure(await ann.run(['apply', '-f', mixed, '-p', 'Ops', '--dry-run']), 1, /^parley: \S*parley\.yaml:2:60: create lead class VIP: managing lead classes .* \(and 2 more problems\); nothing was applied\n$/);

    // The project cannot be read: the file's own problems still are its error.
    expectFailure(await ann.run(['apply', '-f', mixed, '-p', 'Nowhere', '--dry-run']), 1, /^parley: \S*parley\.yaml:4:5: templates\[0\] needs "text"; nothing was applied\n$/);
  });
});
