// Laying text out in a terminal. A terminal cell is not a UTF-16 unit: a CJK character or an
// emoji takes two columns, a combining accent none, and 😀 is two units. So text is measured in
// display columns (string-width, what Ink itself measures with) and cut or stepped through by
// grapheme cluster (what the reader sees as one character), never by `.length` or `.slice(n)`.
// Tabs are expanded before anything is drawn: a terminal moves the cursor on a tab instead of
// writing cells, so a tab inside a box breaks it.
import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The columns `text` takes in a terminal. */
export const displayWidth = (text: string): number => stringWidth(text);

/** The grapheme clusters of `text`, in order. */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** Columns between tab stops when a tab is shown. */
export const TAB_WIDTH = 4;

/**
 * `text` with each tab replaced by the spaces up to the next tab stop of its line. A terminal
 * moves the cursor on a tab instead of writing cells, so a tab drawn inside a box breaks it.
 */
export function expandTabs(text: string, tabWidth = TAB_WIDTH): string {
  if (!text.includes('\t')) return text;
  return text
    .split('\n')
    .map((line) => {
      const [first, ...rest] = line.split('\t');
      let out = first;
      for (const part of rest) out += ' '.repeat(tabWidth - (displayWidth(out) % tabWidth)) + part;
      return out;
    })
    .join('\n');
}

/**
 * Characters terminals draw at other widths than string-width (and so Ink) counts. Measured in
 * tmux 3.3a: a skin tone after its base (👍🏽 four columns, not two); U+FE0F after a text-style
 * base (❤️ ✔️ 🏳️ one, not two; newer tmux and most other terminals two); a keycap's U+20E3 (1️⃣
 * one); a soft hyphen (one, not none); the Hangul fillers U+3164 and U+FFA0 (two and one, not
 * none); the separators U+2028 and U+2029 (none, not one). A joined (ZWJ) emoji is one picture
 * in some terminals and its parts side by side in others.
 */
const DISPUTED = /[\u00ad\u200d\u2028\u2029\u20e3\u3164\ufe0f\uffa0\u{1f3fb}-\u{1f3ff}]/u;
const UNDRAWN = /\u200d\p{Extended_Pictographic}|[\u00ad\u20e3\u3164\ufe0f\uffa0\u{1f3fb}-\u{1f3ff}]|[\u2028\u2029]/gu;

/**
 * `text` as it is drawn, so that every terminal draws it in the columns string-width counts:
 * without the characters above, so 👍🏽 and 👨‍👩‍👧 are drawn as their base emoji, ❤️ as ❤, 1️⃣ as 1
 * and a word with soft hyphens whole; a line separator as a space (a row cannot break there;
 * terminalSafe makes those in other people's text line breaks before layout). The drawn text is
 * never wider than `text`: lay out what is drawn (or measure `text` for room to spare). Only for
 * drawing: the text itself (sent, stored, edited) keeps every character.
 */
export function plainEmoji(text: string): string {
  if (!DISPUTED.test(text)) return text;
  return text.replace(UNDRAWN, (c) => (c === '\u2028' || c === '\u2029' ? ' ' : ''));
}

/**
 * `text` on one line, ready to draw: each run of white space (tabs and line breaks too) becomes
 * one space, and the rest is drawn as plainEmoji draws it.
 */
export const oneLine = (text: string): string => plainEmoji(text.replace(/\s+/g, ' '));

/**
 * `text` cut after at most `columns` columns, on a grapheme boundary: `[head, rest]`. The head
 * holds at least one grapheme (when there is one), so cutting always moves on, even when one
 * wide character is wider than the room.
 */
export function splitAtWidth(text: string, columns: number): [string, string] {
  let used = 0;
  let at = 0;
  for (const { segment, index } of segmenter.segment(text)) {
    const w = stringWidth(segment);
    if (used + w > columns && index > 0) return [text.slice(0, index), text.slice(index)];
    used += w;
    at = index + segment.length;
  }
  return [text.slice(0, at), text.slice(at)];
}

/**
 * One row of wrapped text: as splitAtWidth, but a word that does not fit goes whole to the next
 * row (only a word wider than the row is cut). The spaces at the break are dropped, or with
 * `keepSpaces` stay at the end of the row, so that the rows join back into the text (an editor's
 * rows, whose positions are the text's).
 */
export function wrapAtWidth(text: string, columns: number, keepSpaces = false): [string, string] {
  const [head, rest] = splitAtWidth(text, columns);
  if (rest === '') return [head, rest];
  if (!keepSpaces && rest.startsWith(' ')) return [head.trimEnd() || head, rest.replace(/^ +/, '')];
  // Kept spaces go at the end of a row: the row's last word moves down rather than the next
  // row starting with the space that did not fit.
  const space = head.lastIndexOf(' ');
  if (space < 0 || head.slice(0, space).trim() === '') return [head, rest];
  return keepSpaces ? [head.slice(0, space + 1), head.slice(space + 1) + rest] : [head.slice(0, space).trimEnd(), head.slice(space + 1) + rest];
}

/** `text` in at most `columns` columns, cut on a grapheme boundary (no ellipsis). */
export function fitWidth(text: string, columns: number): string {
  if (columns <= 0) return '';
  const [head] = splitAtWidth(text, columns);
  return displayWidth(head) > columns ? '' : head;
}

/**
 * `text` in at most `columns` columns, its end replaced by "…" when it is wider. Ink's
 * wrap="truncate-end" keeps a wide character whose first column fits, so its row can be one
 * column too wide; here a space takes that character's place, and a cut text fills `columns`
 * exactly, the … in the last column. Give it the text as drawn (oneLine, plainEmoji).
 */
export function truncateEnd(text: string, columns: number): string {
  if (displayWidth(text) <= columns) return text;
  if (columns <= 1) return columns === 1 ? '…' : '';
  const head = fitWidth(text, columns - 1);
  return `${head}${' '.repeat(columns - 1 - displayWidth(head))}…`;
}

/** The end of `text` in at most `columns` columns, cut on a grapheme boundary. */
export function lastColumns(text: string, columns: number): string {
  const parts = graphemes(text);
  let used = 0;
  let from = parts.length;
  while (from > 0 && used + stringWidth(parts[from - 1]) <= columns) used += stringWidth(parts[--from]);
  return parts.slice(from).join('');
}

/** Where the grapheme before UTF-16 index `at` starts (0 at the start). */
export function previousBoundary(text: string, at: number): number {
  if (at <= 0) return 0;
  // Clusters never span a line break: only the line up to `at` needs segmenting.
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  if (lineStart === at) return at - 1;
  let last = lineStart;
  for (const { index } of segmenter.segment(text.slice(lineStart, at))) last = lineStart + index;
  return last;
}

/** Where the grapheme starting at UTF-16 index `at` ends (the text's length at the end). */
export function nextBoundary(text: string, at: number): number {
  if (at >= text.length) return text.length;
  if (text[at] === '\n') return at + 1;
  const nl = text.indexOf('\n', at);
  const line = text.slice(at, nl === -1 ? text.length : nl);
  const first = segmenter.segment(line)[Symbol.iterator]().next().value;
  return at + (first ? first.segment.length : 1);
}

/** `text` without its last grapheme. */
export const withoutLastGrapheme = (text: string): string => text.slice(0, previousBoundary(text, text.length));

/**
 * A one-line field's `text` as drawn (plainEmoji) in `columns` columns, and when it does not
 * fit, its end after a "…" (the typing happens at the end). Only for drawing: the field's value
 * keeps every character.
 */
export function fieldTail(text: string, columns: number): string {
  const drawn = plainEmoji(text);
  return displayWidth(drawn) > columns ? `…${lastColumns(drawn, columns - 1)}` : drawn;
}

/** One line of `text` wrapped at spaces into rows of at most `columns` columns (a longer word is cut). */
export function wrapRows(text: string, columns: number): string[] {
  const rows: string[] = [];
  let rest = text;
  do {
    const [row, after] = wrapAtWidth(rest, columns);
    rows.push(row);
    rest = after;
  } while (rest !== '');
  return rows;
}
