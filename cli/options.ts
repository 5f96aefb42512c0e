// Option parsers shared by several commands (they fail as usage errors, exit 2, before any
// request), and the help of the commands that take --json but no other global flag.
import { type Command, Help, InvalidArgumentError } from 'commander';
import { type AccessLevel, MAX_EMAIL, MAX_NAME, normalizeEmail } from '../core/protocol/constants.js';
import { UsageError } from './errors.js';

/** `--first-name` / `--last-name`: not empty (the server trims names; "-" stands for "not given"). */
export function parseName(value: string): string {
  if (!value.trim()) throw new InvalidArgumentError('a name must not be empty (use "-" when it is not given)');
  if ([...value].length > MAX_NAME) throw new InvalidArgumentError(`a name has at most ${MAX_NAME} characters`);
  return value;
}

/** `--email`, `--operator`: not empty, not longer than an email can be (the server checks the rest). */
export function parseEmail(value: string): string {
  if (!value.trim()) throw new InvalidArgumentError('an email must not be empty');
  if ([...value].length > MAX_EMAIL) throw new InvalidArgumentError(`an email has at most ${MAX_EMAIL} characters`);
  // The server's own rule: a malformed address is a wrong flag, refused before any request.
  if (!normalizeEmail(value)) throw new InvalidArgumentError(`not a valid email address: "${value}"`);
  return value;
}

/** A project's name (`project create NAME`, `project set --name`): 1 to 100 characters. */
export function parseProjectName(value: string): string {
  if (!value.trim()) throw new InvalidArgumentError('a project name must not be empty');
  if ([...value].length > MAX_NAME) throw new InvalidArgumentError(`a project name has at most ${MAX_NAME} characters`);
  return value;
}

/** A repeatable `--operator EMAIL`. */
export function collectEmail(value: string, previous: string[] = []): string[] {
  return [...previous, parseEmail(value)];
}

/**
 * A text longer than the server takes, refused before any request and without echoing it (it
 * may be pages long): `--greeting has 612 characters; at most 500`.
 */
export function checkLength(value: string, max: number, what: string): void {
  const length = [...value].length;
  if (length > max) throw new UsageError(`${what} has ${length} characters; at most ${max} are allowed`);
}

/** `--access admin|settings|none`. */
export function parseAccess(value: string): AccessLevel | null {
  if (value === 'admin' || value === 'settings') return value;
  if (value === 'none') return null;
  throw new InvalidArgumentError('access is one of: admin, settings, none');
}

/** A dialog id (or any record id): a positive whole number. */
export function parseId(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('an id is a positive whole number');
  return n;
}

/** `--limit N` for list commands: 1 to 200. */
export function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 200) throw new InvalidArgumentError('the limit is a number from 1 to 200');
  return n;
}

/** Repeatable options collect into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The help of a command that works on a data directory, never on a server (`restore`, `admin
 * create`): of the global flags it takes only --json, so that is the one its help lists.
 */
export function withJsonInHelp(cmd: Command): Command {
  return cmd.configureHelp({
    showGlobalOptions: true,
    visibleGlobalOptions(this: Help, of: Command) {
      return Help.prototype.visibleGlobalOptions.call(this, of).filter((option) => option.long === '--json');
    },
  });
}
