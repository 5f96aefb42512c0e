// Defects of the qa15 first-day pass, through the real `parley` binary against a real server:
//   - on a terminal (tmux), a new password under the minimum is asked again with the reason, as
//     two entries that differ are, in `login` and `password change`; with --password-stdin it is
//     a usage error before anything is sent;
//   - every avatarUrl the CLI prints is absolute, at the server it talks to, in JSON as in text;
//   - `project set --remove-origin` of an origin the project does not allow is refused, and
//     nothing of the same call is saved;
//   - `dialogs list` shows a last message that is files alone by its files;
//   - `admin promote|demote` on the data directory, and `admin create`'s sign-in hint with --url.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { pngBytes } from '../helpers/accounts-extra.js';
import { PARLEY_BIN, runCli } from '../helpers/cli.js';
import { adminShell, expectFailure, loginShell, type Shell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const TMUX = '/usr/bin/tmux';
const ORIGIN = 'https://shop.example.com';
const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };
const run = promisify(execFile);

let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
let admin: Shell;
let project: { id: number; widgetKey: string };
let files: string;
const peers: Peer[] = [];

/** Adds an operator to the project; returns their one-time password from the welcome mail. */
async function addOperator(email: string, firstName: string): Promise<string> {
  const r = await admin.run(['team', 'add', '-p', 'Alpha', '--email', email, '--first-name', firstName, '--last-name', 'Op', '--operator']);
  expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
  return passwordFrom(await outbox.waitFor((m) => m.to === email));
}

/** A shell signed in as a new operator of the project (their one-time password replaced). */
async function operatorShell(email: string, firstName: string): Promise<Shell> {
  const sh = await shell();
  await loginShell(sh, server.url, email, `${await addOperator(email, firstName)}\n${NEW_PASSWORD}\n`);
  return sh;
}

beforeAll(async () => {
  server = await startTestServer({ rateLimits: { login: 1000, forgot: 1000 } });
  outbox = await watchOutbox(server.dataDir);
  admin = await adminShell(server, ADMIN);
  project = await admin.json<{ id: number; widgetKey: string }>(['project', 'create', 'Alpha']);
  expect((await admin.run(['project', 'set', 'Alpha', '--allowed-origin', ORIGIN])).code).toBe(0);
  files = await tempDir('parley-qa15-files-');
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  outbox?.close();
  await server?.close();
});

// ---- a new password on a terminal ------------------------------------------------------

describe('a new password on a terminal (tmux) and from --password-stdin', () => {
  let dir: string;
  let socket: string;
  const tmux = async (...args: string[]) =>
    (await run(TMUX, ['-L', socket, ...args], { env: { PATH: process.env.PATH, TERM: 'xterm-256color', HOME: dir, TMUX_TMPDIR: dir } })).stdout;

  /**
   * `parley args` typed into a shell in a tmux pane of its own (the config dir of `sh`), followed
   * by its exit status. Returns what drives it: the screen, typing a line, waiting for the screen.
   */
  async function onTerminal(sh: Shell, args: string[]) {
    const name = `t${randomUUID().slice(0, 8)}`;
    await tmux(
      '-f', '/dev/null', 'new-session', '-d', '-s', name, '-x', '150', '-y', '40',
      '-e', `PARLEY_CONFIG_DIR=${sh.configDir}`, '-e', `HOME=${sh.configDir}`, '-e', 'PS1=$ ', '/bin/sh',
    );
    const screen = () => tmux('capture-pane', '-p', '-t', name);
    const typeLine = async (text: string) => {
      await tmux('send-keys', '-t', name, '-l', text);
      await tmux('send-keys', '-t', name, 'Enter');
    };
    /** Polls the screen until `check` holds; the last screen is in the error otherwise. */
    const waitFor = async (check: (text: string) => boolean, what: string): Promise<string> => {
      let last = '';
      try {
        return await vi.waitFor(async () => {
          last = await screen();
          if (!check(last)) throw new Error(what);
          return last;
        }, { timeout: 15_000, interval: 50 });
      } catch {
        throw new Error(`timed out waiting for ${what}; the screen:\n${last}`);
      }
    };
    /** Waits for the `n`th line that is exactly `prompt` (its answer is not echoed), then answers it. */
    const answer = async (prompt: string, n: number, text: string) => {
      await waitFor((s) => s.split('\n').filter((l) => l.trimEnd() === prompt).length >= n, `prompt ${n} "${prompt}"`);
      await typeLine(text);
    };
    const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
    // Typed before the shell's prompt, the command's first output would share the prompt's line.
    await waitFor((s) => /[$#]$/.test(s.trimEnd()), 'the shell prompt');
    await typeLine(`${[process.execPath, PARLEY_BIN, ...args].map(quote).join(' ')}; echo "[exit $?]"`);
    return { answer, waitFor };
  }

  beforeAll(async () => {
    dir = await tempDir('parley-qa15-tmux-');
    socket = `parley-qa15-${process.pid}-${randomUUID().slice(0, 8)}`;
  });

  afterEach(async () => {
    await tmux('kill-server').catch(() => undefined);
  });

  it('login asks again, with the reason, for a new password that is too short, as for two that differ; the one-time password is typed once', async () => {
    const email = 'tia@example.com';
    const oneTime = await addOperator(email, 'Tia');
    const chosen = 'chosen-in-tmux-42';
    const sh = await shell();
    const term = await onTerminal(sh, ['login', '--url', server.url, '--email', email]);
    await term.answer('Password:', 1, oneTime);
    await term.answer('New password:', 1, 'short');
    await term.waitFor((s) => s.includes('The new password must have at least 10 characters; try again.'), 'the reason');
    await term.answer('New password:', 2, chosen);
    await term.answer('New password again:', 1, `${chosen}x`);
    await term.waitFor((s) => s.includes('The two entries differ; try again.'), 'the mismatch');
    await term.answer('New password:', 3, chosen);
    await term.answer('New password again:', 2, chosen);
    const done = await term.waitFor((s) => /\[exit \d+\]/.test(s), 'the end of login');
    expect(done).toContain(`Signed in to ${server.url} as ${email}.`);
    expect(done).toContain('[exit 0]');
    expect(done).not.toContain('parley:');

    // The session is stored, and the password chosen is the one that works.
    expect((await sh.json<{ user: { email: string } }>(['whoami'])).user.email).toBe(email);
    await loginShell(await shell(), server.url, email, `${chosen}\n`);

    // `password change` asks with the same prompt.
    const next = 'changed-in-tmux-43';
    const change = await onTerminal(sh, ['password', 'change']);
    await change.answer('Current password:', 1, chosen);
    await change.answer('New password:', 1, 'tiny');
    await change.waitFor((s) => s.includes('The new password must have at least 10 characters; try again.'), 'the reason');
    await change.answer('New password:', 2, next);
    await change.answer('New password again:', 1, next);
    const changed = await change.waitFor((s) => /\[exit \d+\]/.test(s), 'the end of password change');
    expect(changed).toContain('Password changed.');
    expect(changed).toContain('[exit 0]');
    await loginShell(await shell(), server.url, email, `${next}\n`);
  });

  it('--password-stdin: a new password that is too short is one line, exit 2, and nothing is sent', async () => {
    const email = 'sid@example.com';
    const oneTime = await addOperator(email, 'Sid');
    const sh = await shell();
    /** The requests the server has seen that sign in or set a password. */
    const passwordRequests = () =>
      server.logs.filter((l) => l.includes('"msg":"incoming request"') && /"url":"\/api\/v1\/(auth\/login|me\/password|auth\/password\/reset)"/.test(l)).length;
    const tooShort = /^parley: --password-stdin: the new password \(line 2\) must have at least 10 characters\n$/;
    const before = passwordRequests();
    expectFailure(await sh.run(['login', '--url', server.url, '--email', email, '--password-stdin'], { stdin: `${oneTime}\nshort\n` }), 2, tooShort);
    expect(passwordRequests()).toBe(before);
    await loginShell(sh, server.url, email, `${oneTime}\n${NEW_PASSWORD}\n`);

    const signedIn = passwordRequests();
    expectFailure(await sh.run(['password', 'change', '--password-stdin'], { stdin: `${NEW_PASSWORD}\nshort\n` }), 2, tooShort);
    expectFailure(
      await sh.run(['password', 'reset', '--email', email, '--code', 'AAAA-BBBB', '--password-stdin'], { stdin: 'short\n' }),
      2,
      /^parley: --password-stdin: the new password \(line 1\) must have at least 10 characters\n$/,
    );
    expect(passwordRequests()).toBe(signedIn);
    await loginShell(await shell(), server.url, email, `${NEW_PASSWORD}\n`);
  });
});

// ---- avatars ---------------------------------------------------------------------------

describe('avatar URLs', () => {
  it('are absolute, at the server the CLI talks to, in every JSON that has one and in the text', async () => {
    const ava = await operatorShell('ava@example.com', 'Ava');
    const png = pngBytes(120);
    const file = join(files, 'ava.png');
    await writeFile(file, png);
    const set = await ava.json<{ avatarUrl: string }>(['profile', 'set', '--avatar', file]);
    const url = set.avatarUrl;
    expect(url).toMatch(new RegExp(`^${server.url}/avatars/\\d+\\?v=`));
    // As the README's script does: curl "$(parley profile show --json | jq -r .avatarUrl)".
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);

    expect((await ava.json<{ avatarUrl: string }>(['profile', 'show'])).avatarUrl).toBe(url);
    expect((await ava.run(['profile', 'show'])).stdout).toMatch(new RegExp(`^avatar: +${url.replace(/[?.]/g, '\\$&')}$`, 'm'));
    expect((await ava.json<{ user: { avatarUrl: string } }>(['whoami'])).user.avatarUrl).toBe(url);
    const members = await admin.json<Array<{ email: string; avatarUrl: string | null }>>(['team', 'list', '-p', 'Alpha']);
    expect(members.find((m) => m.email === 'ava@example.com')?.avatarUrl).toBe(url);
    expect(members.find((m) => m.email === ADMIN.email)?.avatarUrl).toBeNull();
    expect((await admin.json<{ avatarUrl: string }>(['team', 'show', '-p', 'Alpha', 'ava@example.com'])).avatarUrl).toBe(url);
    expect((await admin.json<{ avatarUrl: string }>(['team', 'update', '-p', 'Alpha', 'ava@example.com', '--first-name', 'Ava'])).avatarUrl).toBe(url);

    // On her messages: `send --json` and `dialogs show --json`.
    const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN);
    peers.push(peer);
    const clientId = randomUUID();
    peer.send({ type: 'message.send', clientId, body: 'Is anyone there?' });
    await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
    const dialogId = (await ava.json<{ dialogs: Array<{ id: number; lastMessage: { body: string } }> }>(['dialogs', 'list'])).dialogs.find(
      (d) => d.lastMessage.body === 'Is anyone there?',
    )!.id;
    const sent = await ava.json<{ id: number; operator: { avatarUrl: string } }>(['send', String(dialogId), 'Yes, Ava here.']);
    expect(sent.operator.avatarUrl).toBe(url);
    const shown = await ava.json<{ messages: Array<{ id: number; operator: { avatarUrl: string } | null }> }>(['dialogs', 'show', String(dialogId)]);
    expect(shown.messages.find((m) => m.id === sent.id)?.operator?.avatarUrl).toBe(url);
  });
});

// ---- project set --remove-origin -------------------------------------------------------

describe('project set --remove-origin', () => {
  it('refuses an origin the project does not allow (exit 1, naming it and the allowed ones), and saves nothing of the call', async () => {
    const beta = await admin.json<{ id: number }>(['project', 'create', 'Beta']);
    const origins = ['https://beta.example.com', 'https://www.beta.example.com'];
    expect((await admin.run(['project', 'set', 'Beta', ...origins.flatMap((o) => ['--allowed-origin', o])])).code).toBe(0);
    const before = await admin.json<Record<string, unknown>>(['project', 'show', 'Beta']);

    expectFailure(
      await admin.run(['project', 'set', 'Beta', '--remove-origin', 'https://nothere.test']),
      1,
      /^parley: --remove-origin: https:\/\/nothere\.test is not an allowed origin of "Beta" \(the allowed origins are https:\/\/beta\.example\.com, https:\/\/www\.beta\.example\.com\); nothing was changed\n$/,
    );
    // With other flags, a real origin among those removed, and --json: the same refusal, nothing saved.
    const combined = await admin.run([
      'project', 'set', 'Beta', '--remove-origin', 'https://beta.example.com', '--remove-origin', 'https://nothere.test',
      '--add-origin', 'https://new.example.com', '--name', 'Beta renamed', '--timezone', 'Europe/Berlin', '--greeting', 'Hi', '--json',
    ]);
    expectFailure(combined, 1, /https:\/\/nothere\.test is not an allowed origin of "Beta"/);
    expect(combined.stderr).not.toContain('https://beta.example.com is not');
    expect(await admin.json(['project', 'show', String(beta.id)])).toEqual(before);

    // An origin that is allowed, in the server's spelling or not, is removed as before.
    const removed = await admin.json<{ allowedOrigins: string[] }>(['project', 'set', 'Beta', '--remove-origin', 'https://WWW.beta.example.com/']);
    expect(removed.allowedOrigins).toEqual(['https://beta.example.com']);
  });
});

// ---- dialogs list: a last message of files alone ----------------------------------------

describe('dialogs list', () => {
  it('shows a last message that is only files by its files, as dialogs show does in short', async () => {
    const ola = await operatorShell('ola@example.com', 'Ola');
    const { peer, welcome } = await visitorHello(server.url, project.widgetKey, ORIGIN);
    peers.push(peer);
    const png = pngBytes(200);
    const form = new FormData();
    form.append('file', new Blob([png], { type: 'image/png' }), 'me.png');
    const upload = await fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
      method: 'POST',
      headers: { origin: ORIGIN, 'x-parley-visitor': welcome.token },
      body: form,
    });
    expect(upload.status).toBe(201);
    const attachment = (await upload.json()) as { id: number };
    peer.send({ type: 'message.send', clientId: 'file-only', body: '', attachmentIds: [attachment.id] });
    await peer.next((f) => f.type === 'message.stored' && f.clientId === 'file-only');

    const visitorName: string = welcome.visitor.name;
    const rowOf = async () => (await ola.run(['dialogs', 'list'])).stdout.split('\n').find((l) => l.includes(visitorName));
    expect(await rowOf()).toMatch(/ 📎 me\.png +\d\d:\d\d$/);
    // --json stays the server's list: the last message's text, empty here.
    const list = await ola.json<{ dialogs: Array<{ id: number; visitor: { name: string }; lastMessage: { body: string } }> }>(['dialogs', 'list']);
    const dialog = list.dialogs.find((d) => d.visitor.name === visitorName)!;
    expect(dialog.lastMessage.body).toBe('');

    // Several files from an operator: their count, after the author.
    const paths = ['a.png', 'b.png', 'c.png'].map((n) => join(files, n));
    await Promise.all(paths.map((p) => writeFile(p, png)));
    const sent = await ola.run(['send', String(dialog.id), ...paths.flatMap((p) => ['-f', p])]);
    expect(sent, sent.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(await rowOf()).toMatch(/ operator: 📎 3 files +\d\d:\d\d$/);
    // A message with text shows its text, files or not.
    expect((await ola.run(['send', String(dialog.id), '-f', paths[0], 'Here is the label.'])).code).toBe(0);
    expect(await rowOf()).toMatch(/ operator: Here is the label\. +\d\d:\d\d$/);
  });
});

// ---- admin promote / demote, admin create's hint -----------------------------------------

describe('parley admin promote|demote on the data directory', () => {
  const onDir = (args: string[], dataDir = server.dataDir) => admin.run(['admin', ...args, '--data-dir', dataDir]);

  it('makes an existing account a server administrator (its session has the rights at once) and an ordinary one again', async () => {
    const tom = await operatorShell('tom@example.com', 'Tom');
    expectFailure(await tom.run(['project', 'create', 'Tom lab']), 1, /only server administrators/);
    // admin create of an existing account says what to run instead.
    expectFailure(
      await onDir(['create', '--email', 'tom@example.com', '--first-name', 'Tom', '--last-name', 'Op']),
      1,
      /already exists: "parley admin promote tom@example\.com" makes it a server administrator/,
    );

    const promoted = await onDir(['promote', 'Tom@Example.com']);
    expect(promoted, promoted.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(promoted.stdout).toMatch(/^tom@example\.com is a server administrator/);
    expect((await tom.json<{ user: { serverAdmin: boolean } }>(['whoami'])).user.serverAdmin).toBe(true);
    expect((await tom.json<{ name: string }>(['project', 'create', 'Tom lab'])).name).toBe('Tom lab');
    expect(await admin.json(['admin', 'promote', 'tom@example.com', '--data-dir', server.dataDir])).toEqual({
      email: 'tom@example.com',
      serverAdmin: true,
      changed: false,
    });

    expect(await admin.json(['admin', 'demote', 'tom@example.com', '--data-dir', server.dataDir])).toEqual({
      email: 'tom@example.com',
      serverAdmin: false,
      changed: true,
    });
    expectFailure(await tom.run(['project', 'create', 'Tom lab 2']), 1, /only server administrators/);
    // Still a member of what they had.
    expect((await tom.json<{ projects: Array<{ name: string }> }>(['whoami'])).projects.map((p) => p.name)).toContain('Tom lab');

    expectFailure(await onDir(['promote', 'nobody@example.com']), 1, /^parley: no user nobody@example\.com\n$/);
    expectFailure(await onDir(['promote', 'not-an-email']), 2, /not a valid email address/);
  });

  it('never demotes the last server administrator; refuses a directory without a database and creates nothing there', async () => {
    const dataDir = await tempDir('parley-qa15-admins-');
    const create = (email: string) => admin.run(['admin', 'create', '--data-dir', dataDir, '--email', email, '--first-name', 'A', '--last-name', '-']);
    expect((await create('one@example.com')).code).toBe(0);
    expectFailure(await onDir(['demote', 'one@example.com'], dataDir), 1, /^parley: one@example\.com is the last server administrator: promote another account first \("parley admin promote EMAIL"\)\n$/);
    expect((await create('two@example.com')).code).toBe(0);
    expect((await onDir(['demote', 'one@example.com'], dataDir)).code).toBe(0);
    expectFailure(await onDir(['demote', 'two@example.com'], dataDir), 1, /two@example\.com is the last server administrator/);

    const empty = await tempDir('parley-qa15-empty-');
    expectFailure(await onDir(['promote', 'one@example.com'], empty), 1, /^parley: no Parley database in .*: give the data directory of the server \(it holds parley\.db\)\n$/);
    expect(await readdir(empty)).toEqual([]);
    expectFailure(await onDir(['demote', 'one@example.com'], join(empty, 'missing')), 1, /does not exist/);
    expect(await readdir(empty)).toEqual([]);
  });

  it('--help: the two commands work on a data directory, and list --json as their one global flag', async () => {
    for (const verb of ['promote', 'demote']) {
      const help = await admin.run(['admin', verb, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: parley admin ${verb} [options] <email>`);
      expect(help.stdout).toContain('--data-dir <dir>');
      expect(help.stdout).toContain('--json');
      expect(help.stdout).not.toContain('--url');
    }
    expect((await admin.run(['admin', '--help'])).stdout).toMatch(/promote \[options\] <email>[\s\S]*demote \[options\] <email>/);
  });
});

describe('admin create prints a sign-in command with the server\'s URL', () => {
  const hintOf = (stdout: string) => /Sign in with "([^"]+)"/.exec(stdout)?.[1];

  it('PARLEY_PUBLIC_URL when set: the command works as printed', async () => {
    const r = await runCli(
      ['admin', 'create', '--data-dir', server.dataDir, '--email', 'hana@example.com', '--first-name', 'Hana', '--last-name', 'Root'],
      { configDir: await tempDir(), env: { PARLEY_PUBLIC_URL: `${server.url}/` } },
    );
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const hint = hintOf(r.stdout);
    expect(hint).toBe(`parley login --url ${server.url} --email hana@example.com`);
    const oneTime = /one-time password:\s+(\S+)/.exec(r.stdout)![1];
    const [, ...args] = hint!.split(' ');
    const hana = await shell();
    const login = await hana.run([...args, '--password-stdin'], { stdin: `${oneTime}\n${NEW_PASSWORD}\n` });
    expect(login, login.stderr).toMatchObject({ code: 0, stderr: '' });
    expect((await hana.json<{ user: { serverAdmin: boolean } }>(['whoami'])).user.serverAdmin).toBe(true);
  });

  it('else the address the server would listen on: PARLEY_HOST and PARLEY_PORT, or the default', async () => {
    const dataDir = await tempDir('parley-qa15-hint-');
    const create = async (email: string, env: NodeJS.ProcessEnv) => {
      const r = await runCli(['admin', 'create', '--data-dir', dataDir, '--email', email, '--first-name', 'A', '--last-name', '-'], {
        configDir: await tempDir(),
        env,
      });
      expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
      return hintOf(r.stdout);
    };
    expect(await create('def@example.com', {})).toBe('parley login --url http://127.0.0.1:8080 --email def@example.com');
    // Brackets are special to a shell: the URL is quoted, so that the command pastes as it is.
    expect(await create('port@example.com', { PARLEY_HOST: '::1', PARLEY_PORT: '9123' })).toBe("parley login --url 'http://[::1]:9123' --email port@example.com");
  });
});
