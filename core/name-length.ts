// How long a group's or a lead class's name may be: measured as the server stores it (trimmed,
// runs of spaces squeezed to one), so "Night  shift" is "Night shift" and any name that fits once
// squeezed is taken. Shared by the server (its route schemas and services), the CLI, which checks
// before sending, and the widget (data-group). Free of the schema library: the CLI loads it on
// every start.
import { MAX_GROUP_NAME, MAX_NAME, normalizeClassName, normalizeGroupName } from './protocol/constants.js';

/**
 * The cap on such a name as written, spaces included, in the schemas: only against absurd input,
 * so that every name that fits once squeezed reaches its real check below.
 */
export const MAX_NAME_WRITTEN = 1000;

/**
 * What is wrong with the length of a name as written, or null: over `max` once squeezed, saying so
 * when squeezing shortened it (the words of `parley apply`), or over the cap as written.
 */
function lengthProblem(what: string, raw: string, squeeze: (raw: string) => string, max: number): string | null {
  const stored = [...squeeze(raw)].length;
  const written = [...raw].length;
  if (stored > max) return `${what} has at most ${max} characters${stored < written ? ', even with runs of spaces counted as one' : ''}`;
  if (written > MAX_NAME_WRITTEN) return `${what} has at most ${MAX_NAME_WRITTEN} characters as written, spaces included`;
  return null;
}

/** A group name's length problem ("a group name has at most 50 characters…"), or null. */
export const groupNameTooLong = (raw: string) => lengthProblem('a group name', raw, normalizeGroupName, MAX_GROUP_NAME);

/** A lead class name's length problem ("a lead class name has at most 100 characters…"), or null. */
export const classNameTooLong = (raw: string) => lengthProblem('a lead class name', raw, normalizeClassName, MAX_NAME);
