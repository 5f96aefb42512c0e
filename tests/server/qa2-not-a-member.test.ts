// An email that is no member of the project answers 404 `not_found`, in the members route's
// words, on every route that takes one: in the path (members), the query (status, schedules) or
// the body (assign, schedules, groups). A member who is there but is not an operator, where one is
// needed, stays a 400, as assign answers it. Nothing is saved when one email of a list is unknown.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { expectApiError } from '../helpers/accounts-extra.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const ADMIN = 'root@example.com';
const OPERATOR = 'ann@example.com';
const SETTINGS = 'sam@example.com';
const NOBODY = 'nobody@example.com';

let server: TestServer;
let admin: ParleyClient;
let projectId: number;
let dialogId: number;
let peer: Peer;

beforeAll(async () => {
  server = await startTestServer();
  admin = (await signedInAdmin(server)).client;
  const p = await admin.createProject('Members shop');
  projectId = p.id;
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  await admin.updateMember(p.id, ADMIN, { operator: true });
  await admin.addMember(p.id, { email: OPERATOR, firstName: 'Ann', lastName: '-', operator: true });
  await admin.addMember(p.id, { email: SETTINGS, firstName: 'Sam', lastName: '-', access: 'settings' });
  await admin.createGroup(p.id, 'support');
  // The member of another project is no member of this one either.
  const other = await admin.createProject('Other shop');
  await admin.addMember(other.id, { email: 'out@example.com', firstName: 'Out', lastName: '-', operator: true });

  ({ peer } = await visitorHello(server.url, p.widgetKey, ORIGIN));
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body: 'Who will answer?' });
  await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  const views = await Promise.all((['mine', 'shared'] as const).map((view) => admin.listDialogs(p.id, { view })));
  dialogId = views.flatMap((v) => v.dialogs).find((d) => d.lastMessage?.body === 'Who will answer?')!.id;
});

afterAll(async () => {
  await peer?.close();
  await server?.close();
});

const schedules = `/api/v1/projects/:p/schedules`;
const path = (p: string) => p.replace(':p', String(projectId));
const hours = (operators: string[]) => ({ operators, days: 'mon-fri', from: '09:00', to: '18:00' });

/** Every route that takes an email of a member, called with `email`. */
const routes: Array<[string, (email: string) => Promise<unknown>]> = [
  ['GET members/:email', (email) => admin.getMember(projectId, email)],
  ['POST dialogs/:d/assign', (email) => admin.assignDialog(projectId, dialogId, email)],
  ['GET status?operator=', (email) => admin.request('GET', `${path('/api/v1/projects/:p/status')}?operator=${encodeURIComponent(email)}`)],
  ['GET schedules?operator=', (email) => admin.request('GET', `${path(schedules)}?operator=${encodeURIComponent(email)}`)],
  ['PUT schedules', (email) => admin.request('PUT', path(schedules), hours([OPERATOR, email]))],
  ['POST schedules/exceptions', (email) => admin.request('POST', `${path(schedules)}/exceptions`, { operators: [email], date: '2030-01-07', off: true })],
  ['POST schedules/clear', (email) => admin.request('POST', `${path(schedules)}/clear`, { operators: [email] })],
  ['PATCH groups/:name {add}', (email) => admin.updateGroup(projectId, 'support', { add: [OPERATOR, email] })],
  ['PATCH groups/:name {remove}', (email) => admin.updateGroup(projectId, 'support', { remove: [email] })],
];

describe('an email of no member', () => {
  it.each(routes)('is a 404 from %s, worded as the members route words it', async (_route, call) => {
    for (const email of [NOBODY, 'out@example.com']) {
      const err = await expectApiError(call(email), 404, 'not_found');
      expect(err.message).toBe(`${email} is not a member of this project`);
    }
  });

  it('saves nothing of a list that has one', async () => {
    const shown = await admin.request<{ schedules: Array<{ email: string; weekly: Record<string, unknown[]> }> }>(
      'GET',
      `${path(schedules)}?operator=${OPERATOR}`,
    );
    expect(shown.schedules[0].weekly.mon).toEqual([]);
    expect((await admin.getGroup(projectId, 'support')).members).toEqual([]);
  });
});

describe('a member who is not an operator', () => {
  it('stays a 400 wherever an operator is needed, as assign answers it', async () => {
    const calls: Array<Promise<unknown>> = [
      admin.assignDialog(projectId, dialogId, SETTINGS),
      admin.request('GET', `${path(schedules)}?operator=${SETTINGS}`),
      admin.request('PUT', path(schedules), hours([SETTINGS])),
      admin.updateGroup(projectId, 'support', { add: [SETTINGS] }),
    ];
    for (const call of calls) {
      const err = await expectApiError(call, 400, 'validation');
      expect(err.message).toMatch(new RegExp(`^${SETTINGS} is not an operator`));
    }
  });
});
