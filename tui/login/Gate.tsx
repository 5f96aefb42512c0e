// The TUI's root: the login flow until the operator is signed in to a project, then the App with
// its live connection. A stored login that still works skips the login screens entirely.
// Ctrl+C quits from anywhere (also when the terminal reports it in the kitty protocol's form).
import { Box, useApp, useInput, useStdout } from 'ink';
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { ParleyClient } from '../../core/client/api.js';
import { dialogListing, OperatorConnection } from '../../core/client/realtime.js';
import { App } from '../App.js';
import { ParleyProvider } from '../context/ParleyProvider.js';
import type { Session, TuiSettings } from '../context/session.js';
import { loginKeys } from './keys.js';
import { LoginScreen } from './LoginScreen.js';
import { type LoginServices, perform } from './perform.js';
import { initialLogin, type LoginBoot, reduceLogin } from './state.js';

export type Connect = (client: ParleyClient, projectId: number) => OperatorConnection;

const defaultConnect: Connect = (client, projectId) =>
  new OperatorConnection({ url: client.url, token: client.token ?? '', projectId, discover: dialogListing(client, projectId) });

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
}

export function Gate({ boot, services, connect = defaultConnect, onSession, settings, saveSettings }: GateProps) {
  const [state, dispatch] = useReducer(reduceLogin, boot, initialLogin);
  const [session, setSession] = useState<Session | null>(null);
  const { exit } = useApp();
  const { stdout } = useStdout();
  const columns = stdout.columns || 80;

  // The request in flight, performed once; its answer moves the flow on.
  const servicesRef = useRef(services);
  servicesRef.current = services;
  useEffect(() => {
    const request = state.request;
    if (!request) return;
    let current = true;
    void perform(request, servicesRef.current).then((action) => {
      if (current) dispatch(action);
    });
    return () => {
      current = false;
    };
  }, [state.request]);

  // Signed in to a project: open its connection for the App; close it when the TUI ends.
  const project = state.screen === 'done' ? state.project : null;
  useEffect(() => {
    if (!project || !state.session || !state.me) return;
    const client = servicesRef.current.client?.(state.session.url, state.session.token) ??
      new ParleyClient({ url: state.session.url, token: state.session.token });
    const connection = connect(client, project.id);
    const started: Session = { client, connection, projectId: project.id, me: state.me, settings, saveSettings };
    setSession(started);
    onSession?.(started);
    return () => {
      void connection.close();
    };
    // Once per project (the session and me come with it).
  }, [project]);

  // One handler for the Gate's lifetime: it reads the screen when a key arrives, so two keys in
  // quick succession never see a stale one.
  const screen = useRef(state.screen);
  screen.current = state.screen;
  const pasting = useRef(false);
  const onKey = useCallback<Parameters<typeof useInput>[0]>(
    (input, key) => {
      if (key.ctrl && input === 'c') return exit();
      if (screen.current === 'done') return; // the App has the keys now
      const mode = screen.current === 'pickProject' ? 'list' : screen.current === 'noProject' ? 'message' : 'form';
      for (const action of loginKeys(input, key, mode, pasting.current)) {
        if (action.type === 'quit') return exit();
        if (action.type === 'paste') pasting.current = action.on;
        else dispatch(action);
      }
    },
    [exit],
  );
  useInput(onKey);

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
