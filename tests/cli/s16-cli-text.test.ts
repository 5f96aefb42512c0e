// The CLI's text helpers on their own: `truncate` cuts what a table cell shows by terminal
// columns and grapheme clusters (never inside 👨‍👩‍👧, a flag or an accented letter, never wider
// than asked), and `projectClock` reads times on a project's clock, naming its zone when the
// terminal is in another (the clock's zones and "now" are given, so no test depends on where or
// when it runs).
import { describe, expect, it } from 'vitest';
import type { Message } from '../../core/protocol/index.js';
import { messageLines, projectClock } from '../../cli/present.js';
import { table, truncate } from '../../cli/tables.js';
import { displayWidth, graphemes, oneLine } from '../../core/text-layout.js';

/** Whether `head` is whole grapheme clusters from the start of `text`. */
const onBoundary = (text: string, head: string) => {
  const parts = graphemes(text);
  let joined = '';
  for (const p of parts) {
    if (joined === head) return true;
    joined += p;
  }
  return joined === head;
};

describe('truncate', () => {
  it('never splits a cluster: a ZWJ family, flags, an accent written as two code points', () => {
    // Cut by code points these became "Hi 👨\u200d…", "🇩🇪🇫…" and "Cafe…". The family is drawn
    // as its first person, as every table cell draws it.
    expect(truncate('Hi 👨‍👩‍👧 and more', 6)).toBe('Hi 👨…');
    expect(truncate('🇩🇪🇫🇷🇯🇵', 4)).toBe('🇩🇪 …');
    expect(truncate('Cafe\u0301 au lait', 5)).toBe('Cafe\u0301…');
    expect(truncate('I ❤️ it, I ❤️ it', 5)).toBe('I ❤ …');
  });

  it('measures terminal columns as the table does: wide characters count two, the cut fills the width', () => {
    // By code points this was "配送配送…": nine columns where five were asked for.
    expect(truncate('配送配送配送', 5)).toBe('配送…');
    expect(displayWidth(truncate('配送配送配送', 6))).toBe(6);
    // What fits is left alone (on one line, as the cell draws it).
    expect(truncate('  Family 👨‍👩‍👧\n  trip ', 20)).toBe('Family 👨 trip');
    expect(truncate('short', 5)).toBe('short');
  });

  it('for every width, the result fits and ends on a cluster boundary of the text as drawn', () => {
    const samples = ['Family 👨‍👩‍👧 trip to 🇯🇵 and 🇫🇷', 'Thumbs 👍🏽👍🏿 ok', 'e\u0301e\u0301e\u0301 配送 ☕✅ ❤️✔️☺️ 1️⃣', 'plain ascii text here'];
    for (const text of samples) {
      const drawn = oneLine(text).trim();
      for (let max = 1; max <= displayWidth(drawn) + 2; max++) {
        const out = truncate(text, max);
        expect(displayWidth(out), `${text} @${max}: ${out}`).toBeLessThanOrEqual(max);
        if (displayWidth(drawn) <= max) {
          expect(out).toBe(drawn);
          continue;
        }
        expect(out.endsWith('…'), out).toBe(true);
        expect(displayWidth(out), `${text} @${max}: ${out}`).toBe(max);
        // The head, without the space that stands in for a wide character that did not fit.
        const head = out.slice(0, -1).replace(/ $/, '');
        expect(onBoundary(drawn, head) || onBoundary(drawn, `${head} `), `${text} @${max}: ${out}`).toBe(true);
      }
    }
  });

  it('keeps a table in line when the cut cells hold wide characters', () => {
    const rows = ['配送配送配送配送', 'Hi 👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧 all', '🇩🇪🇫🇷🇯🇵🇩🇪🇫🇷', 'plain text that is long'].map((t) => [truncate(t, 9), 'x']);
    const [head, ...lines] = table(['TEXT', 'NEXT'], rows).split('\n');
    expect(lines.map((l) => displayWidth(l))).toEqual(rows.map(() => 9 + 2 + 1));
    expect(head).toBe(`TEXT${' '.repeat(5 + 2)}NEXT`);
  });
});

describe('projectClock', () => {
  // 12:00 on Monday 5 January 2026 in Tokyo; 22:00 on Sunday 4 January in New York.
  const now = new Date('2026-01-05T03:00:00Z');

  it("reads times in the project's zone and names it when the terminal's is another", () => {
    const clock = projectClock('Asia/Tokyo', now, 'America/New_York');
    expect(clock.named).toBe('Asia/Tokyo');
    // 09:41 in Tokyo is 19:41 the day before in New York: the project's day, not the terminal's.
    expect(clock.time('2026-01-05T00:41:00Z')).toBe('09:41');
    expect(clock.zoned('2026-01-05T00:41:00Z')).toBe('09:41 (Asia/Tokyo)');
    expect(clock.time('2026-01-04T14:59:00Z')).toBe('2026-01-04 23:59');
    expect(clock.heading('AT')).toBe('AT (Asia/Tokyo)');
    expect(clock.time(null)).toBe('-');
    expect(clock.zoned(null)).toBe('-');
  });

  it('says nothing of the zone when the terminal is in it', () => {
    const clock = projectClock('Asia/Tokyo', now, 'Asia/Tokyo');
    expect(clock.named).toBeNull();
    expect(clock.zoned('2026-01-05T00:41:00Z')).toBe('09:41');
    expect(clock.heading('AT')).toBe('AT');
  });

  it("puts a transcript's times and deliveries on the project's clock", () => {
    const clock = projectClock('Asia/Tokyo', now, 'UTC');
    const m: Message = {
      id: 1, dialogId: 1, seq: 1, rev: 1, author: 'operator', operator: { id: 2, name: 'Oli Op', avatarUrl: null },
      body: 'On its way', attachments: [], clientId: 'c1',
      createdAt: '2026-01-05T00:41:00Z', editedAt: null, deliveredAt: '2026-01-05T00:42:00Z',
    };
    expect(messageLines(m, 'Blue Fox', clock)).toBe('[09:41] Oli Op: On its way  · delivered 09:42');
  });
});
