// One row of text in styled pieces, cut to its width by cutRow (tui/state/cut.ts), never by Ink,
// whose cut leaves a wide character at the end a column too wide. `keep`: the last pieces (a key
// hint) stay whole, the ones before them are cut.
import type { ComponentProps } from 'react';
import { Text } from '../theme.js';
import { cutRow } from '../state/cut.js';

type TextProps = Omit<ComponentProps<typeof Text>, 'children' | 'wrap'>;

/** A piece of the row: its text and how it is drawn. */
export type Piece = TextProps & { text: string };

export function CutRow({ width, pieces, keep = 0, ...props }: TextProps & { width: number; pieces: readonly Piece[]; keep?: number }) {
  const texts = cutRow(
    pieces.map((p) => p.text),
    Math.max(0, width),
    keep,
  );
  return (
    <Text wrap="truncate-end" {...props}>
      {pieces.map(({ text: _text, ...style }, i) => (texts[i] ? <Text key={i} {...style}>{texts[i]}</Text> : null))}
    </Text>
  );
}
