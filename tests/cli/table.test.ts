// CLI tables line up in a terminal: a column is as wide as its widest cell in terminal columns,
// so an emoji or a CJK name (two columns each) does not push the rest of its row out of line.
import { describe, expect, it } from 'vitest';
import { table } from '../../cli/io.js';
import { displayWidth } from '../../core/text-layout.js';

describe('table', () => {
  it('pads by terminal columns: emoji, CJK, skin tones and accents keep the next column in line', () => {
    const out = table(
      ['NAME', 'TEXT'],
      [
        ['Greeting', 'Hello'],
        ['Delivery 🚚', 'We deliver'],
        ['配送', 'Ships'],
        ['Thumbs 👍🏽', 'Great'],
        ['Cafe\u0301', 'Open'],
        ['Coffee ☕', 'Hot'],
        ['Done ✅', 'Yes'],
        ['Family 👨‍👩‍👧', 'All'],
        ['Pride 🏳️‍🌈', 'Flag'],
        ['Love ❤️', 'Red'],
      ],
    );
    const lines = out.split('\n');
    // Where the second column starts, measured as a terminal (string-width) does.
    const starts = lines.map((l) => displayWidth(l.slice(0, l.search(/(Hello|We deliver|Ships|Great|Open|Hot|Yes|All|Flag|Red|TEXT)$/))));
    expect(new Set(starts).size).toBe(1);
    expect(starts[0]).toBe(displayWidth('Delivery 🚚') + 2);
  });
});
