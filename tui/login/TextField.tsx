// One labelled line of input. It never wraps: a value longer than the space shows its end (where
// the cursor is); secrets show one • per character. Widths are display columns (fieldTail).
import { Box, FieldCursor, SELECTED, Text, useTheme } from '../theme.js';
import { fieldTail } from '../../core/text-layout.js';

export function TextField({
  label,
  labelWidth,
  value,
  width,
  focused,
  secret = false,
}: {
  label: string;
  labelWidth: number;
  value: string;
  /** Columns for the value, cursor included. */
  width: number;
  focused: boolean;
  secret?: boolean;
}) {
  const room = Math.max(1, width - (focused ? 1 : 0));
  const shown = fieldTail(secret ? '•'.repeat([...value].length) : value, room);
  return (
    <Box>
      <Box width={labelWidth} flexShrink={0}>
        <Text color={focused ? 'cyan' : undefined} bold={focused} wrap="truncate-end">
          {label}
        </Text>
      </Box>
      <Text wrap="truncate-end">
        {shown}
        {focused ? <FieldCursor /> : null}
      </Text>
    </Box>
  );
}

export function Button({ label, focused }: { label: string; focused: boolean }) {
  // Without colour the focused button is marked beside it too.
  const { color } = useTheme();
  return (
    <Text>
      {color ? '' : focused ? SELECTED : ' '}
      <Text inverse={focused} color={focused ? 'cyan' : undefined} bold={focused}>
        {`[ ${label} ]`}
      </Text>
    </Text>
  );
}
