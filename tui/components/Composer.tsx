// The composer: the text being written with its cursor, and a hint line saying which keys send.
// Enter inserts a newline; a paste goes in as it is. While an own message is being edited the
// hint says so (and that Esc cancels the edit), and sending saves the edit. Files attached for the
// next message (Ctrl+O) are listed on a line of their own above the hint. A text too long to
// send says so in the hint before Send is tried. A narrow pane shortens the hint, or gives it a
// second row, but never cuts its keys away (composerHint).
//
// Writing a private note (Ctrl+P) must never pass for a reply, nor the reverse: a note's composer
// has a yellow border and a first row of its own, "Private note: only operators see it", which is
// kept when the composer is squeezed (the text keeps a row, the hint gives way), and its send key
// says "send the note". Editing a note shows it too: an edit keeps the message a note.
import { Box, CURSOR, Text, usePaneBorder, useTheme } from '../theme.js';
import { useStore, useStores } from '../context/stores.js';
import { MAX_BODY } from '../../core/protocol/constants.js';
import { KEYMAP, keyOf } from '../input/keybindings.js';
import { aroundCursor, type ComposerState, composerLineCount, composerRows, writesNote } from '../state/composer.js';
import { formatSize, truncateMiddle } from '../state/message-rows.js';
import { plainEmoji } from '../../core/text-layout.js';
import { composerTextRows } from '../state/layout.js';
import { fitHint, fitWording, type HintRows } from '../state/cut.js';
import { CutRow, type Piece } from './CutRow.js';
import { Hint } from './Hint.js';

/** Columns of the composer's text: inside the border, less one for the cursor's mark without colour. */
const textWidth = (width: number, color: boolean) => Math.max(1, width - 4 - (color ? 0 : 1));

type HintFor = Pick<ComposerState, 'text' | 'files' | 'editing' | 'note'>;

/** The note's first row, longest wording first: what the text is, and who reads it. */
const NOTE_LABELS = ['Private note: only operators see it', 'Private note: operators only', 'Private note', 'Note'];

/** The note's row in `width` columns inside the border: the longest wording that fits. */
export const noteLabel = (width: number): string => fitWording(NOTE_LABELS.map((text) => [{ text }]), width)[0].text;

/**
 * The hint under the text, as rows of items `width - 4` wide: the keys that send (or save the
 * edit), a new line, templates and files, after "too long" and the edit's Esc when they apply.
 * Narrower, it loses the files' and templates' keys, Alt+Enter, the new line, the long words and
 * Ctrl+Enter (Ctrl+S stays: every terminal sends it), in that order. "too long" and the edit's words take a row of their own rather than be
 * shortened (two rows at most: `maxRows` 1 in a composer squeezed by a short terminal).
 */
export function composerHint(state: HintFor, open: boolean, width: number, maxRows = 2): HintRows<Piece> {
  const columns = Math.max(1, width - 4);
  if (!open) return fitHint([[[{ text: 'open a dialog to write' }]], [[{ text: 'open a dialog' }]]], columns);
  // Counted as the server counts: code points.
  const length = state.text.length > MAX_BODY ? [...state.text].length : 0;
  const [n, max] = [length.toLocaleString('en'), MAX_BODY.toLocaleString('en')];
  const back = keyOf('Back');
  // What the composer is in, longest wording first: too long to send, editing a message.
  const states = [
    [`too long: ${n} of ${max} characters`, 'editing your message', `${back} cancels the edit`],
    [`too long: ${n}/${max}`, 'editing', `${back} cancels`],
    ['too long', '', `${back} cancels`],
    ['too long', '', back],
  ].map(([tooLong, editing, cancel]): Piece[] => [
    ...(length > MAX_BODY ? [{ text: tooLong, color: 'red' }] : []),
    ...(state.editing && editing ? [{ text: editing, color: 'yellow' }] : []),
    ...(state.editing ? [{ text: cancel, color: 'yellow' }] : []),
  ]);
  const sendKeys = KEYMAP.Send.bindings.map((b) => b.label);
  // Alone, the key every terminal sends (Ctrl+S, a control character): Ctrl+Enter needs a terminal that reports it.
  const anywhere = KEYMAP.Send.bindings.find((b) => b.input !== undefined)?.label ?? sendKeys[0];
  const keysFor = (n: number) => (n === 1 ? anywhere : sendKeys.slice(0, n).join(' / '));
  const verbs = state.editing
    ? ['save the edit', 'save']
    : writesNote(state)
      ? ['send the note', 'send note']
      : state.files.length > 0 && !state.text.trim()
        ? ['send the files', 'send']
        : ['send', 'send'];
  const optional =
    state.files.length > 0
      ? [`${keyOf('Attach')} another file`, `${keyOf('DropFiles')} drops them`]
      : [`${keyOf('Newline')} new line`, `${keyOf('Templates')} or / templates`, `${keyOf('Attach')} a file`];
  // The keys, shorter and shorter: each step takes something more away.
  const steps = [{}, { optional: 2 }, { optional: 1 }, { keys: 2 }, { optional: 0 }, { verb: 1 }, { keys: 1 }];
  let at = { keys: sendKeys.length, verb: 0, optional: optional.length };
  const keys = steps.map((step) => {
    at = { ...at, ...step };
    return { keys: at.keys, items: [{ text: `${keysFor(at.keys)} ${verbs[at.verb]}` }, ...optional.slice(0, at.optional).map((text) => ({ text }))] };
  });
  const wordings: Array<HintRows<Piece>> = states[0].length === 0 ? keys.map((k) => [k.items]) : [];
  // The state's words whole beside two send keys at least, else on a row above the keys; then
  // shorter words, beside the keys or above them.
  if (states[0].length > 0) {
    for (const [i, words] of states.entries()) {
      wordings.push(...keys.filter((k) => i > 0 || k.keys >= 2).map((k): Piece[][] => [[...words, ...k.items]]));
      if (maxRows > 1) wordings.push(...keys.map((k): Piece[][] => [words, k.items]));
    }
  }
  return fitHint(wordings, columns);
}

/** The composer's height for what it holds (borders, the note's row, the files line and the hint's rows included). */
export function composerHeight(state: HintFor, width: number, body: number, color = true): number {
  const lines = composerLineCount(state.text, textWidth(width, color));
  return composerTextRows(body, lines) + 2 + composerHint(state, true, width).length + (state.files.length > 0 ? 1 : 0) + (writesNote(state) ? 1 : 0);
}

/** The least height the composer is given: its border, a row of text, and a note's row. */
export const composerMinHeight = (state: Pick<ComposerState, 'editing' | 'note'>): number => 3 + (writesNote(state) ? 1 : 0);

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
  const paneBorder = usePaneBorder(focused);
  const note = writesNote(state);
  const noteRow = note ? 1 : 0;
  // A composer squeezed by a short terminal keeps, first to last: the note's row, a row for the
  // text, the files, the hint (on one row when two do not fit).
  const inner = height - 2;
  const filesRow = state.files.length > 0 && inner >= noteRow + 2 ? 1 : 0;
  const hintRoom = inner - noteRow - 1 - filesRow;
  const hint = hintRoom > 0 ? composerHint(state, open, width, hintRoom > 1 ? 2 : 1) : [];
  const { rows, cursor } = composerRows(state, textWidth(width, color), Math.max(1, inner - hint.length - filesRow - noteRow));
  // A note's border is yellow, focused or not (bold when focused, as it is without colour).
  const border = note ? { borderStyle: focused ? ('bold' as const) : ('single' as const), borderColor: 'yellow' } : paneBorder;
  return (
    <Box flexDirection="column" height={height} {...border} paddingX={1} overflow="hidden">
      {note ? <CutRow width={width - 4} bold color="yellow" pieces={[{ text: noteLabel(width - 4) }]} /> : null}
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
      <Hint width={width - 4} dimColor rows={hint} />
    </Box>
  );
}
