// The composer: the text being written with its cursor, and a hint line saying which keys send.
// Enter inserts a newline; a paste goes in as it is. While an own message is being edited the
// hint says so (and that Esc cancels the edit), and sending saves the edit. Files attached for the
// next message (Ctrl+O) are listed on a line of their own above the hint. A text too long to
// send says so in the hint before Send is tried.
import { Box, CURSOR, Text, usePaneBorder, useTheme } from '../theme.js';
import { useStore, useStores } from '../context/stores.js';
import { MAX_BODY } from '../../core/protocol/constants.js';
import { keyOf, keysOf } from '../input/keybindings.js';
import { aroundCursor, type ComposerState, composerLineCount, composerRows } from '../state/composer.js';
import { formatSize, truncateMiddle } from '../state/message-rows.js';
import { plainEmoji } from '../../core/text-layout.js';
import { composerTextRows } from '../state/layout.js';

/** Columns of the composer's text: inside the border, less one for the cursor's mark without colour. */
const textWidth = (width: number, color: boolean) => Math.max(1, width - 4 - (color ? 0 : 1));

/** The composer's height for what it holds (borders, the files line and the hint line included). */
export function composerHeight(state: Pick<ComposerState, 'text' | 'files'>, width: number, body: number, color = true): number {
  const lines = composerLineCount(state.text, textWidth(width, color));
  return composerTextRows(body, lines) + 3 + (state.files.length > 0 ? 1 : 0);
}

/** `📎 2 files: a.pdf (12 KB), b.png (3 KB)`: what goes with the next message. */
export function filesLine(files: ComposerState['files']): string {
  const list = files.map((f) => `${f.name} (${formatSize(f.size)})`).join(', ');
  return `📎 ${files.length === 1 ? '' : `${files.length} files: `}${list}`;
}

export function Composer({ width, height }: { width: number; height: number }) {
  const stores = useStores();
  const state = useStore(stores.composer);
  const focus = useStore(stores.focus);
  const thread = useStore(stores.thread);
  const open = thread.detail !== null || thread.opening !== null;
  const focused = focus.pane === 'composer' && !focus.overlay;
  const { color } = useTheme();
  const filesRow = state.files.length > 0 ? 1 : 0;
  const { rows, cursor } = composerRows(state, textWidth(width, color), Math.max(1, height - 3 - filesRow));

  // Counted as the server counts: code points.
  const length = state.text.length > MAX_BODY ? [...state.text].length : 0;
  const hint = !open
    ? 'open a dialog to write'
    : state.files.length > 0
      ? `${keysOf('Send')} send${state.text.trim() ? '' : ' the files'} · ${keyOf('Attach')} another file · ${keyOf('DropFiles')} drops them`
      : `${keysOf('Send')} ${state.editing ? 'save the edit' : 'send'} · ${keyOf('Newline')} new line · ${keyOf('Templates')} or / templates · ${keyOf('Attach')} a file`;
  return (
    <Box flexDirection="column" height={height} {...usePaneBorder(focused)} paddingX={1} overflow="hidden">
      {rows.map((row, i) => {
        // Drawn with plainEmoji (the same columns as measured); the text keeps every character.
        if (!focused || i !== cursor.row) {
          return (
            <Text key={i} wrap="truncate-end">
              {plainEmoji(row) || ' '}
            </Text>
          );
        }
        const [before, under, after] = aroundCursor(row, cursor.col).map(plainEmoji);
        return (
          <Text key={i} wrap="truncate-end">
            {before}
            {color ? '' : CURSOR}
            <Text inverse>{under}</Text>
            {after}
          </Text>
        );
      })}
      {filesRow ? (
        <Text color="yellow" wrap="truncate-end">
          {truncateMiddle(plainEmoji(filesLine(state.files)), width - 4)}
        </Text>
      ) : null}
      <Text dimColor wrap="truncate-end">
        {length > MAX_BODY ? (
          <Text color="red">
            too long: {length.toLocaleString('en')} of {MAX_BODY.toLocaleString('en')} characters ·{' '}
          </Text>
        ) : null}
        {state.editing ? <Text color="yellow">editing your message · {keyOf('Back')} cancels the edit · </Text> : null}
        {hint}
      </Text>
    </Box>
  );
}
