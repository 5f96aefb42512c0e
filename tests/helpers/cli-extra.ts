// Small conveniences on top of runCli for the CLI tests: a "terminal" bound to one config dir
// and one environment, a JSON-reading run, and a one-line-error check.
import { expect } from 'vitest';
import { type CliResult, runCli } from './cli.js';
import { NEW_PASSWORD, tempDir, type TestServer } from './server.js';

export interface Shell {
  configDir: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], opts?: { stdin?: string; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  /** Runs with --json, expects exit 0, an empty stderr, and parses stdout. */
  json<T = unknown>(args: string[], opts?: { stdin?: string; env?: NodeJS.ProcessEnv }): Promise<T>;
}

/**
 * A fresh config dir (never the real home) and a fixed environment, like one terminal or one CI job.
 * Its clock is UTC unless `env` says another TZ: the CLI names a project's zone only when the
 * terminal is elsewhere, so what a test expects must not depend on the machine it runs on.
 */
export async function shell(given: NodeJS.ProcessEnv = {}): Promise<Shell> {
  const env = { TZ: 'UTC', ...given };
  const configDir = await tempDir('parley-cli-');
  const self: Shell = {
    configDir,
    env,
    run: (args, opts = {}) => runCli(args, { configDir, stdin: opts.stdin, env: { ...env, ...opts.env } }),
    async json<T>(args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) {
      const r = await self.run([...args, '--json'], opts);
      expect(r, `parley ${args.join(' ')} --json`).toMatchObject({ code: 0, stderr: '' });
      return JSON.parse(r.stdout) as T;
    },
  };
  return self;
}

/** `parley login --password-stdin` in this shell against `url`: expects it to succeed, quietly. */
export async function loginShell(sh: Shell, url: string, email: string, stdin: string): Promise<void> {
  const r = await sh.run(['login', '--url', url, '--email', email, '--password-stdin'], { stdin });
  expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
}

/**
 * A shell signed in as a new server administrator of `server` (its one-time password replaced
 * by NEW_PASSWORD), as most CLI suites start.
 */
export async function adminShell(server: TestServer, who: { email: string; firstName: string; lastName: string }, env: Record<string, string> = {}): Promise<Shell> {
  const { password } = await server.app.services.admin.createServerAdmin(who);
  const sh = await shell(env);
  await loginShell(sh, server.url, who.email, `${password}\n${NEW_PASSWORD}\n`);
  return sh;
}

/** A failed run: the exit code, nothing on stdout, and one line on stderr starting "parley:". */
export function expectFailure(r: CliResult, code: number, message?: RegExp): void {
  expect(r.code, `stderr: ${r.stderr}`).toBe(code);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^parley: [^\n]+\n$/);
  if (message) expect(r.stderr).toMatch(message);
}
