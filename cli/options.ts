// Option parsers shared by several commands. They fail as usage errors (exit 2), before any request.
import { InvalidArgumentError } from 'commander';
import type { AccessLevel } from '../core/protocol/constants.js';

/** `--first-name` / `--last-name`: not empty (the server trims names; "-" stands for "not given"). */
export function parseName(value: string): string {
  if (!value.trim()) throw new InvalidArgumentError('a name must not be empty (use "-" when it is not given)');
  return value;
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
