// The lead report over more leads than one page of its reading (the report reads a page at a
// time and lets the event loop run in between): leads that share a creation time across a page
// boundary are counted once, and every count matches the leads counted one by one, with each
// lead's day read in the project's time zone (America/Havana, whose clocks jump at midnight, and
// Europe/Berlin, whose days are 23 and 25 hours long when its clocks change).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { sourceOf } from '../../core/leads.js';
import { REPORT_PAGE } from '../../server/services/leads.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const LEADS = 2 * REPORT_PAGE + 537;
/** Leads in a row that share their creation time (a page boundary falls inside some of them). */
const TIES = 7;
const CLASSES = ['target', 'spam', 'a class no longer listed', null];
const REFERRERS = [null, 'https://www.google.com/search?q=shoes', 'https://shop.example.com/cart', 'https://news.example.org/a/1', 'not a url'];

interface Seeded {
  createdAt: number;
  firstResponseAt: number | null;
  leadClass: string | null;
  assignee: number | null;
  referrer: string | null;
  pageUrl: string;
  utm: Record<string, string>;
}

let server: TestServer;
let root: ParleyClient;

/**
 * The zones and the instants that test their days: each zone's clock changes of 2026, every 37
 * minutes around them and some anywhere in the year, and leads right at the edges.
 */
const ZONES = {
  // 8 March 00:00 -> 01:00 (the day starts at 01:00), 1 November 01:00 -> 00:00 (two 00:30s).
  'America/Havana': {
    starts: [Date.UTC(2026, 2, 7, 12), Date.UTC(2026, 9, 31, 12)],
    edges: ['2026-03-08T04:59:00Z', '2026-03-08T05:00:00Z', '2026-11-01T04:30:00Z', '2026-11-01T05:30:00Z', '2026-11-02T04:30:00Z'],
  },
  // 29 March 02:00 -> 03:00 (a 23-hour day), 25 October 03:00 -> 02:00 (a 25-hour day): a lead
  // early on either day, then one in the next day's first hour or this day's last.
  'Europe/Berlin': {
    starts: [Date.UTC(2026, 2, 28, 12), Date.UTC(2026, 9, 24, 12)],
    edges: ['2026-03-29T00:30:00Z', '2026-03-29T22:30:00Z', '2026-10-24T22:30:00Z', '2026-10-25T22:30:00Z'],
  },
} as const;
type Zone = keyof typeof ZONES;
const projects = {} as Record<Zone, { id: number; seeded: Seeded[] }>;

async function seed(zone: Zone, me: number): Promise<{ id: number; seeded: Seeded[] }> {
  const project = await root.createProject(`Shop in ${zone}`);
  await root.updateProject(project.id, { timezone: zone });
  const { starts, edges } = ZONES[zone];
  const seeded: Seeded[] = [];
  for (let i = 0; i < LEADS; i += TIES) {
    const group = i / TIES;
    const around =
      group < edges.length
        ? Date.parse(edges[group])
        : i % 3 === 2
          ? Date.UTC(2026, 0, 1) + ((i * 7_919_993) % (360 * 86_400_000))
          : starts[i % 2] + Math.floor(i / 2) * 37 * 60_000 - 86_400_000 * Math.floor(i / 400);
    for (let j = i; j < Math.min(LEADS, i + TIES); j++) {
      seeded.push({
        createdAt: around,
        firstResponseAt: j % 4 === 0 ? null : around + (j % 97) * 1000,
        leadClass: CLASSES[j % CLASSES.length],
        assignee: j % 3 === 0 ? me : null,
        referrer: REFERRERS[j % REFERRERS.length],
        pageUrl: `https://shop.example.com/product/${j % 211}`,
        utm: j % 11 === 0 ? { source: j % 2 ? 'newsletter' : ' Newsletter ' } : {},
      });
    }
  }
  await server.app.db.write(async (tx) => {
    for (const s of seeded) {
      const { lastID: visitorId } = await tx.run(
        `INSERT INTO visitors (project_id, token_hash, name, page_url, referrer, utm, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [project.id, randomUUID(), 'Visitor', s.pageUrl, s.referrer, Object.keys(s.utm).length ? JSON.stringify(s.utm) : null, s.createdAt, s.createdAt],
      );
      await tx.run(
        `INSERT INTO dialogs (project_id, visitor_id, assignee_id, lead_class, created_at, first_response_at, last_message_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [project.id, visitorId, s.assignee, s.leadClass, s.createdAt, s.firstResponseAt, s.createdAt],
      );
    }
  });
  return { id: project.id, seeded };
}

beforeAll(async () => {
  server = await startTestServer();
  root = (await signedInAdmin(server)).client;
  const me = (await root.me()).user.id;
  for (const zone of Object.keys(ZONES) as Zone[]) projects[zone] = await seed(zone, me);
});

afterAll(async () => {
  await server?.close();
});

/** How many leads have each key, leaving out zeros. */
function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

const nonZero = (rows: Array<{ count: number }>, key: (row: never) => string | null) =>
  Object.fromEntries(rows.filter((r) => r.count > 0).map((r) => [String(key(r as never)), r.count]));

describe.each(Object.keys(ZONES) as Zone[])('the report over several pages of leads in %s', (zone) => {
  it('counts every lead once, by class, source, operator and local day, with the median first response', async () => {
    const { id: projectId, seeded } = projects[zone];
    expect(seeded.length).toBeGreaterThan(2 * REPORT_PAGE);
    const report = await root.leadsReport(projectId);
    expect(report.total).toBe(seeded.length);

    expect(nonZero(report.byClass, (r: { class: string | null }) => r.class)).toEqual(countBy(seeded, (s) => String(s.leadClass)));
    const bySource = countBy(seeded, (s) => String(sourceOf({ utm: s.utm, referrer: s.referrer, landingPage: s.pageUrl })));
    expect(nonZero(report.bySource, (r: { source: string | null }) => r.source)).toEqual(bySource);
    expect(Object.keys(bySource)).toEqual(expect.arrayContaining(['newsletter', 'google.com', 'news.example.org', 'null']));
    expect(nonZero(report.byOperator, (r: { operator: { email: string } | null }) => r.operator?.email ?? null)).toEqual(
      countBy(seeded, (s) => (s.assignee === null ? 'null' : 'root@example.com')),
    );

    const dayIn = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    const byDay = countBy(seeded, (s) => dayIn.format(s.createdAt));
    expect(nonZero(report.byDay, (r: { day: string }) => r.day)).toEqual(byDay);
    // Every day of the range is listed once, in order, the empty ones too.
    const days = report.byDay.map((d) => d.day);
    expect(days).toEqual([...new Set(days)].sort());
    expect(days[0]).toBe(Object.keys(byDay).sort()[0]);

    const times = seeded.filter((s) => s.firstResponseAt !== null).map((s) => (s.firstResponseAt! - s.createdAt) / 1000).sort((a, b) => a - b);
    const mid = Math.floor(times.length / 2);
    expect(report.firstResponse).toEqual({
      medianSeconds: times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2,
      answered: times.length,
      unanswered: seeded.length - times.length,
    });
  });
});

describe('a range of days in the report', () => {
  it('cuts by local time: the day Havana skipped midnight starts at 01:00', async () => {
    const { id, seeded } = projects['America/Havana'];
    const report = await root.leadsReport(id, { since: '2026-03-08', until: '2026-03-08' });
    const from = Date.UTC(2026, 2, 8, 5); // 01:00 in Havana, UTC-4 since the jump
    const to = Date.UTC(2026, 2, 9, 4); // the next midnight
    const inside = seeded.filter((s) => s.createdAt >= from && s.createdAt < to);
    expect(inside.length).toBeGreaterThan(0);
    expect(report.total).toBe(inside.length);
    expect(report.byDay).toEqual([{ day: '2026-03-08', count: inside.length }]);
  });
});
