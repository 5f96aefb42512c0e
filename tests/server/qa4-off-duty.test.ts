// Someone who stops answering (QA lifecycle 2, 3, 6; operators 2): a disabled account, a member
// removed, the operator role taken away. They go offline at once, for operators and widgets, in
// every project; their open dialogs go back to their groups (or to the next online operator
// under round-robin); nothing brings them back online silently. And round-robin gives a
// reopened, never answered dialog to someone online when its assignee is not.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { DialogSummary } from '../../core/protocol/index.js';
import { ManualClock } from '../../server/clock.js';
import { expectApiError } from '../helpers/accounts-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { connectOperator, type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const OPS = ['ann', 'bob', 'cyd', 'dan'] as const;
type Op = (typeof OPS)[number];
const email = (who: Op) => `${who}@example.com`;
/** Wall time in Moscow (UTC+3 all year), March 2026, as an instant. */
const msk = (day: number, h: number, m = 0) => Date.UTC(2026, 2, day, h - 3, m);

let dataDir: string;
let server: TestServer;
let clock: ManualClock;
let admin: ParleyClient;
let shop: { id: number; widgetKey: string };
let op: Record<Op, { client: ParleyClient; id: number }>;
const peers: Peer[] = [];
/** The admin's operator socket on the shop: sees every event of the project. */
let watcher: Peer;

beforeEach(async () => {
  dataDir = await tempDir();
  clock = new ManualClock(msk(2, 10)); // Monday 2 March 2026, 10:00 in Moscow
  server = await startTestServer({ clock, dataDir, rateLimits: { login: 1000, forgot: 1000 } });
  ({ client: admin } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN], timezone: 'Europe/Moscow' });
  shop = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  op = {} as typeof op;
  for (const who of OPS) {
    const added = await admin.addMember(shop.id, { email: email(who), firstName: who, lastName: '-', operator: true });
    const mail = await outbox.waitFor((m) => m.to === email(who));
    op[who] = { client: await signIn(server.url, email(who), passwordFrom(mail)), id: added.member.userId };
  }
  outbox.close();
  watcher = await watch(admin, shop.id);
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function watch(client: ParleyClient, projectId: number): Promise<Peer> {
  const peer = await connectOperator(server.url, client.token!, projectId);
  peers.push(peer);
  await peer.next((f) => f.type === 'ready');
  return peer;
}

/** A widget on the shop's page: its welcome, and `write`, which resolves to the dialog's id. */
async function visitor(site = shop, hello: Record<string, unknown> = {}) {
  const { peer, welcome } = await visitorHello(server.url, site.widgetKey, ORIGIN, hello);
  peers.push(peer);
  return {
    peer,
    welcome,
    async write(body: string): Promise<number> {
      const clientId = randomUUID();
      peer.send({ type: 'message.send', clientId, body });
      const stored = await peer.next((f) => f.type === 'message.stored' || f.type === 'error');
      expect(stored.type).toBe('message.stored');
      return (await watcher.next((f) => f.type === 'message.created' && f.message.clientId === clientId)).message.dialogId;
    },
  };
}

/** A new visitor writes once; the dialog as dialog.created announced it. */
async function newDialog(hello: Record<string, unknown> = {}) {
  const v = await visitor(shop, hello);
  const id = await v.write('Hello');
  const created = await watcher.next((f) => f.type === 'dialog.created' && f.dialog.id === id);
  return { ...v, dialog: created.dialog as DialogSummary };
}

/** The next dialog.updated of dialog `id` that matches. */
const updated = (id: number, match: (d: DialogSummary) => boolean = () => true) =>
  watcher.next((f) => f.type === 'dialog.updated' && f.dialog.id === id && match(f.dialog)).then((f) => f.dialog as DialogSummary);

/** The status change that took `who` offline. */
const wentOffline = (peer: Peer, who: Op) =>
  peer.next((f) => f.type === 'operator.status_changed' && f.userId === op[who].id && !f.online);

const status = (who: Op, projectId = shop.id) =>
  admin.request<{ online: boolean; source: string; explanation: string }>(
    'GET',
    `/api/v1/projects/${projectId}/status?operator=${encodeURIComponent(email(who))}`,
  );

/** The status changes published while `fn` runs (publishing happens within the request). */
async function changesDuring(fn: () => Promise<unknown>): Promise<Array<{ userId: number; online: boolean }>> {
  const seen: Array<{ userId: number; online: boolean }> = [];
  const off = server.app.bus.subscribe('operator.status_changed', (e) => seen.push({ userId: e.userId, online: e.online }));
  try {
    await fn();
  } finally {
    off();
  }
  return seen;
}

/** `who` answers the dialog, becoming its assignee. */
async function answer(who: Op, dialogId: number) {
  await op[who].client.sendMessage(shop.id, dialogId, randomUUID(), `${who} here`);
  return updated(dialogId, (d) => d.assignee?.id === op[who].id);
}

const presence = () => server.app.services.presence;

describe('a disabled account', () => {
  it('goes offline in every project at once, gives its dialogs back, takes none, and stays offline when enabled', async () => {
    const blog = await admin.createProject('Blog');
    await admin.updateProject(blog.id, { allowedOrigins: [ORIGIN] });
    await admin.addMember(blog.id, { email: email('cyd'), firstName: 'cyd', lastName: '-', operator: true });
    const blogWatcher = await watch(admin, blog.id);
    await op.cyd.client.setStatus(shop.id, true);
    await op.cyd.client.setStatus(blog.id, true);
    const shopVisitor = await newDialog();
    await answer('cyd', shopVisitor.dialog.id);
    const blogVisitor = await visitor({ id: blog.id, widgetKey: blog.widgetKey });
    expect([shopVisitor.welcome.operatorsOnline, blogVisitor.welcome.operatorsOnline]).toEqual([true, true]);

    await admin.setAccountDisabled(email('cyd'), true);
    for (const peer of [watcher, blogWatcher]) {
      expect(await wentOffline(peer, 'cyd')).toMatchObject({ online: false, operatorsOnline: 0 });
    }
    for (const v of [shopVisitor, blogVisitor]) expect(await v.peer.next((f) => f.type === 'operators')).toEqual({ type: 'operators', online: false });
    expect((await updated(shopVisitor.dialog.id)).assignee).toBeNull();
    expect(await status('cyd')).toMatchObject({ online: false, explanation: 'offline: the account is disabled' });
    expect(await status('cyd', blog.id)).toMatchObject({ online: false });
    await expectApiError(op.ann.client.assignDialog(shop.id, shopVisitor.dialog.id, email('cyd')), 400, 'validation');

    // Even with its flag still set (data from an earlier version), it counts for nothing.
    await server.app.db.write((tx) => tx.run('UPDATE memberships SET online = 1 WHERE user_id = ?', [op.cyd.id]));
    expect(await presence().onlineCount(shop.id)).toBe(0);
    await admin.setRouting(shop.id, { assignment: 'round-robin' });
    const nobody = await newDialog();
    expect(nobody.welcome.operatorsOnline).toBe(false);
    expect(nobody.dialog.assignee).toBeNull();

    // Enabled again: offline, without a word, until cyd switches on.
    expect(await changesDuring(() => admin.setAccountDisabled(email('cyd'), false))).toEqual([]);
    expect(await status('cyd')).toMatchObject({ online: false, source: 'manual' });
    expect(await presence().onlineCount(shop.id)).toBe(0);
    expect((await newDialog()).dialog.assignee).toBeNull();
  });

  it('is never online by schedule; enabled inside its hours, the schedule takes it online at once', async () => {
    await admin.request('PUT', `/api/v1/projects/${shop.id}/schedules`, {
      operators: [email('dan')],
      days: 'mon-fri',
      from: '09:00',
      to: '18:00',
    });
    expect(await status('dan')).toMatchObject({ online: true, source: 'schedule' });

    expect(await changesDuring(() => admin.setAccountDisabled(email('dan'), true))).toEqual([{ userId: op.dan.id, online: false }]);
    clock.set(msk(3, 10));
    expect(await changesDuring(() => presence().reevaluate())).toEqual([]);
    expect(await status('dan')).toMatchObject({ online: false, explanation: 'offline: the account is disabled' });

    expect(await changesDuring(() => admin.setAccountDisabled(email('dan'), false))).toEqual([{ userId: op.dan.id, online: true }]);
    expect(await status('dan')).toMatchObject({ online: true, source: 'schedule' });
  });
});

describe('a member removed, or the operator role taken away', () => {
  it('team remove: offline at once for operators and widgets, open dialogs back to their groups, a closed one reopens unassigned', async () => {
    await admin.createGroup(shop.id, 'sales');
    await admin.updateGroup(shop.id, 'sales', { add: [email('ann'), email('cyd')] });
    await op.cyd.client.setStatus(shop.id, true);
    const grouped = await newDialog({ group: 'sales' });
    const plain = await newDialog();
    const closed = await newDialog();
    for (const d of [grouped, plain, closed]) await answer('cyd', d.dialog.id);
    await op.cyd.client.closeDialog(shop.id, closed.dialog.id);
    expect(grouped.welcome.operatorsOnline).toBe(true);

    expect(await admin.removeMember(shop.id, email('cyd'))).toEqual({ dialogsUnassigned: 2, dialogsReassigned: 0 });
    expect(await wentOffline(watcher, 'cyd')).toMatchObject({ online: false, operatorsOnline: 0 });
    expect(await grouped.peer.next((f) => f.type === 'operators')).toEqual({ type: 'operators', online: false });
    for (const d of [grouped, plain]) expect((await updated(d.dialog.id)).assignee).toBeNull();
    // Back in their group's Mine (and everyone's, without a group); the archive keeps its assignee.
    const mine = (await op.ann.client.listDialogs(shop.id, { view: 'mine' })).dialogs.map((d) => d.id);
    expect(mine).toEqual(expect.arrayContaining([grouped.dialog.id, plain.dialog.id]));
    expect((await admin.getDialog(shop.id, closed.dialog.id)).dialog.assignee?.id).toBe(op.cyd.id);

    await closed.write('Hello again?');
    const reopened = await updated(closed.dialog.id, (d) => d.status === 'open');
    expect(reopened.assignee).toBeNull();
  });

  it('team update --no-operator under round-robin: offline at once, the flag cleared, open dialogs to the next online operator', async () => {
    await admin.setRouting(shop.id, { assignment: 'round-robin' });
    await op.bob.client.setStatus(shop.id, true);
    await op.cyd.client.setStatus(shop.id, true);
    const first = await newDialog();
    const second = await newDialog();
    const byAssignee = new Map([first, second].map((d) => [d.dialog.assignee?.id, d.dialog.id]));
    const cydsDialog = byAssignee.get(op.cyd.id)!;
    expect(byAssignee.has(op.bob.id)).toBe(true);

    await admin.updateMember(shop.id, email('cyd'), { operator: false, access: 'settings' });
    expect(await wentOffline(watcher, 'cyd')).toMatchObject({ online: false, operatorsOnline: 1 });
    expect((await updated(cydsDialog)).assignee?.id).toBe(op.bob.id);

    // Given the role back, cyd is offline until she switches on.
    expect(await changesDuring(() => admin.updateMember(shop.id, email('cyd'), { operator: true }))).toEqual([]);
    expect(await status('cyd')).toMatchObject({ online: false, source: 'manual' });
    expect(await presence().onlineCount(shop.id)).toBe(1);
  });
});

describe('round-robin when the visitor writes again', () => {
  it('gives a closed, never answered dialog to someone online when its assignee is offline; keeps it otherwise', async () => {
    await admin.setRouting(shop.id, { assignment: 'round-robin' });
    await op.ann.client.setStatus(shop.id, true);
    await op.bob.client.setStatus(shop.id, true);
    const v = await newDialog();
    const first = v.dialog.assignee!.id;
    const other = first === op.ann.id ? 'bob' : 'ann';
    const firstOp = first === op.ann.id ? 'ann' : 'bob';
    const id = v.dialog.id;

    // Nobody answered; closed; its assignee goes offline; the visitor writes again.
    await op.dan.client.closeDialog(shop.id, id);
    await op[firstOp].client.setStatus(shop.id, false);
    await v.write('Hello? Still waiting');
    expect((await updated(id, (d) => d.status === 'open')).assignee?.id).toBe(op[other].id);

    // Its assignee online: kept.
    await op.dan.client.closeDialog(shop.id, id);
    await v.write('One more thing');
    expect((await updated(id, (d) => d.status === 'open')).assignee?.id).toBe(op[other].id);

    // Nobody online: it waits unassigned, and the first to reply takes it.
    await op.dan.client.closeDialog(shop.id, id);
    await op[other].client.setStatus(shop.id, false);
    await v.write('Anyone?');
    expect((await updated(id, (d) => d.status === 'open')).assignee).toBeNull();

    // Answered: its responsible operator keeps it even while offline.
    await answer('cyd', id);
    await op.dan.client.closeDialog(shop.id, id);
    await op[firstOp].client.setStatus(shop.id, true);
    await v.write('Thanks, and another question');
    expect((await updated(id, (d) => d.status === 'open')).assignee?.id).toBe(op.cyd.id);
  });
});
