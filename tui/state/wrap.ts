// Wrapping long text a row at a time. core/text-layout's wrapAtWidth hands the whole text it is
// given to Intl.Segmenter, which reads all of it before the first grapheme comes out: a
// 10,000-character message or draft wrapped row by row cost its length once per row, so a held
// key on one pegged the CPU. A row needs only a row's worth of the text and what follows it, so
// each row is cut from a window of that size, grown only when it held less than a row.
import { displayWidth, wrapAtWidth } from '../../core/text-layout.js';

/** Code units after a row that must be in the window: the grapheme that did not fit is whole there. */
const MARGIN = 32;

/** A row's worth of `text`: a window of at least `columns` columns, plus the margin. */
const windowSize = (columns: number) => 4 * Math.max(1, columns) + 2 * MARGIN;

/** As wrapAtWidth (one row of `text` and the rest), reading only about a row of it. */
export function wrapRow(text: string, columns: number, keepSpaces = false): [string, string] {
  for (let size = windowSize(columns); ; size *= 2) {
    if (size >= text.length) return wrapAtWidth(text, columns, keepSpaces);
    const window = text.slice(0, size);
    const [row, after] = wrapAtWidth(window, columns, keepSpaces);
    // What follows the row is a suffix of the window: the row was decided within it when enough
    // of the window is left after it.
    if (after.length >= MARGIN) return [row, text.slice(size - after.length)];
  }
}

/** The display width of the first word of `text` (up to a space), measured on a row's worth of it. */
export function firstWordWidth(text: string, columns: number): number {
  return displayWidth(text.slice(0, windowSize(columns)).split(' ', 1)[0]);
}
