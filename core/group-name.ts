// How long a group's name may be, shared by the server (its route schemas and its service) and
// the CLI, which checks a name before sending it. Free of the schema library: the CLI loads it on
// every start.
import { MAX_GROUP_NAME, normalizeGroupName } from './protocol/constants.js';

/**
 * A group name as sent, before the server squeezes it (trimmed, runs of spaces made one: see
 * normalizeGroupName) and measures it against MAX_GROUP_NAME. So "Night  shift" names the group
 * "Night shift", and any name that fits once squeezed passes the routes' schemas, whose cap on
 * the name as written is only against absurd input. The real limit is groupNameTooLong's.
 */
export const MAX_GROUP_NAME_WRITTEN = 1000;

/**
 * What is wrong with the length of a group name as written, or null: the server's words, which
 * the CLI gives before sending. Over MAX_GROUP_NAME once squeezed, saying so when squeezing
 * shortened it ("… 50 characters, even with runs of spaces counted as one", as `parley apply`
 * words it); or, squeezed within it, over the cap as written.
 */
export function groupNameTooLong(raw: string): string | null {
  const stored = [...normalizeGroupName(raw)].length;
  const written = [...raw].length;
  if (stored > MAX_GROUP_NAME) {
    return `a group name has at most ${MAX_GROUP_NAME} characters${stored < written ? ', even with runs of spaces counted as one' : ''}`;
  }
  if (written > MAX_GROUP_NAME_WRITTEN) return `a group name has at most ${MAX_GROUP_NAME_WRITTEN} characters as written, spaces included`;
  return null;
}
