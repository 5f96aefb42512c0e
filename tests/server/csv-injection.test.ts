// CSV injection: what visitors and operators type reaches spreadsheets through the exports, and
// must open there as text. Cells a spreadsheet would run (= + - @, tab, CR first) get a leading
// apostrophe when written; reading one of our own files undoes exactly that.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { formatCsv, neutralizeFormula, parseCsv, restoreFormula } from '../../core/csv.js';
import { CSV_COLUMNS, formatLeads } from '../../cli/commands/leads/common.js';
import { readTemplates, writeTemplates } from '../../cli/commands/templates/files.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const RUNS_AS_FORMULA = /^[=+\-@\t\r]/;

/** Texts a spreadsheet would run, and texts around the edges of the rule. */
const TRICKY = [
  '=HYPERLINK("http://evil.example/","click")',
  "=cmd|' /C calc'!A0",
  '+1 555 0100',
  '-2+3',
  '@SUM(1+1)*cmd|\' /C calc\'!A0',
  '\t=1+1',
  '\r=1+1',
  "'=already quoted by hand",
  "''@twice",
  "'",
  "'just an apostrophe",
  'plain text',
  ' =leading space',
  'a=b',
  '',
  'multi\nline =1',
];

describe('neutralizeFormula and restoreFormula', () => {
  it('nothing written starts with a formula character; plain text is untouched', () => {
    for (const text of TRICKY) expect(neutralizeFormula(text), JSON.stringify(text)).not.toMatch(RUNS_AS_FORMULA);
    expect(neutralizeFormula('=1+2')).toBe("'=1+2");
    expect(neutralizeFormula('\t=1')).toBe("'\t=1");
    for (const text of ['plain text', "'just an apostrophe", "'", 'a=b', ' =leading space', '']) expect(neutralizeFormula(text)).toBe(text);
  });

  it('an apostrophe the text had is told apart from the one added: every text round-trips', () => {
    for (const text of TRICKY) expect(restoreFormula(neutralizeFormula(text)), JSON.stringify(text)).toBe(text);
    expect(neutralizeFormula("'=already quoted by hand")).toBe("''=already quoted by hand");
    // Through a whole file, quoting and CRLF included.
    const file = formatCsv([['text'], ...TRICKY.map((t) => [neutralizeFormula(t)])]);
    expect(parseCsv(file).slice(1).map((r) => restoreFormula(r.fields[0]))).toEqual(TRICKY.filter((t) => t !== ''));
  });

  it('a hand-written formula-looking cell without our apostrophe is read as it stands', () => {
    expect(restoreFormula('=1+2, a formula-looking text')).toBe('=1+2, a formula-looking text');
    expect(restoreFormula("'hello")).toBe("'hello");
  });
});

describe('the templates CSV', () => {
  it('export neutralises formula-looking names and texts; import of the export gives them back exactly', async () => {
    const templates = [
      { name: '=Greeting', text: '=HYPERLINK("http://evil.example/","click") {visitor.name}' },
      { name: 'Quoted', text: "'=already quoted by hand" },
      { name: 'Phone', text: '+1 555 0100' },
      { name: '@mention', text: '-2+3' },
      { name: 'Plain', text: "it's fine" },
    ];
    const csv = await writeTemplates(templates, 'csv');
    const cells = parseCsv(csv).flatMap((r) => r.fields);
    expect(cells.filter((c) => RUNS_AS_FORMULA.test(c))).toEqual([]);
    expect(csv).toContain(`'=Greeting,"'=HYPERLINK(""http://evil.example/"",""click"") {visitor.name}"`);
    const back = await readTemplates('export.csv', csv, 'csv');
    expect(back.map(({ name, text }) => ({ name, text }))).toEqual(templates);
  });
});

describe('the leads export of a real dialog', () => {
  const ORIGIN = 'https://shop.example.com';
  let server: TestServer;
  let admin: ParleyClient;
  let projectId: number;
  const peers: Peer[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    ({ client: admin } = await signedInAdmin(server));
    const p = await admin.createProject('Shop');
    projectId = p.id;
    await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
    await admin.updateMember(p.id, 'root@example.com', { operator: true });
    // Everything the visitor controls: the page's title and address, the referrer, UTM tags.
    const { peer } = await visitorHello(server.url, p.widgetKey, ORIGIN);
    peers.push(peer);
    peer.send({
      type: 'message.send',
      clientId: randomUUID(),
      body: '=1+1',
      page: {
        url: `${ORIGIN}/?utm_source=${encodeURIComponent('@SUM(1+1)')}&utm_campaign=${encodeURIComponent('-2+3')}`,
        title: "=cmd|' /C calc'!A0",
        referrer: 'https://news.example.org/',
      },
    });
    await peer.next((f) => f.type === 'message.stored');
  });

  afterAll(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await server?.close();
  });

  it('opens in a spreadsheet as text: the card an operator typed and the page context a visitor sent', async () => {
    const [lead] = (await admin.leads(projectId)).leads;
    await admin.updateCard(projectId, lead.dialogId, {
      realName: '=HYPERLINK("http://evil.example/","click")',
      phone: '+1 555 0100',
      notes: '@SUM(1)',
    });
    const leads = (await admin.leads(projectId)).leads;
    const records = parseCsv(formatLeads(leads, 'csv'));
    expect(records[0].fields).toEqual([...CSV_COLUMNS]);
    const row = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, records[1].fields[i]]));
    expect(row).toMatchObject({
      client_name: `'=HYPERLINK("http://evil.example/","click")`,
      client_phone: "'+1 555 0100",
      client_notes: "'@SUM(1)",
      page_title: "'=cmd|' /C calc'!A0",
      utm_source: "'@SUM(1+1)",
      utm_campaign: "'-2+3",
    });
    expect(records.flatMap((r) => r.fields).filter((f) => RUNS_AS_FORMULA.test(f))).toEqual([]);
  });
});
