import { InvalidArgumentError } from 'commander';
import type { AccessLevel } from '../../../core/protocol/index.js';

/** `--access admin|settings|none`. */
export function parseAccess(value: string): AccessLevel | null {
  if (value === 'admin' || value === 'settings') return value;
  if (value === 'none') return null;
  throw new InvalidArgumentError('access is one of: admin, settings, none');
}
