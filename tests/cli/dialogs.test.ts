// The operator side of the CLI through the real `parley` binary against a real server, with a
// real widget-side socket: `project set`, `status`, `dialogs list|show`, `send` and the NDJSON
// stream of `events` (which reconnects after a dropped socket and stops cleanly on a signal).
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminShell, expectFailure, type Shell, loginShell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { killAllParley, spawnParley } from '../helpers/process.js';
import { connectOperator, type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const OPERATOR = 'olga@example.com';

interface ProjectJson {
  id: number;
  name: string;
  widgetKey: string;
  allowedOrigins: string[];
  timezone: string;
  language: string;
}
interface MessageJson {
  id: number;
  dialogId: number;
  seq: number;
  rev: number;
  author: string;
  body: string;
  clientId: string;
  deliveredAt: string | null;
}

let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
let admin: Shell;
let operator: Shell;
let alpha: ProjectJson;
const peers: Peer[] = [];

async function visitor(widgetKey = alpha.widgetKey, hello: Record<string, unknown> = {}) {
  const v = await visitorHello(server.url, widgetKey, ORIGIN, hello);
  peers.push(v.peer);
  return v;
}

async function visitorSays(peer: Peer, body: string, extra: Record<string, unknown> = {}) {
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body, ...extra });
  return (await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId)).message;
}

beforeAll(async () => {
  server = await startTestServer();
  outbox = await watchOutbox(server.dataDir);
  admin = await adminShell(server, ADMIN);
  alpha = await admin.json<ProjectJson>(['project', 'create', 'Alpha']);
  const add = await admin.run(['team', 'add', '-p', 'Alpha', '--email', OPERATOR, '--first-name', 'Olga', '--last-name', 'Ops', '--operator']);
  expect(add, add.stderr).toMatchObject({ code: 0, stderr: '' });
  operator = await shell();
  await loginShell(operator, server.url, OPERATOR, `${passwordFrom(await outbox.waitFor((m) => m.to === OPERATOR))}\n${NEW_PASSWORD}\n`);
});

afterEach(async () => {
  await killAllParley();
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  outbox?.close();
  await server?.close();
});

describe('parley project set', () => {
  it('replaces the allowed origins, sets timezone, language and name; --add/--remove-origin edit the list', async () => {
    const set = await admin.json<ProjectJson>([
      'project', 'set', 'Alpha',
      '--allowed-origin', ORIGIN, '--allowed-origin', 'https://WWW.shop.example.com/',
      '--timezone', 'Europe/Berlin', '--language', 'ru', '--name', 'Alpha shop',
    ]);
    expect(set).toMatchObject({
      id: alpha.id,
      name: 'Alpha shop',
      allowedOrigins: [ORIGIN, 'https://www.shop.example.com'],
      timezone: 'Europe/Berlin',
      language: 'ru',
    });
    const edited = await admin.run([
      'project', 'set', String(alpha.id), '--add-origin', 'http://localhost:3000', '--remove-origin', 'https://www.shop.example.com',
      '--language', 'en', '--name', 'Alpha',
    ]);
    expect(edited, edited.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(edited.stdout).toMatch(/allowed origins:\s+https:\/\/shop\.example\.com, http:\/\/localhost:3000\n/);
    const shown = await admin.json<ProjectJson>(['project', 'show', 'Alpha']);
    expect(shown.allowedOrigins).toEqual([ORIGIN, 'http://localhost:3000']);
    expect(shown.language).toBe('en');
    // The widget now connects from the allowed origin.
    const { welcome } = await visitor();
    expect(welcome.token).toMatch(/^pvt_/);
  });

  it('refuses what is not an origin (exit 1), bad flags (exit 2), and people without settings access (exit 1)', async () => {
    expectFailure(await admin.run(['project', 'set', 'Alpha', '--allowed-origin', 'notaurl']), 1, /not an origin: "notaurl"/);
    expectFailure(await admin.run(['project', 'set', 'Alpha', '--timezone', 'Mars/Olympus']), 1, /time ?zone/i);
    expectFailure(await admin.run(['project', 'set', 'Alpha', '--language', 'fr']), 2, /en or ru/);
    expectFailure(await admin.run(['project', 'set', 'Alpha']), 2, /nothing to change/);
    expectFailure(
      await admin.run(['project', 'set', 'Alpha', '--allowed-origin', ORIGIN, '--add-origin', 'https://b.example.com']),
      2,
      /replaces the whole list/,
    );
    expectFailure(await operator.run(['project', 'set', '--name', 'Mine now']), 1, /access level/);
    // Nothing changed.
    expect((await admin.json<ProjectJson>(['project', 'show', 'Alpha'])).allowedOrigins).toEqual([ORIGIN, 'http://localhost:3000']);
  });
});

describe('parley status', () => {
  it('online/offline switch the widget tab live; show explains the status and counts operators', async () => {
    const before = await operator.json<{ online: boolean; operator: boolean; operatorsOnline: number }>(['status', 'show']);
    expect(before).toMatchObject({ online: false, operator: true, source: 'manual', operatorsOnline: 0 });
    const { peer, welcome } = await visitor();
    expect(welcome.operatorsOnline).toBe(false);

    const on = await operator.run(['status', 'online']);
    expect(on, on.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(on.stdout).toMatch(/You are online in "Alpha"/);
    expect((await peer.next((f) => f.type === 'operators')).online).toBe(true);

    // The time is the project's, named, whatever the terminal's zone (here 14 hours from UTC).
    const { changedAt, timezone } = await operator.json<{ changedAt: string; timezone: string }>(['status', 'show']);
    const show = await operator.run(['status', 'show'], { env: { TZ: 'Pacific/Kiritimati' } });
    expect(show.code).toBe(0);
    const hhmm = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(changedAt));
    expect(timezone).not.toBe('Pacific/Kiritimati');
    expect(show.stdout).toMatch(
      new RegExp(`^You are online in "Alpha" \\(manual switch\\) since (\\d{4}-\\d\\d-\\d\\d )?${hhmm} \\(${timezone}\\)\\.\n1 operator online: the widget shows its chat tab\\.\n$`),
    );

    const off = await operator.json<{ online: boolean; operatorsOnline: number }>(['status', 'offline']);
    expect(off).toMatchObject({ online: false, operatorsOnline: 0 });
    expect((await peer.next((f) => f.type === 'operators')).online).toBe(false);
    expect((await operator.run(['status', 'show'])).stdout).toMatch(/offline .*\nNo operator is online/);
  });

  it('is for operators only, and "parley status" alone is a usage error', async () => {
    expectFailure(await admin.run(['status', 'online', '-p', 'Alpha']), 1, /only operators/);
    const shown = await admin.json<{ operator: boolean }>(['status', 'show', '-p', 'Alpha']);
    expect(shown.operator).toBe(false);
    const bare = await operator.run(['status']);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
  });
});

describe('dialogs, send and events', () => {
  let peer: Peer;
  let dialogId: number;
  let visitorName: string;

  it('a visitor message shows in Mine with the counts (JSON and table)', async () => {
    const v = await visitor();
    peer = v.peer;
    visitorName = v.welcome.visitor.name;
    await visitorSays(peer, 'Do you ship to Berlin?\nAnd to Hamburg?', {
      page: { url: `${ORIGIN}/shoes?utm_source=news&utm_campaign=fall`, title: 'Shoes', referrer: 'https://search.example/' },
    });
    const list = await operator.json<{
      view: string;
      counts: Record<string, number>;
      dialogs: Array<{ id: number; status: string; visitor: { name: string }; lastMessage: { body: string } }>;
      next: string | null;
    }>(['dialogs', 'list']);
    expect(list.view).toBe('mine');
    expect(list.counts).toEqual({ mine: 1, shared: 0, archive: 0 });
    expect(list.dialogs).toHaveLength(1);
    expect(list.dialogs[0]).toMatchObject({ status: 'open', visitor: { name: visitorName }, lastMessage: { body: 'Do you ship to Berlin?\nAnd to Hamburg?' } });
    expect(list.next).toBeNull();
    dialogId = list.dialogs[0].id;

    const table = await operator.run(['dialogs', 'list']);
    expect(table).toMatchObject({ code: 0, stderr: '' });
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Mine 1 · Shared 0 · Archive 0');
    expect(lines[1]).toMatch(/^ID\s+VISITOR\s+STATUS\s+ASSIGNEE\s+LAST MESSAGE\s+AT( \(Europe\/Berlin\))?$/);
    expect(lines[2]).toContain(visitorName);
    expect(lines[2]).toMatch(new RegExp(`^${dialogId}\\s.*\\sopen\\s+-\\s+Do you ship to Berlin\\? And to Hamburg\\?\\s+\\d\\d:\\d\\d$`));

    const archive = await operator.json<{ dialogs: unknown[]; counts: Record<string, number> }>(['dialogs', 'list', '--view', 'archive', '--limit', '5']);
    expect(archive.dialogs).toEqual([]);
    expect(archive.counts.mine).toBe(1);
  });

  it('dialogs show: the visitor, the page and UTM tags, and the messages with time and author', async () => {
    const r = await operator.run(['dialogs', 'show', String(dialogId)]);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`visitor:        ${visitorName}`);
    expect(r.stdout).toMatch(/page:\s+https:\/\/shop\.example\.com\/shoes\?utm_source=news&utm_campaign=fall "Shoes"/);
    expect(r.stdout).toMatch(/utm:\s+source=news, campaign=fall/);
    expect(r.stdout).toMatch(new RegExp(`\\[\\d\\d:\\d\\d\\] ${visitorName}: Do you ship to Berlin\\?\\n    And to Hamburg\\?`));
    const detail = await operator.json<{ dialog: { id: number }; visitor: { page: { title: string } }; messages: MessageJson[] }>(['dialogs', 'show', String(dialogId)]);
    expect(detail.dialog.id).toBe(dialogId);
    expect(detail.visitor.page.title).toBe('Shoes');
    expect(detail.messages.map((m) => [m.seq, m.author])).toEqual([[1, 'visitor']]);
  });

  it('send reaches the widget; the ack shows as delivered', async () => {
    const token = (await operator.run(['token', 'create', '--name', 'watch'])).stdout.trim();
    const op = await connectOperator(server.url, token, alpha.id);
    peers.push(op);
    await op.next((f) => f.type === 'ready');

    const r = await operator.run(['send', String(dialogId), 'Yes,', 'we', 'ship', 'there.']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const m = /message (\d+) \(seq 2\)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const pushed = await peer.next((f) => f.type === 'message' && f.message.author === 'operator');
    expect(pushed.message).toMatchObject({ id: Number(m![1]), body: 'Yes, we ship there.', operator: { name: 'Olga Ops' } });

    expect((await operator.run(['dialogs', 'show', String(dialogId)])).stdout).toMatch(/Olga Ops: Yes, we ship there\.  · not delivered\n/);
    peer.send({ type: 'ack', messageIds: [pushed.message.id] });
    await op.next((f) => f.type === 'message.updated' && f.message.id === pushed.message.id && f.message.deliveredAt);
    expect((await operator.run(['dialogs', 'show', String(dialogId)])).stdout).toMatch(/Olga Ops: Yes, we ship there\.  · delivered \d\d:\d\d\n/);
  });

  it('send --client-id twice stores the message once (a safe retry); other text with it is a conflict', async () => {
    const first = await operator.json<MessageJson & { isNew: boolean }>(['send', String(dialogId), '--client-id', 'order-4711', 'Your order has shipped.']);
    const again = await operator.run(['send', String(dialogId), '--client-id', 'order-4711', 'Your order has shipped.']);
    expect(again, again.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toMatch(new RegExp(`Already sent with this client id: message ${first.id} \\(seq ${first.seq}\\)`));
    const third = await operator.json<MessageJson & { isNew: boolean }>(['send', String(dialogId), '--client-id', 'order-4711', 'Your order has shipped.']);
    expect(first).toMatchObject({ isNew: true, clientId: 'order-4711', seq: 3 });
    expect(third).toMatchObject({ isNew: false, id: first.id, seq: first.seq });
    expectFailure(await operator.run(['send', String(dialogId), '--client-id', 'order-4711', 'Something else']), 1, /different text/);

    const detail = await operator.json<{ messages: MessageJson[] }>(['dialogs', 'show', String(dialogId)]);
    expect(detail.messages.filter((m) => m.clientId === 'order-4711')).toHaveLength(1);
    expect(detail.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    // The widget got it each time it was sent, always as the same message.
    const pushes = [
      await peer.next((f) => f.type === 'message' && f.message.id === first.id),
      await peer.next((f) => f.type === 'message' && f.message.id === first.id),
      await peer.next((f) => f.type === 'message' && f.message.id === first.id),
    ];
    expect(new Set(pushes.map((p) => p.message.seq))).toEqual(new Set([3]));
  });

  it('events prints NDJSON: a visitor message, an operator reply, its delivery; survives a dropped socket; SIGTERM exits 0', async () => {
    const connected = once(server.app.websocketServer, 'connection') as Promise<[WebSocket, IncomingMessage]>;
    const events = spawnParley(['events'], { env: { HOME: operator.configDir, PARLEY_CONFIG_DIR: operator.configDir } });
    const [socket] = await connected;

    await visitorSays(peer, 'Are you there?');
    await events.waitForStdout(/"type":"message\.created".*"body":"Are you there\?"/);
    const sent = await operator.run(['send', String(dialogId), 'Yes, right here.']);
    expect(sent.code).toBe(0);
    const reply = await peer.next((f) => f.type === 'message' && f.message.body === 'Yes, right here.');
    await events.waitForStdout(/"type":"message\.created".*"body":"Yes, right here\."/);
    peer.send({ type: 'ack', messageIds: [reply.message.id] });
    await events.waitForStdout(new RegExp(`"type":"message\\.updated","message":\\{"id":${reply.message.id},[^\\n]*"deliveredAt":"`));

    // The network drops the stream's socket; it reconnects and nothing is lost or repeated.
    const reconnected = once(server.app.websocketServer, 'connection');
    socket.terminate();
    await visitorSays(peer, 'Still there after the drop?');
    await reconnected;
    await events.waitForStdout(/"body":"Still there after the drop\?"/);
    await visitorSays(peer, 'And now?');
    await events.waitForStdout(/"body":"And now\?"/);

    const exit = await events.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(events.stderr).toBe(''); // notices only on a terminal
    const lines = events.stdout.split('\n').filter(Boolean);
    const parsed = lines.map((l) => JSON.parse(l) as { type: string; message?: MessageJson });
    expect(events.stdout.endsWith('\n')).toBe(true);
    const created = parsed.filter((e) => e.type === 'message.created' && e.message!.dialogId === dialogId).map((e) => e.message!.body);
    expect(created).toEqual(['Are you there?', 'Yes, right here.', 'Still there after the drop?', 'And now?']);
    const revs = parsed.filter((e) => e.message).map((e) => `${e.message!.id}@${e.message!.rev}`);
    expect(new Set(revs).size).toBe(revs.length);
  });

  it('events exits 0 on SIGINT too', async () => {
    const connected = once(server.app.websocketServer, 'connection');
    const events = spawnParley(['events'], { env: { HOME: operator.configDir, PARLEY_CONFIG_DIR: operator.configDir } });
    await connected;
    expect(await events.stop('SIGINT')).toEqual({ code: 0, signal: null });
    expect(events.stdout).toBe('');
  });
});

describe('bad input', () => {
  it('an unknown dialog id is exit 1 "no dialog"; a malformed id or empty text is exit 2', async () => {
    expectFailure(await operator.run(['dialogs', 'show', '99999']), 1, /no dialog with id 99999/);
    expectFailure(await operator.run(['send', '99999', 'hello']), 1, /no dialog with id 99999/);
    expectFailure(await operator.run(['dialogs', 'show', 'abc']), 2, /positive whole number/);
    expectFailure(await operator.run(['dialogs', 'show', '0']), 2, /positive whole number/);
    const dialogId = (await operator.json<{ dialogs: Array<{ id: number }> }>(['dialogs', 'list'])).dialogs[0].id;
    expectFailure(await operator.run(['send', String(dialogId), '']), 2, /needs some text/);
    expectFailure(await operator.run(['send', String(dialogId), '   ', '  ']), 2, /needs some text/);
    expectFailure(await operator.run(['send', String(dialogId)]), 2, /a message needs some text or a file/);
    expectFailure(await operator.run(['send', String(dialogId), '-'], { stdin: '\n\n' }), 2, /needs some text/);
    expectFailure(await operator.run(['send', String(dialogId), '--client-id', 'not ok!', 'hi']), 2, /client id/);
    expectFailure(await operator.run(['dialogs', 'list', '--view', 'everything']), 2, /mine, shared, archive/);
    expectFailure(await operator.run(['dialogs', 'list', '--limit', '0']), 2, /1 to 200/);
    expectFailure(await operator.run(['dialogs', 'list', '--before', 'garbage']), 2, /'--before <cursor>' argument 'garbage' is invalid\. a cursor is the "next" value/);
    // Text from stdin works, newlines kept.
    const piped = await operator.json<MessageJson>(['send', String(dialogId), '-'], { stdin: 'line one\nline two\n' });
    expect(piped.body).toBe('line one\nline two');
  });

  it("another project's dialog is not found (404, exit 1), and its project is unknown", async () => {
    const beta = await admin.json<ProjectJson>(['project', 'create', 'Beta']);
    expect((await admin.run(['project', 'set', 'Beta', '--allowed-origin', ORIGIN])).code).toBe(0);
    const { peer } = await visitor(beta.widgetKey);
    await visitorSays(peer, 'a secret of project Beta');
    const betaDialog = (await admin.json<{ dialogs: Array<{ id: number }> }>(['dialogs', 'list', '-p', 'Beta'])).dialogs[0].id;

    expectFailure(await operator.run(['dialogs', 'show', String(betaDialog)]), 1, new RegExp(`no dialog with id ${betaDialog}`));
    expectFailure(await operator.run(['send', String(betaDialog), 'hijack']), 1, /no dialog/);
    expectFailure(await operator.run(['dialogs', 'show', String(betaDialog), '-p', 'Beta']), 1, /unknown project: Beta/);
    expectFailure(await operator.run(['events', '-p', String(beta.id)]), 1, /unknown project/);
    const detail = await admin.json<{ messages: MessageJson[] }>(['dialogs', 'show', String(betaDialog), '-p', 'Beta']);
    expect(detail.messages.map((m) => m.body)).toEqual(['a secret of project Beta']);
  });

  it('not signed in: exit 4 for every new command', async () => {
    const nobody = await shell({ PARLEY_URL: server.url });
    for (const args of [['status', 'show'], ['dialogs', 'list'], ['dialogs', 'show', '1'], ['send', '1', 'hi'], ['events'], ['project', 'set', '--name', 'x']]) {
      expectFailure(await nobody.run(args), 4, /parley login|PARLEY_TOKEN/);
    }
  });
});
