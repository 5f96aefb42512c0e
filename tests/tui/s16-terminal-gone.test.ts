// The terminal going away under a running `parley tui` (tmux killed: reads end, writes fail with
// EIO, a SIGHUP comes): the TUI ends, and quietly. It used to print Ink's EIO stack from the
// unmount, and Node 20's native "ResetStdio" assertion on exit. The real binary in a real tmux,
// its stderr in a file; the pane's process is `parley tui` itself (exec), so its pid is known.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { ENABLE_KEY_MODES, RESTORE_KEY_MODES } from '../../tui/input/terminal-modes.js';
import { PARLEY_BIN } from '../helpers/cli.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';
import { shopWithOli } from '../helpers/shop.js';

const run = promisify(execFile);
let server: TestServer;
let oli: ParleyClient;
let dir: string;
let socket: string;

const tmux = async (...args: string[]) =>
  (await run('/usr/bin/tmux', ['-L', socket, ...args], { env: { PATH: process.env.PATH, TERM: 'xterm-256color', HOME: dir, TMUX_TMPDIR: dir } })).stdout;

beforeEach(async () => {
  server = await startTestServer();
  ({ oli } = await shopWithOli(server, 'https://shop.example.com'));
  dir = await tempDir('parley-s16-gone-');
  socket = `parley-s16-gone-${process.pid}-${randomUUID().slice(0, 8)}`;
});

afterEach(async () => {
  await tmux('kill-server').catch(() => undefined);
  await server.close();
});

/** Whether the process has ended (gone, or a zombie nobody reaped yet). */
async function ended(pid: number): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

/** Starts `parley tui` as the pane's process, waits for `shown` on the screen, kills tmux: its stderr once it ended. */
async function killTmuxUnder(env: Record<string, string>, shown: string): Promise<string> {
  const conf = join(dir, 'tmux.conf');
  await writeFile(conf, 'set -g status off\nset -g escape-time 0\n');
  const err = join(dir, 'stderr');
  const pidFile = join(dir, 'pid');
  const command = `echo $$ > '${pidFile}'; exec '${process.execPath}' '${PARLEY_BIN}' tui --url ${server.url} 2>'${err}'`;
  const vars = Object.entries({ PARLEY_CONFIG_DIR: dir, HOME: dir, ...env }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  await tmux('-f', conf, 'new-session', '-d', '-s', 'tui', '-x', '80', '-y', '24', ...vars, command);
  const pid = Number(await vi.waitFor(async () => (await readFile(pidFile, 'utf8')).trim(), { timeout: 5_000, interval: 50 }));
  await vi.waitFor(async () => expect(await tmux('capture-pane', '-p', '-t', 'tui')).toContain(shown), { timeout: 15_000, interval: 50 });
  expect(await ended(pid)).toBe(false);

  await tmux('kill-server');
  await vi.waitFor(async () => expect(await ended(pid)).toBe(true), { timeout: 10_000, interval: 50 });
  return readFile(err, 'utf8');
}

it('on the sign-in screen: the TUI ends without a stack trace, its stderr empty', async () => {
  // Nothing at all: not even the cursor shown again, which Ink's exit hook writes to the terminal
  // (tui/cursor-on-exit.ts), never into a redirected stderr.
  expect(await killTmuxUnder({}, 'Forgot password?')).toBe('');
});

it('on the main screen, with its live connection: the TUI ends without a stack trace, its stderr empty', async () => {
  expect(await killTmuxUnder({ PARLEY_TOKEN: oli.token! }, 'My messages')).toBe('');
});

it('a SIGHUP sent by hand, the terminal still there: the TUI ends with 129 and gives the terminal its modes back', async () => {
  const conf = join(dir, 'tmux.conf');
  await writeFile(conf, 'set -g status off\nset -g escape-time 0\n');
  await tmux('-f', conf, 'new-session', '-d', '-s', 'tui', '-x', '80', '-y', '24', '-e', `PARLEY_CONFIG_DIR=${dir}`, '-e', `HOME=${dir}`, '-e', 'PS1=$ ', '/bin/sh');
  const output = join(dir, 'pane-output');
  await tmux('pipe-pane', '-t', 'tui', `cat >> '${output}'`);
  const pidFile = join(dir, 'pid');
  const tui = `exec '${process.execPath}' '${PARLEY_BIN}' tui --url ${server.url} 2>'${join(dir, 'stderr')}'`;
  await tmux('send-keys', '-t', 'tui', '-l', `sh -c "echo \\$\\$ > '${pidFile}'; ${tui}"; echo "[parley exited with $?]"`);
  await tmux('send-keys', '-t', 'tui', 'Enter');
  await vi.waitFor(async () => expect(await tmux('capture-pane', '-p', '-t', 'tui')).toContain('Forgot password?'), { timeout: 15_000, interval: 50 });

  process.kill(Number((await readFile(pidFile, 'utf8')).trim()), 'SIGHUP');
  await vi.waitFor(async () => expect(await tmux('capture-pane', '-p', '-t', 'tui')).toContain('[parley exited with 129]'), { timeout: 10_000, interval: 50 });
  const written = await readFile(output, 'latin1');
  expect(written.indexOf(RESTORE_KEY_MODES, written.indexOf(ENABLE_KEY_MODES))).toBeGreaterThan(written.indexOf(ENABLE_KEY_MODES));
  expect(await readFile(join(dir, 'stderr'), 'utf8')).toBe('');
});
