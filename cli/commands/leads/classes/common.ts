// Shared by the `parley leads classes` commands: a new class name, and finding a class by name.
import type { ParleyClient } from '../../../../core/client/api.js';
import { nameProblem } from '../../../../core/names.js';
import { MAX_NAME } from '../../../../core/protocol/constants.js';
import type { LeadClass } from '../../../../core/protocol/index.js';
import { CliError, cut } from '../../../errors.js';
import { refuse } from '../../../options.js';

/** A name to add or rename to (a usage error before any request), counted as the server stores it. */
export function parseClassName(this: unknown, value: string): string {
  const name = value.trim().replace(/\s+/g, ' ').normalize('NFC');
  if (!name) throw refuse(this, value, 'a lead class needs a name');
  if ([...name].length > MAX_NAME) throw refuse(this, value, `a lead class name has at most ${MAX_NAME} characters`);
  const problem = nameProblem('the lead class name', value.trim()); // as the server checks it
  // The server's words quote the name whole, and a long one (it may fit once spaces are squeezed)
  // is quoted cut by refuse() already.
  if (problem) throw refuse(this, value, cut(value) === value ? problem : 'the lead class name has a line break or control character');
  return value;
}

/** Case-insensitively, spaces squeezed, as the server compares class names. */
export async function findClass(client: ParleyClient, projectId: number, name: string): Promise<LeadClass> {
  const { classes } = await client.leadClasses(projectId);
  const key = (s: string) => s.trim().replace(/\s+/g, ' ').normalize('NFC').toLowerCase();
  const found = classes.find((c) => key(c.name) === key(name));
  if (!found) throw new CliError(`no lead class "${cut(name)}" (classes: ${classes.map((c) => `"${c.name}"`).join(', ') || 'none'})`);
  return found;
}

