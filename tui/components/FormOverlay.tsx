// A small form window: the client card's fields (its title names the visitor), the name of a new
// template, a file to attach.
import { Box, FieldCursor, Text } from '../theme.js';
import { fieldTail, oneLine } from '../../core/text-layout.js';
import { useStore, useStores } from '../context/stores.js';

const TITLES = {
  card: 'Client card',
  saveTemplate: "Save the composer's text as a template",
  attach: 'Attach a file to your next message: its path, or drop the file here',
};
const HINTS = {
  card: '↑/↓ or Tab between fields · Enter saves · Esc cancels',
  saveTemplate: 'Enter saves · Esc cancels',
  attach: 'Enter uploads it · Esc cancels',
};

export function FormOverlay({ width, height }: { width: number; height: number }) {
  const state = useStore(useStores().form);
  if (!state.kind) return null;
  const labelWidth = Math.max(...state.fields.map((f) => f.label.length)) + 2;
  // A long value shows its end, where the typing happens.
  const room = Math.max(4, width - 4 - labelWidth - 1);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor="cyan" paddingX={1} overflow="hidden">
      <Text bold wrap="truncate-end">
        {TITLES[state.kind]}
        {state.about !== null ? ` of ${oneLine(state.about)}` : ''}
      </Text>
      {state.fields.slice(0, Math.max(1, height - 4)).map((f, i) => (
        <Text key={f.key} wrap="truncate-end">
          <Text dimColor={i !== state.at}>{`${f.label}:`.padEnd(labelWidth)}</Text>
          {fieldTail(f.value, room)}
          {i === state.at ? <FieldCursor /> : null}
        </Text>
      ))}
      {state.error && height - 4 > state.fields.length ? <Text color="red" wrap="truncate-end">{oneLine(state.error)}</Text> : null}
      <Box flexGrow={1} />
      <Text dimColor wrap="truncate-end">
        {state.error && height - 4 <= state.fields.length ? <Text color="red">{oneLine(state.error)} · </Text> : null}
        {state.busy ? (state.kind === 'attach' ? 'uploading…' : 'saving…') : HINTS[state.kind]}
      </Text>
    </Box>
  );
}
