// Operator groups, routing of new dialogs (data-group, URL rules), the Mine/Shared views per
// operator, and round-robin assignment, over real sockets against a real server and SQLite.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import type { DialogSummary, View } from '../../core/protocol/index.js';
import { migrations } from '../../server/db/migrations.js';
import { openDatabase } from '../../server/db/sqlite.js';
import { expectApiError } from '../helpers/accounts-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { connectOperator, type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const OPS = ['ann', 'bob', 'cat', 'dan'] as const;
type Op = (typeof OPS)[number];

let dataDir: string;
let server: TestServer;
let admin: ParleyClient;
let project: { id: number; widgetKey: string };
let op: Record<Op, { client: ParleyClient; id: number }>;
/** Every socket the test opens, closed after it. */
const peers: Peer[] = [];
/** The admin's operator socket: sees every dialog event of the project. */
let watcher: Peer;

const email = (who: Op) => `${who}@example.com`;

async function start() {
  server = await startTestServer({ dataDir, rateLimits: { login: 1000, forgot: 1000 } });
}

beforeEach(async () => {
  dataDir = await tempDir();
  await start();
  ({ client: admin } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  op = {} as typeof op;
  for (const who of OPS) {
    const added = await admin.addMember(project.id, { email: email(who), firstName: who, lastName: '-', operator: true });
    const mail = await outbox.waitFor((m) => m.to === email(who));
    op[who] = { client: await signIn(server.url, email(who), passwordFrom(mail), NEW_PASSWORD), id: added.member.userId };
  }
  outbox.close();
  watcher = await watch(admin);
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function watch(client: ParleyClient): Promise<Peer> {
  const peer = await connectOperator(server.url, client.token!, project.id);
  peers.push(peer);
  await peer.next((f) => f.type === 'ready');
  return peer;
}

/**
 * A new visitor writes once (from `url`, with the embed's `group`); resolves to the dialog as the
 * watcher's dialog.created announced it.
 */
async function newDialog(opts: { group?: string; url?: string } = {}): Promise<DialogSummary> {
  const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN, opts.group === undefined ? {} : { group: opts.group });
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body: 'Hello', ...(opts.url ? { page: { url: opts.url, title: 'Shop' } } : {}) });
  const stored = await peer.next((f) => f.type === 'message.stored' || f.type === 'error');
  expect(stored.type).toBe('message.stored');
  await peer.close();
  const created = await watcher.next((f) => f.type === 'message.created' && f.message.clientId === clientId);
  const announced = await watcher.next((f) => f.type === 'dialog.created' && f.dialog.id === created.message.dialogId);
  return announced.dialog as DialogSummary;
}

/** Dialog id -> view, as `client` lists its three views; and the counts it was given. */
async function viewsOf(client: ParleyClient) {
  const views = new Map<number, View>();
  let counts: Record<View, number> | undefined;
  for (const view of ['mine', 'shared', 'archive'] as const) {
    const list = await client.listDialogs(project.id, { view, limit: 200 });
    counts = list.counts;
    for (const d of list.dialogs) {
      expect(views.has(d.id), `dialog ${d.id} is in two views`).toBe(false);
      expect(d.view).toBe(view);
      views.set(d.id, view);
    }
  }
  for (const view of ['mine', 'shared', 'archive'] as const) {
    expect(counts![view]).toBe([...views.values()].filter((v) => v === view).length);
  }
  return views;
}

const createGroup = (name: string, members: Op[] = []) =>
  admin.createGroup(project.id, name).then((g) => (members.length ? admin.updateGroup(project.id, name, { add: members.map(email) }) : g));
const setStatus = (who: Op, online: boolean) => op[who].client.setStatus(project.id, online);

describe('groups', () => {
  it('are created, listed, changed and deleted by admins; operators only list them', async () => {
    const created = await admin.createGroup(project.id, '  Wholesale ');
    expect(created).toMatchObject({ name: 'Wholesale', members: [] });
    const updated = await admin.updateGroup(project.id, 'wholesale', { add: [email('bob'), 'ANN@example.com'] });
    expect(updated.members.map((m) => m.email)).toEqual([email('ann'), email('bob')]);
    expect(updated.members[0]).toMatchObject({ userId: op.ann.id, name: 'ann', online: false });
    // Adding someone already there changes nothing; removing works by email.
    await admin.updateGroup(project.id, 'WHOLESALE', { add: [email('ann')] });
    const removed = await admin.updateGroup(project.id, 'Wholesale', { remove: [email('bob')] });
    expect(removed.members.map((m) => m.email)).toEqual([email('ann')]);
    await admin.createGroup(project.id, 'Оптовики');

    const listed = await op.cat.client.listGroups(project.id);
    expect(listed.map((g) => g.name)).toEqual(['Wholesale', 'Оптовики']);
    expect(await op.cat.client.getGroup(project.id, 'оптовики')).toMatchObject({ name: 'Оптовики' });

    await expectApiError(op.cat.client.createGroup(project.id, 'mine'), 403, 'forbidden');
    await expectApiError(op.cat.client.updateGroup(project.id, 'Wholesale', { add: [email('cat')] }), 403, 'forbidden');
    await expectApiError(op.cat.client.deleteGroup(project.id, 'Wholesale'), 403, 'forbidden');

    expect(await admin.deleteGroup(project.id, 'wholesale')).toEqual({ name: 'Wholesale', dialogsUngrouped: 0, rulesRemoved: 0 });
    expect((await admin.listGroups(project.id)).map((g) => g.name)).toEqual(['Оптовики']);
  });

  it('refuse bad input with a clear error and save nothing', async () => {
    await createGroup('support', ['ann']);
    const before = await admin.listGroups(project.id);
    const err = await expectApiError(admin.createGroup(project.id, 'SUPPORT'), 409, 'conflict');
    expect(err.message).toMatch(/"support" already exists/);
    await expectApiError(admin.createGroup(project.id, '   '), 400, 'validation');
    await expectApiError(admin.createGroup(project.id, 'a=b'), 400, 'validation');
    await expectApiError(admin.createGroup(project.id, 'x'.repeat(51)), 400, 'validation');
    await expectApiError(admin.createGroup(project.id, 'bell\u0007'), 400, 'validation');

    const outbox = await watchOutbox(server.dataDir);
    await admin.addMember(project.id, { email: 'sam@example.com', firstName: 'Sam', lastName: '-', access: 'settings' });
    outbox.close();
    // One bad operator in the list: nobody is added.
    let e = await expectApiError(admin.updateGroup(project.id, 'support', { add: [email('bob'), 'sam@example.com'] }), 400);
    expect(e.message).toBe('sam@example.com is not an operator in this project (give them the operator role first)');
    e = await expectApiError(admin.updateGroup(project.id, 'support', { add: [email('bob'), 'nobody@example.com'] }), 404, 'not_found');
    expect(e.message).toBe('nobody@example.com is not a member of this project');
    e = await expectApiError(admin.updateGroup(project.id, 'support', { remove: [email('cat')] }), 400);
    expect(e.message).toBe('cat@example.com is not in the group "support"');
    await expectApiError(admin.updateGroup(project.id, 'support', {}), 400);
    await expectApiError(admin.updateGroup(project.id, 'nope', { add: [email('bob')] }), 404, 'not_found');
    await expectApiError(admin.deleteGroup(project.id, 'nope'), 404, 'not_found');
    expect(await admin.listGroups(project.id)).toEqual(before);
  });

  it('of another project answer 404, exactly like groups that do not exist', async () => {
    await createGroup('support');
    const other = await admin.createProject('Other');
    await admin.createGroup(other.id, 'secret');
    // Same name space per project: "secret" does not exist here.
    await expectApiError(admin.getGroup(project.id, 'secret'), 404, 'not_found');
    // A member of this project only: the other project's groups and routing are out of reach.
    // One call at a time: a call made early and awaited late would be an unhandled rejection.
    for (const call of [
      () => op.ann.client.listGroups(other.id),
      () => op.ann.client.getGroup(other.id, 'secret'),
      () => op.ann.client.updateGroup(other.id, 'secret', { add: [email('ann')] }),
      () => op.ann.client.deleteGroup(other.id, 'secret'),
      () => op.ann.client.getRouting(other.id),
      () => op.ann.client.setRouting(other.id, { assignment: 'round-robin' }),
    ]) {
      await expectApiError(call(), 404, 'not_found');
    }
    expect((await admin.listGroups(other.id)).map((g) => g.name)).toEqual(['secret']);
  });

  it('a member leaving the project leaves its groups', async () => {
    await createGroup('support', ['ann', 'bob']);
    await admin.removeMember(project.id, email('bob'));
    expect((await admin.getGroup(project.id, 'support')).members.map((m) => m.email)).toEqual([email('ann')]);
  });

  it('an operator losing the role leaves its groups and working hours; given it back, has neither', async () => {
    await createGroup('support', ['ann', 'bob']);
    const schedules = `/api/v1/projects/${project.id}/schedules`;
    await admin.request('PUT', schedules, { operators: [email('bob')], days: 'mon', from: '09:00', to: '10:00' });
    const hoursOf = async (who: Op) =>
      (await admin.request<{ schedules: Array<{ weekly: Record<string, unknown[]> }> }>('GET', `${schedules}?operator=${email(who)}`)).schedules[0].weekly;
    expect((await hoursOf('bob')).mon).toHaveLength(1);

    await admin.updateMember(project.id, email('bob'), { operator: false, access: 'settings' });
    expect((await admin.getGroup(project.id, 'support')).members.map((m) => m.email)).toEqual([email('ann')]);
    await admin.updateMember(project.id, email('bob'), { operator: true });
    expect(await hoursOf('bob')).toEqual(await hoursOf('cat'));
  });
});

describe('routing new dialogs', () => {
  it('takes the group from the embed\'s data-group; an unknown name is no group and no error', async () => {
    await createGroup('Wholesale', ['ann']);
    expect((await newDialog({ group: 'wholesale' })).group).toBe('Wholesale');
    expect((await newDialog({ group: 'no-such-group' })).group).toBeNull();
    expect((await newDialog()).group).toBeNull();
  });

  it('finds a group named with repeated spaces as its stored name (squeezed): in data-group, routes and commands', async () => {
    expect((await admin.createGroup(project.id, 'Night  shift')).name).toBe('Night shift');
    await expectApiError(admin.createGroup(project.id, 'night   SHIFT'), 409, 'conflict');
    expect((await newDialog({ group: 'Night   shift' })).group).toBe('Night shift');
    expect((await admin.updateGroup(project.id, 'night  shift', { add: [email('ann')] })).members.map((m) => m.email)).toEqual([email('ann')]);
    const routing = await admin.setRouting(project.id, { rules: [{ pattern: '*', group: ' NIGHT  SHIFT ' }] });
    expect(routing.rules).toEqual([{ pattern: '*', group: 'Night shift' }]);
    expect((await newDialog({ url: 'https://shop.example.com/' })).group).toBe('Night shift');
  });

  it('takes it from the first matching URL rule; data-group comes first', async () => {
    await createGroup('wholesale', ['ann']);
    await createGroup('retail', ['bob']);
    await createGroup('press');
    const routing = await admin.setRouting(project.id, {
      rules: [
        { pattern: 'https://shop.example.com/b2b/*', group: 'Wholesale' },
        { pattern: '*utm_campaign=press*', group: 'press' },
        { pattern: 'shop.example.com/*', group: 'retail' },
      ],
    });
    expect(routing).toEqual({
      assignment: 'manual',
      rules: [
        { pattern: 'https://shop.example.com/b2b/*', group: 'wholesale' },
        { pattern: '*utm_campaign=press*', group: 'press' },
        { pattern: 'shop.example.com/*', group: 'retail' },
      ],
    });
    expect(await op.cat.client.getRouting(project.id)).toEqual(routing);

    const group = async (opts: { url?: string; group?: string }) => (await newDialog(opts)).group;
    expect(await group({ url: 'https://shop.example.com/b2b/price-list?x=1#top' })).toBe('wholesale');
    expect(await group({ url: 'https://SHOP.example.com/B2B/orders' })).toBe('wholesale');
    // The first match wins: this page matches the press and the retail rule.
    expect(await group({ url: 'https://shop.example.com/news?utm_campaign=press' })).toBe('press');
    expect(await group({ url: 'http://shop.example.com/boots' })).toBe('retail');
    expect(await group({ url: 'https://elsewhere.example.com/' })).toBeNull();
    // The embed's group beats the rules; an unknown embed group falls back to them.
    expect(await group({ url: 'https://shop.example.com/b2b/', group: 'retail' })).toBe('retail');
    expect(await group({ url: 'https://shop.example.com/b2b/', group: 'typo' })).toBe('wholesale');

    // Rules name existing groups, once each; a bad rule saves nothing.
    let e = await expectApiError(admin.setRouting(project.id, { rules: [{ pattern: '*', group: 'nope' }] }), 400);
    expect(e.message).toMatch(/names no group of this project: "nope"/);
    e = await expectApiError(
      admin.setRouting(project.id, { assignment: 'round-robin', rules: [{ pattern: '*', group: 'retail' }, { pattern: '*', group: 'press' }] }),
      400,
    );
    expect(e.message).toMatch(/given twice/);
    await expectApiError(admin.setRouting(project.id, { rules: [{ pattern: 'a b', group: 'retail' }] }), 400);
    await expectApiError(op.ann.client.setRouting(project.id, { rules: [] }), 403, 'forbidden');
    expect(await admin.getRouting(project.id)).toEqual(routing);

    // Deleting a group takes its rules along and ungroups its open dialogs.
    const gone = await admin.deleteGroup(project.id, 'wholesale');
    expect(gone).toEqual({ name: 'wholesale', dialogsUngrouped: 3, rulesRemoved: 1 });
    expect((await admin.getRouting(project.id)).rules.map((r) => r.group)).toEqual(['press', 'retail']);
    expect(await group({ url: 'https://shop.example.com/b2b/x' })).toBe('retail');
    const leftovers = await admin.listDialogs(project.id, { view: 'shared', limit: 200 });
    expect(leftovers.dialogs.filter((d) => d.group === 'wholesale')).toEqual([]);
  });
});

describe('views', () => {
  it('without groups every open unassigned dialog is in everyone\'s Mine', async () => {
    const a = await newDialog({ group: 'whatever' });
    const b = await newDialog();
    await op.bob.client.sendMessage(project.id, b.id, randomUUID(), 'Mine now');
    for (const who of OPS) {
      const views = await viewsOf(op[who].client);
      expect(views.get(a.id)).toBe('mine');
      expect(views.get(b.id)).toBe(who === 'bob' ? 'mine' : 'shared');
    }
  });

  it('with groups: Mine holds my assigned dialogs and the unassigned ones of my groups; Shared the rest', async () => {
    await createGroup('wholesale', ['ann', 'bob']);
    await createGroup('retail', ['bob', 'cat']);
    const sockets = Object.fromEntries(await Promise.all(OPS.map(async (who) => [who, await watch(op[who].client)] as const))) as Record<Op, Peer>;

    const wholesale = await newDialog({ group: 'wholesale' });
    const retail = await newDialog({ group: 'retail' });
    const none = await newDialog();
    const takenByDan = await newDialog({ group: 'wholesale' });
    await op.dan.client.takeDialog(project.id, takenByDan.id);
    const answeredByCat = await newDialog({ group: 'retail' });
    await op.cat.client.sendMessage(project.id, answeredByCat.id, randomUUID(), 'Hi, Cat here');
    const closed = await newDialog({ group: 'wholesale' });
    const closedReply = await op.ann.client.closeDialog(project.id, closed.id);
    expect(closedReply.view).toBe('archive');

    const expected: Record<Op, Record<number, View>> = {
      ann: { [wholesale.id]: 'mine', [retail.id]: 'shared', [none.id]: 'mine', [takenByDan.id]: 'shared', [answeredByCat.id]: 'shared', [closed.id]: 'archive' },
      bob: { [wholesale.id]: 'mine', [retail.id]: 'mine', [none.id]: 'mine', [takenByDan.id]: 'shared', [answeredByCat.id]: 'shared', [closed.id]: 'archive' },
      cat: { [wholesale.id]: 'shared', [retail.id]: 'mine', [none.id]: 'mine', [takenByDan.id]: 'shared', [answeredByCat.id]: 'mine', [closed.id]: 'archive' },
      // Dan is in no group: what he took, and the dialog no group claims, are his.
      dan: { [wholesale.id]: 'shared', [retail.id]: 'shared', [none.id]: 'mine', [takenByDan.id]: 'mine', [answeredByCat.id]: 'shared', [closed.id]: 'archive' },
    };
    for (const who of OPS) {
      const views = await viewsOf(op[who].client);
      expect(Object.fromEntries(views), who).toEqual(Object.fromEntries(Object.entries(expected[who]).map(([k, v]) => [Number(k), v])));
      // The dialog's detail and every dialog event this operator received say the same.
      for (const [id, view] of views) expect((await op[who].client.getDialog(project.id, id)).dialog.view).toBe(view);
      // Events leave in order: once the closing arrived, every earlier one has.
      const closing = await sockets[who].next((f) => f.type === 'dialog.updated' && f.dialog.id === closed.id && f.dialog.status === 'closed');
      const last = new Map<number, View>();
      for (const f of sockets[who].frames) if (f.type === 'dialog.created' || f.type === 'dialog.updated') last.set(f.dialog.id, f.dialog.view);
      last.set(closed.id, closing.dialog.view);
      for (const id of [wholesale.id, retail.id, none.id, takenByDan.id, answeredByCat.id, closed.id]) {
        expect(last.get(id), `${who}: last event of dialog ${id}`).toBe(expected[who][id]);
      }
    }

    // Dan joins wholesale: operators hear groups.changed, and the group's open unassigned dialog is his too.
    await admin.updateGroup(project.id, 'wholesale', { add: [email('dan')] });
    await sockets.ann.next((f) => f.type === 'groups.changed');
    await sockets.dan.next((f) => f.type === 'groups.changed');
    expect((await viewsOf(op.dan.client)).get(wholesale.id)).toBe('mine');
    // A visitor's card update is an event too: Dan's copy says Mine, Cat's says Shared.
    await op.ann.client.updateCard(project.id, wholesale.id, { realName: 'Wendy' });
    const danEvent = await sockets.dan.next((f) => f.type === 'dialog.updated' && f.dialog.visitor.realName === 'Wendy');
    const catEvent = await sockets.cat.next((f) => f.type === 'dialog.updated' && f.dialog.visitor.realName === 'Wendy');
    expect([danEvent.dialog.view, catEvent.dialog.view]).toEqual(['mine', 'shared']);

    // The last group goes: no groups, so every open unassigned dialog is everyone's again.
    await admin.deleteGroup(project.id, 'wholesale');
    await admin.deleteGroup(project.id, 'retail');
    for (const who of OPS) {
      const views = await viewsOf(op[who].client);
      expect([views.get(wholesale.id), views.get(retail.id), views.get(none.id)], who).toEqual(['mine', 'mine', 'mine']);
    }
  });
});

describe('assignment', () => {
  it('manual (the default): nobody is assigned until the first operator replies', async () => {
    await setStatus('ann', true);
    const d = await newDialog();
    expect(d.assignee).toBeNull();
    await op.cat.client.sendMessage(project.id, d.id, randomUUID(), 'Cat here');
    await op.ann.client.sendMessage(project.id, d.id, randomUUID(), 'Ann too');
    expect((await admin.getDialog(project.id, d.id)).dialog.assignee).toEqual({ id: op.cat.id, name: 'cat' });
  });

  it('round-robin is fair over 100 dialogs, skips offline operators and survives a restart', async () => {
    await createGroup('support', ['ann', 'bob', 'cat']);
    await admin.setRouting(project.id, { assignment: 'round-robin' });
    for (const who of OPS) await setStatus(who, true);
    const names = new Map(OPS.map((who) => [op[who].id, who]));
    const assigned: Op[] = [];
    const wave = async (n: number, online: Op[]) => {
      const got: Op[] = [];
      for (let i = 0; i < n; i++) {
        const d = await newDialog({ group: 'support' });
        expect(d.assignee, `dialog ${assigned.length + 1}`).not.toBeNull();
        got.push(names.get(d.assignee!.id)!);
      }
      assigned.push(...got);
      // Only online members of the group; in turn (no one twice before the others had one).
      expect(new Set(got), JSON.stringify(got)).toEqual(new Set(online));
      for (let i = online.length; i < got.length; i++) expect(got[i], JSON.stringify(got)).toBe(got[i - online.length]);
      return got;
    };

    await wave(30, ['ann', 'bob', 'cat']);
    await setStatus('bob', false);
    await wave(30, ['ann', 'cat']);
    await setStatus('bob', true);
    await setStatus('cat', false);
    // Bob waited longest: he is next.
    expect((await wave(20, ['ann', 'bob']))[0]).toBe('bob');

    // A restart in the middle: the cursor is in the database.
    const lastTwo = assigned.slice(-2);
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await server.close();
    await start();
    // Same sessions (they are in the database), new port.
    admin = new ParleyClient({ url: server.url, token: admin.token });
    for (const who of OPS) op[who].client = new ParleyClient({ url: server.url, token: op[who].client.token });
    watcher = await watch(admin);
    await setStatus('cat', true);
    const after = await wave(20, ['ann', 'bob', 'cat']);
    expect(after[0]).toBe('cat');
    expect(after.slice(1, 3)).toEqual(lastTwo);

    expect(assigned).toHaveLength(100);
    const count = (who: Op) => assigned.filter((a) => a === who).length;
    expect({ ann: count('ann'), bob: count('bob'), cat: count('cat'), dan: count('dan') }).toEqual({ ann: 41, bob: 27, cat: 32, dan: 0 });
  });

  it('round-robin without a group takes turns among every online operator; nobody online waits unassigned', async () => {
    await admin.setRouting(project.id, { assignment: 'round-robin' });
    await setStatus('bob', true);
    await setStatus('dan', true);
    const firsts = [await newDialog(), await newDialog(), await newDialog()].map((d) => d.assignee?.id);
    expect(firsts).toEqual([op.bob.id, op.dan.id, op.bob.id]);

    await createGroup('night', ['ann']);
    const waiting = await newDialog({ group: 'night' });
    expect(waiting.assignee).toBeNull();
    // It is Ann's (her group's) in Mine; the first to reply takes it.
    expect((await viewsOf(op.ann.client)).get(waiting.id)).toBe('mine');
    await op.ann.client.sendMessage(project.id, waiting.id, randomUUID(), 'Night shift here');
    expect((await admin.getDialog(project.id, waiting.id)).dialog.assignee?.id).toBe(op.ann.id);

    // A closed dialog nobody answered is assigned when the visitor writes again.
    await setStatus('ann', true);
    await admin.setRouting(project.id, { assignment: 'manual' });
    const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN, { group: 'night' });
    peers.push(peer);
    const clientId = randomUUID();
    peer.send({ type: 'message.send', clientId, body: 'anyone?' });
    const dialogId = (await watcher.next((f) => f.type === 'message.created' && f.message.clientId === clientId)).message.dialogId;
    expect((await watcher.next((f) => f.type === 'dialog.created' && f.dialog.id === dialogId)).dialog.assignee).toBeNull();
    await op.bob.client.closeDialog(project.id, dialogId);
    await admin.setRouting(project.id, { assignment: 'round-robin' });
    peer.send({ type: 'message.send', clientId: randomUUID(), body: 'hello again' });
    const reopened = await watcher.next((f) => f.type === 'dialog.updated' && f.dialog.id === dialogId && f.dialog.status === 'open');
    expect(reopened.dialog.assignee?.id).toBe(op.ann.id);
  });
});

describe('round-robin: dialogs waiting for an operator', () => {
  const assigneeOf = async (id: number) => (await admin.getDialog(project.id, id)).dialog.assignee?.id ?? null;
  /** The watcher's next dialog.updated of dialog `id`. */
  const updated = (id: number) => watcher.next((f) => f.type === 'dialog.updated' && f.dialog.id === id);

  it('go to the first of their group to come online, oldest first, in turns with those online; announced', async () => {
    await createGroup('night', ['ann', 'bob']);
    await admin.setRouting(project.id, { assignment: 'round-robin' });
    const first = await newDialog({ group: 'night' });
    const second = await newDialog({ group: 'night' });
    const anyone = await newDialog();
    expect([first.assignee, second.assignee, anyone.assignee]).toEqual([null, null, null]);
    // Cat is not of the group: only the dialog without a group goes to her.
    const toCat = updated(anyone.id);
    await setStatus('cat', true);
    expect((await toCat).dialog.assignee?.id).toBe(op.cat.id);
    expect([await assigneeOf(first.id), await assigneeOf(second.id)]).toEqual([null, null]);
    // Ann is the group's first online: both go to her, the oldest first.
    const one = updated(first.id);
    await setStatus('ann', true);
    expect((await one).dialog.assignee?.id).toBe(op.ann.id);
    expect(await assigneeOf(second.id)).toBe(op.ann.id);
    expect((await viewsOf(op.bob.client)).get(first.id)).toBe('shared');
    // Going offline and online again with nothing waiting changes nothing.
    await setStatus('ann', false);
    const later = await newDialog({ group: 'night' });
    expect(later.assignee).toBeNull();
    await setStatus('bob', true);
    await setStatus('ann', true);
    expect(await assigneeOf(later.id)).toBe(op.bob.id);
    expect([await assigneeOf(first.id), await assigneeOf(second.id)]).toEqual([op.ann.id, op.ann.id]);
  });

  it('go to someone online when the policy turns to round-robin, or a group gets an online member; never under manual', async () => {
    await createGroup('day', ['dan']);
    await setStatus('cat', true);
    const waiting = await newDialog({ group: 'day' });
    expect(waiting.assignee).toBeNull();
    // Manual: coming online assigns nothing.
    await setStatus('bob', true);
    expect(await assigneeOf(waiting.id)).toBeNull();
    // Round-robin, but nobody of the group online: it still waits.
    await admin.setRouting(project.id, { assignment: 'round-robin' });
    expect(await assigneeOf(waiting.id)).toBeNull();
    // Cat (online) joins the group: it is hers.
    const toCat = updated(waiting.id);
    await admin.updateGroup(project.id, 'day', { add: [email('cat')] });
    expect((await toCat).dialog.assignee?.id).toBe(op.cat.id);
    // A dialog that waited under manual goes when the policy turns to round-robin (PATCH of the project too).
    await admin.setRouting(project.id, { assignment: 'manual' });
    const manual = await newDialog({ group: 'day' });
    expect(manual.assignee).toBeNull();
    await admin.updateProject(project.id, { routing: { assignment: 'round-robin' } });
    expect(await assigneeOf(manual.id)).toBe(op.cat.id);
  });

  it('that waited while the server was down go to whoever is online when it starts', async () => {
    await admin.setRouting(project.id, { assignment: 'round-robin' });
    const waiting = await newDialog();
    expect(waiting.assignee).toBeNull();
    // Dan was switched online in the database while the server was stopped (as a schedule would at start).
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await server.close();
    const db = new Database(join(dataDir, 'parley.db'));
    db.prepare('UPDATE memberships SET online = 1, manual = 1 WHERE user_id = ? AND project_id = ?').run(op.dan.id, project.id);
    db.close();
    await start();
    admin = new ParleyClient({ url: server.url, token: admin.token });
    expect(await assigneeOf(waiting.id)).toBe(op.dan.id);
  });
});

describe('the migration to groups', () => {
  it('keeps the free-text data-group of existing dialogs as history and gives them no group', async () => {
    const path = join(dataDir, 'before-groups.db');
    const mine = migrations.findIndex((m) => m.name.startsWith('operator groups'));
    expect(mine).toBeGreaterThan(2);
    // A database as the release before groups left it, with a dialog from data-group="sales".
    const old = new Database(path);
    old.exec(
      `${migrations.slice(0, mine).map((m) => m.sql).join('\n')}
       PRAGMA user_version = ${mine};
       INSERT INTO projects (id, name, widget_key, timezone, created_at, updated_at) VALUES (1, 'Old', 'pk_old', 'UTC', 0, 0);
       INSERT INTO visitors (id, project_id, token_hash, name, created_at, last_seen_at) VALUES (1, 1, 'h', 'Blue Fox', 0, 0);
       INSERT INTO dialogs (project_id, visitor_id, group_name, created_at, last_message_at) VALUES (1, 1, 'sales', 0, 0);`,
    );
    old.close();
    const db = await openDatabase(path);
    try {
      expect(await db.get('SELECT group_id, group_name FROM dialogs')).toEqual({ group_id: null, group_name: 'sales' });
      expect(await db.get('SELECT count(*) AS n FROM groups')).toEqual({ n: 0 });
      expect(await db.get('SELECT assignment FROM projects')).toEqual({ assignment: 'manual' });
    } finally {
      await db.close();
    }
  });

  it('shows no group for a dialog whose group name outlived its group', async () => {
    const d = await newDialog({ group: 'legacy' });
    await server.app.db.write((tx) => tx.run('UPDATE dialogs SET group_name = ? WHERE id = ?', ['legacy', d.id]));
    expect((await admin.getDialog(project.id, d.id)).dialog.group).toBeNull();
    expect((await viewsOf(op.ann.client)).get(d.id)).toBe('mine');
  });
});
