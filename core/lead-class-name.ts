// How long a lead class's name may be, as group names are measured (core/group-name.ts): as the
// server stores it. Shared by the class list's service and the check of a dialog's class.
import { MAX_NAME, normalizeClassName } from './protocol/constants.js';

/**
 * A lead class name as sent, before the server squeezes it (normalizeClassName) and measures it
 * against MAX_NAME: "Hot   lead" is "Hot lead", so the schemas' cap on the name as written is
 * only against absurd input, and any name that fits once squeezed reaches the service.
 */
export const MAX_CLASS_NAME_WRITTEN = 1000;

/**
 * What is wrong with the length of a lead class name, or null: over MAX_NAME once squeezed,
 * saying so when squeezing shortened it (the words of groups and of `parley apply`).
 */
export function classNameTooLong(raw: string): string | null {
  const stored = [...normalizeClassName(raw)].length;
  if (stored <= MAX_NAME) return null;
  return `a lead class name has at most ${MAX_NAME} characters${stored < [...raw].length ? ', even with runs of spaces counted as one' : ''}`;
}
