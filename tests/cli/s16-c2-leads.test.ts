// QA session 16 (qa-admin) on `parley leads export`, through the real binary on the known
// scenario of helpers/leads-scenario (a project in Europe/Berlin): the times of the CSV and
// JSON files are also on the project's clock, so a spreadsheet's days are the report's (#7),
// and -o refuses a file name whose extension says another format (#14).
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { parseCsv } from '../../core/csv.js';
import type { Lead, LeadsReport } from '../../core/protocol/index.js';
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
let shop: { id: number; widgetKey: string };
let scenario: Scenario;
let ann: Shell;
const peers: Peer[] = [];

beforeAll(async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 4, 12, 0, 0));
  server = await startTestServer({ clock, rateLimits: { login: 1000, forgot: 1000 } });
  outbox = await watchOutbox(server.dataDir);
  root = (await signedInAdmin(server)).client;
  shop = await root.createProject('Shop');
  const op = async (email: string) =>
    (await addMember(server, root, shop.id, { email, firstName: email.split('@')[0], lastName: 'Tester', operator: true }, outbox)).signIn();
  const [annClient, bobClient] = await Promise.all([op('ann@example.com'), op('bob@example.com')]);
  scenario = await seedLeads({ url: server.url, clock, admin: root, ann: annClient, bob: bobClient, projectId: shop.id, widgetKey: shop.widgetKey }, peers);
  ann = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: annClient.token! });
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  outbox?.close();
  await server?.close();
});

/** The CSV's records as objects keyed by the header. */
function rows(csv: string): Array<Record<string, string>> {
  const [header, ...records] = parseCsv(csv);
  return records.map((r) => Object.fromEntries(header.fields.map((h, i) => [h, r.fields[i]])));
}

describe('#7 export times on the project\'s clock', () => {
  it('CSV: UTC kept, local date and time beside it, and the days are the ones the filters and the report count', async () => {
    // Lead 4 was created at 23:30 UTC on the 6th: 00:30 on the 7th in Berlin.
    const day = await ann.run(['leads', 'export', '--since', '2026-01-07', '--until', '2026-01-07']);
    expect(day, day.stderr).toMatchObject({ code: 0 });
    expect(rows(day.stdout)).toEqual([
      expect.objectContaining({
        dialog_id: String(scenario.dialogs[3]),
        created_at: '2026-01-06T23:30:00.000Z',
        created_local: '2026-01-07 00:30:00',
        created_date: '2026-01-07',
        first_response_local: '',
        closed_local: '',
        timezone: 'Europe/Berlin',
      }),
    ]);

    const all = rows((await ann.run(['leads', 'export'])).stdout);
    // Lead 3: created 12:00 UTC on the 6th, answered after 300 s, closed 12:05.
    expect(all[2]).toMatchObject({
      created_at: '2026-01-06T12:00:00.000Z',
      created_local: '2026-01-06 13:00:00',
      first_response_at: '2026-01-06T12:05:00.000Z',
      first_response_local: '2026-01-06 13:05:00',
      first_response_seconds: '300',
      closed_local: '2026-01-06 13:05:00',
    });
    // A pivot of the file by created_date is the report's byDay.
    const report = await ann.json<LeadsReport>(['leads', 'report', '--since', '2026-01-05', '--until', '2026-01-07']);
    const byDate = new Map<string, number>();
    for (const r of all) byDate.set(r.created_date, (byDate.get(r.created_date) ?? 0) + 1);
    expect(report.byDay.filter((d) => d.count > 0).map((d) => [d.day, d.count])).toEqual([...byDate]);
    expect([...byDate]).toEqual([
      ['2026-01-05', 2],
      ['2026-01-06', 1],
      ['2026-01-07', 1],
    ]);
  });

  it('JSON and NDJSON: the lead as the API has it, plus its times with the zone\'s offset; another zone moves them', async () => {
    const json = JSON.parse((await ann.run(['leads', 'export', '--format', 'json'])).stdout) as Array<Lead & { timezone: string; local: Record<string, string | null> }>;
    expect(json[3]).toMatchObject({
      createdAt: '2026-01-06T23:30:00.000Z',
      timezone: 'Europe/Berlin',
      local: { createdAt: '2026-01-07T00:30:00+01:00', firstResponseAt: null, closedAt: null },
    });
    expect(json[2].local).toEqual({ createdAt: '2026-01-06T13:00:00+01:00', firstResponseAt: '2026-01-06T13:05:00+01:00', closedAt: '2026-01-06T13:05:00+01:00' });
    const ndjson = (await ann.run(['leads', 'export', '--format', 'ndjson'])).stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(ndjson).toEqual(json);

    await root.updateProject(shop.id, { timezone: 'America/New_York' });
    try {
      const ny = rows((await ann.run(['leads', 'export'])).stdout)[3];
      expect(ny).toMatchObject({ created_local: '2026-01-06 18:30:00', created_date: '2026-01-06', timezone: 'America/New_York' });
      const nyJson = JSON.parse((await ann.run(['leads', 'export', '--json'])).stdout) as Array<{ local: { createdAt: string } }>;
      expect(nyJson[3].local.createdAt).toBe('2026-01-06T18:30:00-05:00');
    } finally {
      await root.updateProject(shop.id, { timezone: 'Europe/Berlin' });
    }
  });
});

describe('#14 leads export -o and the file\'s extension', () => {
  it('a spreadsheet\'s extension is refused, another unknown one needs --format; known ones and none work', async () => {
    const dir = await tempDir('parley-s16-c2-leads-');
    const path = (name: string) => join(dir, name);
    const exists = (name: string) => access(path(name)).then(() => true, () => false);

    const xlsx = await ann.run(['leads', 'export', '-o', path('leads.xlsx')]);
    expectFailure(xlsx, 2);
    expect(xlsx.stderr).toBe(`parley: cannot write ${path('leads.xlsx')}: leads export writes CSV, JSON or NDJSON, not .xlsx; name the file .csv (spreadsheets open it)\n`);
    expectFailure(await ann.run(['leads', 'export', '-o', path('LEADS.ODS'), '--format', 'csv']), 2, /not \.ods; name the file \.csv/);
    const txt = await ann.run(['leads', 'export', '-o', path('leads.txt')]);
    expectFailure(txt, 2);
    expect(txt.stderr).toBe(`parley: cannot tell the format from ${path('leads.txt')}: name the file .csv, .json or .ndjson, or pass --format\n`);
    for (const name of ['leads.xlsx', 'LEADS.ODS', 'leads.txt']) expect(await exists(name)).toBe(false);

    const written = await Promise.all([
      ann.run(['leads', 'export', '-o', path('leads.txt'), '--format', 'csv']),
      ann.run(['leads', 'export', '-o', path('leads')]),
      ann.run(['leads', 'export', '-o', path('leads.csv')]),
    ]);
    for (const r of written) expect(r, r.stderr).toMatchObject({ code: 0, stdout: '' });
    for (const name of ['leads.txt', 'leads', 'leads.csv']) expect(parseCsv(await readFile(path(name), 'utf8'))[0].fields[0]).toBe('dialog_id');

    const help = (await ann.run(['leads', 'export', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('never .xlsx');
  });
});
