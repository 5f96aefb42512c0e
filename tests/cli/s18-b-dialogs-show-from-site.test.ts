// `parley dialogs show` marks a card value the site gave (the widget's identify) with
// "(from site)": the site's word, unverified, as the TUI's card marks it. A value an operator set
// has no mark; once an operator edits a field the site gave, it is theirs. `--json` carries the
// card's `fromSite` as the API gives it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { type Shell, shell } from '../helpers/cli-extra.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';

let server: TestServer;
let admin: ParleyClient;
let cli: Shell;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];

beforeAll(async () => {
  server = await startTestServer();
  ({ client: admin } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  await admin.updateMember(p.id, 'root@example.com', { operator: true });
  project = { id: p.id, widgetKey: p.widgetKey };
  cli = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: admin.token! });
});

afterAll(async () => {
  for (const peer of peers) await peer.close();
  await server?.close();
});

/** A visitor the site identified with `fields` before their first message; their dialog's id. */
async function identifiedVisitor(fields: Record<string, string>): Promise<number> {
  const { peer, welcome } = await visitorHello(server.url, project.widgetKey, ORIGIN);
  peers.push(peer);
  peer.send({ type: 'identify', ref: 'who', ...fields });
  expect(await peer.next((f) => (f.type === 'identified' || f.type === 'error') && f.ref === 'who')).toMatchObject({ type: 'identified' });
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body: 'Hello' });
  await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  const { dialogs } = await admin.listDialogs(project.id);
  return dialogs.find((d) => d.visitor.name === welcome.visitor.name)!.id;
}

/** The header lines of `dialogs show`, by label. */
async function shown(dialogId: number): Promise<Map<string, string>> {
  const r = await cli.run(['dialogs', 'show', String(dialogId), '-p', String(project.id)]);
  expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
  const header = r.stdout.split('\n\n')[0].split('\n');
  return new Map(header.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
}

describe('parley dialogs show', () => {
  it('marks what the site gave "(from site)", not what an operator set; an edit makes a field the operator’s', async () => {
    const id = await identifiedVisitor({ realName: 'Ada Lovelace', email: 'ada@example.com' });
    await admin.updateCard(project.id, id, { phone: '+44 20 7946 0000', notes: 'VIP' });
    let lines = await shown(id);
    expect(lines.get('real name')).toBe('Ada Lovelace (from site)');
    expect(lines.get('email')).toBe('ada@example.com (from site)');
    expect(lines.get('phone')).toBe('+44 20 7946 0000');
    expect(lines.get('notes')).toBe('VIP');

    await admin.updateCard(project.id, id, { email: 'ada@lovelace.example' });
    lines = await shown(id);
    expect(lines.get('email')).toBe('ada@lovelace.example');
    expect(lines.get('real name')).toBe('Ada Lovelace (from site)');
  });

  it('--json has the card’s fromSite as the API does, and no mark in the values', async () => {
    const id = await identifiedVisitor({ phone: '+1 555 0100' });
    const r = await cli.run(['dialogs', 'show', String(id), '-p', String(project.id), '--json']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout).visitor.card).toEqual({ realName: null, phone: '+1 555 0100', email: null, notes: null, fromSite: ['phone'] });
  });
});
