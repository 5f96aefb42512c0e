// The CLI's stored login and default project (conf, file mode 0600). PARLEY_CONFIG_DIR moves
// it (tests point it at a temp dir and never touch the real home).

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

export async function openConfigStore(env: NodeJS.ProcessEnv): Promise<ConfigStore> {
  const { default: Conf } = await import('conf');
  const conf = new Conf<StoredState>({
    projectName: 'parley',
    projectSuffix: '',
    cwd: env.PARLEY_CONFIG_DIR || undefined,
    configFileMode: 0o600,
  });
  return {
    path: conf.path,
    read: () => conf.store,
    write: (state) => {
      conf.store = state;
    },
  };
}
