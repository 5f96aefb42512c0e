// The TUI's way in, against a real server whose mail goes to a real SMTP server: the first sign-in
// with the mailed one-time password and the forced change, a wrong password, a forgotten password
// reset with the mailed code, a stored login that skips the screens, and the project picker.
// Keys go in through stdin as a terminal sends them; frames are read with ANSI codes stripped.
import { render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ParleyClient } from '../../core/client/api.js';
import { Gate } from '../../tui/login/Gate.js';
import type { LoginSession } from '../../tui/login/state.js';
import type { Session } from '../../tui/context/session.js';
import { BACKSPACE, BACKSPACE_CTRL_H, ENTER, ESC, plain, press, renderSized, SHIFT_TAB, TAB, waitForFrame } from '../helpers/ink.js';
import { codeFrom, passwordFrom, startSmtpSink } from '../helpers/mail.js';
import { visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, type TestServer } from '../helpers/server.js';

const OLI = 'oli@example.com';
/** Ctrl+C as a terminal in the kitty keyboard protocol sends it. */
const CTRL_C_KITTY = '\x1b[99;5u';
const CHOSEN = 'chosen-by-oli-42';

let server: TestServer;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;
let admin: ParleyClient;
let shop: { id: number; name: string };
const teardown: Array<() => unknown> = [];

beforeEach(async () => {
  sink = await startSmtpSink();
  server = await startTestServer({ env: { PARLEY_SMTP_URL: sink.url }, rateLimits: { login: 1000, forgot: 1000 } });
  ({ client: admin } = await signedInAdmin(server));
  shop = await admin.createProject('Shop');
});

afterEach(async () => {
  for (const t of teardown.splice(0).reverse()) await t();
  await server.close();
  await sink.close();
});

/** Adds Oli as an operator of `projectId`; resolves to the one-time password from the welcome mail. */
async function addOli(projectId = shop.id): Promise<string> {
  await admin.addMember(projectId, { email: OLI, firstName: 'Oli', lastName: 'Op', operator: true });
  return passwordFrom(await sink.waitFor((m) => m.to === OLI && /^Password:/m.test(m.text)));
}

/** The TUI's root as `parley tui` starts it, with the stored login kept in memory. */
function startGate(boot: { token?: string; email?: string; wanted?: string; defaults?: Record<string, number> } = {}) {
  const saved: LoginSession[] = [];
  const app = render(<Gate boot={{ url: server.url, ...boot }} services={{ saveLogin: (s) => saved.push(s) }} />);
  teardown.push(() => app.unmount());
  return { app, saved };
}

type App = ReturnType<typeof startGate>['app'];

/** The frame's text without the box drawing, as one line: messages may wrap inside the box. */
const flat = (frame: string) => frame.replace(/[│╭╮╰╯─]/g, ' ').replace(/\s+/g, ' ');

const mainScreen = (app: App) => waitForFrame(app, (f) => f.includes('My messages') && f.includes('connected'), 'the main screen');

describe('the login flow', () => {
  it('first sign-in: the mailed one-time password, then the forced change; the login is stored and works', async () => {
    const oneTime = await addOli();
    const { app, saved } = startGate();
    await waitForFrame(app, (f) => f.includes('Sign in') && f.includes(server.url), 'the sign-in screen');

    await press(app, OLI, ENTER, oneTime);
    const masked = await waitForFrame(app, (f) => f.includes('•'.repeat(oneTime.length)), 'the masked password');
    expect(masked).not.toContain(oneTime);
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes('Choose your password') && f.includes('must be replaced now'), 'the forced change');
    expect(saved).toEqual([]); // nothing is stored while the one-time password stands

    // Too short first: the rule is shown and nothing is sent.
    await press(app, 'short', ENTER, 'short', ENTER);
    await waitForFrame(app, (f) => f.includes('✗ The new password needs at least 10 characters'), 'the length rule');
    await press(app, CHOSEN, ENTER, CHOSEN, ENTER);
    const frame = await mainScreen(app);
    expect(frame).not.toContain(CHOSEN);

    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ url: server.url, email: OLI });
    const me = await new ParleyClient({ url: server.url, token: saved[0].token }).me();
    expect(me.user).toMatchObject({ email: OLI, mustChangePassword: false });
    // The new password is the password now; the one-time one is gone.
    await expect(signIn(server.url, OLI, CHOSEN)).resolves.toBeInstanceOf(ParleyClient);
    await expect(new ParleyClient({ url: server.url }).login(OLI, oneTime)).rejects.toMatchObject({ code: 'invalid_credentials' });
  });

  it('the first sign-in typed in one burst: Backspace erases, and keys typed while signing in land in the new password', async () => {
    const oneTime = await addOli();
    const { app, saved } = startGate();
    await waitForFrame(app, (f) => f.includes('Sign in') && f.includes(server.url), 'the sign-in screen');
    // One write, as a terminal delivers keys typed (or pasted by a script) faster than they are
    // read. The new password comes while the sign-in request is still on its way.
    await press(app, `${OLI}\r${oneTime}x${BACKSPACE}\r${CHOSEN}\r${CHOSEN}\r`);
    await mainScreen(app);
    expect(saved).toHaveLength(1);
    await expect(signIn(server.url, OLI, CHOSEN)).resolves.toBeInstanceOf(ParleyClient);
  });

  it('Backspace as \\x7f and as \\x08 erases in the fields; typing after Enter goes to the field the focus moved to', async () => {
    const oneTime = await addOli();
    const { app } = startGate({ email: OLI });
    await waitForFrame(app, (f) => f.includes('Sign in'), 'the sign-in screen');
    await press(app, `${oneTime}xy`, BACKSPACE, BACKSPACE_CTRL_H, ENTER);
    await waitForFrame(app, (f) => f.includes('Choose your password'), 'the forced change (the one-time password was right)');
    // Enter moves to "Repeat it"; what comes next, each key on its own, goes there.
    await press(app, ...CHOSEN, ENTER, ...CHOSEN, 'z', BACKSPACE);
    const frame = await waitForFrame(app, (f) => (f.match(/•{16}/g) ?? []).length === 2, 'both fields filled');
    expect(frame).not.toContain('✗');
    await press(app, ENTER);
    await mainScreen(app);
  });

  it('a wrong password: a clear error line, the password emptied, still on the sign-in screen', async () => {
    const oneTime = await addOli();
    const { app, saved } = startGate({ email: OLI });
    await waitForFrame(app, (f) => f.includes('Sign in'), 'the sign-in screen');
    await press(app, `${oneTime}x`, ENTER);
    const frame = await waitForFrame(app, (f) => f.includes('✗ Wrong email or password'), 'the error line');
    expect(frame).not.toContain('•');
    expect(frame).toContain('Forgot password?');
    expect(saved).toEqual([]);

    // Typing the right one now works, from the same screen.
    await press(app, oneTime, ENTER);
    await waitForFrame(app, (f) => f.includes('Choose your password') && !f.includes('✗'), 'the forced change, error gone');
  });

  it('an unreachable server is named, with the cursor on the server URL', async () => {
    const { app } = startGate({ email: OLI });
    await waitForFrame(app, (f) => f.includes('Sign in'), 'the sign-in screen');
    // Up twice from the password: the server URL. Replace it with a port nobody listens on.
    await press(app, SHIFT_TAB, SHIFT_TAB, ...Array.from({ length: server.url.length }, () => '\x7f'), 'http://127.0.0.1:9');
    await press(app, TAB, TAB, 'whatever', ENTER);
    await waitForFrame(app, (f) => flat(f).includes('✗ Cannot reach the Parley server at http://127.0.0.1:9'), 'unreachable');
    // What is typed next lands in the server URL.
    await press(app, '0');
    await waitForFrame(app, (f) => f.includes('http://127.0.0.1:90'), 'typing into the server URL');
  });

  it('forgot password: a code arrives by mail, the new password is set and the TUI signs in with it', async () => {
    const oneTime = await addOli();
    await signIn(server.url, OLI, oneTime, NEW_PASSWORD);
    const { app, saved } = startGate({ email: OLI });
    await waitForFrame(app, (f) => f.includes('Sign in'), 'the sign-in screen');
    // Password -> Sign in -> Forgot password?
    await press(app, TAB, TAB, ENTER);
    await waitForFrame(app, (f) => f.includes('Forgot password') && f.includes(OLI) && f.includes('Mail me a code'), 'the forgot screen');
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes('Reset password') && flat(f).includes('a reset code is on its way'), 'the reset screen');
    const code = codeFrom(await sink.waitFor((m) => m.to === OLI && /^Code:/m.test(m.text)));

    // A wrong code first: said so, and the code field is ready again.
    await press(app, 'WRNG-CODE', ENTER, CHOSEN, ENTER, CHOSEN, ENTER);
    const wrong = await waitForFrame(app, (f) => flat(f).includes('✗ The code is wrong, expired or already used'), 'the wrong code');
    expect(wrong).not.toContain('WRNG-CODE');
    // The passwords stay typed: the right code and Enter finish it.
    await press(app, code, ENTER);
    await mainScreen(app);

    expect(saved).toHaveLength(1);
    expect((await new ParleyClient({ url: server.url, token: saved[0].token }).me()).user.email).toBe(OLI);
    await expect(signIn(server.url, OLI, CHOSEN)).resolves.toBeInstanceOf(ParleyClient);
    await expect(new ParleyClient({ url: server.url }).login(OLI, NEW_PASSWORD)).rejects.toMatchObject({ code: 'invalid_credentials' });
  });

  it('Esc backs out of the forgot screen to sign in', async () => {
    const { app } = startGate({ email: OLI });
    await waitForFrame(app, (f) => f.includes('Sign in'), 'the sign-in screen');
    await press(app, TAB, TAB, ENTER);
    await waitForFrame(app, (f) => f.includes('Mail me a code'), 'the forgot screen');
    await press(app, ESC);
    await waitForFrame(app, (f) => f.includes('Forgot password?') && f.includes('Password'), 'back on sign in');
  });
});

describe('a stored login', () => {
  it('is reused: no sign-in screen, straight to the main screen', async () => {
    const client = await signIn(server.url, OLI, await addOli());
    const { app, saved } = startGate({ token: client.token!, email: OLI });
    await mainScreen(app);
    expect(app.frames.map(plain).some((f) => f.includes('Password') || f.includes('Forgot password?'))).toBe(false);
    expect(saved).toEqual([]);
  });

  it('that was refused (signed out) leads to the sign-in screen with the reason and the email filled in', async () => {
    const client = await signIn(server.url, OLI, await addOli());
    const token = client.token!;
    await client.logout();
    const { app } = startGate({ token, email: OLI });
    const frame = await waitForFrame(app, (f) => f.includes('Forgot password?'), 'the sign-in screen');
    expect(flat(frame)).toContain('✗ your stored login was refused (signed out or expired): sign in again.');
    expect(frame).toContain(OLI);
  });
});

describe('quitting', () => {
  it('Ctrl+C in its kitty form (ESC[99;5u) quits the main screen; the connection closes', async () => {
    const client = await signIn(server.url, OLI, await addOli());
    const sessions: Session[] = [];
    const app = render(
      <Gate
        boot={{ url: server.url, token: client.token!, email: OLI }}
        services={{ saveLogin: () => undefined }}
        onSession={(s) => sessions.push(s)}
      />,
    );
    teardown.push(() => app.unmount());
    await mainScreen(app);
    const closed = new Promise<void>((resolve) =>
      sessions[0].connection.on('state', (change) => change.state === 'offline' && change.reason === 'closed' && resolve()),
    );
    await press(app, CTRL_C_KITTY);
    await closed;
  });
});

describe('the project', () => {
  it('several projects: a picker; the chosen one opens', async () => {
    const blog = await admin.createProject('Blog');
    const client = await signIn(server.url, OLI, await addOli());
    await admin.addMember(blog.id, { email: OLI, firstName: 'Oli', lastName: 'Op', operator: true });
    const opened: number[] = [];
    const app = render(
      <Gate
        boot={{ url: server.url, token: client.token!, email: OLI }}
        services={{ saveLogin: () => undefined }}
        onSession={(s) => opened.push(s.projectId)}
      />,
    );
    teardown.push(() => app.unmount());
    let frame = await waitForFrame(app, (f) => f.includes('Choose a project'), 'the picker');
    expect(frame).toMatch(/› Shop \(id \d+\)/);
    expect(frame).toContain('Blog');
    await press(app, 'j');
    frame = await waitForFrame(app, (f) => /› Blog/.test(f), 'Blog highlighted');
    await press(app, ENTER);
    await mainScreen(app);
    expect(opened).toEqual([blog.id]);
  });

  it('the default project (parley project use) skips the picker', async () => {
    const blog = await admin.createProject('Blog');
    const client = await signIn(server.url, OLI, await addOli());
    await admin.addMember(blog.id, { email: OLI, firstName: 'Oli', lastName: 'Op', operator: true });
    const { app } = startGate({ token: client.token!, email: OLI, defaults: { [server.url]: blog.id } });
    await mainScreen(app);
    expect(app.frames.map(plain).some((f) => f.includes('Choose a project'))).toBe(false);
  });

  it('not an operator anywhere: a clear message naming the fix', async () => {
    await admin.addMember(shop.id, { email: OLI, firstName: 'Oli', lastName: 'Op', access: 'settings' });
    const oneTime = passwordFrom(await sink.waitFor((m) => m.to === OLI));
    const client = await signIn(server.url, OLI, oneTime);
    const { app } = startGate({ token: client.token!, email: OLI });
    await waitForFrame(
      app,
      (f) => flat(f).includes(`oli@example.com is not an operator in any project yet: ask an admin of "Shop" to run "parley team update oli@example.com --operator -p ${shop.id}"`),
      'the message',
    );
  });
});

describe('what other people type', () => {
  it('cannot act on the terminal: control sequences in a visitor message and page title arrive as text', async () => {
    const ORIGIN = 'https://shop.example.com';
    await admin.updateProject(shop.id, { allowedOrigins: [ORIGIN] });
    const client = await signIn(server.url, OLI, await addOli());
    const { peer } = await visitorHello(server.url, (await admin.getProject(shop.id)).widgetKey, ORIGIN);
    teardown.push(() => peer.close());
    // C1 controls (CSI, OSC) and a right-to-left override in the message; a raw OSC 52
    // clipboard write (ESC ] 52) in the page title the widget reports.
    const body = 'Hello \u009b2J\u009d52;c;cGF5bG9hZA==\u009c and \u202eevil';
    peer.send({ type: 'message.send', clientId: 'c1', body, page: { url: `${ORIGIN}/`, title: 'Shop \x1b]52;c;cGF5bG9hZA==\x07 home' } });
    await peer.next((f) => f.type === 'message.stored');

    // Wide enough for the client card (it shows the page) beside the dialog.
    const app = await renderSized(<Gate boot={{ url: server.url, token: client.token!, email: OLI }} services={{ saveLogin: () => undefined }} />, {
      columns: 180,
      rows: 40,
    });
    teardown.push(() => app.unmount());
    await mainScreen(app);
    await waitForFrame(app, (f) => f.includes('Hello'), 'the dialog listed');
    await press(app, ENTER);
    const frame = await waitForFrame(app, (f) => f.includes('Shop') && f.includes('home') && f.includes('evil'), 'the dialog and its page');
    expect(frame).toContain('\uFFFD2J');
    const raw = app.stdout.frames.join('');
    for (const bad of ['\u009b', '\u009d', '\u009c', '\u202e', '\x1b]52']) expect(raw).not.toContain(bad);
  });
});
