// Where the panes go for a terminal of a given size. Wide terminals show the three dialog panes,
// the dialog and the client card side by side; at 80 columns one side pane at a time (the dialog
// pane, or the card while it has the focus); below 60 columns only the focused pane. Every width
// and height is fixed here, so nothing overlaps or wraps whatever the size.
import type { View } from '../../core/protocol/constants.js';
import type { FocusState } from './focus.js';

export interface Layout {
  columns: number;
  /** Rows the app may draw: one less than the terminal, so Ink never clears the screen to redraw. */
  rows: number;
  /** Rows above the status bar. */
  body: number;
  /** The left column: all three dialog panes stacked, one of them, or the card (narrow + focused). */
  left: { show: 'lists' | 'list' | 'card'; width: number } | null;
  /** The centre (dialog and composer); null when only a side pane fits. */
  centre: { width: number } | null;
  right: { width: number } | null;
}

export function layoutFor(columns: number, terminalRows: number, focus: FocusState): Layout {
  const cols = Math.max(20, columns);
  const rows = Math.max(6, terminalRows - 1);
  const body = rows - 1;
  const side = focus.pane === 'card' ? 'card' : 'list';
  if (cols >= 120) {
    const width = Math.min(40, Math.floor(cols * 0.24));
    // Three stacked panes need a few rows each; on a short terminal show one at a time.
    return { columns: cols, rows, body, left: { show: body >= 18 ? 'lists' : 'list', width }, centre: { width: cols - 2 * width }, right: { width } };
  }
  if (cols >= 60) {
    const width = Math.max(24, Math.floor(cols * 0.32));
    return { columns: cols, rows, body, left: { show: side, width }, centre: { width: cols - width }, right: null };
  }
  // Too narrow for two panes side by side: the focused one takes the width.
  const onSide = focus.pane === 'card' || focus.pane === 'mine' || focus.pane === 'shared' || focus.pane === 'archive';
  return {
    columns: cols,
    rows,
    body,
    left: onSide ? { show: side, width: cols } : null,
    centre: onSide ? null : { width: cols },
    right: null,
  };
}

/** Rows of dialogs a dialog pane `height` rows high shows (`single`: a line names the other panes). */
export function listRows(height: number, single: boolean): number {
  return Math.max(0, height - 3 - (single ? 1 : 0));
}

/** The height of one of the three stacked dialog panes in a column `height` rows high. */
export function stackedPaneHeight(height: number, view: View): number {
  const third = Math.floor(height / 3);
  return view === 'archive' ? height - 2 * third : third;
}

/** The height of a dialog pane: stacked with the other two, or alone in the column. */
export function dialogPaneHeight(layout: Layout, view: View): number {
  return layout.left?.show === 'lists' ? stackedPaneHeight(layout.body, view) : layout.body;
}

/** Rows of choices a picker window `height` rows high shows (`note`: a line under them; `about`: one naming the dialog). */
export function pickerRows(height: number, note: boolean, about = false): number {
  return Math.max(1, height - 5 - (note ? 1 : 0) - (about ? 1 : 0));
}

/** Text rows the composer shows: more on a tall terminal, always at least one. */
export function composerTextRows(body: number, lines: number): number {
  const max = body >= 30 ? 8 : body >= 20 ? 4 : body >= 12 ? 2 : 1;
  return Math.max(1, Math.min(max, lines));
}
