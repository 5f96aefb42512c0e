// `parley dialogs search`: an operator finds dialogs by message text, the client card (any case,
// a phone by its digits) or the visitor's name, through the real `parley` binary against a real
// server with real widget sockets writing the messages.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { adminShell, expectFailure, type Shell, loginShell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, signIn, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const OPERATOR = 'olga@example.com';

interface SearchJson {
  query: string;
  results: Array<{
    dialog: { id: number; status: string; visitor: { name: string; realName: string | null }; view?: string; lastMessageAt: string };
    match: { field: string; text: string };
  }>;
  more: boolean;
}

let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
let admin: Shell;
let operator: Shell;
let operatorApi: ParleyClient;
let adminApi: ParleyClient;
let alphaId: number;
const peers: Peer[] = [];

/** The dialogs, by who wrote them. */
const order = { id: 0, name: '' };
const anna = { id: 0, name: '' };
const shipper = { id: 0, name: '' };
const beta = { id: 0, name: '' };

/**
 * A new visitor on the site of project `projectId` writes `body` (unique in the test); its dialog
 * id (found by that message in the project's list) and generated name.
 */
async function visitorWrites(project: { id: number; widgetKey: string }, body: string): Promise<{ id: number; name: string }> {
  const { peer, welcome } = await visitorHello(server.url, project.widgetKey, ORIGIN);
  peers.push(peer);
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body });
  await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  const list = await adminApi.listDialogs(project.id, { view: 'mine' });
  const dialog = list.dialogs.find((d) => d.lastMessage?.body === body);
  expect(dialog?.visitor.name).toBe(welcome.visitor.name);
  return { id: dialog!.id, name: dialog!.visitor.name };
}

const ids = (found: SearchJson) => found.results.map((r) => r.dialog.id);

beforeAll(async () => {
  server = await startTestServer();
  outbox = await watchOutbox(server.dataDir);
  admin = await adminShell(server, ADMIN);
  const alpha = await admin.json<{ id: number; widgetKey: string }>(['project', 'create', 'Alpha']);
  const betaProject = await admin.json<{ id: number; widgetKey: string }>(['project', 'create', 'Beta']);
  alphaId = alpha.id;
  for (const p of ['Alpha', 'Beta']) expect((await admin.run(['project', 'set', p, '--allowed-origin', ORIGIN])).code).toBe(0);
  const add = await admin.run(['team', 'add', '-p', 'Alpha', '--email', OPERATOR, '--first-name', 'Olga', '--last-name', 'Ops', '--operator']);
  expect(add, add.stderr).toMatchObject({ code: 0, stderr: '' });
  operator = await shell();
  await loginShell(operator, server.url, OPERATOR, `${passwordFrom(await outbox.waitFor((m) => m.to === OPERATOR))}\n${NEW_PASSWORD}\n`);
  operatorApi = await signIn(server.url, OPERATOR, NEW_PASSWORD);
  adminApi = await signIn(server.url, ADMIN.email, NEW_PASSWORD);

  // One after another, so their activity is in this order (newest last).
  Object.assign(order, await visitorWrites(alpha, 'Where is my order 4711?'));
  Object.assign(anna, await visitorWrites(alpha, 'Hello! Question about shipping, please.'));
  Object.assign(shipper, await visitorWrites(alpha, 'How much is SHIPPING to Malmö?'));
  // Project Beta's visitor writes what Alpha's search looks for.
  Object.assign(beta, await visitorWrites(betaProject, 'Where is my order 4711? Beta zebra'));

  await operatorApi.updateCard(alphaId, anna.id, { realName: 'Анна Берг', email: 'anna@example.com', phone: '+46 70 123 45 67' });
  await operatorApi.closeDialog(alphaId, shipper.id);
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  outbox?.close();
  await server?.close();
});

describe('parley dialogs search --json', () => {
  it('message text: "4711" finds exactly the dialog where it was written, with the words around it', async () => {
    const found = await operator.json<SearchJson>(['dialogs', 'search', '4711']);
    expect(found.query).toBe('4711');
    expect(found.more).toBe(false);
    expect(ids(found)).toEqual([order.id]);
    expect(found.results[0].match.field).toBe('message');
    expect(found.results[0].match.text).toContain('order 4711');
    expect(found.results[0].dialog).toMatchObject({ status: 'open', view: 'mine', visitor: { name: order.name } });
  });

  it('several words are one phrase: "order 4711" finds it, "4711 order" does not', async () => {
    expect(ids(await operator.json<SearchJson>(['dialogs', 'search', 'order', '4711']))).toEqual([order.id]);
    const reversed = await operator.json<SearchJson>(['dialogs', 'search', '4711', 'order']);
    expect(reversed).toEqual({ query: '4711 order', results: [], more: false });
  });

  it('the card: a real name in another case (Cyrillic), an email, a phone by its digits', async () => {
    const byName = await operator.json<SearchJson>(['dialogs', 'search', 'анна']);
    expect(ids(byName)).toEqual([anna.id]);
    expect(byName.results[0].match).toEqual({ field: 'realName', text: 'Анна Берг' });
    expect(byName.results[0].dialog.visitor.realName).toBe('Анна Берг');

    const byEmail = await operator.json<SearchJson>(['dialogs', 'search', 'ANNA@example.com']);
    expect(ids(byEmail)).toEqual([anna.id]);
    expect(byEmail.results[0].match).toEqual({ field: 'email', text: 'anna@example.com' });

    for (const phone of [['4670123'], ['+46', '70', '123']]) {
      const byPhone = await operator.json<SearchJson>(['dialogs', 'search', ...phone]);
      expect(ids(byPhone), phone.join(' ')).toEqual([anna.id]);
      expect(byPhone.results[0].match).toEqual({ field: 'phone', text: '+46 70 123 45 67' });
    }
  });

  it("the visitor's generated name finds its dialog", async () => {
    const found = await operator.json<SearchJson>(['dialogs', 'search', order.name]);
    const hit = found.results.find((r) => r.dialog.id === order.id);
    expect(hit?.match).toEqual({ field: 'name', text: order.name });
  });

  it('every match, newest activity first, each with its view (a closed dialog is in archive)', async () => {
    const found = await operator.json<SearchJson>(['dialogs', 'search', 'shipping']);
    expect(ids(found)).toEqual([shipper.id, anna.id]);
    expect(found.results.map((r) => r.dialog.view)).toEqual(['archive', 'mine']);
    expect(found.results.map((r) => r.match.field)).toEqual(['message', 'message']);
    expect(found.more).toBe(false);
  });

  it('--limit 1 with two matches: one result and more: true', async () => {
    const found = await operator.json<SearchJson>(['dialogs', 'search', 'shipping', '--limit', '1']);
    expect(ids(found)).toEqual([shipper.id]);
    expect(found.more).toBe(true);
  });

  it("another project's dialogs are never found", async () => {
    // The admin is in both projects: Beta's dialog is there to find, but only from Beta.
    expect(ids(await admin.json<SearchJson>(['dialogs', 'search', 'zebra', '-p', 'Beta']))).toEqual([beta.id]);
    expect(ids(await admin.json<SearchJson>(['dialogs', 'search', 'zebra', '-p', 'Alpha']))).toEqual([]);
    expect(ids(await admin.json<SearchJson>(['dialogs', 'search', '4711', '-p', 'Alpha']))).toEqual([order.id]);
    expect(ids(await operator.json<SearchJson>(['dialogs', 'search', '4711', '-p', String(alphaId)]))).toEqual([order.id]);
  });
});

describe('parley dialogs search (for people)', () => {
  it('a table: id, visitor, view, what matched and when', async () => {
    const r = await operator.run(['dialogs', 'search', 'anna@example.com']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+VISITOR\s+VIEW\s+MATCHED\s+AT$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      new RegExp(`^${anna.id}\\s+${anna.name} \\(Анна Берг\\)\\s+mine\\s+email: anna@example\\.com\\s+(\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d$`),
    );
    expect(r.stdout).not.toContain('More dialogs match');
  });

  it('a message match shows its text; a closed dialog shows archive', async () => {
    const r = await operator.run(['dialogs', 'search', 'order 4711']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`${order.id}  `);
    expect(r.stdout).toContain(order.name);
    expect(r.stdout).toContain('message: Where is my order 4711?');

    const closed = await operator.run(['dialogs', 'search', 'malmö']);
    expect(closed.stdout.trimEnd().split('\n')[1]).toMatch(new RegExp(`^${shipper.id}\\s+${shipper.name}\\s+archive\\s+message: How much is SHIPPING to Malmö\\?`));
  });

  it('--limit 1 with two matches: one row, then how to see more', async () => {
    const r = await operator.run(['dialogs', 'search', 'shipping', '--limit', '1']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(new RegExp(`^${shipper.id}\\s`));
    expect(lines[2]).toBe('More dialogs match: narrow the search or raise --limit (up to 100).');
  });

  it('no match: says so and exits 0', async () => {
    const r = await operator.run(['dialogs', 'search', 'no such thing here']);
    expect(r).toEqual({ code: 0, stdout: 'No dialog matches "no such thing here".\n', stderr: '' });
  });
});

describe('parley dialogs search: usage errors (exit 2, before any request)', () => {
  it('no text, or only spaces', async () => {
    expectFailure(await operator.run(['dialogs', 'search']), 2, /missing required argument 'text'/);
    expectFailure(await operator.run(['dialogs', 'search', '  ', '']), 2, /search for some text/);
  });

  it('--limit outside 1-100, or not a number', async () => {
    for (const limit of ['0', '101', '-1', 'ten', '2.5']) {
      expectFailure(await operator.run(['dialogs', 'search', '4711', '--limit', limit]), 2, /from 1 to 100/);
    }
    // 100 itself is fine.
    expect(ids(await operator.json<SearchJson>(['dialogs', 'search', '4711', '--limit', '100']))).toEqual([order.id]);
  });

  it('more than 100 characters', async () => {
    expectFailure(await operator.run(['dialogs', 'search', 'x'.repeat(101)]), 2, /at most 100 characters/);
  });

  it('checked before any request: no login needed to be told', async () => {
    const stranger = await shell({ PARLEY_URL: server.url });
    expectFailure(await stranger.run(['dialogs', 'search', '   ']), 2, /search for some text/);
    expectFailure(await stranger.run(['dialogs', 'search', '4711', '--limit', '101']), 2);
    // The same search with valid input does need a login (exit 4): the check above came first.
    expectFailure(await stranger.run(['dialogs', 'search', '4711']), 4);
  });
});
