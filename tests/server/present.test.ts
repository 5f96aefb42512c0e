// The presenters' own logic: times as ISO 8601 (written from a per-second cache).
import { describe, expect, it } from 'vitest';
import { iso } from '../../server/services/present.js';

describe('iso', () => {
  it('writes every instant as Date#toISOString does, across seconds, years and odd values', () => {
    const base = Date.UTC(2026, 10, 26, 14, 25, 18, 0);
    const instants = [
      // within one second and across the next: the cached prefix must change with the second
      base, base + 1, base + 9, base + 10, base + 99, base + 100, base + 999, base + 1000, base + 1001,
      base - 1, base - 1000, base + 86_399_999, 0, -1, -999, -1000, -1001,
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(10_000, 0, 1, 0, 0, 0, 5),
      Date.UTC(-1, 0, 1),
      base + 0.5,
    ];
    for (let i = 0; i < 5000; i++) instants.push(base + Math.round((i * 7919) % 3_000_000) - 1_500_000);
    for (const ms of instants) expect(iso(ms), String(ms)).toBe(new Date(ms).toISOString());
    // Again after jumping back: a value from an earlier second must not reuse the later prefix.
    expect(iso(base + 5000)).toBe(new Date(base + 5000).toISOString());
    expect(iso(base + 5)).toBe(new Date(base + 5).toISOString());
  });
});
