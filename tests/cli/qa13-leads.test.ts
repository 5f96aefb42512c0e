// `parley leads` and `parley dialogs class` through the real binary, for the QA round 13
// findings (helpers/leads-scenario seeds the journal: dialogs 1 and 3 "target", 2 "spam", 4 none):
//   #3 a removed class added back in another case still finds its leads with --class;
//   #4 a blank --class or dialog class is a usage error (exit 2), never "no class";
//   #6 `leads export -o FILE` takes its format from the file name; --format wins.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { parseCsv } from '../../core/csv.js';
import type { Lead } from '../../core/protocol/index.js';
import { ManualClock } from '../../server/clock.js';
import { addMember } from '../helpers/accounts-extra.js';
import { expectFailure, type Shell, shell } from '../helpers/cli-extra.js';
import { type Scenario, seedLeads } from '../helpers/leads-scenario.js';
import { watchOutbox } from '../helpers/mail.js';
import type { Peer } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
let root: ParleyClient;
let scenario: Scenario;
/** Terminals of the admin and of ann, an operator of Shop. */
let admin: Shell;
let ann: Shell;
const peers: Peer[] = [];

beforeAll(async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 4, 12, 0, 0));
  server = await startTestServer({ clock, rateLimits: { login: 1000, forgot: 1000 } });
  outbox = await watchOutbox(server.dataDir);
  root = (await signedInAdmin(server)).client;
  const shop = await root.createProject('Shop');
  const op = async (email: string) =>
    (await addMember(server, root, shop.id, { email, firstName: email.split('@')[0], lastName: 'Tester', operator: true }, outbox)).signIn();
  const [annClient, bobClient] = await Promise.all([op('ann@example.com'), op('bob@example.com')]);
  scenario = await seedLeads({ url: server.url, clock, admin: root, ann: annClient, bob: bobClient, projectId: shop.id, widgetKey: shop.widgetKey }, peers);
  admin = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: root.token!, PARLEY_PROJECT: 'Shop' });
  ann = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: annClient.token! });
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  outbox?.close();
  await server?.close();
});

const classes = async () => (await ann.json<Lead[]>(['leads', 'list'])).map((l) => l.leadClass);

describe('#3 a removed class added back in another case', () => {
  it('keeps its leads: --class finds them in any case, the report shows one class, a rename takes them along', async () => {
    const d2 = scenario.dialogs[1];
    expect((await admin.run(['leads', 'classes', 'rm', 'spam'])).stdout).toBe('Removed the lead class "spam". 1 dialog keeps it in the journal.\n');
    expect((await admin.run(['leads', 'classes', 'add', 'SPAM'])).code).toBe(0);
    for (const name of ['spam', 'Spam', 'SPAM']) {
      expect((await ann.json<Lead[]>(['leads', 'list', '--class', name])).map((l) => l.dialogId)).toEqual([d2]);
    }
    const report = await ann.json<{ byClass: Array<{ class: string | null; count: number }> }>(['leads', 'report']);
    expect(report.byClass.filter((c) => c.class?.toLowerCase() === 'spam')).toEqual([{ class: 'SPAM', count: 1 }]);
    expect((await admin.run(['leads', 'classes', 'rename', 'spam', 'Junk'])).stdout).toBe('Renamed the lead class "SPAM" to "Junk", on 1 dialog too.\n');
    expect(await classes()).toEqual(['target', 'Junk', 'target', null]);
    await admin.run(['leads', 'classes', 'rename', 'junk', 'spam']);
  });
});

describe('#4 a blank class', () => {
  it('--class " " or "" is a usage error naming --class (exit 2), not the unclassified leads', async () => {
    const [blank, empty, exported] = await Promise.all([
      ann.run(['leads', 'list', '--class', ' ']),
      ann.run(['leads', 'list', '--class', '']),
      ann.run(['leads', 'export', '--class', '\t']),
    ]);
    for (const r of [blank, empty, exported]) expectFailure(r, 2, /'--class <class>'.* a lead class needs a name \(for dialogs without one: --unclassified\)/);
  });

  it('dialogs class ID " " is a usage error (exit 2) and leaves the class; --clear clears it', async () => {
    const d1 = String(scenario.dialogs[0]);
    expectFailure(await ann.run(['dialogs', 'class', d1, ' ']), 2, /argument 'class'\. a lead class needs a name \(to remove the class: --clear\)/);
    expect(await classes()).toEqual(['target', 'spam', 'target', null]);
    expect((await ann.run(['dialogs', 'class', d1, '--clear'])).stdout).toBe(`Dialog ${d1} has no lead class now.\n`);
    expect((await ann.run(['dialogs', 'class', d1, 'target'])).code).toBe(0);
  });

  it('a --class that names no class of the project or its dialogs says so (exit 1)', async () => {
    expectFailure(await ann.run(['leads', 'list', '--class', 'tagret']), 1, /no lead class "tagret" in this project \(classes: "target"/);
  });
});

describe('#6 leads export -o', () => {
  it('takes the format from the file name; an explicit --format wins; --json disagreeing with it is a usage error', async () => {
    const dir = await tempDir('parley-qa13-');
    const path = (name: string) => join(dir, name);
    const runs = await Promise.all([
      ann.run(['leads', 'export', '-o', path('leads.json')]),
      ann.run(['leads', 'export', '-o', path('leads.ndjson')]),
      ann.run(['leads', 'export', '-o', path('LEADS.JSON')]),
      ann.run(['leads', 'export', '-o', path('leads.txt'), '--format', 'csv']),
      ann.run(['leads', 'export', '-o', path('forced.json'), '--format', 'csv']),
    ]);
    for (const r of runs) expect(r, r.stderr).toMatchObject({ code: 0, stdout: '' });
    const read = (name: string) => readFile(path(name), 'utf8');
    expect((JSON.parse(await read('leads.json')) as Lead[]).map((l) => l.dialogId)).toEqual(scenario.dialogs);
    const ndjson = (await read('leads.ndjson')).trimEnd().split('\n').map((line) => JSON.parse(line) as Lead);
    expect(ndjson.map((l) => l.dialogId)).toEqual(scenario.dialogs);
    expect((JSON.parse(await read('LEADS.JSON')) as Lead[]).length).toBe(4);
    // --format names the format of a file whose name says none (without it: a usage error, s16-c2-leads).
    for (const name of ['leads.txt', 'forced.json']) expect(parseCsv(await read(name))[0].fields[0]).toBe('dialog_id');

    expectFailure(await ann.run(['leads', 'export', '--json', '-o', path('leads.csv')]), 2, /--json and --output .*leads\.csv disagree/);
  });
});
