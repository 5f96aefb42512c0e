// The CLI's stored login and default project (a JSON file, mode 0600). PARLEY_CONFIG_DIR moves
// it (tests point it at a temp dir and never touch the real home).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface StoredLogin {
  url: string;
  token: string;
  email: string;
}

export interface StoredState {
  login?: StoredLogin;
  /** Default project per server URL (`parley project use`). */
  projects?: Record<string, number>;
  /** The operator TUI's settings (the bell on new messages). */
  tui?: { bell?: boolean };
}

export interface ConfigStore {
  read(): StoredState;
  write(state: StoredState): void;
  readonly path: string;
}

/**
 * Where the store lives: PARLEY_CONFIG_DIR, else the platform's config directory (the same file
 * the `conf` package used: ~/.config/parley/config.json on Linux).
 */
export function configDir(env: NodeJS.ProcessEnv): string {
  if (env.PARLEY_CONFIG_DIR) return env.PARLEY_CONFIG_DIR;
  const home = homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Preferences', 'parley');
  if (process.platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'parley', 'Config');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'parley');
}

/**
 * A small JSON file, mode 0600, replaced atomically (write a temporary file, then rename). Our
 * own ten lines instead of `conf`, whose import alone took 180 ms of every CLI start.
 */
export async function openConfigStore(env: NodeJS.ProcessEnv): Promise<ConfigStore> {
  const dir = configDir(env);
  const path = join(dir, 'config.json');
  const read = (): StoredState => {
    try {
      const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
      return value && typeof value === 'object' && !Array.isArray(value) ? (value as StoredState) : {};
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`the CLI's stored settings at ${path} are unreadable (${(err as Error).message}): fix or delete the file`);
    }
  };
  return {
    path,
    read,
    write(state) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const temp = `${path}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify(state, null, '\t')}\n`, { mode: 0o600 });
      renameSync(temp, path);
    },
  };
}
