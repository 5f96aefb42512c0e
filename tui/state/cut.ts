// Cutting a row that is too wide, ourselves. Ink's wrap="truncate-end" keeps a wide character
// (CJK, an emoji) whose first column still fits, so a cut row with one at the cut was a column
// too wide and pushed the box's border out. A row drawn in pieces (a name in bold, the last
// message dim) is cut here as one text, each piece keeping its own part, with core's truncateEnd.
import { displayWidth, fitWidth, truncateEnd } from '../../core/text-layout.js';

/**
 * The texts of a row's pieces, cut so that together they take at most `columns` columns: as
 * truncateEnd cuts one text (the … in the last column), the … ending the piece that was cut and
 * the pieces after it empty. Pieces that fit come back as they are.
 */
export function cutRow(pieces: readonly string[], columns: number): string[] {
  const whole = pieces.join('');
  if (displayWidth(whole) <= columns) return [...pieces];
  const cut = truncateEnd(whole, columns);
  // What is kept of the text itself; the rest of `cut` (spaces and the …) ends the piece cut there.
  const kept = columns <= 1 ? 0 : fitWidth(whole, columns - 1).length;
  const out: string[] = [];
  let at = 0;
  let ended = false;
  for (const piece of pieces) {
    if (ended) out.push('');
    else if (at + piece.length <= kept) out.push(piece);
    else {
      out.push(cut.slice(at));
      ended = true;
    }
    at += piece.length;
  }
  return out;
}

/** `text` cut to `columns` (see cutRow): for a row drawn as one piece. */
export const cutText = (text: string, columns: number): string => cutRow([text], columns)[0];
