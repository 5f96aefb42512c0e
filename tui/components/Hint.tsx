// A hint line's items (each a styled piece: "Ctrl+S send", "Esc cancels the edit") on the rows
// fitHint (tui/state/cut.ts) gave them, joined by " · ": a narrow pane shortens a hint or breaks
// it between items rather than cutting its keys away.
import type { ComponentProps } from 'react';
import { HINT_SEPARATOR, type HintRows } from '../state/cut.js';
import { CutRow, type Piece } from './CutRow.js';

type RowProps = Omit<ComponentProps<typeof CutRow>, 'pieces' | 'width'>;

/** Each row's pieces with the separators between its items. */
export const hintPieces = (row: readonly Piece[]): Piece[] => row.flatMap((item, i) => (i === 0 ? [item] : [{ text: HINT_SEPARATOR }, item]));

export function Hint({ width, rows, ...props }: RowProps & { width: number; rows: HintRows<Piece> }) {
  return (
    <>
      {rows.map((row, i) => (
        <CutRow key={i} width={width} pieces={hintPieces(row)} {...props} />
      ))}
    </>
  );
}
