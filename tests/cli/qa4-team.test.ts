// What `parley team add|remove|update` and `parley schedule except` say about what the server did
// (QA lifecycle 1, 3, 9): a new one-time password for an account that never chose one, the open
// dialogs a removed member gave back, a date exception for someone without weekly hours, a date
// in the past refused. The real binary against a real server whose clock the test holds.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import { adminShell, expectFailure, type Shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, signIn, startTestServer, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const ORIGIN = 'https://shop.example.com';
const ANN = 'ann@example.com';
const BOB = 'bob@example.com';
/** Wall time in Moscow (UTC+3 all year), March 2026. */
const msk = (day: number, h: number) => Date.UTC(2026, 2, day, h - 3);

let server: TestServer;
let admin: Shell;
let root: ParleyClient;
let alpha: { id: number; widgetKey: string };
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
const peers: Peer[] = [];

const addAnn = (project: string) =>
  admin.run(['team', 'add', '-p', project, '--email', ANN, '--first-name', 'Ann', '--last-name', 'Lee', '--operator']);

beforeAll(async () => {
  server = await startTestServer({ clock: new ManualClock(msk(2, 10)) }); // Monday 2 March 2026
  outbox = await watchOutbox(server.dataDir);
  admin = await adminShell(server, ADMIN);
  root = await signIn(server.url, ADMIN.email, NEW_PASSWORD);
  for (const name of ['Alpha', 'Beta']) await admin.json(['project', 'create', name]);
  await admin.run(['project', 'use', 'Alpha']);
  const project = (await root.listProjects()).find((p) => p.name === 'Alpha')!;
  await root.updateProject(project.id, { allowedOrigins: [ORIGIN], timezone: 'Europe/Moscow' });
  alpha = { id: project.id, widgetKey: project.widgetKey };
});

afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  outbox.close();
  await server.close();
});

describe('what the team and schedule commands say', () => {
  it('team add: an account that never chose a password gets a new one-time password, and is told so', async () => {
    const first = await addAnn('Alpha');
    expect(first, first.stderr).toMatchObject({ code: 0, stderr: '' });
    const welcome = await outbox.waitFor((m) => m.to === ANN && m.subject.includes('Alpha'));

    const again = await addAnn('Beta');
    expect(again, again.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toBe(
      'Added ann@example.com to "Beta" as operator. They already had an account: they never chose a password, ' +
        'so a new one-time password is on its way (the one mailed before no longer works).\n',
    );
    const replaced = passwordFrom(await outbox.waitFor((m) => m.to === ANN && m.subject.includes('Beta')));
    expect(replaced).not.toBe(passwordFrom(welcome));
    await signIn(server.url, ANN, replaced);
  });

  it('schedule except: says what an exception means for someone without weekly hours, and refuses a past date', async () => {
    const r = await admin.run(['schedule', 'except', '--operator', ANN, '--date', '2026-03-31', '--off']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(
      /^2026-03-31: a day off for ann@example\.com\.\nann@example\.com has no weekly hours: on 2026-03-31 the exception decides \(offline all day\); on other days the manual switch does, as before\.\n\n/,
    );
    expectFailure(
      await admin.run(['schedule', 'except', '--operator', ANN, '--date', '2026-03-01', '--off']),
      1,
      /^parley: 2026-03-01 is in the past \(today is 2026-03-02 in Europe\/Moscow\): give today or a later date\n$/,
    );
  });

  it('team remove says how many open dialogs went back; --json has the counts', async () => {
    const ann = await signIn(server.url, ANN, NEW_PASSWORD);
    await ann.setStatus(alpha.id, true);
    const { peer } = await visitorHello(server.url, alpha.widgetKey, ORIGIN);
    peers.push(peer);
    const clientId = randomUUID();
    peer.send({ type: 'message.send', clientId, body: 'Hello' });
    await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
    const id = (await ann.listDialogs(alpha.id, { view: 'mine' })).dialogs.find((d) => d.lastMessage?.body === 'Hello')!.id;
    await ann.sendMessage(alpha.id, id, randomUUID(), 'Ann here');

    const removed = await admin.run(['team', 'remove', ANN]);
    expect(removed, removed.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(removed.stdout).toBe('Removed ann@example.com from "Alpha". 1 open dialog went back unassigned to its group.\n');
    expect((await root.getDialog(alpha.id, id)).dialog.assignee).toBeNull();

    const add = await admin.run(['team', 'add', '--email', BOB, '--first-name', 'Bob', '--last-name', '-', '--operator']);
    expect(add, add.stderr).toMatchObject({ code: 0 });
    expect(await admin.json(['team', 'remove', BOB])).toEqual({
      email: BOB,
      removed: true,
      projectId: alpha.id,
      dialogsUnassigned: 0,
      dialogsReassigned: 0,
    });
  });

  it('team update --no-operator says they are offline and their dialogs went back', async () => {
    const add = await admin.run(['team', 'add', '--email', 'cyd@example.com', '--first-name', 'Cyd', '--last-name', 'Ng', '--operator']);
    expect(add, add.stderr).toMatchObject({ code: 0 });
    const r = await admin.run(['team', 'update', 'cyd@example.com', '--no-operator', '--access', 'settings']);
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(
      'Updated cyd@example.com: Cyd Ng, settings. Without the operator role they are offline, in no group and without working hours; ' +
        'any open dialogs of theirs went back to their groups (under round-robin, to the next online operator).\n',
    );
  });
});
