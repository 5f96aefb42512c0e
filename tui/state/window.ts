// Which rows of a long list to render: only what fits, with the selected row inside wherever it
// is drawn. 10,000 dialogs or 5,000 messages then cost the same as a screenful.

export interface RowWindow {
  start: number;
  end: number;
}

/** The rows around `selected`, which stays in the middle once the list is longer than the window. */
export function visibleRows(length: number, selected: number, height: number): RowWindow {
  if (height <= 0 || length === 0) return { start: 0, end: 0 };
  if (length <= height) return { start: 0, end: length };
  const start = Math.max(0, Math.min(selected - Math.floor(height / 2), length - height));
  return { start, end: start + height };
}

/**
 * The rows from `top` (where the view was), moved only as far as it takes to hold `selected`: the
 * view scrolls at its edges, and one left at the top stays there however the rows below change.
 * `selected` null: nothing needs holding (a pane without the focus shows no selection).
 */
export function keptRows(length: number, selected: number | null, height: number, top: number): RowWindow {
  if (height <= 0 || length === 0) return { start: 0, end: 0 };
  if (length <= height) return { start: 0, end: length };
  let start = Math.max(0, Math.min(top, length - height));
  if (selected !== null && selected < start) start = selected;
  else if (selected !== null && selected >= start + height) start = selected - height + 1;
  return { start, end: start + height };
}
