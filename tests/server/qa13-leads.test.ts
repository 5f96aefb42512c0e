// Lead classes and the journal over real HTTP, for the QA round 13 findings (helpers/leads-scenario
// seeds the journal: dialogs 1 and 3 "target", 2 "spam", 4 none):
//   #3 a class name matches whatever its case wherever a dialog's class meets a name (filter,
//      report, rename), and a removed class added back in another case takes its dialogs back;
//   #4 a blank class is refused (400), never read as "no class";
//   #5 journal dates: impossible days in the zoned form and local times the clocks skip are
//      refused, and errors name the query parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { LeadsQuery } from '../../core/protocol/index.js';
import { ManualClock } from '../../server/clock.js';
import { addMember, expectApiError, raw } from '../helpers/accounts-extra.js';
import { type Scenario, seedLeads } from '../helpers/leads-scenario.js';
import { watchOutbox } from '../helpers/mail.js';
import type { Peer } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
let root: ParleyClient;
let ann: ParleyClient;
let shop: { id: number; widgetKey: string };
let scenario: Scenario;
const peers: Peer[] = [];

beforeAll(async () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 4, 12, 0, 0));
  server = await startTestServer({ clock, rateLimits: { login: 1000, forgot: 1000 } });
  outbox = await watchOutbox(server.dataDir);
  root = (await signedInAdmin(server)).client;
  shop = await root.createProject('Shop');
  const op = async (email: string) =>
    (await addMember(server, root, shop.id, { email, firstName: email.split('@')[0], lastName: 'Tester', operator: true }, outbox)).signIn();
  ann = await op('ann@example.com');
  const bob = await op('bob@example.com');
  scenario = await seedLeads({ url: server.url, clock, admin: root, ann, bob, projectId: shop.id, widgetKey: shop.widgetKey }, peers);
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  outbox?.close();
  await server?.close();
});

const ids = async (q: LeadsQuery) => (await ann.leads(shop.id, q)).leads.map((l) => l.dialogId);
const classesOf = async () => (await ann.leads(shop.id)).leads.map((l) => l.leadClass);
const classId = async (name: string) => (await root.leadClasses(shop.id)).classes.find((c) => c.name === name)!.id;
/** The report's classes that have leads. */
const reported = async () => (await ann.leadsReport(shop.id)).byClass.filter((c) => c.count > 0);

describe('#3 a class name matches whatever its case', () => {
  it('a removed class added back in another case takes its dialogs back: filtered, counted and renamed as one class', async () => {
    const [, d2] = scenario.dialogs;
    expect(await root.removeLeadClass(shop.id, await classId('spam'))).toEqual({ name: 'spam', dialogs: 1 });
    await root.addLeadClass(shop.id, 'SPAM');
    // The dialog has the class again, as the list now spells it.
    expect(await classesOf()).toEqual(['target', 'SPAM', 'target', null]);
    for (const name of ['spam', 'Spam', 'SPAM']) expect(await ids({ class: name })).toEqual([d2]);
    expect(await reported()).toEqual([
      { class: 'target', count: 2 },
      { class: 'SPAM', count: 1 },
      { class: null, count: 1 },
    ]);
    expect(await root.renameLeadClass(shop.id, await classId('SPAM'), 'spam')).toMatchObject({ name: 'spam', dialogs: 1 });
    expect(await classesOf()).toEqual(['target', 'spam', 'target', null]);
  });

  it('renaming a class to the name of a removed one takes that one\'s dialogs in too', async () => {
    const [d1, d2, d3] = scenario.dialogs;
    await root.removeLeadClass(shop.id, await classId('spam'));
    // "not target" has no dialogs: renamed to "Spam", it gets the removed class's one.
    const renamed = await root.renameLeadClass(shop.id, await classId('not target'), 'Spam');
    expect(renamed).toMatchObject({ name: 'Spam', dialogs: 0 });
    expect(await classesOf()).toEqual(['target', 'Spam', 'target', null]);
    expect(await ids({ class: 'spam' })).toEqual([d2]);
    // Back to the defaults' names (the order is the list's, which these tests do not look at).
    await root.renameLeadClass(shop.id, await classId('Spam'), 'spam');
    await root.addLeadClass(shop.id, 'not target');
    expect(await ids({ class: 'target' })).toEqual([d1, d3]);
  });

  it('a removed class is found by the filter in any case, non-ASCII letters too, and counted once', async () => {
    const d4 = scenario.dialogs[3];
    await root.addLeadClass(shop.id, 'Ёлка');
    await ann.updateDialog(shop.id, d4, { leadClass: 'ёлка' });
    expect(await root.removeLeadClass(shop.id, await classId('Ёлка'))).toEqual({ name: 'Ёлка', dialogs: 1 });
    for (const name of ['Ёлка', 'ЁЛКА', ' ёлка ']) expect(await ids({ class: name })).toEqual([d4]);
    expect((await reported()).find((c) => c.class === 'Ёлка')).toEqual({ class: 'Ёлка', count: 1 });
    await ann.updateDialog(shop.id, d4, { leadClass: null });
  });

  it('dialogs that carry one class in two spellings (data from before) are one class to the filter, the report and rename', async () => {
    const [d1, d2, d3, d4] = scenario.dialogs;
    // Written as an earlier version could leave them: "target" is listed, dialog 3 says "TARGET";
    // dialogs 2 and 4 carry "Old lead" and "old LEAD", a class no longer listed.
    await server.app.db.write(async (tx) => {
      await tx.run("UPDATE dialogs SET lead_class = 'TARGET' WHERE id = ?", [d3]);
      await tx.run("UPDATE dialogs SET lead_class = 'Old lead' WHERE id = ?", [d2]);
      await tx.run("UPDATE dialogs SET lead_class = 'old LEAD' WHERE id = ?", [d4]);
    });
    expect(await ids({ class: 'target' })).toEqual([d1, d3]);
    expect(await ids({ class: 'OLD LEAD' })).toEqual([d2, d4]);
    // An unlisted class goes by the spelling most of its leads have (on a tie, the oldest lead's).
    expect(await reported()).toEqual([
      { class: 'target', count: 2 },
      { class: 'Old lead', count: 2 },
    ]);
    expect(await root.renameLeadClass(shop.id, await classId('target'), 'Target')).toMatchObject({ dialogs: 2 });
    expect(await classesOf()).toEqual(['Target', 'Old lead', 'Target', 'old LEAD']);
    await root.renameLeadClass(shop.id, await classId('Target'), 'target');
    // Adding the class back unites its spellings under the list's.
    await root.addLeadClass(shop.id, 'old lead');
    expect(await classesOf()).toEqual(['target', 'old lead', 'target', 'old lead']);
    expect(await root.removeLeadClass(shop.id, await classId('old lead'))).toEqual({ name: 'old lead', dialogs: 2 });
    // Back to the scenario.
    await ann.updateDialog(shop.id, d2, { leadClass: 'spam' });
    await ann.updateDialog(shop.id, d4, { leadClass: null });
    expect(await classesOf()).toEqual(['target', 'spam', 'target', null]);
  });
});

describe('#4 a blank class is refused, not read as "no class"', () => {
  it('setting a blank class on a dialog is a 400 and leaves its class; null still clears it', async () => {
    const d1 = scenario.dialogs[0];
    for (const blank of ['   ', ' \t ']) {
      const err = await expectApiError(ann.updateDialog(shop.id, d1, { leadClass: blank }), 400, 'validation');
      expect(err.message).toMatch(/a lead class needs a name \(null removes the class/);
      await expectApiError(ann.setLeadClass(shop.id, d1, blank), 400, 'validation');
    }
    expect((await ann.getDialog(shop.id, d1)).dialog.leadClass).toBe('target');
    expect((await ann.updateDialog(shop.id, d1, { leadClass: null })).leadClass).toBeNull();
    expect((await ann.updateDialog(shop.id, d1, { leadClass: 'target' })).leadClass).toBe('target');
  });

  it('the journal refuses a blank class (400) instead of listing the unclassified leads, and names a class that does not exist', async () => {
    const reply = await raw(server.url, 'GET', `/api/v1/projects/${shop.id}/leads?class=%20`, { token: ann.token });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ error: { code: 'validation', message: expect.stringMatching(/^class: a lead class needs a name/) } });
    const typo = await expectApiError(ann.leads(shop.id, { class: 'tagret' }), 400, 'validation');
    expect(typo.message).toMatch(/no lead class "tagret" in this project \(classes: "target", /);
    // A listed class without dialogs is simply empty.
    expect(await ids({ class: 'existing client' })).toEqual([]);
    expect(await ids({ unclassified: true })).toEqual([scenario.dialogs[3]]);
  });
});

describe('#5 journal dates over REST', () => {
  it('refuses impossible days in the zoned form instead of rolling them over, naming the query parameter', async () => {
    const cases: Array<[LeadsQuery, RegExp]> = [
      [{ since: '2026-02-31T00:00:00Z' }, /^since: no such date: 2026-02-31T00:00:00Z$/],
      [{ until: '2026-02-30T10:00:00+03:00' }, /^until: no such date: /],
      [{ since: '2026-04-31T10:00:00.500Z' }, /^since: no such date: /],
      [{ since: '2026-01-05T24:00:00Z' }, /^since: not a valid time: /],
      [{ since: '2026-01-05T10:60Z' }, /^since: not a valid time: /],
    ];
    for (const [q, message] of cases) {
      const err = await expectApiError(ann.leads(shop.id, q), 400, 'validation');
      expect(err.message).toMatch(message);
    }
    await expectApiError(ann.leadsReport(shop.id, { since: '2026-02-31T00:00:00Z' }), 400, 'validation');
    const order = await expectApiError(ann.leads(shop.id, { since: '2026-02-28T00:00:00Z', until: '2026-02-27T00:00:00Z' }), 400, 'validation');
    expect(order.message).toBe('until is before since: the range is empty');
    // Real ones still work, exactly.
    expect(await ids({ since: '2026-01-05T09:05:00Z', until: '2026-01-06T12:00:00Z' })).toEqual([scenario.dialogs[1]]);
  });

  it('refuses a local time the clocks skip; a time that happens twice is its first occurrence', async () => {
    const ny = await root.createProject('New York');
    await root.updateProject(ny.id, { timezone: 'America/New_York' });
    const err = await expectApiError(root.leads(ny.id, { since: '2026-03-08T02:30' }), 400, 'validation');
    expect(err.message).toBe('since: 2026-03-08T02:30 does not exist in America/New_York (the clocks skip it); give a later time, or one with a zone');
    await expectApiError(root.leadsReport(ny.id, { until: '2026-03-08T02:00' }), 400, 'validation');
    expect(await root.leadsReport(ny.id, { since: '2026-03-08T03:00' })).toMatchObject({ since: '2026-03-08T07:00:00.000Z' });
    expect(await root.leadsReport(ny.id, { since: '2026-03-08T01:59' })).toMatchObject({ since: '2026-03-08T06:59:00.000Z' });
    expect(await root.leadsReport(ny.id, { since: '2026-11-01T01:30' })).toMatchObject({ since: '2026-11-01T05:30:00.000Z' });
    // A day whose midnight exists starts at it, DST day or not.
    expect(await root.leadsReport(ny.id, { since: '2026-03-08' })).toMatchObject({ since: '2026-03-08T05:00:00.000Z' });
  });
});
