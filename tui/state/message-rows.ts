// How the open dialog's messages fill the message pane: each message wrapped to the pane's
// width (a long one cut to a screenful), then only the messages that fit around the selected
// one (or the newest) are laid out. 5,000 messages cost what one screenful costs.
export interface MessageRow {
  /** Index of the message in the thread's items. */
  item: number;
  /** The time and author, on the message's first row only. */
  head: string;
  text: string;
  /** The send state on the message's last row (or a row of its own when the text is full). */
  last: boolean;
}

/** A message's rows at `width` columns: `head` then the text, lines wrapped, at most `max` rows. */
export function wrapMessage(index: number, head: string, body: string, width: number, max: number, tailWidth: number): MessageRow[] {
  const w = Math.max(4, width);
  const rows: MessageRow[] = [];
  const lines = body.split('\n');
  lines.forEach((line, li) => {
    let rest = line;
    let room = li === 0 ? w - head.length : w - 2;
    if (room < 1) room = w;
    do {
      const piece = rest.slice(0, room);
      rest = rest.slice(room);
      rows.push({ item: index, head: rows.length === 0 ? head : '  ', text: piece, last: false });
      room = w - 2;
    } while (rest.length > 0);
  });
  if (rows.length > max) {
    rows.length = Math.max(1, max);
    rows[rows.length - 1] = { ...rows[rows.length - 1], text: `${rows[rows.length - 1].text.slice(0, Math.max(0, w - 4))}…` };
  }
  // The send state goes after the text when it fits, else on a row of its own.
  const end = rows[rows.length - 1];
  if (tailWidth > 0 && end.head.length + end.text.length + tailWidth > w) rows.push({ item: index, head: '  ', text: '', last: true });
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
