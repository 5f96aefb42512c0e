// Leftovers of the qa13 CLI round, through the real `parley` binary against a real server:
//   - a refused value of the group, schedule, leads, send and dialogs commands is quoted cut, so
//     the error stays one short line (exit 2 as before; an unknown lead class stays exit 1);
//   - `leads export` and `leads list --format` write the journal exactly to a pipe, and on a
//     terminal (a pseudo-terminal from util-linux `script`) what visitors sent cannot act on it.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { parseCsv } from '../../core/csv.js';
import type { Lead } from '../../core/protocol/index.js';
import { terminalSafe } from '../../core/terminal-text.js';
import { type CliResult, PARLEY_BIN } from '../helpers/cli.js';
import { expectFailure, type Shell, shell } from '../helpers/cli-extra.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
/** What a visitor's browser may send about its page: C1 controls (U+009B is CSI) and bidi overrides. */
const TITLE = 'Boots \u009b31mred\u009bm \u202eevil\u202c \u2067\u05e9\u05dc\u05d5\u05dd\u2069';
const REFERRER = 'https://ads.example/\u0085next';
/** A UTM tag keeps what the URL decodes to: here an OSC that would rename the terminal window. */
const UTM_SOURCE = '\u001b]0;pwned\u0007news';
const LANDING = `${ORIGIN}/boots?utm_source=${encodeURIComponent(UTM_SOURCE)}&utm_campaign=${encodeURIComponent('\u202ewinter')}`;
// Direction marks (U+200F) are allowed in a name; the overrides (U+202E) are refused since session 15.
const REAL_NAME = 'Maria \u05e9\u05dc\u05d5\u05dd\u200f';
/** Every character that must not reach a terminal as itself. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** What the command sent to the terminal: the line discipline turns every "\n" into "\r\n". */
const sent = (r: CliResult) => r.stdout.replace(/\r\n/g, '\n');

let server: TestServer;
let root: ParleyClient;
let admin: Shell;
let dialogId: number;
const peers: Peer[] = [];

/**
 * Runs `parley args` with a terminal as its stdout (a pseudo-terminal from util-linux `script`,
 * part of every Debian): stdout is what the terminal was sent.
 */
function runOnTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const command = ['exec', process.execPath, PARLEY_BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      env: { PATH: process.env.PATH, SHELL: '/bin/sh', TERM: 'dumb', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  server = await startTestServer();
  root = (await signedInAdmin(server)).client;
  const shop = await root.createProject('Shop');
  await root.updateProject(shop.id, { allowedOrigins: [ORIGIN] });
  // An operator too: the client card is an operator's to fill in.
  await root.updateMember(shop.id, 'root@example.com', { operator: true });
  admin = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: root.token!, PARLEY_PROJECT: 'Shop' });

  const { peer, welcome } = await visitorHello(server.url, shop.widgetKey, ORIGIN);
  peers.push(peer);
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body: 'Do you have boots?', page: { url: LANDING, title: TITLE, referrer: REFERRER } });
  await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  const again = await visitorHello(server.url, shop.widgetKey, ORIGIN, { token: welcome.token });
  peers.push(again.peer);
  dialogId = again.welcome.dialog.id as number;
  await root.updateCard(shop.id, dialogId, { realName: REAL_NAME });
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server?.close();
});

describe('a refused long value is quoted cut', () => {
  const huge = 'b'.repeat(100_000);
  const blank = ' '.repeat(100_000);
  const CUT = /… \(\d+ characters\)/;

  it('in the options and arguments of group, schedule, leads, send and dialogs: one short line, exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['group', 'create', huge], /argument 'name'\. a group name has at most 50 characters/],
      [['group', 'create', blank], /argument 'name'\. a group name must not be empty/],
      [['group', 'add', `x=${blank}`, '--operator', 'root@example.com'], /argument 'name'\. a group name must not contain "="/],
      [['group', 'delete', blank], /argument 'name'\. a group name must not be empty/],
      [['group', 'remove', blank, '--operator', 'root@example.com'], /argument 'name'\. a group name must not be empty/],
      [['schedule', 'set', '--operator', 'root@example.com', '--days', blank, '--from', '09:00', '--to', '17:00'], /'--days <days>' argument .* the days must not be empty/],
      [['leads', 'list', '--since', huge], /'--since <date>' argument .* not a date/],
      [['leads', 'report', '--until', huge], /'--until <date>' argument .* not a date/],
      [['leads', 'list', '--class', blank], /'--class <class>' argument .* a lead class needs a name/],
      [['leads', 'list', '--format', huge], /'--format <format>' argument .* a format is one of: csv, json, ndjson/],
      [['leads', 'list', '--limit', huge], /'--limit <n>' argument .* the limit is a positive whole number/],
      [['leads', 'export', '--format', huge], /'--format <format>' argument .* a format is one of/],
      [['leads', 'classes', 'add', huge], /argument 'name'\. a lead class name has at most 100 characters/],
      [['leads', 'classes', 'add', blank], /argument 'name'\. a lead class needs a name/],
      // Spaces squeezed, the name fits; its control character is what is wrong, said without quoting it whole.
      [['leads', 'classes', 'add', `a${blank}\u0001`], /argument 'name'\. the lead class name has a line break or control character/],
      [['leads', 'classes', 'rename', 'x', huge], /argument 'new'\. a lead class name has at most 100 characters/],
      [['send', String(dialogId), '--client-id', huge, 'hi'], /'--client-id <id>' argument .* a client id is 1-64 letters/],
      [['dialogs', 'class', String(dialogId), blank], /argument 'class'\. a lead class needs a name \(to remove the class: --clear\)/],
    ];
    for (const [args, message] of cases) {
      const r = await admin.run(args);
      expect(r.stderr.length, args.slice(0, 3).join(' ').slice(0, 60)).toBeLessThan(300);
      expectFailure(r, 2, message);
      expect(r.stderr).toMatch(CUT);
    }
  });

  it("commander's own refusals (an unknown option) quote it cut and safe for a terminal; a long blank is no slower than a short one", async () => {
    const long = await admin.run(['dialogs', 'show', '1', `--${huge}`]);
    expect(long.stderr.length).toBeLessThan(300);
    expectFailure(long, 2, /^parley: unknown option '--b{38}… \(100002 characters\)' \(see "parley dialogs show --help"\)\n$/);
    const escape = await admin.run(['dialogs', 'show', '1', '--x\u001b]0;owned\u0007']);
    expectFailure(escape, 2, /^parley: unknown option '--x\uFFFD]0;owned\uFFFD'/);
    expect(escape.stderr).not.toMatch(/[\u001b\u0007]/);
    // Spaces inside the option: the one-line rule used to take seconds over them.
    const spaced = await admin.run(['dialogs', 'show', '1', `--a${blank}b`]);
    expectFailure(spaced, 2, /^parley: unknown option '--a {37}… \(100004 characters\)'/);
  });

  it('a lead class that is not there: exit 1, the name cut', async () => {
    for (const args of [['leads', 'classes', 'rm', huge], ['leads', 'classes', 'rename', huge, 'new name']]) {
      const r = await admin.run(args);
      expect(r.stderr.length).toBeLessThan(300);
      expectFailure(r, 1, /^parley: no lead class "b{40}… \(100000 characters\)" \(classes: /);
    }
  });

  it('an --output that disagrees with --json: a path is shown whole, a huge one cut', async () => {
    const dir = await tempDir('parley-qa14-');
    const file = join(dir, 'a-rather-long-directory-name-for-reports', 'january-leads.csv');
    expectFailure(await admin.run(['leads', 'export', '--json', '-o', file]), 2, new RegExp(`^parley: --json and --output ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} disagree: give one\n$`));
    const r = await admin.run(['leads', 'export', '--json', '-o', `${dir}/${huge}.csv`]);
    expect(r.stderr.length).toBeLessThan(300);
    expectFailure(r, 2, /--json and --output .*… \(\d+ characters\) disagree: give one/);
  });

  it('the values taken before are taken still', async () => {
    for (const args of [
      ['leads', 'list', '--since', '2026-01-05T09:00', '--until', '2099-12-31', '--format', 'ndjson', '--limit', '5'],
      ['leads', 'report', '--since', '2026-01-05T08:00:00Z'],
      ['group', 'create', '  Retail   east  '],
      ['leads', 'classes', 'add', '  wholesale   buyer '],
      ['dialogs', 'class', String(dialogId), 'Wholesale  Buyer'],
    ]) {
      const r = await admin.run(args);
      expect(r, args.join(' ')).toMatchObject({ code: 0, stderr: '' });
    }
  });
});

describe('leads export writes data', () => {
  it('exactly to a pipe: CSV, JSON and NDJSON keep what the visitor sent', async () => {
    const csv = await admin.run(['leads', 'export']);
    expect(csv).toMatchObject({ code: 0, stderr: '' });
    const [header, row] = parseCsv(csv.stdout).map((r) => r.fields);
    const cell = (name: string) => row[header.indexOf(name)];
    expect([cell('page_title'), cell('referrer'), cell('utm_source'), cell('client_name')]).toEqual([TITLE, REFERRER, UTM_SOURCE, REAL_NAME]);
    expect(csv.stdout).toContain('\r\n');

    const json = JSON.parse((await admin.run(['leads', 'export', '--format', 'json'])).stdout) as Lead[];
    expect(json[0]).toMatchObject({ pageTitle: TITLE, referrer: REFERRER, utm: { source: UTM_SOURCE }, visitor: { realName: REAL_NAME } });
    const ndjson = (await admin.run(['leads', 'export', '--format', 'ndjson'])).stdout;
    expect(ndjson).toMatch(/[\u0085\u009b\u202e]/); // JSON.stringify leaves these alone: a pipe gets them as they are
    expect(JSON.parse(ndjson)).toEqual(json[0]);
  });

  it('to a terminal: CSV through the terminal filter, JSON and NDJSON with escapes, the same data', async () => {
    const env = { PARLEY_CONFIG_DIR: admin.configDir, HOME: admin.configDir, ...admin.env };
    const piped = (await admin.run(['leads', 'export'])).stdout;

    const csv = await runOnTerminal(['leads', 'export'], env);
    expect(csv, csv.stderr).toMatchObject({ code: 0 });
    expect(sent(csv)).not.toMatch(UNSAFE);
    // Row by row what a file gets, each control shown as U+FFFD; the rows end as lines, not with one.
    expect(sent(csv)).toBe(terminalSafe(piped.replace(/\r\n/g, '\n')));
    expect(sent(csv)).toContain('\uFFFD]0;pwned\uFFFDnews');
    expect(sent(csv)).not.toMatch(/\uFFFD\n/);

    for (const format of ['json', 'ndjson']) {
      const r = await runOnTerminal(['leads', 'export', '--format', format], env);
      expect(r, r.stderr).toMatchObject({ code: 0 });
      expect(sent(r), format).not.toMatch(UNSAFE);
      const text = sent(r);
      const lead = (format === 'json' ? (JSON.parse(text) as Lead[])[0] : JSON.parse(text)) as Lead;
      expect(lead, format).toMatchObject({ pageTitle: TITLE, referrer: REFERRER, utm: { source: UTM_SOURCE }, visitor: { realName: REAL_NAME } });
    }
  });

  it('leads list --format does the same: exact to a pipe, safe on a terminal', async () => {
    const env = { PARLEY_CONFIG_DIR: admin.configDir, HOME: admin.configDir, ...admin.env };
    const piped = await admin.run(['leads', 'list', '--format', 'csv']);
    expect(parseCsv(piped.stdout)[1].fields).toContain(UTM_SOURCE);
    const shown = await runOnTerminal(['leads', 'list', '--format', 'csv'], env);
    expect(shown, shown.stderr).toMatchObject({ code: 0 });
    expect(sent(shown)).toBe(terminalSafe(piped.stdout.replace(/\r\n/g, '\n')));
    const ndjson = await runOnTerminal(['leads', 'list', '--format', 'ndjson'], env);
    expect(sent(ndjson)).not.toMatch(UNSAFE);
    expect(JSON.parse(sent(ndjson))).toMatchObject({ pageTitle: TITLE, utm: { source: UTM_SOURCE } });
  });
});

describe('project set', () => {
  it('--widget-color default goes back to the default colour (it was refused as "")', async () => {
    await admin.json(['project', 'set', '--widget-color', '#ff0000']);
    expect((await admin.json<{ widget: { color: string | null } }>(['project', 'show'])).widget.color).toBe('#ff0000');
    const r = await admin.run(['project', 'set', '--widget-color', 'default']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect((await admin.json<{ widget: { color: string | null } }>(['project', 'show'])).widget.color).toBeNull();
    expectFailure(await admin.run(['project', 'set', '--widget-color', 'red']), 2, /the widget colour is #rrggbb \(e\.g\. "#0a84ff"\) or "default"/);
  });
});
