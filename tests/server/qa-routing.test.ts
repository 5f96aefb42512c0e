// URL rules are matched without a backtracking regular expression: a visitor's long page URL
// against a rule with many `*` cannot freeze the server, and every rule matches the same pages
// as before.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { routeMatches } from '../../server/services/groups.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The matcher routing used to have, kept here as the definition of what a rule matches: exact,
 * and quick enough on the short inputs it is given below.
 */
function regexMatches(pattern: string, pageUrl: string): boolean {
  let url = pageUrl.split('#')[0];
  if (!pattern.includes('://')) url = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 'is').test(url);
}

/** A seeded generator (mulberry32), so a failure names a case that comes back on the next run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('routeMatches', () => {
  it('decides generated patterns and URLs as the regex matcher did', () => {
    const next = random(42);
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)];
    // Case pairs (also ones a naive toLowerCase() would merge: ſ/s, K/k, ß/SS), regex
    // metacharacters, the separators the URL handling looks at, a newline and an astral character.
    const units = ['a', 'A', 'b', 'B', 'ſ', 's', 'S', '\u212a', 'k', 'é', 'É', 'ß', '.', '?', '(', '$', '\\', '/', ':', '#', '=', '\n', '😀'];
    const text = (max: number) => Array.from({ length: Math.floor(next() * (max + 1)) }, () => pick(units)).join('');
    const flipCase = (s: string) => [...s].map((c) => (next() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
    let matched = 0;
    for (let i = 0; i < 20_000; i++) {
      const scheme = pick(['', '', 'https://', 'HTTP://', '*://']);
      const pattern = scheme + Array.from({ length: 1 + Math.floor(next() * 4) }, () => text(3)).join('*');
      // Half the URLs are made from the pattern, so that matches are as common as mismatches.
      const url =
        next() < 0.5
          ? flipCase(pick(['', 'https://', 'ftp://', 'x:']) + pattern.replace(/\*/g, () => text(3))) + pick(['', '#', '#top'])
          : pick(['', 'https://', 'Http://']) + text(10);
      const expected = regexMatches(pattern, url);
      expect(routeMatches(pattern, url), `${JSON.stringify(pattern)} against ${JSON.stringify(url)}`).toBe(expected);
      if (expected) matched++;
    }
    expect(matched).toBeGreaterThan(4000);
    expect(matched).toBeLessThan(16_000);
  });

  it('keeps the documented rules: case, scheme, query string, fragment, whole URL', () => {
    expect(routeMatches('https://shop.example.com/b2b/*', 'https://SHOP.example.com/B2B/orders')).toBe(true);
    expect(routeMatches('https://shop.example.com/b2b/*', 'http://shop.example.com/b2b/orders')).toBe(false);
    expect(routeMatches('shop.example.com/*', 'http://shop.example.com/boots')).toBe(true);
    expect(routeMatches('shop.example.com/*', 'https://elsewhere.example.com/shop.example.com/')).toBe(false);
    expect(routeMatches('*utm_campaign=press*', 'https://shop.example.com/news?utm_campaign=press')).toBe(true);
    expect(routeMatches('*utm_campaign=press*', 'https://shop.example.com/news#utm_campaign=press')).toBe(false);
    expect(routeMatches('shop.example.com/b2b', 'https://shop.example.com/b2b/x')).toBe(false);
    expect(routeMatches('shop.example.com/b?b', 'https://shop.example.com/b2b')).toBe(false);
    expect(routeMatches('*', 'https://shop.example.com/')).toBe(true);
  });

  // The regex matcher took a minute on the first (and the server stood still meanwhile);
  // returning at all before the test's timeout is the check, along with the answers. (Worse
  // inputs would have it run for hours, hanging the suite instead of failing it.)
  it('decides pathological patterns against long URLs', () => {
    expect(routeMatches('*a*a*a*b', 'a'.repeat(1000))).toBe(false);
    expect(routeMatches('*a*a*a*b', `${'a'.repeat(1000)}b`)).toBe(true);
    expect(routeMatches('*/*/*/b2b', '/'.repeat(2048))).toBe(false);
    expect(routeMatches('*/*/*/b2b', `${'/'.repeat(2045)}b2b`)).toBe(true);
    // The most work the two-pointer matcher does: a long literal after a `*` (at most 500
    // characters in a pattern, 2048 in a URL), matched again from every position.
    expect(routeMatches(`*${'a'.repeat(498)}b`, 'a'.repeat(2048))).toBe(false);
    expect(routeMatches(`*${'a'.repeat(498)}b`, `${'a'.repeat(2047)}b`)).toBe(true);
    expect(routeMatches('*a'.repeat(250), 'a'.repeat(2048))).toBe(true);
  });
});

describe('routing a visitor with a long page URL', () => {
  const ORIGIN = 'https://shop.example.com';
  let server: TestServer;
  let admin: ParleyClient;
  const peers: Peer[] = [];

  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await server.close();
  });

  it('stores the message and routes the dialog by the many-star rule', async () => {
    server = await startTestServer();
    ({ client: admin } = await signedInAdmin(server));
    const project = await admin.createProject('Shop');
    await admin.updateProject(project.id, { allowedOrigins: [ORIGIN] });
    await admin.createGroup(project.id, 'wholesale');
    await admin.createGroup(project.id, 'retail');
    await admin.setRouting(project.id, {
      rules: [
        { pattern: '*/*/*/*/*/b2b', group: 'wholesale' },
        { pattern: '*', group: 'retail' },
      ],
    });

    /** A new visitor writes from `url`; resolves to their dialog's group and stored page URL. */
    async function routed(url: string) {
      const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN);
      peers.push(peer);
      const body = `hello ${randomUUID()}`;
      peer.send({ type: 'message.send', clientId: randomUUID(), body, page: { url, title: 'Shop' } });
      const stored = await peer.next((f) => f.type === 'message.stored' || f.type === 'error');
      expect(stored.type).toBe('message.stored');
      const { dialogs } = await admin.listDialogs(project.id, { view: 'shared', limit: 200 });
      const dialog = dialogs.find((d) => d.lastMessage?.body === body)!;
      const detail = await admin.getDialog(project.id, dialog.id);
      return { group: dialog.group, pageUrl: detail.visitor.page.url };
    }

    const deep = `https://shop.example.com/${'a/'.repeat(986)}b2b`;
    // Slashes enough to keep the regex matcher busy for a minute, not for hours.
    const flat = `https://shop.example.com/${'/'.repeat(150)}${'x'.repeat(1821)}/b2c`;
    expect(deep).toHaveLength(2000);
    expect(flat).toHaveLength(2000);
    expect(await routed(deep)).toEqual({ group: 'wholesale', pageUrl: deep });
    expect(await routed(flat)).toEqual({ group: 'retail', pageUrl: flat });
  });
});
