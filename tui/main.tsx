// Starts the operator TUI (from `parley tui`): the login flow, or straight to the App with a
// stored login. Before anything else it puts the terminal in raw mode (keys typed while the TUI
// loads are kept for it, not echoed) and turns on the key modes (so Ctrl+Enter is not Enter);
// it turns all of them off again however the TUI ends: q, Ctrl+C, an error, or a signal. Ink,
// React and the screens load only after that, so raw mode is on within moments of the command.
// A terminal that goes away (its window closed, tmux killed) ends the TUI quietly, with 129 as
// for a hang-up: there is nothing left to draw on or to restore (see terminal-gone.ts). Nothing
// meant for the terminal goes to a redirected stderr (see cursor-on-exit.ts).
import type { Session, TuiSettings } from './context/session.js';
import { showCursorOnTerminal } from './cursor-on-exit.js';
import { enableKeyModes, holdKeys, wantsColor, wantsHyperlinks } from './input/terminal-modes.js';
import type { LoginServices } from './login/perform.js';
import type { LoginBoot } from './login/state.js';
import { watchTerminal } from './terminal-gone.js';

export interface TuiOptions extends LoginBoot {
  saveLogin: LoginServices['saveLogin'];
  settings?: TuiSettings;
  saveSettings?: (settings: TuiSettings) => void;
}

const SIGNALS = { SIGTERM: 143, SIGHUP: 129, SIGINT: 130 } as const;

/** Runs the TUI until it ends; resolves to the exit code. */
export async function startTui(opts: TuiOptions): Promise<number> {
  const restoreInput = holdKeys(process.stdin);
  const restoreModes = enableKeyModes(process.stdout);
  showCursorOnTerminal();
  const { saveLogin, settings, saveSettings, ...boot } = opts;
  let session: Session | null = null;
  let exitCode = 0;
  let app: { unmount(): void } | null = null;
  let stopped = false;
  const end = (code: number) => {
    exitCode = code;
    stopped = true;
    app?.unmount();
  };
  const terminal = watchTerminal(process.stdin, process.stdout, () => end(SIGNALS.SIGHUP));
  const onSignal = (signal: keyof typeof SIGNALS) => {
    // The terminal gone silences the unmount's writes before it draws.
    if (signal === 'SIGHUP') terminal.hungUp();
    end(SIGNALS[signal]);
  };
  for (const signal of Object.keys(SIGNALS) as Array<keyof typeof SIGNALS>) process.on(signal, onSignal);
  try {
    const [{ render }, { Gate }] = await Promise.all([import('ink'), import('./login/Gate.js')]);
    if (stopped) return exitCode; // a signal while loading
    const gate = (
      <Gate
        boot={boot}
        services={{ saveLogin }}
        settings={settings}
        saveSettings={saveSettings}
        hyperlinks={wantsHyperlinks(process.stdout)}
        color={wantsColor(process.stdout)}
        onSession={(s) => (session = s)}
      />
    );
    const rendered = render(gate, {
      exitOnCtrlC: false, // the Gate quits on Ctrl+C in both of its encodings
    });
    app = rendered;
    await rendered.waitUntilExit();
  } finally {
    for (const signal of Object.keys(SIGNALS) as Array<keyof typeof SIGNALS>) process.off(signal, onSignal);
    restoreModes();
    restoreInput();
    terminal.stop();
    await (session as Session | null)?.connection.close();
  }
  return exitCode;
}
