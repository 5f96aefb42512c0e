// CLI tables line up in a terminal: a column is as wide as its widest cell in terminal columns,
// so an emoji or a CJK name (two columns each) does not push the rest of its row out of line.
// Cells are measured and drawn as the TUI draws text (core/text-layout.ts): ❤️ (U+2764 U+FE0F),
// which the CLI's own measure counted as two columns where tmux 3.3a draws one, is drawn as ❤,
// one column in every terminal. Checked in a real tmux, whose cursor says where each row's second
// column starts.
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { table } from '../../cli/tables.js';
import { displayWidth } from '../../core/text-layout.js';
import { tempDir } from '../helpers/server.js';

const TMUX = '/usr/bin/tmux';
const run = promisify(execFile);

// Printed in a pane, each text is followed by a cursor position request; tmux answers on the
// pane's input with the column the text took it to.
const MEASURE = `
import { readFileSync, writeFileSync } from 'node:fs';
const texts = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const columns = [];
let answer = '';
const next = () => {
  if (columns.length === texts.length) {
    writeFileSync(process.argv[3], JSON.stringify(columns));
    process.exit(0);
  }
  process.stdout.write('\\r\\x1b[2K' + texts[columns.length] + '\\x1b[6n');
};
process.stdin.setRawMode(true);
process.stdin.on('data', (data) => {
  answer += data.toString('latin1');
  const m = /\\x1b\\[\\d+;(\\d+)R/.exec(answer);
  if (!m) return;
  answer = answer.slice(m.index + m[0].length);
  columns.push(Number(m[1]) - 1);
  next();
});
next();
`;

/** The column tmux 3.3a leaves the cursor at after drawing each of `texts` (one row each). */
async function tmuxColumns(texts: string[]): Promise<number[]> {
  const dir = await tempDir('parley-table-tmux-');
  const socket = `parley-table-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const env = { PATH: process.env.PATH, TERM: 'xterm-256color', LANG: 'C.UTF-8', HOME: dir, TMUX_TMPDIR: dir };
  const tmux = (...args: string[]) => run(TMUX, ['-L', socket, '-f', '/dev/null', ...args], { env });
  await writeFile(join(dir, 'measure.mjs'), MEASURE);
  await writeFile(join(dir, 'texts.json'), JSON.stringify(texts));
  const out = join(dir, 'columns.json');
  const command = [process.execPath, join(dir, 'measure.mjs'), join(dir, 'texts.json'), out].map((a) => `'${a}'`).join(' ');
  await tmux('new-session', '-d', '-x', '300', '-y', '5', command);
  try {
    return await vi.waitFor(async () => JSON.parse(await readFile(out, 'utf8')) as number[], { timeout: 10_000, interval: 50 });
  } finally {
    await tmux('kill-server').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

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
