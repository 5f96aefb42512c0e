// A search-and-pick window: templates (fuzzy search by name, Enter inserts at the cursor), the
// operator to assign the dialog to, the lead class, or the dialog finder (the server searches).
// The line at the bottom counts what the finder found, and says which rows are in view when
// they do not all fit (more below, or above).
import { Box, FieldCursor, SELECTED, Text, useTheme } from '../theme.js';
import { displayWidth, fieldTail, oneLine, wrapRows } from '../../core/text-layout.js';
import { useStore, useStores } from '../context/stores.js';
import { keyOf } from '../input/keybindings.js';
import { matching, type PickerKind, searchIsCurrent } from '../state/picker.js';
import { pickerRows } from '../state/layout.js';
import { visibleRows } from '../state/window.js';
import { fitWording, HINT_SEPARATOR } from '../state/cut.js';
import { CutRow, type Piece } from './CutRow.js';

const TITLES: Record<PickerKind, string> = { templates: 'Templates', assign: 'Assign to', leadClass: 'Lead class', search: 'Find a dialog' };

/**
 * "11-20 of 25, ↓ more below" when not all `count` rows fit, and shorter ("11-20/25 ↓"); the
 * finder's says how many it found where there is room.
 */
function position(start: number, end: number, count: number, finder: boolean): { long: string; short: string } {
  const what = finder ? (count === 1 ? ' dialog' : ' dialogs') : '';
  // All in view: the rows say how many, so a narrow window can do without the count.
  if (end - start >= count) return { long: finder ? `${count}${what} · ` : '', short: '' };
  const more = end < count ? '↓' : '↑';
  return { long: `${start + 1}-${end} of ${count}${what}, ${more} more ${more === '↓' ? 'below' : 'above'} · `, short: `${start + 1}-${end}/${count} ${more} · ` };
}

export function Picker({ width, height }: { width: number; height: number }) {
  const state = useStore(useStores().picker);
  const { color } = useTheme();
  if (!state.kind) return null;
  const items = matching(state);
  const rows = pickerRows(height, state.note !== null, state.about !== null);
  const { start, end } = visibleRows(items.length, state.selected, rows);
  const finder = state.kind === 'search';
  const current = finder && searchIsCurrent(state);
  // The query line shows the query's end, where the typing happens, and the cursor after it.
  const title = `${TITLES[state.kind]}: `;
  const queryRoom = Math.max(1, width - 4 - displayWidth(title) - 1);
  const inner = width - 4;
  const counted = state.items !== null && !state.error && items.length > 0 && (!finder || current) ? position(start, end, items.length, finder) : null;
  // The hint's wordings, longest first: what the keys do, then the keys alone; each with the
  // count as it is and shorter ("11-20/25 ↓ · "), so the keys are the last thing to give way.
  const hints: string[][] =
    state.kind === 'templates'
      ? [
          ['type to search', 'Enter inserts', `${keyOf('SaveTemplate')} saves the composer's text as a new one`, 'Esc'],
          ['type to search', 'Enter inserts', `${keyOf('SaveTemplate')} saves a new one`, 'Esc'],
          ['Enter inserts', `${keyOf('SaveTemplate')} new`, 'Esc'],
          ['Enter inserts', 'Esc'],
        ]
      : finder
        ? current && items.length > 0
          ? [['↑/↓', 'Enter opens the dialog', 'type to search again', 'Esc'], ['↑/↓', 'Enter opens', 'Esc'], ['Enter opens', 'Esc']]
          : [['a name, email, phone, or words of a message', 'Enter searches', 'Esc'], ['Enter searches', 'Esc']]
        : [['type to search', 'Enter picks', 'Esc'], ['Enter picks', 'Esc']];
  const wordings = hints.flatMap((hint) =>
    (counted ? [counted.long, counted.short] : ['']).map((count): Piece[] => [{ text: count }, { text: hint.join(HINT_SEPARATOR) }]),
  );
  const empty = finder
    ? state.searched === null
      ? 'type what you remember of the dialog, then Enter'
      : `no dialog matches "${state.searched}"`
    : state.items?.length === 0
      ? state.kind === 'templates'
        ? 'no templates yet'
        : 'nothing to pick'
      : 'nothing matches';
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor="cyan" paddingX={1} overflow="hidden">
      <Text bold wrap="truncate-end">
        {title}
        <Text color="cyan">{fieldTail(state.query, queryRoom)}</Text>
        <FieldCursor />
      </Text>
      {state.about !== null ? <CutRow width={inner} dimColor pieces={[{ text: `for the dialog with ${oneLine(state.about)}` }]} /> : null}
      {state.items === null ? <Text dimColor>{finder ? 'searching…' : 'loading…'}</Text> : null}
      {state.error ? <CutRow width={inner} color="red" pieces={[{ text: oneLine(state.error) }]} /> : null}
      {/* Nothing to list: the rows for the choices say why, wrapped rather than cut ("…, then Enter"). */}
      {state.items !== null && !state.error && items.length === 0
        ? wrapRows(oneLine(empty), Math.max(1, inner))
            .slice(0, rows)
            .map((row, i) => <CutRow key={`empty:${i}`} width={inner} dimColor pieces={[{ text: row }]} />)
        : null}
      {items.slice(start, end).map((item, i) => (
        <CutRow
          key={`${item.label}:${start + i}`}
          width={inner}
          inverse={start + i === state.selected}
          pieces={[
            { text: color ? '' : start + i === state.selected ? `${SELECTED} ` : '  ' },
            { text: oneLine(item.label) },
            { text: item.detail ? ` ${oneLine(item.detail)}` : '', dimColor: true },
          ]}
        />
      ))}
      <Box flexGrow={1} />
      {state.note ? (
        <Text color="yellow" wrap="truncate-end">
          {state.note}
        </Text>
      ) : null}
      <CutRow width={inner} dimColor pieces={fitWording(wordings, inner)} keep={1} />
    </Box>
  );
}
