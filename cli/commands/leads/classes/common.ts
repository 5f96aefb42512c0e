// Shared by the `parley leads classes` commands: finding a class by name.
import type { ParleyClient } from '../../../../core/client/api.js';
import type { LeadClass } from '../../../../core/protocol/index.js';
import { CliError } from '../../../errors.js';

/** Case-insensitively, spaces squeezed, as the server compares class names. */
export async function findClass(client: ParleyClient, projectId: number, name: string): Promise<LeadClass> {
  const { classes } = await client.leadClasses(projectId);
  const key = (s: string) => s.trim().replace(/\s+/g, ' ').normalize('NFC').toLowerCase();
  const found = classes.find((c) => key(c.name) === key(name));
  if (!found) throw new CliError(`no lead class "${name}" (classes: ${classes.map((c) => `"${c.name}"`).join(', ') || 'none'})`);
  return found;
}

