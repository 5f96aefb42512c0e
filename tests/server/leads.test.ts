// Lead classes and the lead journal over real HTTP, on a known scenario (helpers/leads-scenario):
// classes per project with defaults, setting a dialog's class, the journal's rows and filters,
// the report's numbers, who may do what, and project isolation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { Lead, LeadsReport } from '../../core/protocol/index.js';
import { ManualClock } from '../../server/clock.js';
import { addMember, expectApiError, expectErrorBody, raw } from '../helpers/accounts-extra.js';
import { CARD_1, ORIGIN, type Scenario, seedLeads } from '../helpers/leads-scenario.js';
import { watchOutbox } from '../helpers/mail.js';
import type { Peer } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const DEFAULTS = ['target', 'not target', 'spam', 'existing client'];

let server: TestServer;
let clock: ManualClock;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
let root: ParleyClient;
let ann: ParleyClient;
let bob: ParleyClient;
let sam: ParleyClient;
let eve: ParleyClient;
let shop: { id: number; widgetKey: string };
let blog: { id: number; widgetKey: string };
let scenario: Scenario;
const peers: Peer[] = [];

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2026, 0, 4, 12, 0, 0));
  server = await startTestServer({ clock, rateLimits: { login: 1000, forgot: 1000 } });
  outbox = await watchOutbox(server.dataDir);
  root = (await signedInAdmin(server)).client;
  shop = await root.createProject('Shop');
  blog = await root.createProject('Blog');
  const member = async (projectId: number, email: string, role: { operator?: boolean; access?: 'admin' | 'settings' | null }) =>
    (await addMember(server, root, projectId, { email, firstName: email.split('@')[0], lastName: 'Tester', ...role }, outbox)).signIn();
  ann = await member(shop.id, 'ann@example.com', { operator: true });
  bob = await member(shop.id, 'bob@example.com', { operator: true });
  sam = await member(shop.id, 'sam@example.com', { access: 'settings' });
  eve = await member(blog.id, 'eve@example.com', { operator: true });
  scenario = await seedLeads({ url: server.url, clock, admin: root, ann, bob, projectId: shop.id, widgetKey: shop.widgetKey }, peers);
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  outbox?.close();
  await server?.close();
});

const classNames = async (client: ParleyClient, projectId: number) => (await client.leadClasses(projectId)).classes.map((c) => c.name);

describe('lead classes', () => {
  it('every project starts with the defaults, in order; every member reads them', async () => {
    expect(await classNames(ann, shop.id)).toEqual(DEFAULTS);
    expect(await classNames(sam, shop.id)).toEqual(DEFAULTS);
    expect(await classNames(eve, blog.id)).toEqual(DEFAULTS);
    const reply = await raw(server.url, 'GET', `/api/v1/projects/${shop.id}/lead-classes`, { token: ann.token });
    expect(reply.json).toEqual({ classes: DEFAULTS.map((name) => ({ id: expect.any(Number), name })) });
  });

  it('a dialog gets a class of the list as the list spells it; an unknown one is 400; null clears', async () => {
    const [d1, d2] = scenario.dialogs;
    // Set by the scenario: "Spam" through PUT .../lead-class became "spam".
    expect((await ann.getDialog(shop.id, d2)).dialog.leadClass).toBe('spam');
    const err = await expectApiError(ann.updateDialog(shop.id, d1, { leadClass: 'vip' }), 400, 'validation');
    expect(err.message).toMatch(/no lead class "vip".*"target", "not target", "spam", "existing client"/);
    await expectApiError(ann.setLeadClass(shop.id, d1, 'vip'), 400, 'validation');
    expect((await ann.updateDialog(shop.id, d1, { leadClass: 'EXISTING  client ' })).leadClass).toBe('existing client');
    expect((await ann.updateDialog(shop.id, d1, { leadClass: null })).leadClass).toBeNull();
    expect((await ann.updateDialog(shop.id, d1, { leadClass: 'target' })).leadClass).toBe('target');
    // The summary in the list carries it too.
    const archive = await ann.listDialogs(shop.id, { view: 'archive' });
    expect(archive.dialogs.map((d) => [d.id, d.leadClass])).toEqual([[scenario.dialogs[2], 'target']]);
  });

  it('"settings" and "admin" members manage the list; operators cannot (403)', async () => {
    await expectApiError(ann.addLeadClass(shop.id, 'vip'), 403, 'forbidden');
    const vip = await sam.addLeadClass(shop.id, '  VIP   buyer ');
    expect(vip).toEqual({ id: expect.any(Number), name: 'VIP buyer' });
    await expectApiError(root.addLeadClass(shop.id, 'vip BUYER'), 409, 'conflict');
    await expectApiError(sam.addLeadClass(shop.id, '   '), 400, 'validation');
    await expectApiError(ann.renameLeadClass(shop.id, vip.id, 'x'), 403, 'forbidden');
    await expectApiError(ann.removeLeadClass(shop.id, vip.id), 403, 'forbidden');
    expect(await classNames(ann, shop.id)).toEqual([...DEFAULTS, 'VIP buyer']);
    expect(await root.removeLeadClass(shop.id, vip.id)).toEqual({ name: 'VIP buyer', dialogs: 0 });
    expect(await classNames(ann, shop.id)).toEqual(DEFAULTS);
    // Blog's list is its own.
    expect(await classNames(eve, blog.id)).toEqual(DEFAULTS);
  });

  it('renaming renames the dialogs too; removing leaves the dialogs their class', async () => {
    const project = await root.createProject('Classes');
    const list = (await root.leadClasses(project.id)).classes;
    const target = list.find((c) => c.name === 'target')!;
    await expectApiError(root.renameLeadClass(project.id, target.id, 'Spam'), 409, 'conflict');
    expect(await root.renameLeadClass(project.id, target.id, 'hot lead')).toEqual({ id: target.id, name: 'hot lead', dialogs: 0 });

    // On the scenario's project: two dialogs are "target".
    const shopTarget = (await root.leadClasses(shop.id)).classes.find((c) => c.name === 'target')!;
    expect(await sam.renameLeadClass(shop.id, shopTarget.id, 'Hot lead')).toMatchObject({ name: 'Hot lead', dialogs: 2 });
    const page = await ann.leads(shop.id);
    expect(page.leads.map((l) => l.leadClass)).toEqual(['Hot lead', 'spam', 'Hot lead', null]);
    expect((await sam.renameLeadClass(shop.id, shopTarget.id, 'target')).dialogs).toBe(2);

    const spam = (await root.leadClasses(shop.id)).classes.find((c) => c.name === 'spam')!;
    expect(await sam.removeLeadClass(shop.id, spam.id)).toEqual({ name: 'spam', dialogs: 1 });
    expect((await ann.leads(shop.id)).leads[1].leadClass).toBe('spam');
    // A removed class is no longer offered...
    await expectApiError(ann.updateDialog(shop.id, scenario.dialogs[3], { leadClass: 'spam' }), 400, 'validation');
    // ...but the report still counts the dialogs that have it, after the listed classes.
    const report = await ann.leadsReport(shop.id);
    expect(report.byClass).toEqual([
      { class: 'target', count: 2 },
      { class: 'not target', count: 0 },
      { class: 'existing client', count: 0 },
      { class: 'spam', count: 1 },
      { class: null, count: 1 },
    ]);
    const readded = await sam.addLeadClass(shop.id, 'spam');
    expect(readded.name).toBe('spam');
    // Back to the default order for the tests below.
    const existing = (await root.leadClasses(shop.id)).classes.find((c) => c.name === 'existing client')!;
    await sam.removeLeadClass(shop.id, existing.id);
    await sam.addLeadClass(shop.id, 'existing client');
    expect(await classNames(ann, shop.id)).toEqual(DEFAULTS);
  });
});

describe('the journal', () => {
  it('lists every dialog with times, class, operator, group, the visitor and the source', async () => {
    const page = await ann.leads(shop.id);
    expect(page.timezone).toBe('Europe/Berlin');
    expect(page.next).toBeNull();
    expect(page.leads).toHaveLength(4);
    const [l1, l2, l3, l4] = page.leads;
    expect(l1).toEqual({
      dialogId: scenario.dialogs[0],
      status: 'open',
      createdAt: '2026-01-05T09:00:00.000Z',
      firstResponseAt: '2026-01-05T09:01:00.000Z',
      firstResponseSeconds: 60,
      closedAt: null,
      leadClass: 'target',
      operator: { id: expect.any(Number), name: 'ann Tester', email: 'ann@example.com' },
      group: null,
      visitor: { name: scenario.visitors[0], ...CARD_1, fromSite: [] },
      landingPage: `${ORIGIN}/shoes?utm_source=google&utm_medium=cpc&utm_campaign=winter`,
      pageTitle: 'Shoes',
      referrer: 'https://www.google.com/',
      utm: { source: 'google', medium: 'cpc', campaign: 'winter' },
    } satisfies Lead);
    expect(l2).toMatchObject({ leadClass: 'spam', firstResponseSeconds: 120, operator: { email: 'bob@example.com' }, referrer: 'https://news.example.org/article?id=1', utm: {} });
    expect(l3).toMatchObject({ status: 'closed', closedAt: '2026-01-06T12:05:00.000Z', firstResponseSeconds: 300, leadClass: 'target' });
    expect(l4).toMatchObject({
      createdAt: '2026-01-06T23:30:00.000Z',
      firstResponseAt: null,
      firstResponseSeconds: null,
      operator: null,
      leadClass: null,
      landingPage: null,
      referrer: null,
      visitor: { name: scenario.visitors[3], realName: null, phone: null, email: null, notes: null },
    });
  });

  it('pages by dialog id', async () => {
    const first = await ann.leads(shop.id, { limit: 3 });
    expect(first.leads.map((l) => l.dialogId)).toEqual(scenario.dialogs.slice(0, 3));
    expect(first.next).toBe(scenario.dialogs[2]);
    const second = await ann.leads(shop.id, { limit: 3, after: first.next! });
    expect(second.leads.map((l) => l.dialogId)).toEqual([scenario.dialogs[3]]);
    expect(second.next).toBeNull();
  });

  it('filters by days in the project timezone, by time, and by class', async () => {
    const ids = async (q: Parameters<ParleyClient['leads']>[1]) => (await ann.leads(shop.id, q)).leads.map((l) => l.dialogId);
    const [d1, d2, d3, d4] = scenario.dialogs;
    // 23:30 UTC on the 6th is 00:30 on the 7th in Berlin.
    expect(await ids({ since: '2026-01-06', until: '2026-01-06' })).toEqual([d3]);
    expect(await ids({ since: '2026-01-07' })).toEqual([d4]);
    expect(await ids({ until: '2026-01-05' })).toEqual([d1, d2]);
    expect(await ids({ since: '2026-01-05T10:05' })).toEqual([d2, d3, d4]); // Berlin wall time
    expect(await ids({ since: '2026-01-05T09:05:00Z', until: '2026-01-06T12:00:00Z' })).toEqual([d2]); // until is exclusive
    expect(await ids({ class: 'target' })).toEqual([d1, d3]);
    expect(await ids({ class: 'TARGET' })).toEqual([d1, d3]);
    expect(await ids({ class: 'not target' })).toEqual([]);
    expect(await ids({ unclassified: true })).toEqual([d4]);
    expect(await ids({ class: 'target', since: '2026-01-06' })).toEqual([d3]);
  });

  it('refuses dates that are not dates, and an empty range (400)', async () => {
    for (const q of [{ since: '2026-02-30' }, { since: 'yesterday' }, { until: '2026-1-5' }, { since: '2026-01-05T25:00' }]) {
      const err = await expectApiError(ann.leads(shop.id, q), 400, 'validation');
      expect(err.message).toMatch(/^(since|until): /);
    }
    await expectApiError(ann.leads(shop.id, { since: '2026-01-06', until: '2026-01-05' }), 400, 'validation');
    await expectApiError(ann.leads(shop.id, { class: 'target', unclassified: true }), 400, 'validation');
    await expectApiError(ann.leadsReport(shop.id, { since: 'last week' }), 400, 'validation');
  });
});

describe('the report', () => {
  it('totals by class, source, operator and day, and the median first response', async () => {
    const report = await sam.leadsReport(shop.id, { since: '2026-01-05', until: '2026-01-07' });
    const annId = (await ann.me()).user.id;
    const bobId = (await bob.me()).user.id;
    expect(report).toEqual({
      timezone: 'Europe/Berlin',
      since: '2026-01-04T23:00:00.000Z',
      until: '2026-01-07T23:00:00.000Z',
      total: 4,
      byClass: [
        { class: 'target', count: 2 },
        { class: 'not target', count: 0 },
        { class: 'spam', count: 1 },
        { class: 'existing client', count: 0 },
        { class: null, count: 1 },
      ],
      bySource: [
        { source: null, count: 2 },
        { source: 'google', count: 1 },
        { source: 'news.example.org', count: 1 },
      ],
      byOperator: [
        { operator: { id: annId, name: 'ann Tester', email: 'ann@example.com' }, count: 2 },
        { operator: { id: bobId, name: 'bob Tester', email: 'bob@example.com' }, count: 1 },
        { operator: null, count: 1 },
      ],
      byDay: [
        { day: '2026-01-05', count: 2 },
        { day: '2026-01-06', count: 1 },
        { day: '2026-01-07', count: 1 },
      ],
      firstResponse: { medianSeconds: 120, answered: 3, unanswered: 1 },
    } satisfies LeadsReport);
  });

  it('covers the range asked for, days without leads included; without a range, up to today', async () => {
    const report = await ann.leadsReport(shop.id, { since: '2026-01-03', until: '2026-01-05' });
    expect(report.total).toBe(2);
    expect(report.byDay).toEqual([
      { day: '2026-01-03', count: 0 },
      { day: '2026-01-04', count: 0 },
      { day: '2026-01-05', count: 2 },
    ]);
    expect(report.firstResponse).toEqual({ medianSeconds: 90, answered: 2, unanswered: 0 });
    // The clock stands at 2026-01-08 11:00 in Berlin.
    const all = await ann.leadsReport(shop.id);
    expect(all).toMatchObject({ since: null, until: null, total: 4 });
    expect(all.byDay.map((d) => d.day)).toEqual(['2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08']);
    const empty = await eve.leadsReport(blog.id);
    expect(empty).toMatchObject({ total: 0, bySource: [], byOperator: [], byDay: [], firstResponse: { medianSeconds: null, answered: 0, unanswered: 0 } });
    expect(empty.byClass.map((c) => c.count)).toEqual([0, 0, 0, 0]);
  });
});

describe('isolation', () => {
  it("another project's journal, report, classes and dialogs answer 404", async () => {
    await expectApiError(eve.leads(shop.id), 404, 'not_found');
    await expectApiError(eve.leadsReport(shop.id), 404, 'not_found');
    await expectApiError(eve.leadClasses(shop.id), 404, 'not_found');
    await expectApiError(eve.addLeadClass(shop.id, 'x'), 404, 'not_found');
    await expectApiError(eve.updateDialog(shop.id, scenario.dialogs[0], { leadClass: 'spam' }), 404, 'not_found');
    // Shop's dialog and class through Blog's path.
    await expectApiError(eve.updateDialog(blog.id, scenario.dialogs[0], { leadClass: 'spam' }), 404, 'not_found');
    const shopClass = (await root.leadClasses(shop.id)).classes[0];
    await expectApiError(root.renameLeadClass(blog.id, shopClass.id, 'x'), 404, 'not_found');
    await expectApiError(root.removeLeadClass(blog.id, shopClass.id), 404, 'not_found');
    expect((await root.leads(blog.id)).leads).toEqual([]);
    expect((await ann.leads(shop.id)).leads[0].leadClass).toBe('target');
    expectErrorBody(await raw(server.url, 'GET', `/api/v1/projects/${shop.id}/leads`), 401, 'unauthenticated');
  });

  it('members who are not operators read the journal but do not classify dialogs (403)', async () => {
    expect((await sam.leads(shop.id)).leads).toHaveLength(4);
    await expectApiError(sam.updateDialog(shop.id, scenario.dialogs[3], { leadClass: 'target' }), 403, 'forbidden');
  });
});
