// The columns a real tmux (3.3a in CI) draws texts in: each text is printed in a pane, and the
// cursor's column read back (CSI 6 n). For layout tests that must agree with a terminal, not
// with a width table.
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { vi } from 'vitest';
import { tempDir } from './server.js';

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

/** The column tmux leaves the cursor at after drawing each of `texts` (one row each, narrower than 400 columns). */
export async function tmuxColumns(texts: string[]): Promise<number[]> {
  const dir = await tempDir('parley-tmux-width-');
  const socket = `parley-width-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const env = { PATH: process.env.PATH, TERM: 'xterm-256color', LANG: 'C.UTF-8', HOME: dir, TMUX_TMPDIR: dir };
  const tmux = (...args: string[]) => run(TMUX, ['-L', socket, '-f', '/dev/null', ...args], { env });
  await writeFile(join(dir, 'measure.mjs'), MEASURE);
  await writeFile(join(dir, 'texts.json'), JSON.stringify(texts));
  const out = join(dir, 'columns.json');
  const command = [process.execPath, join(dir, 'measure.mjs'), join(dir, 'texts.json'), out].map((a) => `'${a}'`).join(' ');
  await tmux('new-session', '-d', '-x', '400', '-y', '5', command);
  try {
    return await vi.waitFor(async () => JSON.parse(await readFile(out, 'utf8')) as number[], { timeout: 10_000, interval: 50 });
  } finally {
    await tmux('kill-server').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
