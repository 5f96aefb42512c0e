// A small form window: the client card's fields (its title names the visitor), the name of a new
// template, a file to attach. A title too long for the window goes on over the rows the fields
// leave free; the hint at the bottom is worded shorter rather than cut.
import { Box, FieldCursor, Text } from '../theme.js';
import { fieldTail, oneLine, wrapRows } from '../../core/text-layout.js';
import { useStore, useStores } from '../context/stores.js';
import { fitWording } from '../state/cut.js';
import { CutRow, type Piece } from './CutRow.js';

const TITLES = {
  card: 'Client card',
  saveTemplate: "Save the composer's text as a template",
  attach: 'Attach a file to your next message: its path, or drop the file here',
};
/** Each form's hint, longest wording first. */
const HINTS = {
  card: ['↑/↓ or Tab between fields · Enter saves · Esc cancels', 'Tab · Enter saves · Esc cancels', 'Enter saves · Esc cancels', 'Enter saves · Esc', 'Enter · Esc'],
  saveTemplate: ['Enter saves · Esc cancels', 'Enter saves · Esc', 'Enter · Esc'],
  attach: ['Enter uploads it · Esc cancels', 'Enter uploads · Esc cancels', 'Enter uploads · Esc', 'Enter · Esc'],
};

export function FormOverlay({ width, height }: { width: number; height: number }) {
  const state = useStore(useStores().form);
  if (!state.kind) return null;
  const inner = width - 4;
  const labelWidth = Math.max(...state.fields.map((f) => f.label.length)) + 2;
  // A long value shows its end, where the typing happens.
  const room = Math.max(4, inner - labelWidth - 1);
  const fields = state.fields.slice(0, Math.max(1, height - 4));
  const errorRow = state.error !== null && height - 4 > state.fields.length;
  // The rows inside the border that the fields, the error and the hint leave to the title.
  const titleRows = Math.max(1, height - 2 - fields.length - (errorRow ? 1 : 0) - 1);
  const title = wrapRows(`${TITLES[state.kind]}${state.about !== null ? ` of ${oneLine(state.about)}` : ''}`, Math.max(1, inner));
  const shown = title.length > titleRows ? [...title.slice(0, titleRows - 1), title.slice(titleRows - 1).join(' ')] : title;
  const error: Piece[] = state.error && !errorRow ? [{ text: `${oneLine(state.error)} · `, color: 'red' }] : [];
  const hints = state.busy ? [state.kind === 'attach' ? 'uploading…' : 'saving…'] : HINTS[state.kind];
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor="cyan" paddingX={1} overflow="hidden">
      {shown.map((row, i) => (
        <CutRow key={`title:${i}`} width={inner} bold pieces={[{ text: row }]} />
      ))}
      {fields.map((f, i) => (
        <Text key={f.key} wrap="truncate-end">
          <Text dimColor={i !== state.at}>{`${f.label}:`.padEnd(labelWidth)}</Text>
          {fieldTail(f.value, room)}
          {i === state.at ? <FieldCursor /> : null}
        </Text>
      ))}
      {errorRow ? <CutRow width={inner} color="red" pieces={[{ text: oneLine(state.error!) }]} /> : null}
      <Box flexGrow={1} />
      <CutRow width={inner} dimColor pieces={fitWording(hints.map((hint) => [...error, { text: hint }]), inner)} keep={1} />
    </Box>
  );
}
