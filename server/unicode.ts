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

/** Where in `value` (under `path`) the first string that is not well-formed is, or null. */
export function malformedText(value: unknown, path: string): string | null {
  if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path : null;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = malformedText(item, `${path}/${i}`);
      if (found) return found;
    }
    return null;
  }
  if (!isJsonObject(value)) return null;
  for (const [key, item] of Object.entries(value)) {
    const found = malformedText(key, path) ?? malformedText(item, `${path}/${key}`);
    if (found) return found;
  }
  return null;
}

/**
 * The same for a frame's JSON text and what it parsed to. Only an escaped surrogate can make
 * one (raw bytes that are not UTF-8 never reach here), so most frames are not walked.
 */
export function malformedFrame(text: string, value: unknown): string | null {
  return /\\u[dD][89a-fA-F]/.test(text) ? malformedText(value, 'frame') : null;
}

/** `value` with every lone half made U+FFFD: for what comes from elsewhere and must not be refused. */
export function wellFormed<T>(value: T): T {
  if (typeof value === 'string') return value.replace(LONE_SURROGATES, '\ufffd') as T;
  if (Array.isArray(value)) return value.map(wellFormed) as T;
  if (!isJsonObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), wellFormed(v)])) as T;
}

export const notUnicode = (where: string) => `${where} is not valid Unicode text (it holds half of a surrogate pair)`;
