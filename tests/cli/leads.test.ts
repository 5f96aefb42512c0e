// `parley leads`, `parley leads classes` and `parley dialogs class` through the real binary on
// the known scenario of helpers/leads-scenario: the journal as a table and in each file format
// (RFC 4180 CSV that a spreadsheet opens without running formulas), the report's numbers and
// charts, class management, and who may do what.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { parseCsv } from '../../core/csv.js';
import type { Lead, LeadsReport } from '../../core/protocol/index.js';
import { ManualClock } from '../../server/clock.js';
import { addMember } from '../helpers/accounts-extra.js';
import { expectFailure, type Shell, shell } from '../helpers/cli-extra.js';
import { CARD_1, type Scenario, seedLeads } from '../helpers/leads-scenario.js';
import { watchOutbox } from '../helpers/mail.js';
import type { Peer } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
let root: ParleyClient;
let shop: { id: number; widgetKey: string };
let scenario: Scenario;
/** Terminals of the admin (of Shop and Blog) and of ann, an operator of Shop only. */
let admin: Shell;
let ann: Shell;
const peers: Peer[] = [];

beforeAll(async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 4, 12, 0, 0));
  server = await startTestServer({ clock, rateLimits: { login: 1000, forgot: 1000 } });
  outbox = await watchOutbox(server.dataDir);
  root = (await signedInAdmin(server)).client;
  shop = await root.createProject('Shop');
  await root.createProject('Blog');
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

describe('parley leads list and export', () => {
  it('list: a table of every dialog, oldest first; --json the leads; --class and dates filter', async () => {
    const [table, json, target, day] = await Promise.all([
      // On a computer in another zone than the project's, which the heading then names.
      ann.run(['leads', 'list'], { env: { TZ: 'UTC' } }),
      ann.json<Lead[]>(['leads', 'list']),
      ann.json<Lead[]>(['leads', 'list', '--class', 'Target']),
      ann.json<Lead[]>(['leads', 'list', '--since', '2026-01-06', '--until', '2026-01-06']),
    ]);
    expect(table).toMatchObject({ code: 0, stderr: '' });
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+CREATED \(Europe\/Berlin\)\s+CLASS\s+OPERATOR\s+VISITOR\s+SOURCE\s+FIRST RESPONSE$/);
    // In the project's time zone (UTC+1 in January), whatever this computer's is.
    const berlin = new Date(Date.parse(json[0].createdAt) + 3_600_000).toISOString();
    expect(lines[1]).toContain(`${berlin.slice(0, 10)} ${berlin.slice(11, 16)}`);
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(new RegExp(`^${scenario.dialogs[0]}\\s.*\\starget\\s+ann Tester\\s+.*\\(=HYPERLINK.*\\s+google\\s+1m$`));
    expect(lines[2]).toMatch(/\sspam\s+bob Tester\s.*\snews\.example\.org\s+2m$/);
    expect(lines[3]).toMatch(/\starget\s+ann Tester\s.*\s\(direct\)\s+5m$/);
    expect(lines[4]).toMatch(/\s-\s+-\s.*\s\(direct\)\s+-$/);
    expect(json.map((l) => l.dialogId)).toEqual(scenario.dialogs);
    expect(json[0].visitor).toEqual({ name: scenario.visitors[0], ...CARD_1, fromSite: [] });
    expect(target.map((l) => l.dialogId)).toEqual([scenario.dialogs[0], scenario.dialogs[2]]);
    expect(day.map((l) => l.dialogId)).toEqual([scenario.dialogs[2]]);
  });

  it('export: CSV by default, RFC 4180 with CRLF, every field a spreadsheet could run as a formula neutralised', async () => {
    const r = await ann.run(['leads', 'export']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const csv = r.stdout;
    expect(csv.split('\r\n')[0]).toBe(
      'dialog_id,status,created_at,created_local,created_date,first_response_at,first_response_local,first_response_seconds,closed_at,closed_local,timezone,' +
        'class,operator,operator_email,group,' +
        'visitor_name,client_name,client_phone,client_email,client_notes,landing_page,page_title,referrer,' +
        'utm_source,utm_medium,utm_campaign,utm_term,utm_content',
    );
    expect(csv.endsWith('\r\n')).toBe(true);
    // Quotes doubled, fields with commas or line breaks quoted, formulas and "+" prefixed with '.
    expect(csv).toContain(`,"'=HYPERLINK(""http://evil.example/"",""click"")",'+1 555 0100,maria@example.com,"likes ""red"", size 42\nsecond line",`);
    const records = parseCsv(csv);
    expect(records).toHaveLength(5);
    expect(records.every((rec) => rec.fields.length === 28)).toBe(true);
    const header = records[0].fields;
    const row = (i: number) => Object.fromEntries(header.map((h, k) => [h, records[i].fields[k]]));
    expect(row(1)).toMatchObject({
      dialog_id: String(scenario.dialogs[0]),
      status: 'open',
      created_at: '2026-01-05T09:00:00.000Z',
      first_response_at: '2026-01-05T09:01:00.000Z',
      first_response_seconds: '60',
      closed_at: '',
      class: 'target',
      operator: 'ann Tester',
      operator_email: 'ann@example.com',
      visitor_name: scenario.visitors[0],
      client_name: `'${CARD_1.realName}`,
      client_phone: `'${CARD_1.phone}`,
      client_notes: CARD_1.notes,
      landing_page: 'https://shop.example.com/shoes?utm_source=google&utm_medium=cpc&utm_campaign=winter',
      referrer: 'https://www.google.com/',
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'winter',
      utm_term: '',
    });
    expect(row(3)).toMatchObject({ status: 'closed', closed_at: '2026-01-06T12:05:00.000Z', first_response_seconds: '300' });
    expect(row(4)).toMatchObject({ class: '', operator: '', first_response_seconds: '', landing_page: '' });
    // No cell starts with a formula character.
    expect(records.flatMap((rec) => rec.fields).filter((f) => /^[=+\-@]/.test(f))).toEqual([]);
  });

  it('export --format json and ndjson, --class, -o with --bom', async () => {
    const dir = await tempDir('parley-leads-');
    const path = join(dir, 'spam.csv');
    const [json, ndjson, written] = await Promise.all([
      ann.run(['leads', 'export', '--format', 'json']),
      ann.run(['leads', 'export', '--format', 'ndjson', '--unclassified']),
      ann.run(['leads', 'export', '--class', 'spam', '-o', path, '--bom']),
    ]);
    const leads = JSON.parse(json.stdout) as Lead[];
    expect(leads.map((l) => l.dialogId)).toEqual(scenario.dialogs);
    expect(ndjson.stdout.endsWith('\n')).toBe(true);
    const lines = ndjson.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Lead);
    expect(lines.map((l) => l.dialogId)).toEqual([scenario.dialogs[3]]);
    expect(lines[0]).toEqual(leads[3]);
    expect(written).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const file = await readFile(path, 'utf8');
    expect(file.startsWith('\ufeffdialog_id,')).toBe(true);
    expect(parseCsv(file).map((r) => r.fields[0])).toEqual(['dialog_id', String(scenario.dialogs[1])]);
  });

  it('bad input: format, dates, class with --unclassified (usage, exit 2); another project is unknown', async () => {
    const [format, date, noDay, noTime, badZone, both, bothExport, order, blog, json] = await Promise.all([
      ann.run(['leads', 'export', '--format', 'xlsx']),
      ann.run(['leads', 'list', '--since', 'last tuesday']),
      ann.run(['leads', 'list', '--since', '2026-13-01']),
      ann.run(['leads', 'report', '--until', '2026-01-05T24:00']),
      ann.run(['leads', 'export', '--since', '2026-02-30T10:00:00Z']),
      ann.run(['leads', 'list', '--class', 'spam', '--unclassified']),
      ann.run(['leads', 'export', '--unclassified', '--class', 'spam']),
      ann.run(['leads', 'report', '--since', '2026-01-07', '--until', '2026-01-05']),
      ann.run(['leads', 'list', '-p', 'Blog']),
      ann.run(['leads', 'export', '--json', '--format', 'csv']),
    ]);
    expectFailure(format, 2, /csv, json, ndjson/);
    expectFailure(date, 2, /'--since <date>' argument 'last tuesday' is invalid\. not a date \(YYYY-MM-DD/);
    expectFailure(noDay, 2, /'--since <date>'.* no such date: 2026-13-01/);
    expectFailure(noTime, 2, /'--until <date>'.* not a valid time: 2026-01-05T24:00/);
    expectFailure(badZone, 2, /'--since <date>'.* no such date: 2026-02-30/);
    expectFailure(both, 2, /'--unclassified' cannot be used with option '--class <class>'/);
    expectFailure(bothExport, 2, /'--unclassified' cannot be used with option '--class <class>'/);
    // Which of two dates comes first takes the project's timezone: the server's to judge.
    expectFailure(order, 1, /until is before since/);
    expectFailure(blog, 1, /unknown project: Blog/);
    expectFailure(json, 2, /disagree/);
  });

  it('export -o into a directory that does not exist, or onto a directory: one line naming it', async () => {
    const dir = await tempDir('parley-leads-out-');
    const [nowhere, folder] = await Promise.all([
      ann.run(['leads', 'export', '-o', join(dir, 'nodir', 'x.csv')]),
      ann.run(['leads', 'export', '-o', dir]),
    ]);
    expectFailure(nowhere, 1);
    expect(nowhere.stderr).toBe(`parley: no such directory: ${join(dir, 'nodir')}\n`);
    expectFailure(folder, 1);
    expect(folder.stderr).toBe(`parley: ${dir} is a directory, not a file\n`);
  });
});

describe('parley leads report', () => {
  it('--json is the server report: totals by class, source, operator and day, median first response', async () => {
    const report = await ann.json<LeadsReport>(['leads', 'report', '--since', '2026-01-05', '--until', '2026-01-07']);
    expect(report).toMatchObject({
      total: 4,
      timezone: 'Europe/Berlin',
      byClass: [
        { class: 'target', count: 2 },
        { class: 'not target', count: 0 },
        { class: 'spam', count: 1 },
        { class: 'existing client', count: 0 },
        { class: null, count: 1 },
      ],
      bySource: [
        { source: null, count: 2 },
        { source: 'google', count: 1 },
        { source: 'news.example.org', count: 1 },
      ],
      byOperator: [
        { operator: { name: 'ann Tester' }, count: 2 },
        { operator: { name: 'bob Tester' }, count: 1 },
        { operator: null, count: 1 },
      ],
      byDay: [
        { day: '2026-01-05', count: 2 },
        { day: '2026-01-06', count: 1 },
        { day: '2026-01-07', count: 1 },
      ],
      firstResponse: { medianSeconds: 120, answered: 3, unanswered: 1 },
    });
  });

  it('without --json: bar charts scaled to the biggest count', async () => {
    const r = await ann.run(['leads', 'report', '--since', '2026-01-05', '--until', '2026-01-07']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const bar = (n: number) => '#'.repeat(n);
    expect(r.stdout).toBe(
      [
        'Leads of "Shop", 2026-01-05 to 2026-01-07 (Europe/Berlin): 4',
        'Median first response: 2m (3 answered, 1 not answered)',
        '',
        'By class',
        `  target           ${bar(40)} 2`,
        '  not target       0',
        `  spam             ${bar(20)} 1`,
        '  existing client  0',
        `  (unclassified)   ${bar(20)} 1`,
        '',
        'By source',
        `  (direct)          ${bar(40)} 2`,
        `  google            ${bar(20)} 1`,
        `  news.example.org  ${bar(20)} 1`,
        '',
        'By operator',
        `  ann Tester    ${bar(40)} 2`,
        `  bob Tester    ${bar(20)} 1`,
        `  (unassigned)  ${bar(20)} 1`,
        '',
        'By day',
        `  2026-01-05  ${bar(40)} 2`,
        `  2026-01-06  ${bar(20)} 1`,
        `  2026-01-07  ${bar(20)} 1`,
        '',
      ].join('\n'),
    );
  });
});

describe('lead classes and a dialog class', () => {
  it('classes list, add, rename and rm (admin); an operator only reads', async () => {
    expect(await ann.json(['leads', 'classes', 'list'])).toEqual({
      classes: ['target', 'not target', 'spam', 'existing client'].map((name) => ({ id: expect.any(Number), name })),
    });
    const add = await admin.run(['leads', 'classes', 'add', 'wholesale']);
    expect(add).toMatchObject({ code: 0, stdout: 'Added the lead class "wholesale" to "Shop".\n', stderr: '' });
    const [opAdd, dup, missing] = await Promise.all([
      ann.run(['leads', 'classes', 'add', 'vip']),
      admin.run(['leads', 'classes', 'add', 'Wholesale']),
      admin.run(['leads', 'classes', 'rm', 'nope']),
    ]);
    expectFailure(opAdd, 1, /access level/);
    expectFailure(dup, 1, /already exists/);
    expectFailure(missing, 1, /no lead class "nope"/);
    // A name that cannot be one is refused before anything is sent (exit 2).
    const [empty, blank, long] = await Promise.all([
      admin.run(['leads', 'classes', 'add', '']),
      admin.run(['leads', 'classes', 'rename', 'spam', '   ']),
      admin.run(['leads', 'classes', 'add', 'x'.repeat(101)]),
    ]);
    expectFailure(empty, 2, /argument 'name'\. a lead class needs a name/);
    expectFailure(blank, 2, /argument 'new'\. a lead class needs a name/);
    expectFailure(long, 2, /a lead class name has at most 100 characters/);

    const renamed = await admin.run(['leads', 'classes', 'rename', 'Target', 'hot lead']);
    expect(renamed).toMatchObject({ code: 0, stdout: 'Renamed the lead class "target" to "hot lead", on 2 dialogs too.\n' });
    expect((await ann.run(['leads', 'classes', 'list'])).stdout).toBe('hot lead\nnot target\nspam\nexisting client\nwholesale\n');
    expect((await ann.json<Lead[]>(['leads', 'list', '--class', 'hot lead'])).map((l) => l.dialogId)).toEqual([scenario.dialogs[0], scenario.dialogs[2]]);
    await admin.run(['leads', 'classes', 'rename', 'hot lead', 'target']);
    const rm = await admin.run(['leads', 'classes', 'rm', 'wholesale']);
    expect(rm).toMatchObject({ code: 0, stdout: 'Removed the lead class "wholesale".\n' });
  });

  it('classes order: the named first, in that order, the rest after them as they were, which the list shows', async () => {
    const moved = await admin.run(['leads', 'classes', 'order', 'SPAM', 'existing   client']);
    expect(moved).toMatchObject({ code: 0, stderr: '' });
    expect(moved.stdout).toBe('The lead classes of "Shop", in order:\n  spam\n  existing client\n  target\n  not target\n');
    expect((await ann.run(['leads', 'classes', 'list'])).stdout).toBe('spam\nexisting client\ntarget\nnot target\n');
    // A class added later goes to the end; an order naming every class is the whole order.
    await admin.run(['leads', 'classes', 'add', 'wholesale']);
    const all = await admin.json<{ classes: Array<{ name: string }> }>(['leads', 'classes', 'order', 'target', 'wholesale', 'not target', 'existing client', 'spam']);
    expect(all.classes.map((c) => c.name)).toEqual(['target', 'wholesale', 'not target', 'existing client', 'spam']);
    const [unknown, twice, operator, none] = await Promise.all([
      admin.run(['leads', 'classes', 'order', 'spam', 'vip']),
      admin.run(['leads', 'classes', 'order', 'spam', 'Spam']),
      ann.run(['leads', 'classes', 'order', 'spam']),
      admin.run(['leads', 'classes', 'order']),
    ]);
    expectFailure(unknown, 1, /no lead class "vip" in this project/);
    expectFailure(twice, 1, /the lead class "spam" is named twice/);
    expectFailure(operator, 1, /access level/);
    expectFailure(none, 2, /missing required argument 'name'/);
    // Nothing of a refused order was written.
    expect((await ann.run(['leads', 'classes', 'list'])).stdout).toBe('target\nwholesale\nnot target\nexisting client\nspam\n');
    const bad = await fetch(`${server.url}/api/v1/projects/${shop.id}/lead-classes/order`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${root.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ names: [] }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('validation');
    await admin.run(['leads', 'classes', 'rm', 'wholesale']);
    await admin.run(['leads', 'classes', 'order', 'target', 'not target', 'spam', 'existing client']);
  });

  it('dialogs class sets, renames to the list spelling, and clears a class; unknown classes and no class are refused', async () => {
    const d4 = String(scenario.dialogs[3]);
    const set = await ann.run(['dialogs', 'class', d4, 'EXISTING client']);
    expect(set, set.stderr).toMatchObject({ code: 0, stdout: `Dialog ${d4} is now "existing client".\n`, stderr: '' });
    expect((await ann.json<{ leadClass: string }>(['dialogs', 'class', d4, 'spam'])).leadClass).toBe('spam');
    const [unknown, none, both, admins] = await Promise.all([
      ann.run(['dialogs', 'class', d4, 'vip']),
      ann.run(['dialogs', 'class', d4]),
      ann.run(['dialogs', 'class', d4, 'spam', '--clear']),
      admin.run(['dialogs', 'class', d4, 'spam']),
    ]);
    expectFailure(unknown, 1, /no lead class "vip"/);
    expectFailure(none, 2, /give a lead class, or --clear/);
    expectFailure(both, 2, /not both/);
    expectFailure(admins, 1, /only operators/);
    const cleared = await ann.run(['dialogs', 'class', d4, '--clear']);
    expect(cleared.stdout).toBe(`Dialog ${d4} has no lead class now.\n`);
    const shown = await ann.run(['dialogs', 'show', d4]);
    expect(shown.stdout).toMatch(/lead class:\s+-\n/);
  });
});
