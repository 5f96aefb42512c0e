// Who is signed in, to which project, and the live connection: fixed for the TUI's lifetime.
import type { ParleyClient } from '../../core/client/api.js';
import type { OperatorConnection } from '../../core/client/realtime.js';
import type { Me } from '../../core/protocol/index.js';
import { makeContext } from './make-context.js';

/** The operator's TUI settings, kept wherever the caller stores them (the CLI config). */
export interface TuiSettings {
  /** Ring the bell on a new dialog or message in My messages (default on). */
  bell?: boolean;
}

/** The TUI's time (the typing indicator's few seconds); tests pass one they move by hand. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface Session {
  client: ParleyClient;
  connection: OperatorConnection;
  projectId: number;
  /** The project's time zone (its schedules are in it); default: the terminal's. */
  timezone?: string;
  me: Me;
  settings?: TuiSettings;
  /** Called when the operator changes a setting, to store it for the next start. */
  saveSettings?: (settings: TuiSettings) => void;
  /** Default: the system's. */
  clock?: Clock;
  /** Whether the terminal gets OSC 8 hyperlinks (attachment links); off unless main.tsx says so. */
  hyperlinks?: boolean;
  /** Back to the sign-in screen after the session ended, saying why (absent: quitting is the way out). */
  signIn?: (reason: string) => void;
}

export const [SessionProvider, useSession] = makeContext<Session>('Session');
