// Lead class names in the CLI are measured as the server measures them (core/name-length.ts):
// trimmed, runs of spaces counted as one, at most 100 characters so, and at most 1,000 as written.
// `dialogs class` used to send any class and let the server refuse it (exit 1); `leads classes
// add|rename` said "at most 100 characters" without saying that spaces were squeezed, and let
// through a name over 1,000 characters as written for the server to refuse; `leads classes order`
// sent any name; and `leads list --class` was capped at 100 characters as written by the server's
// schema, so a class written with runs of spaces did not find the stored class. Now each takes
// what the server stores and refuses before sending, with the server's words and exit 2, what it
// refuses. The real binary and a real server, which is asked too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import type { Lead } from '../../core/protocol/index.js';
import { expectApiError } from '../helpers/accounts-extra.js';
import { adminShell, expectFailure, type Shell } from '../helpers/cli-extra.js';
import { type Peer, visitorWrites } from '../helpers/realtime.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const ORIGIN = 'https://shop.example.com';
const SQUEEZED = 'a lead class name has at most 100 characters, even with runs of spaces counted as one';

/** `first` and `last` with `spaces` spaces between. */
const spaced = (first: string, spaces: number, last: string) => `${first}${' '.repeat(spaces)}${last}`;
/** 121 characters once squeezed, 270 as written. */
const SQUEEZED_TOO_LONG = spaced('x'.repeat(60), 150, 'y'.repeat(60));
/** 3 characters once squeezed, 1,002 as written. */
const ABSURD = spaced('a', 1000, 'b');

let server: TestServer;
let admin: Shell;
let client: ParleyClient;
let projectId: number;
let dialogId: number;
const peers: Peer[] = [];

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminShell(server, ADMIN);
  projectId = (await admin.json<{ id: number }>(['project', 'create', 'Shop'])).id;
  await admin.run(['project', 'use', 'Shop']);
  client = new ParleyClient({ url: server.url });
  client.token = (await admin.run(['token', 'create', '--name', 'http'])).stdout.trim();
  const project = await client.updateProject(projectId, { allowedOrigins: [ORIGIN] });
  await client.updateMember(projectId, ADMIN.email, { operator: true }); // operators set a dialog's class
  ({ dialogId } = await visitorWrites({ url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId, admin: client, peers }, 'hello'));
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server?.close();
});

const classNames = async () => (await client.leadClasses(projectId)).classes.map((c) => c.name);
const classOfDialog = async () => (await client.leads(projectId)).leads.find((l) => l.dialogId === dialogId)?.leadClass;

describe('a class written with runs of spaces that fits once squeezed', () => {
  it('is added, renamed to, ordered, set on a dialog and found by leads list and export, as the server stores it', async () => {
    const added = await admin.run(['leads', 'classes', 'add', spaced('Returning', 100, 'customer')]);
    expect(added, added.stderr).toMatchObject({ code: 0, stdout: 'Added the lead class "Returning customer" to "Shop".\n', stderr: '' });

    const renamed = await admin.run(['leads', 'classes', 'rename', 'returning customer', spaced('Loyal', 150, 'customer')]);
    expect(renamed, renamed.stderr).toMatchObject({ code: 0, stdout: 'Renamed the lead class "Returning customer" to "Loyal customer".\n' });

    const ordered = await admin.json<{ classes: Array<{ name: string }> }>(['leads', 'classes', 'order', spaced('LOYAL', 300, 'customer')]);
    expect(ordered.classes[0].name).toBe('Loyal customer');
    expect((await classNames())[0]).toBe('Loyal customer');

    const set = await admin.run(['dialogs', 'class', String(dialogId), spaced('loyal', 200, 'CUSTOMER')]);
    expect(set, set.stderr).toMatchObject({ code: 0, stdout: `Dialog ${dialogId} is now "Loyal customer".\n`, stderr: '' });
    expect(await classOfDialog()).toBe('Loyal customer');

    // Over 100 characters as written: the server's schema used to refuse it (exit 1).
    const filter = spaced('Loyal', 120, 'customer');
    const listed = await admin.json<Lead[]>(['leads', 'list', '--class', filter]);
    expect(listed.map((l) => [l.dialogId, l.leadClass])).toEqual([[dialogId, 'Loyal customer']]);
    const exported = await admin.run(['leads', 'export', '--format', 'ndjson', '--class', filter]);
    expect(exported, exported.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(exported.stdout.trim().split('\n').map((line) => (JSON.parse(line) as Lead).dialogId)).toEqual([dialogId]);
    // The server agrees: it finds the class so written.
    expect((await client.leads(projectId, { class: filter })).leads.map((l) => l.dialogId)).toEqual([dialogId]);
  });
});

describe('a class too long to be one', () => {
  const commands = (name: string): string[][] => [
    ['leads', 'classes', 'add', name],
    ['leads', 'classes', 'rename', 'loyal customer', name],
    ['leads', 'classes', 'order', 'spam', name],
    ['dialogs', 'class', String(dialogId), name],
    ['leads', 'list', '--class', name],
    ['leads', 'export', '--format', 'ndjson', '--class', name],
  ];

  it('is refused by every lead class command before anything is sent, in the server\'s words (exit 2)', async () => {
    const names = await classNames();
    const dialogClass = await classOfDialog();
    const cases: Array<[string, RegExp]> = [
      [SQUEEZED_TOO_LONG, new RegExp(`\\. ${SQUEEZED}\\n$`)],
      ['x'.repeat(101), /\. a lead class name has at most 100 characters\n$/],
      [ABSURD, /\. a lead class name has at most 1000 characters as written, spaces included\n$/],
    ];
    for (const [name, message] of cases) {
      for (const args of commands(name)) {
        const r = await admin.run(args);
        expect(r.stderr, args.slice(0, 3).join(' ')).toMatch(message);
        expectFailure(r, 2);
      }
    }
    expect(await classNames()).toEqual(names);
    expect(await classOfDialog()).toBe(dialogClass);
  });

  it('is refused by the server too', async () => {
    for (const call of [client.addLeadClass(projectId, SQUEEZED_TOO_LONG), client.updateDialog(projectId, dialogId, { leadClass: SQUEEZED_TOO_LONG })]) {
      expect((await expectApiError(call, 400, 'validation')).message).toBe(SQUEEZED);
    }
    const [renameTo] = (await client.leadClasses(projectId)).classes;
    expect((await expectApiError(client.renameLeadClass(projectId, renameTo.id, SQUEEZED_TOO_LONG), 400, 'validation')).message).toBe(SQUEEZED);
    // No class is that long: the order and the journal's filter say why, in the same words.
    expect((await expectApiError(client.orderLeadClasses(projectId, [SQUEEZED_TOO_LONG]), 400, 'validation')).message).toBe(SQUEEZED);
    expect((await expectApiError(client.leads(projectId, { class: SQUEEZED_TOO_LONG }), 400, 'validation')).message).toBe(`class: ${SQUEEZED}`);
    // Over 1,000 characters as written, the schemas refuse it.
    await expectApiError(client.addLeadClass(projectId, ABSURD), 400, 'validation');
    await expectApiError(client.updateDialog(projectId, dialogId, { leadClass: ABSURD }), 400, 'validation');
    await expectApiError(client.orderLeadClasses(projectId, [ABSURD]), 400, 'validation');
    await expectApiError(client.leads(projectId, { class: ABSURD }), 400, 'validation');
  });
});
