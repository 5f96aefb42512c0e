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
