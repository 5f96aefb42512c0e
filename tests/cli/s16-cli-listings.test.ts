// The CLI's listings through the real `parley` binary against a real server:
//   - `dialogs list` shows a last message of files alone by its files from the list itself
//     (lastMessage.files), with no request per row for the message;
//   - times are on the project's clock, not the computer's, and name the project's zone when the
//     terminal is in another (`dialogs list`, `dialogs search`, `dialogs show`, `templates show`),
//     as the TUI does; --json keeps ISO times.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngBytes } from '../helpers/accounts-extra.js';
import { adminShell, type Shell } from '../helpers/cli-extra.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
/** The project's zone, and the terminal's: 13 or 14 hours apart, so no clock time reads the same in both. */
const PROJECT_ZONE = 'Asia/Tokyo';
const AWAY = { TZ: 'America/New_York' };
const AT_HOME = { TZ: PROJECT_ZONE };

interface DialogJson {
  id: number;
  visitor: { name: string };
  lastMessage: { author: string; body: string; files: Array<{ name: string }> } | null;
  lastMessageAt: string;
  createdAt: string;
}

let server: TestServer;
let admin: Shell;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminShell(server, ADMIN);
  project = await admin.json<{ id: number; widgetKey: string }>(['project', 'create', 'Alpha']);
  const set = await admin.run(['project', 'set', 'Alpha', '--allowed-origin', ORIGIN, '--timezone', PROJECT_ZONE]);
  expect(set, set.stderr).toMatchObject({ code: 0, stderr: '' });
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server?.close();
});

/** A visitor who wrote `body` with the files `names` (uploaded through the widget): their name. */
async function visitorWrites(body: string, names: string[] = []): Promise<string> {
  const { peer, welcome } = await visitorHello(server.url, project.widgetKey, ORIGIN);
  peers.push(peer);
  const attachmentIds: number[] = [];
  for (const name of names) {
    const form = new FormData();
    form.append('file', new Blob([pngBytes(100)], { type: 'image/png' }), name);
    const res = await fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'x-parley-visitor': welcome.token },
      body: form,
    });
    expect(res.status).toBe(201);
    attachmentIds.push(((await res.json()) as { id: number }).id);
  }
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body, attachmentIds });
  await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  return welcome.visitor.name as string;
}

/** The server's requests so far whose path matches `path` (its request log). */
const requestsTo = (path: RegExp) =>
  server.logs
    .map((l) => JSON.parse(l) as { msg?: string; req?: { url?: string } })
    .filter((l) => l.msg === 'incoming request' && path.test(l.req?.url ?? '')).length;

const dialogsJson = async () => (await admin.json<{ dialogs: DialogJson[] }>(['dialogs', 'list'])).dialogs;

/** HH:MM of `iso` in `timeZone`, worked out here rather than by the CLI's own code. */
const clockTime = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('dialogs list: a last message of files alone', () => {
  it('shows its files from the list, with no request for any message', async () => {
    const one = await visitorWrites('', ['me.png']);
    const two = await visitorWrites('', ['front.png', 'back.png']);
    const said = await visitorWrites('Just text');

    const messagesBefore = requestsTo(/\/dialogs\/\d+\/messages/);
    const listsBefore = requestsTo(/\/dialogs(\?|$)/);
    const r = await admin.run(['dialogs', 'list']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const rowOf = (name: string) => r.stdout.split('\n').find((l) => l.includes(name));
    expect(rowOf(one)).toMatch(/ 📎 me\.png +\d\d:\d\d$/);
    expect(rowOf(two)).toMatch(/ 📎 2 files +\d\d:\d\d$/);
    expect(rowOf(said)).toMatch(/ Just text +\d\d:\d\d$/);
    // One request for the list (the log does see the CLI's requests), none for messages.
    expect(requestsTo(/\/dialogs(\?|$)/)).toBe(listsBefore + 1);
    expect(requestsTo(/\/dialogs\/\d+\/messages/)).toBe(messagesBefore);

    // --json is the server's list, which names the files.
    const listed = (await dialogsJson()).find((d) => d.visitor.name === two)!;
    expect(listed.lastMessage).toMatchObject({ body: '', files: [{ name: 'front.png' }, { name: 'back.png' }] });
  });
});

describe("times on the project's clock", () => {
  let visitorName: string;
  let dialog: DialogJson;

  beforeAll(async () => {
    visitorName = await visitorWrites('What time is it over there?');
    dialog = (await dialogsJson()).find((d) => d.visitor.name === visitorName)!;
  });

  it("dialogs list: the project's time, its zone in the heading when the terminal is in another; --json stays ISO", async () => {
    const tokyo = clockTime(dialog.lastMessageAt, PROJECT_ZONE);
    expect(tokyo).not.toBe(clockTime(dialog.lastMessageAt, AWAY.TZ));

    const away = (await admin.run(['dialogs', 'list'], { env: AWAY })).stdout.split('\n');
    expect(away[1]).toMatch(/^ID\s+VISITOR\s+STATUS\s+ASSIGNEE\s+LAST MESSAGE\s+AT \(Asia\/Tokyo\)$/);
    expect(away.find((l) => l.includes(visitorName))).toMatch(new RegExp(` ${tokyo}$`));

    const home = (await admin.run(['dialogs', 'list'], { env: AT_HOME })).stdout.split('\n');
    expect(home[1]).toMatch(/^ID\s+VISITOR\s+STATUS\s+ASSIGNEE\s+LAST MESSAGE\s+AT$/);
    expect(home.find((l) => l.includes(visitorName))).toMatch(new RegExp(` ${tokyo}$`));

    const json = await admin.json<{ dialogs: DialogJson[] }>(['dialogs', 'list'], { env: AWAY });
    expect(json.dialogs.find((d) => d.id === dialog.id)!.lastMessageAt).toBe(dialog.lastMessageAt);
    expect(dialog.lastMessageAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('dialogs search: the same clock', async () => {
    const r = await admin.run(['dialogs', 'search', 'over there'], { env: AWAY });
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const [head, row] = r.stdout.trimEnd().split('\n');
    expect(head).toMatch(/^ID\s+VISITOR\s+VIEW\s+MATCHED\s+AT \(Asia\/Tokyo\)$/);
    expect(row).toMatch(new RegExp(`^${dialog.id}\\s.* ${clockTime(dialog.lastMessageAt, PROJECT_ZONE)}$`));
  });

  it('dialogs show: the header names the zone; the transcript is in it', async () => {
    const away = await admin.run(['dialogs', 'show', String(dialog.id)], { env: AWAY });
    expect(away, away.stderr).toMatchObject({ code: 0, stderr: '' });
    const started = clockTime(dialog.createdAt, PROJECT_ZONE);
    expect(away.stdout).toMatch(new RegExp(`\\nstarted: +${started} \\(Asia/Tokyo\\)\\n`));
    expect(away.stdout).toContain(`[${clockTime(dialog.lastMessageAt, PROJECT_ZONE)}] ${visitorName}: What time is it over there?`);

    const home = await admin.run(['dialogs', 'show', String(dialog.id)], { env: AT_HOME });
    expect(home.stdout).toMatch(new RegExp(`\\nstarted: +${started}\\n`));
  });

  it('templates show: created and updated in the project\'s time, with its zone', async () => {
    const t = await admin.json<{ createdAt: string; updatedAt: string }>(['templates', 'add', 'Hours', 'We answer 9 to 18, Tokyo time.']);
    const away = await admin.run(['templates', 'show', 'Hours'], { env: AWAY });
    expect(away, away.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(away.stdout).toMatch(new RegExp(`^created: ${escape(clockTime(t.createdAt, PROJECT_ZONE))} \\(Asia/Tokyo\\)$`, 'm'));
    expect(away.stdout).toMatch(new RegExp(`^updated: ${escape(clockTime(t.updatedAt, PROJECT_ZONE))} \\(Asia/Tokyo\\)$`, 'm'));
    const home = await admin.run(['templates', 'show', 'Hours'], { env: AT_HOME });
    expect(home.stdout).toMatch(new RegExp(`^created: ${escape(clockTime(t.createdAt, PROJECT_ZONE))}$`, 'm'));
  });
});
