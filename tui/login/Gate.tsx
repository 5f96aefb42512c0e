// The TUI's root: the login flow until the operator is signed in to a project, then the App with
// its live connection. A stored login that still works skips the login screens entirely (one the
// server could not answer for, being down, is tried again until it does); a
// session that ends on the main screen (signed out elsewhere, revoked) comes back here to sign in
// again. Ctrl+C quits the login screens (also in the kitty protocol's form); on the main screen
// the App handles it, asking first when messages are not sent.
import { Box, useApp, useStdout } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ParleyClient } from '../../core/client/api.js';
import { dialogListing, OperatorConnection } from '../../core/client/realtime.js';
import { App } from '../App.js';
import { ParleyProvider } from '../context/ParleyProvider.js';
import { type Clock, type Session, systemClock, type TuiSettings } from '../context/session.js';
import { useStore } from '../context/stores.js';
import { useTerminalSize } from '../hooks/useTerminalSize.js';
import { useKeys } from '../input/useKeys.js';
import { createStore } from '../state/store.js';
import { loginKeys } from './keys.js';
import { terminalSafeReviver } from '../../core/terminal-text.js';
import { LoginScreen } from './LoginScreen.js';
import { ThemeProvider } from '../theme.js';
import { type LoginServices, perform } from './perform.js';
import { initialLogin, type LoginAction, type LoginBoot, reduceLogin } from './state.js';

export type Connect = (client: ParleyClient, projectId: number) => OperatorConnection;

// Everything shown comes from other people: strings are made terminal-safe as they arrive.
const defaultConnect: Connect = (client, projectId) =>
  new OperatorConnection({
    url: client.url,
    token: client.token ?? '',
    projectId,
    discover: dialogListing(client, projectId),
    reviver: terminalSafeReviver,
  });

export interface GateProps {
  boot: LoginBoot;
  services: LoginServices;
  /** Opens the project's live connection (tests pass one with their own clock). */
  connect?: Connect;
  /** Told when the App starts, with its session (the caller closes the connection on exit). */
  onSession?: (session: Session) => void;
  /** The operator's stored TUI settings, and where changes to them go. */
  settings?: TuiSettings;
  saveSettings?: (settings: TuiSettings) => void;
  /** Whether the terminal takes OSC 8 hyperlinks (main.tsx decides; tests leave them off). */
  hyperlinks?: boolean;
  /** When a stored login is tried again (tests pass one they move by hand). */
  clock?: Clock;
  /** Colours on (main.tsx decides, see wantsColor); off, focus and selection are marked by shape. */
  color?: boolean;
}

/** Clears the screen and puts the cursor at its top left. */
const CLEAR_SCREEN = '\x1b[2J\x1b[H';

/** A stored login the server could not answer for is tried again after this, doubling to 15 s (as the socket reconnects). */
const retryDelay = (attempt: number) => Math.min(15_000, 500 * 2 ** Math.max(0, attempt - 1));

export function Gate(props: GateProps) {
  const color = props.color ?? true;
  const theme = useMemo(() => ({ color }), [color]);
  return (
    <ThemeProvider value={theme}>
      <LoginGate {...props} />
    </ThemeProvider>
  );
}

function LoginGate({ boot, services, connect = defaultConnect, onSession, settings, saveSettings, hyperlinks = false, clock = systemClock }: GateProps) {
  // The flow's state lives in a store, so a key reads it as the previous key left it, even when
  // both came in one chunk, before React rendered in between.
  const [login] = useState(() => createStore(reduceLogin, initialLogin(boot)));
  const state = useStore(login);
  const [session, setSession] = useState<Session | null>(null);
  const { exit } = useApp();
  // The sign-in box is shorter than the terminal: a narrower terminal wraps the old box's rows,
  // and Ink, erasing as many rows as it drew, left the rest of them above the new box. So the
  // screen is cleared first (the main screen fills the terminal and is drawn again whole).
  const { stdout } = useStdout();
  const signedIn = useRef(false);
  signedIn.current = session !== null;
  const { columns } = useTerminalSize(() => {
    if (!signedIn.current) stdout.write(CLEAR_SCREEN);
  });

  // Keys that arrive while a request is in flight wait for its answer, then go where it put the
  // focus: the new password typed on while "Signing in…" still shows lands in the new password.
  // Once signed in they are dropped: letters on the main screen are commands.
  const held = useRef<LoginAction[]>([]);
  const replay = () => {
    while (held.current.length && !login.getState().request) {
      const action = held.current.shift()!;
      if (login.getState().screen !== 'done') login.dispatch(action);
    }
    if (login.getState().screen === 'done') held.current = [];
  };

  // The request in flight, performed once; its answer moves the flow on.
  const servicesRef = useRef(services);
  servicesRef.current = services;
  useEffect(() => {
    const request = state.request;
    if (!request) return;
    let current = true;
    void perform(request, servicesRef.current).then((action) => {
      if (!current) return;
      login.dispatch(action);
      replay();
    });
    return () => {
      current = false;
    };
  }, [state.request]);

  // The server could not answer for the stored login (down, restarting): it is tried again after
  // a while, each wait longer; a refusal (401) goes to the sign-in screen instead.
  const retrying = state.request ? null : state.retry;
  useEffect(() => {
    if (!retrying) return;
    const timer = clock.setTimeout(() => login.dispatch({ type: 'retry' }), retryDelay(retrying.attempt));
    return () => clock.clearTimeout(timer);
  }, [retrying]);

  // Signed in to a project: open its connection for the App; close it when the TUI ends.
  const project = state.screen === 'done' ? state.project : null;
  useEffect(() => {
    if (!project || !state.session || !state.me) return;
    const client = servicesRef.current.client?.(state.session.url, state.session.token) ??
      new ParleyClient({ url: state.session.url, token: state.session.token, reviver: terminalSafeReviver });
    const connection = connect(client, project.id);
    const signIn = (reason: string) => login.dispatch({ type: 'sessionEnded', reason });
    const started: Session = { client, connection, projectId: project.id, timezone: project.timezone, me: state.me, settings, saveSettings, hyperlinks, signIn };
    setSession(started);
    onSession?.(started);
    return () => {
      setSession(null);
      void connection.close();
    };
    // Once per project (the session and me come with it).
  }, [project]);

  const pasting = useRef(false);
  useKeys((input, key) => {
    const { screen } = login.getState();
    if (screen === 'done') return; // the App has the keys now (Ctrl+C too)
    const mode = screen === 'pickProject' ? 'list' : screen === 'noProject' ? 'message' : 'form';
    for (const action of loginKeys(input, key, mode, pasting.current)) {
      if (action.type === 'quit') return exit();
      if (action.type === 'paste') pasting.current = action.on;
      else if (login.getState().request || held.current.length) held.current.push(action);
      else login.dispatch(action);
    }
  });

  if (session) {
    return (
      <ParleyProvider session={session}>
        <App />
      </ParleyProvider>
    );
  }
  return (
    <Box width={columns} justifyContent="center">
      <LoginScreen state={state} columns={columns} />
    </Box>
  );
}
