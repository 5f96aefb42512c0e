// The real `parley tui` (bin/parley.js) in a real terminal: tmux on a private socket, 120x40.
// It signs in through the TUI's screens (one-time password, then the forced change), a visitor
// writes, the operator opens the dialog and answers with Ctrl+S, the visitor receives it; the
// screen is read with capture-pane, polled until the text shows. Ctrl+C quits, and the terminal
// gets its key modes back.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { ENABLE_KEY_MODES, RESTORE_KEY_MODES } from '../../tui/input/terminal-modes.js';
import { PARLEY_BIN, runCli } from '../helpers/cli.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const TMUX = '/usr/bin/tmux';
const ORIGIN = 'https://shop.example.com';
const OLI = 'oli@example.com';
const CHOSEN = 'chosen-in-tmux-42';
const run = promisify(execFile);

let server: TestServer;
let admin: ParleyClient;
let dir: string;
let socket: string;
const peers: Peer[] = [];

/** One tmux command on this test's private server. */
const tmux = async (...args: string[]) => (await run(TMUX, ['-L', socket, ...args], { env: tmuxEnv() })).stdout;
const tmuxEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, TERM: 'xterm-256color', HOME: dir, TMUX_TMPDIR: dir });

const screen = () => tmux('capture-pane', '-p', '-t', 'tui');
const typeText = (text: string) => tmux('send-keys', '-t', 'tui', '-l', text);
const keys = (...names: string[]) => tmux('send-keys', '-t', 'tui', ...names);

/** Polls the screen until `check` holds (or the deadline passes, with the last screen in the error). */
async function waitForScreen(check: (text: string) => boolean, what: string, timeout = 15_000): Promise<string> {
  let last = '';
  try {
    return await vi.waitFor(
      async () => {
        last = await screen();
        if (!check(last)) throw new Error(what);
        return last;
      },
      { timeout, interval: 50 },
    );
  } catch {
    throw new Error(`timed out waiting for ${what}; the screen:\n${last}`);
  }
}

beforeEach(async () => {
  server = await startTestServer({ rateLimits: { login: 1000, forgot: 1000 } });
  dir = await tempDir('parley-tmux-');
  socket = `parley-test-${process.pid}-${randomUUID().slice(0, 8)}`;
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await tmux('kill-server').catch(() => undefined);
  await server.close();
});

it('parley tui in tmux: sign in with the one-time password, answer a visitor with Ctrl+S, quit with Ctrl+C', async () => {
  ({ client: admin } = await signedInAdmin(server));
  const project = await admin.createProject('Shop');
  await admin.updateProject(project.id, { allowedOrigins: [ORIGIN] });
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(project.id, { email: OLI, firstName: 'Oli', lastName: 'Op', operator: true });
  const oneTime = passwordFrom(await outbox.waitFor((m) => m.to === OLI));
  outbox.close();

  // A quiet shell in a 120x40 window; everything the TUI writes is also piped to a file.
  const conf = join(dir, 'tmux.conf');
  await writeFile(conf, 'set -g status off\nset -g escape-time 0\n');
  const output = join(dir, 'pane-output');
  await tmux(
    '-f', conf, 'new-session', '-d', '-s', 'tui', '-x', '120', '-y', '40',
    '-e', `PARLEY_CONFIG_DIR=${dir}`, '-e', `HOME=${dir}`, '-e', 'PS1=$ ',
    '/bin/sh',
  );
  await tmux('pipe-pane', '-t', 'tui', `cat >> '${output}'`);
  await typeText(`'${process.execPath}' '${PARLEY_BIN}' tui --url ${server.url}; echo "[parley exited with $?]"`);
  await keys('Enter');

  await waitForScreen((s) => s.includes('Sign in') && s.includes(server.url) && s.includes('Forgot password?'), 'the sign-in screen');
  await typeText(OLI);
  await keys('Enter');
  await typeText(oneTime);
  await waitForScreen((s) => s.includes('•'.repeat(oneTime.length)), 'the masked password');
  await keys('Enter');
  await waitForScreen((s) => s.includes('Choose your password'), 'the forced password change');
  // tmux sends Backspace as \x7f: it must erase (Ink alone calls it Delete).
  await typeText(`${CHOSEN}x`);
  await waitForScreen((s) => s.includes('•'.repeat(CHOSEN.length + 1)), 'the new password, one character too many');
  await keys('BSpace');
  await waitForScreen((s) => s.includes(`New password  ${'•'.repeat(CHOSEN.length)} `), 'the extra character erased');
  await keys('Enter');
  await typeText(CHOSEN);
  await keys('Enter');
  await waitForScreen((s) => s.includes('My messages') && s.includes('connected'), 'the main screen');

  // The TUI stored the login as `parley login` does: the CLI works with it.
  const whoami = await runCli(['whoami', '--json'], { configDir: dir });
  expect(whoami.code, whoami.stderr).toBe(0);
  expect(JSON.parse(whoami.stdout).user.email).toBe(OLI);

  // A visitor writes from the site; the dialog shows up live.
  const { peer, welcome } = await visitorHello(server.url, project.widgetKey, ORIGIN);
  peers.push(peer);
  const visitorName: string = welcome.visitor.name;
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body: 'Do you ship to Norway?' });
  await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  await waitForScreen((s) => s.includes(visitorName), 'the new dialog in My messages');

  await keys('Enter');
  await waitForScreen((s) => s.includes('Ctrl+S'), 'the composer of the open dialog');
  await typeText('Yes, in 3 daysz');
  await waitForScreen((s) => s.includes('Yes, in 3 daysz'), 'the typed reply');
  await keys('BSpace');
  await waitForScreen((s) => s.includes('Yes, in 3 days') && !s.includes('daysz'), 'the z erased in the composer');
  await keys('C-s');
  await waitForScreen((s) => s.includes('you: Yes, in 3 days'), 'the reply in the dialog');

  const pushed = await peer.next((f) => f.type === 'message' && f.message.body === 'Yes, in 3 days');
  expect(pushed.message.author).toBe('operator');
  peer.send({ type: 'ack', messageIds: [pushed.message.id] });
  await waitForScreen((s) => /Yes, in 3 days.*delivered/.test(s), 'delivered');

  await keys('C-c');
  await waitForScreen((s) => s.includes('[parley exited with 0]'), 'the TUI gone after Ctrl+C');
  const written = await readFile(output, 'latin1');
  const enabled = written.indexOf(ENABLE_KEY_MODES);
  expect(enabled).toBeGreaterThanOrEqual(0);
  expect(written.indexOf(RESTORE_KEY_MODES, enabled)).toBeGreaterThan(enabled);
});

it('parley tui without a terminal is a usage error (exit 2), never a screen', async () => {
  const r = await runCli(['tui', '--url', server.url], { configDir: dir });
  expect(r).toEqual({ code: 2, stdout: '', stderr: 'parley: the TUI needs a terminal (stdin and stdout must be a TTY)\n' });
});
