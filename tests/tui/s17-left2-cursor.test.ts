// `parley tui 2>err.log`: Ink hides the cursor while it draws, and its exit hook (restore-cursor)
// wrote "show the cursor" (ESC [?25h) to stderr, whatever stderr was, so the log got an escape
// sequence. Now it goes to the terminal only: the real binary in a real tmux, its stderr in a
// file, ends with nothing in the file and the cursor shown in the pane; and the routing itself,
// on streams standing in for a terminal and a file.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SHOW_CURSOR, showCursorOnTerminal } from '../../tui/cursor-on-exit.js';
import { PARLEY_BIN } from '../helpers/cli.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const HIDE_CURSOR = '\x1b[?25l';
const run = promisify(execFile);

describe('parley tui with stderr in a file, in a real terminal', () => {
  let server: TestServer;
  let dir: string;
  let socket: string;
  const tmux = async (...args: string[]) =>
    (await run('/usr/bin/tmux', ['-L', socket, ...args], { env: { PATH: process.env.PATH, TERM: 'xterm-256color', HOME: dir, TMUX_TMPDIR: dir } })).stdout;

  beforeEach(async () => {
    server = await startTestServer();
    dir = await tempDir('parley-s17-cursor-');
    socket = `parley-s17-cursor-${process.pid}-${randomUUID().slice(0, 8)}`;
  });

  afterEach(async () => {
    await tmux('kill-server').catch(() => undefined);
    await server.close();
  });

  it('quit with Ctrl+C: nothing in the file, the cursor shown again on the terminal', async () => {
    const conf = join(dir, 'tmux.conf');
    await writeFile(conf, 'set -g status off\nset -g escape-time 0\n');
    await tmux('-f', conf, 'new-session', '-d', '-s', 'tui', '-x', '80', '-y', '24', '-e', `PARLEY_CONFIG_DIR=${dir}`, '-e', `HOME=${dir}`, '-e', 'PS1=$ ', '/bin/sh');
    const output = join(dir, 'pane-output');
    await tmux('pipe-pane', '-t', 'tui', `cat >> '${output}'`);
    const err = join(dir, 'err.log');
    await tmux('send-keys', '-t', 'tui', '-l', `'${process.execPath}' '${PARLEY_BIN}' tui --url ${server.url} 2>'${err}'; echo "[parley exited with $?]"`);
    await tmux('send-keys', '-t', 'tui', 'Enter');
    await vi.waitFor(async () => expect(await tmux('capture-pane', '-p', '-t', 'tui')).toContain('Forgot password?'), { timeout: 15_000, interval: 50 });
    // Ink hid the cursor while it draws.
    expect((await tmux('display', '-p', '-t', 'tui', '#{cursor_flag}')).trim()).toBe('0');

    await tmux('send-keys', '-t', 'tui', 'C-c');
    await vi.waitFor(async () => expect(await tmux('capture-pane', '-p', '-t', 'tui')).toContain('[parley exited with 0]'), { timeout: 10_000, interval: 50 });
    expect(await readFile(err, 'latin1')).toBe('');
    expect((await tmux('display', '-p', '-t', 'tui', '#{cursor_flag}')).trim()).toBe('1');
    // What reached the terminal: the cursor shown after it was last hidden.
    const written = await vi.waitFor(async () => {
      const text = await readFile(output, 'latin1');
      expect(text).toContain('[parley exited with 0]');
      return text;
    });
    expect(written.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(written.lastIndexOf(HIDE_CURSOR));
  });
});

describe('showCursorOnTerminal', () => {
  /** A stream that records what is written to it, a terminal or not. */
  function stream(isTTY: boolean) {
    const s = new PassThrough() as PassThrough & { isTTY?: boolean };
    if (isTTY) s.isTTY = true;
    let text = '';
    s.on('data', (c) => (text += c));
    return { s: s as unknown as NodeJS.WriteStream, text: () => text };
  }

  it('stderr a file, stdout the terminal: "show the cursor" goes to the terminal; everything else stays on stderr', async () => {
    const stderr = stream(false);
    const stdout = stream(true);
    showCursorOnTerminal(stderr.s, stdout.s);
    showCursorOnTerminal(stderr.s, stdout.s); // once is enough: not routed twice
    stderr.s.write('a warning\n');
    const done = vi.fn();
    expect(stderr.s.write(SHOW_CURSOR, done)).toBe(true);
    stderr.s.write(`${SHOW_CURSOR} and more\n`);
    await vi.waitFor(() => expect(done).toHaveBeenCalledOnce());
    expect(stderr.text()).toBe(`a warning\n${SHOW_CURSOR} and more\n`);
    expect(stdout.text()).toBe(SHOW_CURSOR);
  });

  it('neither a terminal: the escape goes nowhere', () => {
    const stderr = stream(false);
    const stdout = stream(false);
    showCursorOnTerminal(stderr.s, stdout.s);
    stderr.s.write(SHOW_CURSOR);
    expect([stderr.text(), stdout.text()]).toEqual(['', '']);
  });

  it('stderr a terminal: left as it is (the cursor is shown there, as before)', () => {
    const stderr = stream(true);
    const stdout = stream(true);
    const write = stderr.s.write;
    showCursorOnTerminal(stderr.s, stdout.s);
    expect(stderr.s.write).toBe(write);
    stderr.s.write(SHOW_CURSOR);
    expect([stderr.text(), stdout.text()]).toEqual([SHOW_CURSOR, '']);
  });
});
