// Runs the real `parley` binary (bin/parley.js, built by `npm test`'s pretest step).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PARLEY_BIN = fileURLToPath(new URL('../../bin/parley.js', import.meta.url));

/**
 * Password hashes at scrypt's lowest cost (PARLEY_SCRYPT_N): the same code, a 40th of the time.
 * Most tests sign several people in; at the default cost hashing was a third of the suite.
 */
export const TEST_SCRYPT = { PARLEY_SCRYPT_N: '1024' } as const;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  /** `bin`: another installation's parley (default: this repository's). */
  opts: { env?: NodeJS.ProcessEnv; stdin?: string; configDir: string; bin?: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: opts.configDir, PARLEY_CONFIG_DIR: opts.configDir, ...TEST_SCRYPT, ...opts.env };
    const child = spawn(process.execPath, [opts.bin ?? PARLEY_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // A command that refuses its input early exits without reading the rest: EPIPE is its due.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
  });
}
