// `parley group create|add|remove|list|delete` and the routing flags of `parley project set`
// through the real binary against a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Group, Routing } from '../../core/protocol/index.js';
import { adminShell, expectFailure, type Shell, loginShell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { NEW_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const ANN = 'ann@example.com';
const BOB = 'bob@example.com';

let server: TestServer;
let admin: Shell;
let ann: Shell;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;

const groups = () => admin.json<Group[]>(['group', 'list']);

beforeAll(async () => {
  server = await startTestServer();
  outbox = await watchOutbox(server.dataDir);
  admin = await adminShell(server, ADMIN);
  await admin.json(['project', 'create', 'Alpha']);
  await admin.run(['project', 'use', 'Alpha']);
  for (const email of [ANN, BOB]) {
    const r = await admin.run(['team', 'add', '--email', email, '--first-name', 'Op', '--last-name', '-', '--operator']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
  }
  const r = await admin.run(['team', 'add', '--email', 'sam@example.com', '--first-name', 'Sam', '--last-name', 'Set', '--access', 'settings']);
  expect(r, r.stderr).toMatchObject({ code: 0 });
  ann = await shell();
  await loginShell(ann, server.url, ANN, `${passwordFrom(await outbox.waitFor((m) => m.to === ANN))}\n${NEW_PASSWORD}\n`);
  await ann.run(['project', 'use', 'Alpha']);
});

afterAll(async () => {
  outbox.close();
  await server.close();
});

describe('parley group', () => {
  it('creates groups, adds and removes operators, lists them as a table or JSON, deletes', async () => {
    const empty = await admin.run(['group', 'list']);
    expect(empty, empty.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(empty.stdout).toMatch(/^No groups: every open unassigned dialog is in every operator's Mine\./);

    const created = await admin.run(['group', 'create', 'wholesale']);
    expect(created, created.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toBe('Created the group "wholesale" in "Alpha". Add operators: parley group add "wholesale" --operator EMAIL\n');
    expect(await admin.json<Group>(['group', 'create', 'Retail'])).toMatchObject({ name: 'Retail', members: [] });

    const added = await admin.run(['group', 'add', 'wholesale', '--operator', ANN, '--operator', BOB]);
    expect(added, added.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toBe(`Added ${ANN}, ${BOB}.\nwholesale: ${ANN}, ${BOB}\n`);
    const retail = await admin.json<Group>(['group', 'add', 'retail', '--operator', BOB]);
    expect(retail.members.map((m) => m.email)).toEqual([BOB]);
    // Asking again for what is so already changes nothing, and says so.
    const again = await admin.run(['group', 'add', 'wholesale', '--operator', ANN, '--operator', ANN.toUpperCase()]);
    expect(again.stdout).toBe(`Already in the group: ${ANN} (no change).\nwholesale: ${ANN}, ${BOB}\n`);
    const removed = await admin.json<Group>(['group', 'remove', 'WHOLESALE', '--operator', BOB]);
    expect(removed.members.map((m) => m.email)).toEqual([ANN]);

    await ann.run(['status', 'online']);
    const table = await admin.run(['group', 'list']);
    expect(table.stdout).toBe(
      ['GROUP      ONLINE  OPERATORS', `Retail     0/1     ${BOB}`, `wholesale  1/1     ${ANN}`, ''].join('\n'),
    );
    // Operators may list (not change) groups.
    const listed = await ann.json<Group[]>(['group', 'list']);
    expect(listed.map((g) => [g.name, g.members.map((m) => [m.email, m.online])])).toEqual([
      ['Retail', [[BOB, false]]],
      ['wholesale', [[ANN, true]]],
    ]);

    const deleted = await admin.run(['group', 'delete', 'retail']);
    expect(deleted, deleted.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(deleted.stdout).toBe('Deleted the group "Retail".\n');
    expect((await groups()).map((g) => g.name)).toEqual(['wholesale']);
  });

  it('refuses bad input: exit 2 for usage, 1 for what the server refuses, one line, nothing saved', async () => {
    const before = JSON.stringify(await groups());
    expectFailure(await admin.run(['group', 'create', '']), 2, /a group name must not be empty/);
    expectFailure(await admin.run(['group', 'create', 'a=b']), 2, /must not contain "="/);
    expectFailure(await admin.run(['group', 'create']), 2, /missing required argument 'name'/);
    expectFailure(await admin.run(['group', 'add', 'wholesale']), 2, /--operator/);
    expectFailure(await admin.run(['group', 'frobnicate']), 2, /unknown command 'frobnicate'/);
    expectFailure(await admin.run(['group', 'create', 'WholeSale']), 1, /a group named "wholesale" already exists/);
    expectFailure(await admin.run(['group', 'create', 'x'.repeat(51)]), 2, /argument 'name'\. a group name has at most 50 characters/);
    expectFailure(await admin.run(['group', 'add', 'wholesale', '--operator', BOB, '--operator', 'sam@example.com']), 1, /sam@example.com is not an operator/);
    expectFailure(await admin.run(['group', 'add', 'wholesale', '--operator', 'ghost@example.com']), 1, /ghost@example.com is not a member/);
    expectFailure(await admin.run(['group', 'remove', 'wholesale', '--operator', BOB]), 1, /bob@example.com is not in the group "wholesale"/);
    expectFailure(await admin.run(['group', 'add', 'nope', '--operator', BOB]), 1, /no group named "nope"/);
    expectFailure(await admin.run(['group', 'delete', 'nope']), 1, /no group named "nope"/);
    expectFailure(await ann.run(['group', 'create', 'mine']), 1, /managing groups and routing needs the "admin" or "settings" access/);
    expectFailure(await ann.run(['group', 'delete', 'wholesale']), 1, /access/);
    expectFailure(await admin.run(['group', 'list', '--project', '999']), 1, /unknown project: 999/);
    const anonymous = await shell({ PARLEY_URL: server.url });
    expectFailure(await anonymous.run(['group', 'list']), 4, /not signed in/);
    expect(JSON.stringify(await groups())).toBe(before);
  });
});

describe('parley project set: routing', () => {
  it('sets URL rules (first match wins) and the assignment policy; project show explains them', async () => {
    await admin.json(['group', 'create', 'retail']);
    const set = await admin.json<{ id: number; routing: Routing }>([
      'project', 'set', '--assignment', 'round-robin',
      '--route', 'https://shop.example.com/b2b/*=wholesale', '--route', '*?utm_campaign=b2b*=Wholesale', '--route', '*=retail',
    ]);
    expect(set.routing).toEqual({
      assignment: 'round-robin',
      rules: [
        { pattern: 'https://shop.example.com/b2b/*', group: 'wholesale' },
        { pattern: '*?utm_campaign=b2b*', group: 'wholesale' },
        { pattern: '*', group: 'retail' },
      ],
    });
    const shown = await admin.run(['project', 'show']);
    expect(shown.stdout).toMatch(/\nassignment: +round-robin \(a new dialog goes at once to the next online operator of its group\)\n/);
    expect(shown.stdout).toMatch(
      /\nURL rules: +1\. https:\/\/shop\.example\.com\/b2b\/\* -> wholesale; 2\. \*\?utm_campaign=b2b\* -> wholesale; 3\. \* -> retail\n/,
    );
    expect((await ann.json<{ routing: Routing }>(['project', 'show'])).routing).toEqual(set.routing);

    // A rule naming no group, a malformed one, or both --route and --clear-routes: nothing saved.
    expectFailure(await admin.run(['project', 'set', '--route', '*=nope', '--assignment', 'manual']), 1, /names no group of this project: "nope"/);
    expectFailure(await admin.run(['project', 'set', '--route', 'no-group-here']), 2, /PATTERN=GROUP/);
    expectFailure(await admin.run(['project', 'set', '--route', '*=retail', '--clear-routes']), 2, /give one/);
    expectFailure(await admin.run(['project', 'set', '--assignment', 'random']), 2, /manual or round-robin/);
    expectFailure(await ann.run(['project', 'set', '--assignment', 'manual']), 1, /access/);
    expect((await admin.json<{ routing: Routing }>(['project', 'show'])).routing).toEqual(set.routing);
    // Settings and routing in one command are one transaction: a mistake in either saves neither.
    const before = await admin.json<{ name: string; timezone: string }>(['project', 'show']);
    expectFailure(await admin.run(['project', 'set', '--timezone', 'Mars/Olympus', '--assignment', 'manual']), 1, /unknown time zone/);
    expectFailure(await admin.run(['project', 'set', '--name', 'Renamed', '--route', '*=nope']), 1, /names no group/);
    const after = await admin.json<{ name: string; timezone: string; routing: Routing }>(['project', 'show']);
    expect(after).toMatchObject({ name: before.name, timezone: before.timezone, routing: set.routing });
    const both = await admin.json<{ name: string; routing: Routing }>(['project', 'set', '--name', 'Renamed', '--assignment', 'manual']);
    expect(both).toMatchObject({ name: 'Renamed', routing: { assignment: 'manual', rules: set.routing.rules } });
    await admin.json(['project', 'set', '--name', before.name, '--assignment', 'round-robin']);

    // Deleting a group takes its rules along.
    const gone = await admin.json<{ rulesRemoved: number }>(['group', 'delete', 'wholesale']);
    expect(gone).toEqual({ name: 'wholesale', dialogsUngrouped: 0, rulesRemoved: 2 });
    const cleared = await admin.run(['project', 'set', '--clear-routes', '--assignment', 'manual']);
    expect(cleared, cleared.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(cleared.stdout).toMatch(/\nassignment: +manual \(the first operator to reply becomes responsible\)\nURL rules: +\(none\)\n/);
  });
});
