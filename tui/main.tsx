// Starts the operator TUI (from `parley tui`): the login flow, or straight to the App with a
// stored login. It turns on the terminal's key modes (so Ctrl+Enter is not Enter) and turns them
// off again however the TUI ends: q, Ctrl+C, an error, or a signal.
import { render } from 'ink';
import type { Session, TuiSettings } from './context/session.js';
import { enableKeyModes } from './input/terminal-modes.js';
import { Gate } from './login/Gate.js';
import type { LoginServices } from './login/perform.js';
import type { LoginBoot } from './login/state.js';

export interface TuiOptions extends LoginBoot {
  saveLogin: LoginServices['saveLogin'];
  settings?: TuiSettings;
  saveSettings?: (settings: TuiSettings) => void;
}

const SIGNALS = { SIGTERM: 143, SIGHUP: 129, SIGINT: 130 } as const;

/** Runs the TUI until it ends; resolves to the exit code. */
export async function startTui(opts: TuiOptions): Promise<number> {
  const { saveLogin, settings, saveSettings, ...boot } = opts;
  let session: Session | null = null;
  let exitCode = 0;
  const restore = enableKeyModes(process.stdout);
  const gate = (
    <Gate boot={boot} services={{ saveLogin }} settings={settings} saveSettings={saveSettings} onSession={(s) => (session = s)} />
  );
  const app = render(gate, {
    exitOnCtrlC: false, // the Gate quits on Ctrl+C in both of its encodings
  });
  const onSignal = (signal: keyof typeof SIGNALS) => {
    exitCode = SIGNALS[signal];
    app.unmount();
  };
  for (const signal of Object.keys(SIGNALS) as Array<keyof typeof SIGNALS>) process.on(signal, onSignal);
  try {
    await app.waitUntilExit();
  } finally {
    for (const signal of Object.keys(SIGNALS) as Array<keyof typeof SIGNALS>) process.off(signal, onSignal);
    restore();
    await (session as Session | null)?.connection.close();
  }
  return exitCode;
}
