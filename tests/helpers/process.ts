// A long-running `parley` process (the real bin/parley.js), e.g. `parley server`: its output
// is collected as it arrives and tests wait on it (a line appearing, the process exiting),
// never on fixed sleeps. Every process started here is tracked so afterEach can kill what is
// still running, even when a test failed half-way.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { PARLEY_BIN, TEST_SCRYPT } from './cli.js';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ParleyProcess {
  child: ChildProcessWithoutNullStreams;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the first match of `pattern` in stdout (already printed or still to come). */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited and its output streams are closed. */
  exited: Promise<Exit>;
  /** Sends a signal (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

const running = new Set<ParleyProcess>();

export function spawnParley(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ParleyProcess {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...TEST_SCRYPT, ...opts.env };
  const child = spawn(process.execPath, [PARLEY_BIN, ...args], { env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let stdout = '';
  let stderr = '';
  let exitInfo: Exit | null = null;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (c: string) => {
    stdout += c;
    notify();
  });
  child.stderr.on('data', (c: string) => {
    stderr += c;
    notify();
  });
  const exited = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      exitInfo = { code, signal };
      running.delete(proc);
      notify();
      resolve(exitInfo);
    });
  });

  const proc: ParleyProcess = {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitForStdout(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = stdout.match(pattern);
          if (m) {
            done();
            resolve(m);
          } else if (exitInfo) {
            done();
            reject(
              new Error(
                `parley exited (code ${exitInfo.code}, signal ${exitInfo.signal}) before printing ${pattern}\n` +
                  `stdout:\n${stdout}\nstderr:\n${stderr}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`parley did not print ${pattern} within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (!exitInfo) child.kill(signal);
      return exited;
    },
  };
  running.add(proc);
  return proc;
}

/** Kills every process spawnParley started that is still running (for afterEach). */
export async function killAllParley(): Promise<void> {
  const procs = [...running];
  await Promise.all(
    procs.map((p) => {
      p.child.kill('SIGKILL');
      return p.exited.catch(() => undefined);
    }),
  );
}
