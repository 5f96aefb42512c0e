// How the open dialog's messages fill the message pane: each message wrapped to the pane's
// width (a long one cut to a screenful; the reader, v, shows it whole), then only the messages
// that fit around the view's bottom message are laid out. 5,000 messages cost what one screenful costs.
//
// A message's files follow its text, each as a line `📎 name (type, size)` (a long name loses
// its middle, so its extension stays) and then its full URL. The URL is never cut: it is wrapped
// over as many rows as it needs, since it is there to be opened or copied from the terminal.
import { formatSize } from '../../core/format-size.js';
import { displayWidth, expandTabs, fitWidth, graphemes, oneLine, plainEmoji, splitAtWidth, wrapRows } from '../../core/text-layout.js';
import { firstWordWidth, wrapRow } from './wrap.js';

export { formatSize };

export interface MessageRow {
  /** Index of the message in the thread's items. */
  item: number;
  /** The time and author, on the message's first row only. */
  head: string;
  text: string;
  /** The send state on the message's last row (or a row of its own when the text is full). */
  last: boolean;
  /** A file's line, or a piece of its URL; `link` is the whole URL for either. */
  file?: 'name' | 'url';
  link?: string;
  /** The head goes on over this row too (an author's name wider than a row): no time on it. */
  headMore?: boolean;
}

/** A message's attachment as the pane shows it; `url` is absolute (the server's URL + its path). */
export interface FileLink {
  name: string;
  mime: string;
  size: number;
  url: string;
}


/** The end of a message's last row in the pane when the rest does not fit there. */
export const CUT = '… (v reads all)';

/** `text` in at most `room` columns, its middle replaced by … when it is wider. */
export function truncateMiddle(text: string, room: number): string {
  if (displayWidth(text) <= room) return text;
  if (room <= 1) return room === 1 ? '…' : '';
  const chars = graphemes(text);
  const front = Math.ceil((room - 1) / 2);
  let back = room - 1 - front;
  const head = fitWidth(text, front);
  let tail = '';
  for (let i = chars.length - 1; i >= 0 && displayWidth(chars[i]) <= back; i--) {
    back -= displayWidth(chars[i]);
    tail = chars[i] + tail;
  }
  return `${head}…${tail}`;
}

/** `📎 name (type, size)` in `room` columns: the name gives way first, then the type. */
export function fileLabel(file: FileLink, room: number): string {
  const icon = '📎 ';
  const iconWidth = displayWidth(icon);
  let details = ` (${oneLine(file.mime)}, ${formatSize(file.size)})`;
  if (room - iconWidth - displayWidth(details) < 8) details = ` (${formatSize(file.size)})`;
  return `${icon}${truncateMiddle(oneLine(file.name), Math.max(1, room - iconWidth - displayWidth(details)))}${details}`;
}

/** Each file's rows: its label, then its URL in pieces of the row's width. */
function fileRows(index: number, files: readonly FileLink[], w: number): MessageRow[] {
  const rows: MessageRow[] = [];
  const room = Math.max(1, w - 2);
  for (const f of files) {
    rows.push({ item: index, head: '  ', text: fileLabel(f, room), last: false, file: 'name', link: f.url });
    for (let rest = f.url; rest.length > 0; ) {
      const [piece, after] = splitAtWidth(rest, room);
      rows.push({ item: index, head: '  ', text: piece, last: false, file: 'url', link: f.url });
      rest = after;
    }
  }
  return rows;
}

/**
 * The head's rows when it is wider than a row (a long real name, in the reader, which shows
 * everything): the head wrapped over rows of its own, the time on the first, the text below.
 */
function headRows(index: number, head: string, w: number): MessageRow[] {
  if (displayWidth(head) <= w) return [{ item: index, head, text: '', last: false }];
  return wrapRows(head.trimEnd(), w).map((piece, i) => ({ item: index, head: piece, text: '', last: false, headMore: i > 0 }));
}

/**
 * A message's rows at `width` columns: `head` then the text, lines wrapped at spaces (a word
 * wider than a row is cut), then its files; at
 * most `max` rows (the text is cut before a file is). A message with files and no text starts
 * with its first file on the head's row. Widths are display columns (a CJK character or an
 * emoji takes two) and tabs become spaces, so no row is wider than the pane. A head that leaves
 * no room beside it takes rows of its own (the message pane cuts the name before that, see
 * message-view.ts; the reader shows it whole).
 */
export function wrapMessage(
  index: number,
  head: string,
  body: string,
  width: number,
  max: number,
  tailWidth: number,
  files: readonly FileLink[] = [],
): MessageRow[] {
  const w = Math.max(4, width);
  const headWidth = displayWidth(head);
  let rows: MessageRow[] = [];
  const attached = fileRows(index, files, w);
  // The text starts beside the head when a column is left there, else on the rows below it.
  const beside = headWidth < w;
  if (body !== '' || attached.length === 0) {
    if (!beside) rows = headRows(index, head, w);
    const lines = plainEmoji(expandTabs(body)).split('\n');
    lines.forEach((line, li) => {
      let rest = line;
      let room = li === 0 && beside ? w - headWidth : w - 2;
      do {
        // A first word too wide for the row beside the head, but not for a row of its own,
        // starts on the next row rather than being cut.
        if (rows.length === 0) {
          const firstWord = firstWordWidth(rest, w);
          if (firstWord > room && firstWord <= w - 2) {
            rows.push({ item: index, head, text: '', last: false });
            room = w - 2;
            continue;
          }
        }
        const [piece, after] = wrapRow(rest, room);
        rest = after;
        rows.push({ item: index, head: rows.length === 0 ? head : '  ', text: piece, last: false });
        room = w - 2;
      } while (rest.length > 0);
    });
    const textMax = Math.max(1, max - attached.length);
    if (rows.length > textMax) {
      rows.length = textMax;
      // Cut: where the pane is wide enough, the row says how to read the rest.
      const cut = rows[rows.length - 1];
      const mark = w - displayWidth(cut.head) - displayWidth(CUT) >= 10 ? CUT : '…';
      rows[rows.length - 1] = { ...cut, text: `${fitWidth(cut.text, Math.max(0, w - displayWidth(cut.head) - displayWidth(mark)))}${mark}` };
    }
    rows.push(...attached);
  } else if (w - headWidth >= 16) {
    rows = [{ ...attached[0], head, text: fileLabel(files[0], w - headWidth) }, ...attached.slice(1)];
  } else {
    rows = [...headRows(index, head, w), ...attached];
  }
  if (rows.length > max) rows.length = Math.max(1, max);
  // The send state goes after the text when it fits, else on a row of its own.
  const end = rows[rows.length - 1];
  if (tailWidth > 0 && displayWidth(end.head) + displayWidth(end.text) + tailWidth > w) rows.push({ item: index, head: '  ', text: '', last: true });
  else rows[rows.length - 1] = { ...end, last: true };
  return rows;
}

/**
 * The rows to draw, `height` at most: the selected message (or the newest) at the bottom and as
 * many before it as fit; when those run out first, the ones after it fill the rest.
 */
export function visibleMessageRows(count: number, selected: number | null, height: number, rowsOf: (index: number) => MessageRow[]): MessageRow[] {
  if (count === 0 || height <= 0) return [];
  const anchor = selected === null ? count - 1 : Math.max(0, Math.min(selected, count - 1));
  let rows = rowsOf(anchor);
  if (rows.length > height) return rows.slice(0, height);
  for (let i = anchor - 1; i >= 0 && rows.length < height; i--) {
    const more = rowsOf(i);
    rows = [...more.slice(Math.max(0, more.length - (height - rows.length))), ...rows];
  }
  for (let i = anchor + 1; i < count && rows.length < height; i++) rows = [...rows, ...rowsOf(i).slice(0, height - rows.length)];
  return rows;
}

/**
 * The message at the bottom of the view once the selection moves from the view anchored at
 * `anchor` to `target`: the view stays while the target is whole in it (the newer messages stay
 * in sight); it follows a target below it to the bottom row, and one above it to the top row.
 */
export function bottomAfterMove(count: number, anchor: number, target: number, height: number, rowsOf: (index: number) => MessageRow[]): number {
  const shown = visibleMessageRows(count, anchor, height, rowsOf);
  const whole = shown.filter((r) => r.item === target).length === rowsOf(target).length;
  if (whole || target >= anchor) return whole ? anchor : target;
  let bottom = target;
  for (let used = rowsOf(target).length; bottom + 1 < count && used + rowsOf(bottom + 1).length <= height; ) used += rowsOf(++bottom).length;
  return bottom;
}

/**
 * The message a page key selects, so that a page moves by what the pane shows and skips none:
 * PgUp selects the topmost message in view (it then sits at the bottom, the page above it in
 * view); PgDn selects the last message that fits in a pane's height below the one at the bottom.
 */
export function pageTarget(count: number, selected: number | null, height: number, rowsOf: (index: number) => MessageRow[], by: -1 | 1): number {
  if (count === 0) return 0;
  const anchor = selected === null ? count - 1 : Math.max(0, Math.min(selected, count - 1));
  if (by < 0) {
    const top = visibleMessageRows(count, anchor, height, rowsOf)[0]?.item ?? anchor;
    return Math.max(0, top < anchor ? top : anchor - 1);
  }
  let target = Math.min(count - 1, anchor + 1);
  let used = rowsOf(target).length;
  while (target + 1 < count && used + rowsOf(target + 1).length <= height) used += rowsOf(++target).length;
  return target;
}
