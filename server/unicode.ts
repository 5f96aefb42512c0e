// Text that is not Unicode: a string holding half of a surrogate pair ("\ud800" in JSON). JSON
// lets a sender write one; SQLite would store it as bytes that are not UTF-8, read back as three
// replacement characters, so the same message sent again no longer matched itself (a 409 for a
// resend) and a group so named could not be found again. It is refused where input comes in.

/** With the u flag a pair is one code point: what is left of class Cs is a lone half. */
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

/** An object as JSON makes it: a Buffer (an upload) or another class is not walked. */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Where in `value` (under `path`) the first string that is not well-formed is, or null. Walked
 * with a stack of its own: a body nested 200,000 levels deep (anyone may send one, before signing
 * in) overflowed the call stack, a 500 with a stack trace in the log.
 */
export function malformedText(value: unknown, path: string): string | null {
  // Each entry: the value, and where it is (its key, and the entry of its parent in `seen`).
  const seen: Array<{ key: string; parent: number }> = [];
  const todo: Array<[unknown, string, number]> = [[value, path, -1]];
  while (todo.length) {
    const [item, key, parent] = todo.pop()!;
    if (typeof item === 'string') {
      if (LONE_SURROGATE.test(item)) return pathOf(seen, key, parent);
      continue;
    }
    if (!Array.isArray(item) && !isJsonObject(item)) continue;
    const here = seen.push({ key, parent }) - 1;
    if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) todo.push([item[i], String(i), here]);
    } else {
      // Reversed onto the stack, so the first in document order is found first; a key before its value.
      for (const [k, v] of Object.entries(item).reverse()) todo.push([v, k, here], [k, '', here]);
    }
  }
  return null;
}

/** "body/items/3/text", made only for what was found; a very deep one keeps its first and last steps. */
function pathOf(seen: Array<{ key: string; parent: number }>, key: string, parent: number): string {
  const steps = key ? [key] : [];
  for (let at = parent; at >= 0; at = seen[at].parent) steps.push(seen[at].key);
  steps.reverse();
  return steps.length > 12 ? [...steps.slice(0, 4), `…(${steps.length - 8} more)…`, ...steps.slice(-4)].join('/') : steps.join('/');
}

/**
 * The same for a frame's JSON text and what it parsed to. Only an escaped surrogate can make
 * one (raw bytes that are not UTF-8 never reach here), so most frames are not walked.
 */
export function malformedFrame(text: string, value: unknown): string | null {
  return /\\u[dD][89a-fA-F]/.test(text) ? malformedText(value, 'frame') : null;
}

/** Deeper than this, what comes from elsewhere is no message of theirs (Telegram's updates are a few levels deep). */
const MAX_DEPTH = 64;

/**
 * `value` with every lone half made U+FFFD: for what comes from elsewhere and must not be refused.
 * What lies deeper than MAX_DEPTH levels becomes null.
 */
export function wellFormed<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return value.replace(LONE_SURROGATES, '\ufffd') as T;
  if (depth >= MAX_DEPTH && value !== null && typeof value === 'object') return null as T;
  if (Array.isArray(value)) return value.map((v) => wellFormed(v, depth + 1)) as T;
  if (!isJsonObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), wellFormed(v, depth + 1)])) as T;
}

export const notUnicode = (where: string) => `${where} is not valid Unicode text (it holds half of a surrogate pair)`;
