// A dialog's lead class and the widget's hello `group` (the embed's data-group) are measured as
// the server stores them, trimmed and with runs of spaces counted as one, as group names and the
// list's class names are. Their schemas used to cap them as written at 100, so a name that fits
// once squeezed but was written with more spaces was refused by the schema ("body/leadClass must
// NOT have more than 100 characters"; a hello never welcomed). Now the cap as written is only
// against absurd input (1,000), and a name too long even squeezed is refused in the words used
// for class and group names. Real HTTP and a real visitor socket against a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { raw } from '../helpers/accounts-extra.js';
import { type Peer, connectVisitor, visitorWrites } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const SQUEEZED_CLASS = 'a lead class name has at most 100 characters, even with runs of spaces counted as one';
const SQUEEZED_GROUP = 'a group name has at most 50 characters, even with runs of spaces counted as one';

let server: TestServer;
let admin: ParleyClient;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];

/** `first` and `last` with `spaces` spaces between. */
const spaced = (first: string, spaces: number, last: string) => `${first}${' '.repeat(spaces)}${last}`;

beforeAll(async () => {
  server = await startTestServer();
  let email: string;
  ({ client: admin, email } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
  await admin.updateMember(project.id, email, { operator: true }); // operators set a dialog's class
  await admin.createGroup(project.id, 'Night shift');
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server?.close();
});

const site = () => ({ url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId: project.id, admin, peers });

async function api(method: string, path: string, body: unknown) {
  const reply = await raw(server.url, method, `/api/v1/projects/${project.id}${path}`, {
    token: admin.token,
    contentType: 'application/json',
    body: JSON.stringify(body),
  });
  return { status: reply.status, body: reply.json };
}

describe("a dialog's lead class", () => {
  it('written over 100 characters but fitting once squeezed is the class, through PUT and PATCH', async () => {
    const { dialogId } = await visitorWrites(site(), 'hello from a lead');
    const existing = spaced('EXISTING', 120, 'client');
    expect([...existing].length).toBe(134);
    expect(await api('PUT', `/dialogs/${dialogId}/lead-class`, { leadClass: existing })).toMatchObject({
      status: 200,
      body: { leadClass: 'existing client' },
    });
    expect(await api('PATCH', `/dialogs/${dialogId}`, { leadClass: spaced(' spam', 200, '') })).toMatchObject({
      status: 200,
      body: { leadClass: 'spam' },
    });
  });

  it('too long even squeezed is refused in the words of the list, as adding such a class is', async () => {
    const { dialogId } = await visitorWrites(site(), 'another lead');
    const squeezedTooLong = spaced('x'.repeat(60), 150, 'y'.repeat(60));
    const refused = { status: 400, body: { error: { code: 'validation', message: SQUEEZED_CLASS } } };
    expect(await api('PUT', `/dialogs/${dialogId}/lead-class`, { leadClass: squeezedTooLong })).toEqual(refused);
    expect(await api('PATCH', `/dialogs/${dialogId}`, { leadClass: squeezedTooLong })).toEqual(refused);
    expect(await api('POST', '/lead-classes', { name: squeezedTooLong })).toEqual(refused);
    // Without spaces to squeeze, the words say only the limit.
    const plain = { status: 400, body: { error: { code: 'validation', message: 'a lead class name has at most 100 characters' } } };
    expect(await api('PUT', `/dialogs/${dialogId}/lead-class`, { leadClass: 'x'.repeat(101) })).toEqual(plain);
    expect(await api('POST', '/lead-classes', { name: 'x'.repeat(101) })).toEqual(plain);
    // A name that fits is not a class of the list: the list's own refusal.
    const unknown = await api('PUT', `/dialogs/${dialogId}/lead-class`, { leadClass: 'x'.repeat(100) });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/^no lead class "x{100}" in this project/);
    expect((await admin.getDialog(project.id, dialogId)).dialog.leadClass).toBeNull();
  });
});

describe("the widget's hello group", () => {
  it('written over 100 characters but fitting once squeezed routes the dialog to its group', async () => {
    const group = spaced(' night', 120, 'SHIFT ');
    const { welcome, dialogId } = await visitorWrites(site(), 'routed by a spaced data-group', { group });
    expect(welcome.type).toBe('welcome');
    expect((await admin.getDialog(project.id, dialogId)).dialog.group).toBe('Night shift');
  });

  it('too long even squeezed is refused in the words of group names, and a hello within the limit is then welcomed', async () => {
    const peer = await connectVisitor(server.url, project.widgetKey, ORIGIN);
    peers.push(peer);
    peer.send({ type: 'hello', group: spaced('x'.repeat(30), 150, 'y'.repeat(30)) });
    expect(await peer.next((f) => f.type === 'error')).toMatchObject({ code: 'validation', message: SQUEEZED_GROUP });
    peer.send({ type: 'hello', group: 'x'.repeat(51) });
    expect(await peer.next((f) => f.type === 'error')).toMatchObject({ code: 'validation', message: 'a group name has at most 50 characters' });
    // Refused before it was said: the same connection may say hello again.
    peer.send({ type: 'hello', group: 'no such group' });
    expect(await peer.next((f) => f.type === 'welcome')).toMatchObject({ type: 'welcome' });
  });
});
