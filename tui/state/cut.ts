// Cutting a row that is too wide, ourselves. Ink's wrap="truncate-end" keeps a wide character
// (CJK, an emoji) whose first column still fits, so a cut row with one at the cut was a column
// too wide and pushed the box's border out. A row drawn in pieces (a name in bold, the last
// message dim) is cut here as one text, each piece keeping its own part, with core's truncateEnd.
//
// A row that ends in a key hint ("(r resends)", "Esc closes") must not lose it to the cut: such a
// row is worded shorter and shorter until a wording fits (fitWording, fitHint: a hint's items on
// one row or more; fitNotice: a status bar notice's texts), its hint kept whole while the words
// before it are cut (cutRow's `keep`, cutBeforeHint).
import { displayWidth, fitWidth, truncateEnd } from '../../core/text-layout.js';

/**
 * The texts of a row's pieces, cut so that together they take at most `columns` columns: as
 * truncateEnd cuts one text (the … in the last column), the … ending the piece that was cut and
 * the pieces after it empty. Pieces that fit come back as they are. The last `keep` pieces (a key
 * hint) stay whole while the pieces before them can keep a column and their …; the others are cut.
 */
export function cutRow(pieces: readonly string[], columns: number, keep = 0): string[] {
  const whole = pieces.join('');
  if (displayWidth(whole) <= columns) return [...pieces];
  if (keep > 0 && keep < pieces.length) {
    const kept = pieces.slice(-keep);
    const room = columns - displayWidth(kept.join(''));
    if (room >= 2) return [...cutRow(pieces.slice(0, -keep), room), ...kept];
  }
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

const widthOf = (pieces: ReadonlyArray<{ text: string }>) => displayWidth(pieces.map((p) => p.text).join(''));

/** The first of a row's wordings (its pieces, longest wording first) that fits `columns`; else the last, to be cut. */
export function fitWording<P extends { text: string }>(wordings: ReadonlyArray<readonly P[]>, columns: number): readonly P[] {
  return wordings.find((w) => widthOf(w) <= columns) ?? wordings[wordings.length - 1];
}

/** What goes between a hint's items on a row. */
export const HINT_SEPARATOR = ' · ';

/** A hint's rows, each its items ("Ctrl+S send", "Enter new line", …) joined by HINT_SEPARATOR. */
export type HintRows<P> = ReadonlyArray<readonly P[]>;

/**
 * The first of a hint's wordings (each its rows of items, the caller's order of preference) whose
 * every row fits `columns`; else the last, its rows to be cut.
 */
export function fitHint<P extends { text: string }>(wordings: ReadonlyArray<HintRows<P>>, columns: number): HintRows<P> {
  const fits = (rows: HintRows<P>) => rows.every((row) => displayWidth(row.map((p) => p.text).join(HINT_SEPARATOR)) <= columns);
  return wordings.find(fits) ?? wordings[wordings.length - 1];
}

/**
 * `text` in `columns`, the key hint in parentheses that ends it ("… (r resends)") kept whole: the
 * hint shortened to its last part first ("(goes on reconnect, r resends)" to "(r resends)"), then
 * the words before it cut (with …). A text without such a hint is cut at its end.
 */
export function cutBeforeHint(text: string, columns: number): string {
  if (displayWidth(text) <= columns) return text;
  const m = /^(.*?)( ?)\(([^()]*)\)$/s.exec(text);
  if (!m) return cutText(text, columns);
  const [, before, space, hint] = m;
  const short = `${space}(${hint.split(', ').at(-1)})`;
  if (displayWidth(before + short) <= columns) return before + short;
  const room = columns - displayWidth(short);
  const words = fitWidth(before, room - 1).replace(/[\s:;,·]+$/, '');
  if (room >= 2 && words.trim() !== '') return `${words}…${short}`;
  return displayWidth(short.trimStart()) <= columns ? short.trimStart() : cutText(text, columns);
}

/**
 * The first of a notice's wordings (longest first) that fits `columns`; else the last, its key
 * hint in parentheses kept whole and the words before it cut (cutBeforeHint).
 */
export function fitNotice(wordings: readonly string[], columns: number): string {
  return wordings.find((w) => displayWidth(w) <= columns) ?? cutBeforeHint(wordings[wordings.length - 1], columns);
}
