// Shared by the `parley leads classes` commands: a new class name, and finding a class by name.
import { InvalidArgumentError } from 'commander';
import type { ParleyClient } from '../../../../core/client/api.js';
import { nameProblem } from '../../../../core/names.js';
import { MAX_NAME } from '../../../../core/protocol/constants.js';
import type { LeadClass } from '../../../../core/protocol/index.js';
import { CliError } from '../../../errors.js';

/** A name to add or rename to (a usage error before any request), counted as the server stores it. */
export function parseClassName(value: string): string {
  const name = value.trim().replace(/\s+/g, ' ').normalize('NFC');
  if (!name) throw new InvalidArgumentError('a lead class needs a name');
  if ([...name].length > MAX_NAME) throw new InvalidArgumentError(`a lead class name has at most ${MAX_NAME} characters`);
  const problem = nameProblem('the lead class name', value.trim()); // as the server checks it
  if (problem) throw new InvalidArgumentError(problem);
  return value;
}

/** Case-insensitively, spaces squeezed, as the server compares class names. */
export async function findClass(client: ParleyClient, projectId: number, name: string): Promise<LeadClass> {
  const { classes } = await client.leadClasses(projectId);
  const key = (s: string) => s.trim().replace(/\s+/g, ' ').normalize('NFC').toLowerCase();
  const found = classes.find((c) => key(c.name) === key(name));
  if (!found) throw new CliError(`no lead class "${name}" (classes: ${classes.map((c) => `"${c.name}"`).join(', ') || 'none'})`);
  return found;
}

