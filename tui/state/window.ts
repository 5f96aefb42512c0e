// Which rows of a long list to render: only what fits, with the selected row always inside.
// 10,000 dialogs or 5,000 messages then cost the same as a screenful.

export interface RowWindow {
  start: number;
  end: number;
}

export function visibleRows(length: number, selected: number, height: number): RowWindow {
  if (height <= 0 || length === 0) return { start: 0, end: 0 };
  if (length <= height) return { start: 0, end: length };
  const start = Math.max(0, Math.min(selected - Math.floor(height / 2), length - height));
  return { start, end: start + height };
}
