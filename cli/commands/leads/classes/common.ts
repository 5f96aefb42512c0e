// Shared by the `parley leads classes` commands: a new class name, and finding a class by name.
import type { ParleyClient } from '../../../../core/client/api.js';
import { classNameTooLong } from '../../../../core/name-length.js';
import { nameProblem } from '../../../../core/names.js';
import { normalizeClassName } from '../../../../core/protocol/constants.js';
import type { LeadClass } from '../../../../core/protocol/index.js';
import { CliError, cut } from '../../../errors.js';
import { refuse } from '../../../options.js';

/**
 * A class name to find (`order`): not blank, and no longer than any class can be, measured as the
 * server stores it (trimmed, runs of spaces squeezed) and in its words. Sent as written: the
 * server squeezes it.
 */
export function parseClassRef(this: unknown, value: string): string {
  if (!normalizeClassName(value)) throw refuse(this, value, 'a lead class needs a name');
  const tooLong = classNameTooLong(value);
  if (tooLong) throw refuse(this, value, tooLong);
  return value;
}

/** A name to add or rename to (a usage error before any request), checked as the server checks it. */
export function parseClassName(this: unknown, value: string): string {
  if (!normalizeClassName(value)) throw refuse(this, value, 'a lead class needs a name');
  // Before the length: no way of writing the name takes a control character away.
  const problem = nameProblem('the lead class name', value.trim()); // as the server checks it
  // The server's words quote the name whole, and a long one (it may fit once spaces are squeezed)
  // is quoted cut by refuse() already.
  if (problem) throw refuse(this, value, cut(value) === value ? problem : 'the lead class name has a line break or control character');
  return parseClassRef.call(this, value);
}

/** Case-insensitively, spaces squeezed, as the server compares class names. */
export async function findClass(client: ParleyClient, projectId: number, name: string): Promise<LeadClass> {
  const { classes } = await client.leadClasses(projectId);
  const key = (s: string) => normalizeClassName(s).toLowerCase();
  const found = classes.find((c) => key(c.name) === key(name));
  if (!found) throw new CliError(`no lead class "${cut(name)}" (classes: ${classes.map((c) => `"${c.name}"`).join(', ') || 'none'})`);
  return found;
}
