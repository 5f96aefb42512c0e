// The `?` overlay: every command of the keymap with its keys and where it works, in two columns
// when one does not fit. Esc or ? closes it.
import { Box, Text } from 'ink';
import { type Command, KEYMAP, keysOf } from '../input/keybindings.js';

const WHERE = { everywhere: '', composer: 'composer', panes: 'not in the composer', dialog: 'on a dialog', messages: 'on a message' };

function Entry({ command, keyWidth }: { command: Command; keyWidth: number }) {
  const where = WHERE[KEYMAP[command].where];
  return (
    <Text wrap="truncate-end">
      <Text color="cyan">{keysOf(command).padEnd(keyWidth)}</Text>
      {KEYMAP[command].help}
      <Text dimColor>{where ? ` (${where})` : ''}</Text>
    </Text>
  );
}

export function HelpOverlay({ width, height }: { width: number; height: number }) {
  const commands = (Object.keys(KEYMAP) as Command[]).filter((c) => !KEYMAP[c].hidden);
  const rows = Math.max(1, height - 3);
  const columns = commands.length > rows && width >= 70 ? 2 : 1;
  const keyWidth = columns === 2 ? 13 : Math.min(32, Math.max(...commands.map((c) => keysOf(c).length)) + 1);
  // Commands with many keys (Send) get a whole row; the rest fill the columns.
  const long = commands.filter((c) => keysOf(c).length >= keyWidth);
  const short = commands.filter((c) => keysOf(c).length < keyWidth);
  const perColumn = Math.max(0, Math.min(rows - long.length, Math.ceil(short.length / columns)));
  const shown = short.slice(0, perColumn * columns);
  const columnWidth = Math.floor((width - 4) / columns);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" paddingX={1} overflow="hidden">
      <Text bold wrap="truncate-end">
        Keys <Text dimColor>(Esc or ? closes{shown.length < short.length ? '; a taller terminal shows them all' : ''})</Text>
      </Text>
      {long.slice(0, rows).map((command) => (
        <Entry key={command} command={command} keyWidth={keysOf(command).length + 2} />
      ))}
      <Box>
        {Array.from({ length: columns }, (_, c) => (
          <Box key={c} flexDirection="column" width={columnWidth} paddingRight={1}>
            {shown.slice(c * perColumn, (c + 1) * perColumn).map((command) => (
              <Entry key={command} command={command} keyWidth={keyWidth} />
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
