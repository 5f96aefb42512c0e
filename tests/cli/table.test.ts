// CLI tables line up in a terminal: a column is as wide as its widest cell in terminal columns,
// so an emoji or a CJK name (two columns each) does not push the rest of its row out of line.
// Cells are measured and drawn as the TUI draws text (core/text-layout.ts): ❤️ (U+2764 U+FE0F),
// which the CLI's own measure counted as two columns where tmux 3.3a draws one, is drawn as ❤,
// one column in every terminal. Checked in a real tmux, whose cursor says where each row's second
// column starts.
import { describe, expect, it } from 'vitest';
import { table } from '../../cli/tables.js';
import { displayWidth } from '../../core/text-layout.js';
import { tmuxColumns } from '../helpers/tmux.js';

const SECOND = /(Hello|We deliver|Ships|Great|Open|Hot|Yes|All|Flag|Red|Checked|Smile|Copy|TEXT)$/;

const ROWS = [
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
  ['Check ✔️', 'Checked'],
  ['Smile ☺️', 'Smile'],
  ['Copy © ™', 'Copy'],
];

describe('table', () => {
  it('pads by terminal columns: emoji, CJK, skin tones and accents keep the next column in line', () => {
    const lines = table(['NAME', 'TEXT'], ROWS).split('\n');
    // Where the second column starts, measured as the TUI (string-width) measures.
    const starts = lines.map((l) => displayWidth(l.slice(0, l.search(SECOND))));
    expect(new Set(starts).size).toBe(1);
    expect(starts[0]).toBe(displayWidth('Delivery 🚚') + 2);
  });

  it('draws ❤️ ✔️ ☺️ as the TUI does (❤ ✔ ☺), and tmux starts every row\'s second column in the same place', async () => {
    const lines = table(['NAME', 'TEXT'], ROWS).split('\n');
    expect(lines).toContain(`Love ❤${' '.repeat(displayWidth('Delivery 🚚') - 6 + 2)}Red`);
    const heads = lines.map((l) => l.slice(0, l.search(SECOND)));
    expect(await tmuxColumns(heads)).toEqual(heads.map(() => displayWidth('Delivery 🚚') + 2));
  });

  it('keeps a cell on its line and makes what could act on the terminal inert, measured as printed', () => {
    const lines = table(['NAME', 'TEXT'], [['two\nlines\u2028here', 'x'], ['esc \u001b[31m', 'y'], ['plain', 'z']]).split('\n');
    // Every cell here is one column a UTF-16 unit, so padEnd pads as a terminal does.
    expect(lines).toEqual([`${'NAME'.padEnd(16)}TEXT`, `${'two lines here'.padEnd(16)}x`, `${'esc \uFFFD[31m'.padEnd(16)}y`, `${'plain'.padEnd(16)}z`]);
  });
});
