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

export interface Session {
  client: ParleyClient;
  connection: OperatorConnection;
  projectId: number;
  me: Me;
  settings?: TuiSettings;
  /** Called when the operator changes a setting, to store it for the next start. */
  saveSettings?: (settings: TuiSettings) => void;
}

export const [SessionProvider, useSession] = makeContext<Session>('Session');
