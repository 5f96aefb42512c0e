// Turning untrusted text into DOM: only text nodes, and links only to http(s) addresses.
// Nothing here ever parses HTML, so `<img onerror>` or `<script>` in a message stays text.

/** An absolute http(s) URL, or null for anything else (javascript:, data:, garbage). */
export function safeUrl(raw: string, base?: string): string | null {
  try {
    const url = new URL(raw, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * At most `max` UTF-16 units of `text` (the server's limits), well-formed: the server refuses
 * text holding half of a surrogate pair. An emoji across the limit is left out whole, and a lone
 * half already in the text (a site's script can put one in its title) becomes U+FFFD.
 * String.prototype.toWellFormed is newer than es2020.
 */
export function cut(text: string, max: number): string {
  const whole = text.replace(/\p{Cs}/gu, '\ufffd');
  if (whole.length <= max) return whole;
  const last = whole.charCodeAt(max - 1);
  return whole.slice(0, last >= 0xd800 && last < 0xdc00 ? max - 1 : max);
}

export function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

export function link(href: string, text: string): HTMLAnchorElement {
  const a = element('a', undefined, text);
  a.href = href;
  a.target = '_blank';
  // The site's window must not be reachable from the opened page, nor the visitor's page leaked.
  a.rel = 'noopener noreferrer nofollow';
  return a;
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"]+/gi;
/** Sentence punctuation right after a URL belongs to the sentence, not to the link. */
const TRAILING = `.,;:!?'")]`;
const count = (text: string, char: string) => text.split(char).length - 1;

/**
 * A URL found in text without the punctuation that ends its sentence. A closing bracket stays
 * when the address opened it: `https://en.wikipedia.org/wiki/Foo_(bar)`, but not the one of
 * "(see https://example.com)".
 */
export function trimUrl(found: string): string {
  let url = found;
  for (;;) {
    const last = url.charAt(url.length - 1);
    if (!last || !TRAILING.includes(last)) return url;
    if (last === ')' && count(url, '(') >= count(url, ')')) return url;
    if (last === ']' && count(url, '[') >= count(url, ']')) return url;
    url = url.slice(0, -1);
  }
}

/** Appends `text` to `parent`, with the http(s) URLs in it as links and everything else as text. */
export function appendText(parent: HTMLElement, text: string): void {
  let from = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const url = trimUrl(match[0]);
    const href = safeUrl(url);
    if (!href) continue;
    parent.append(text.slice(from, match.index), link(href, url));
    from = match.index! + url.length;
  }
  parent.append(text.slice(from));
}
