// Option parsers shared by several commands (they fail as usage errors, exit 2, before any
// request), and the help of the commands that take --json but no other global flag.
import { Argument, type Command, Help, InvalidArgumentError, Option } from 'commander';
import { type AccessLevel, MAX_EMAIL, MAX_NAME, normalizeEmail } from '../core/protocol/constants.js';
import { cut, UsageError } from './errors.js';

/**
 * Refuses the value of a flag or an argument, in commander's words ("option '--first-name
 * <name>' argument 'x' is invalid. …"). Commander quotes the value whole, and a value may be a
 * pasted file: a long one is quoted cut, which only we can do, so we write that line ourselves.
 * `of` is the flag or argument being parsed: commander calls a parser as a method of its Option
 * or Argument, so a parser declared as `function (this: unknown, value)` passes `this`.
 */
export function refuse(of: unknown, value: string, message: string): Error {
  const shown = cut(value);
  if (shown === value) return new InvalidArgumentError(message);
  if (of instanceof Option) return new UsageError(`option '${of.flags}' argument '${shown}' is invalid. ${message}`);
  if (of instanceof Argument) return new UsageError(`command-argument value '${shown}' is invalid for argument '${of.name()}'. ${message}`);
  return new UsageError(`the value '${shown}' is invalid. ${message}`);
}

/** `--first-name` / `--last-name`: not empty (the server trims names; "-" stands for "not given"). */
export function parseName(this: unknown, value: string): string {
  if (!value.trim()) throw refuse(this, value, 'a name must not be empty (use "-" when it is not given)');
  if ([...value].length > MAX_NAME) throw refuse(this, value, `a name has at most ${MAX_NAME} characters`);
  return value;
}

/**
 * `--email`, `--operator`, an `<email>` argument: not empty, not longer than an email can be,
 * and an address by the server's own rule: a malformed one is a wrong flag, refused before any
 * request.
 */
export function parseEmail(this: unknown, value: string): string {
  if (!value.trim()) throw refuse(this, value, 'an email must not be empty');
  if ([...value].length > MAX_EMAIL) throw refuse(this, value, `an email has at most ${MAX_EMAIL} characters`);
  if (!normalizeEmail(value)) {
    throw refuse(this, value, cut(value) === value ? `not a valid email address: "${value}"` : 'not a valid email address');
  }
  return value;
}

/** A project's name (`project create NAME`, `project set --name`): 1 to 100 characters. */
export function parseProjectName(this: unknown, value: string): string {
  if (!value.trim()) throw refuse(this, value, 'a project name must not be empty');
  if ([...value].length > MAX_NAME) throw refuse(this, value, `a project name has at most ${MAX_NAME} characters`);
  return value;
}

/** A repeatable `--operator EMAIL`. */
export function collectEmail(this: unknown, value: string, previous: string[] = []): string[] {
  return [...previous, parseEmail.call(this, value)];
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
export function parseAccess(this: unknown, value: string): AccessLevel | null {
  if (value === 'admin' || value === 'settings') return value;
  if (value === 'none') return null;
  throw refuse(this, value, 'access is one of: admin, settings, none');
}

/** A dialog id (or any record id): a positive whole number. */
export function parseId(this: unknown, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw refuse(this, value, 'an id is a positive whole number');
  return n;
}

/** `--limit N` for list commands: 1 to 200. */
export function parseLimit(this: unknown, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 200) throw refuse(this, value, 'the limit is a number from 1 to 200');
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
