// What every command needs: the io, the global flags, the server connection and the project.
// Server URL and token come from --url/--token, then PARLEY_URL/PARLEY_TOKEN, then the stored
// login; the project from --project, then PARLEY_PROJECT, then `parley project use`.
import type { Command } from 'commander';
import { ApiError, ParleyClient } from '../core/client/api.js';
import type { Project } from '../core/protocol/index.js';
import { type ConfigStore, openConfigStore } from './config.js';
import { AuthError, CliError, cut, UsageError } from './errors.js';
import type { Io } from './io.js';
import { projectKey } from './provision/names.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface GlobalFlags {
  url?: string;
  token?: string;
  json?: boolean;
  project?: string;
}

export class Ctx {
  private storePromise: Promise<ConfigStore> | null = null;
  flags: GlobalFlags = {};
  /** What the process exits with once the command is done. */
  exitCode = 0;
  /** Set by long-running commands (the server, the TUI) that must not exit when their action returns. */
  keepAlive = false;

  constructor(readonly io: Io) {}

  async finish(run: Promise<number>): Promise<void> {
    this.exitCode = await run;
  }

  /** Called by every action before it runs: picks up the global flags. */
  begin(cmd: Command): this {
    this.flags = cmd.optsWithGlobals<GlobalFlags>();
    this.io.json = Boolean(this.flags.json);
    return this;
  }

  store(): Promise<ConfigStore> {
    this.storePromise ??= openConfigStore(this.io.env);
    return this.storePromise;
  }

  /** The server URL to use, and whether it came from the stored login. */
  async serverUrl(): Promise<string> {
    const fromFlagOrEnv = this.flags.url ?? this.io.env.PARLEY_URL;
    if (fromFlagOrEnv) return normalizeUrl(fromFlagOrEnv);
    const login = (await this.store()).read().login;
    return login?.url ?? DEFAULT_URL;
  }

  /** A client without credentials (login, forgot password). */
  async anonymousClient(): Promise<ParleyClient> {
    return new ParleyClient({ url: await this.serverUrl() });
  }

  /** A client with credentials, or an AuthError (exit 4) when there are none. */
  async client(): Promise<ParleyClient> {
    const url = await this.serverUrl();
    let token = this.flags.token ?? this.io.env.PARLEY_TOKEN;
    if (!token) {
      const login = (await this.store()).read().login;
      if (login && login.url === url) token = login.token;
    }
    if (!token) throw new AuthError(`not signed in to ${url}: run "parley login", or set PARLEY_TOKEN`);
    return new ParleyClient({ url, token });
  }

  /**
   * The project a command works on. Accepts an id or a name; without one, the default
   * project, or the only project the caller has.
   */
  async project(client: ParleyClient, explicit?: string): Promise<Project> {
    const wanted = explicit ?? this.flags.project ?? this.io.env.PARLEY_PROJECT;
    if (wanted !== undefined) return findProject(client, wanted);
    const stored = (await this.store()).read().projects?.[client.url];
    if (stored !== undefined) {
      try {
        return await client.getProject(stored);
      } catch (err) {
        // Only a 404 says the project is gone (or the caller left it). A refused session, a
        // server that is down or busy is reported as such, exactly as without a default project.
        if (err instanceof ApiError && err.status === 404) {
          throw new UsageError(`the default project (id ${stored}) is gone or out of reach: pick one with "parley project use"`);
        }
        throw err;
      }
    }
    const projects = await client.listProjects();
    if (projects.length === 1) return projects[0];
    if (projects.length === 0) throw new UsageError('you belong to no project yet: "parley project create NAME"');
    throw new UsageError('you belong to several projects: pass --project, or set a default with "parley project use"');
  }
}

/**
 * `project show [P]` and `project set [P]` take the project as an argument, or with -p like
 * every other project command; two different ones are a mistake.
 */
export function projectArgument(arg: string | undefined, ctx: Ctx): string | undefined {
  const flag = ctx.flags.project;
  if (arg !== undefined && flag !== undefined && arg !== flag) {
    throw new UsageError(`two projects given ("${cut(arg)}" and --project "${cut(flag)}"): give one`);
  }
  return arg ?? flag;
}

/**
 * A project by id or by name. A value of digits only is an id first: scripts pass ids (`-p
 * "$id"`), and whatever names projects get, an id keeps meaning the same project. Only when none
 * of the caller's projects has that id is it a name, so a project named "2026" is found by its
 * name, unless 2026 is also the id of one of the caller's projects (then use the named one's id).
 */
export async function findProject(client: ParleyClient, wanted: string): Promise<Project> {
  const id = Number(wanted);
  // Ids start at 1: "0" is no project's id (the server would refuse the request, not answer 404),
  // though it may be a project's name.
  if (/^\d+$/.test(wanted) && Number.isSafeInteger(id) && id >= 1) {
    try {
      return await client.getProject(id);
    } catch (err) {
      // No such project, or not one of the caller's (the server answers both alike): try the names.
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
  }
  // As the server compares project names (names.ts): "-p 'acme shop '" is Acme shop.
  const matches = (await client.listProjects()).filter((p) => projectKey(p.name) === projectKey(wanted));
  if (matches.length === 0) throw new CliError(`unknown project: ${cut(wanted)}`);
  if (matches.length > 1) throw new UsageError(`several projects are named "${cut(wanted)}": use the id`);
  return matches[0];
}

export function normalizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`not a URL: "${raw}" (for example http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`the server URL must start with http:// or https://, got "${raw}"`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** Adds the --project option to a command that works inside one project. */
export function withProject(cmd: Command): Command {
  return cmd.option('-p, --project <project>', 'project id or name (default: "parley project use", or your only project)');
}
