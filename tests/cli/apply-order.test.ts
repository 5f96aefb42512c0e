// `parley apply` and the order of lead classes, through the real binary: the file's order is the
// order operators see (new classes used to be added at the end whatever the file said), classes
// the file leaves out come after its own, and a file already in order changes nothing.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminShell, expectFailure, loginShell, type Shell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ANN = 'ann@example.com';
let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
let admin: Shell;
let ann: Shell;
let dir: string;

beforeAll(async () => {
  server = await startTestServer();
  outbox = await watchOutbox(server.dataDir);
  admin = await adminShell(server, { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' });
  dir = await tempDir('parley-apply-order-');
  await admin.json(['project', 'create', 'Ops']);
  const r = await admin.run(['team', 'add', '-p', 'Ops', '--email', ANN, '--first-name', 'Ann', '--last-name', '-', '--operator']);
  expect(r, r.stderr).toMatchObject({ code: 0 });
  ann = await shell();
  await loginShell(ann, server.url, ANN, `${passwordFrom(await outbox.waitFor((m) => m.to === ANN))}\n${NEW_PASSWORD}\n`);
});

afterAll(async () => {
  outbox?.close();
  await server?.close();
});

let files = 0;
async function file(classes: string): Promise<string> {
  const sub = join(dir, `f${files++}`);
  await mkdir(sub);
  const path = join(sub, 'parley.yaml');
  await writeFile(path, `project:\n  name: Ops\n  leadClasses: ${classes}\n`);
  return path;
}

const classes = async () => (await admin.json<{ classes: Array<{ name: string }> }>(['leads', 'classes', 'list', '-p', 'Ops'])).classes.map((c) => c.name);

describe('apply: the order of lead classes', () => {
  it("puts the file's classes in the file's order, new ones included; the dry run shows it; a second run changes nothing", async () => {
    expect(await classes()).toEqual(['target', 'not target', 'spam', 'existing client']);
    const path = await file('[VIP, target, existing client, not target, spam]');
    const dry = await admin.run(['apply', '-f', path, '--dry-run']);
    expect(dry, dry.stderr).toMatchObject({ code: 0 });
    expect(dry.stdout).toContain('create lead class VIP');
    expect(dry.stdout).toContain('order: target, not target, spam, existing client, VIP -> VIP, target, existing client, not target, spam');
    expect(await classes()).toEqual(['target', 'not target', 'spam', 'existing client']);

    const real = await admin.run(['apply', '-f', path]);
    expect(real, real.stderr).toMatchObject({ code: 0 });
    expect(await classes()).toEqual(['VIP', 'target', 'existing client', 'not target', 'spam']);
    const again = await admin.run(['apply', '-f', path, '--dry-run']);
    expect(again.stdout).not.toContain('lead class');

    // The export lists them in that order, so export -> apply is exact.
    const exported = await admin.run(['export', '-p', 'Ops']);
    expect(exported.stdout).toContain('leadClasses:\n    - VIP\n    - target\n    - existing client\n');
  });

  it('keeps the classes the file leaves out (without --prune) after its own; with --prune they go', async () => {
    await admin.run(['leads', 'classes', 'add', '-p', 'Ops', 'wholesale']);
    await admin.run(['leads', 'classes', 'order', '-p', 'Ops', 'wholesale']);
    const path = await file('[spam, VIP]');
    const r = await admin.run(['apply', '-f', path]);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(await classes()).toEqual(['spam', 'VIP', 'wholesale', 'target', 'existing client', 'not target']);
    const pruned = await admin.run(['apply', '-f', await file('[target, spam]'), '--prune']);
    expect(pruned, pruned.stderr).toMatchObject({ code: 0 });
    expect(await classes()).toEqual(['target', 'spam']);
  });

  it('refuses a new order to a caller without "admin" or "settings" access, before anything is sent', async () => {
    const before = await classes();
    const path = await file('[spam, target]');
    expectFailure(await ann.run(['apply', '-f', path, '--dry-run']), 1, /update lead classes order: managing lead classes needs the "admin" or "settings" access level/);
    expect(await classes()).toEqual(before);
  });
});
