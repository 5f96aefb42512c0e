// A search-and-pick window: templates (fuzzy search by name, Enter inserts at the cursor), the
// operator to assign the dialog to, or the lead class.
import { Box, Text } from 'ink';
import { useStore, useStores } from '../context/stores.js';
import { keyOf } from '../input/keybindings.js';
import { matching, type PickerKind } from '../state/picker.js';
import { visibleRows } from '../state/window.js';

const TITLES: Record<PickerKind, string> = { templates: 'Templates', assign: 'Assign to', leadClass: 'Lead class' };

export function Picker({ width, height }: { width: number; height: number }) {
  const state = useStore(useStores().picker);
  if (!state.kind) return null;
  const items = matching(state);
  const rows = Math.max(1, height - 5);
  const { start, end } = visibleRows(items.length, state.selected, rows);
  const hint =
    state.kind === 'templates'
      ? `type to search · Enter inserts · ${keyOf('SaveTemplate')} saves the composer's text as a new one · Esc`
      : 'type to search · Enter picks · Esc';
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor="cyan" paddingX={1} overflow="hidden">
      <Text bold wrap="truncate-end">
        {TITLES[state.kind]}: <Text color="cyan">{state.query}</Text>
        <Text inverse> </Text>
      </Text>
      {state.items === null ? <Text dimColor>loading…</Text> : null}
      {state.error ? <Text color="red" wrap="truncate-end">{state.error}</Text> : null}
      {state.items !== null && !state.error && items.length === 0 ? (
        <Text dimColor wrap="truncate-end">
          {state.items.length === 0 ? (state.kind === 'templates' ? 'no templates yet' : 'nothing to pick') : 'nothing matches'}
        </Text>
      ) : null}
      {items.slice(start, end).map((item, i) => (
        <Text key={`${item.label}:${start + i}`} wrap="truncate-end" inverse={start + i === state.selected}>
          {item.label}
          {item.detail ? <Text dimColor> {item.detail}</Text> : null}
        </Text>
      ))}
      <Box flexGrow={1} />
      <Text dimColor wrap="truncate-end">
        {hint}
      </Text>
    </Box>
  );
}
