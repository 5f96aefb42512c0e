// The `?` window (its layout: tui/state/help.ts): every command with its keys and where it works,
// in one column or two, and scrolling where neither fits, so no description is ever cut. Esc, ?
// or q close it.
import { Box, Text } from '../theme.js';
import { useStore, useStores } from '../context/stores.js';
import { type HelpCell, helpLayout } from '../state/help.js';
import { CutRow } from './CutRow.js';
import { WindowTitle } from './WindowTitle.js';

function Cell({ cell }: { cell: HelpCell }) {
  return (
    <Box width={cell.width} flexShrink={0}>
      <CutRow
        width={cell.width}
        pieces={[
          { text: cell.keys.padEnd(cell.keyWidth), color: 'cyan' },
          { text: cell.help },
          { text: cell.where, dimColor: true },
        ]}
      />
    </Box>
  );
}

export function HelpOverlay({ width, height }: { width: number; height: number }) {
  const { top: wanted } = useStore(useStores().help);
  const { rows, page } = helpLayout(width, height);
  const top = Math.min(wanted, Math.max(0, rows.length - page));
  const shown = rows.slice(top, top + page);
  const inView = rows.length > page ? { first: top + 1, last: top + shown.length, total: rows.length } : null;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" paddingX={1} overflow="hidden">
      <WindowTitle width={width - 4} name="Keys" short="Keys" inView={inView} close="Esc, ? or q close" />
      {shown.map((row, i) => (
        <Box key={top + i}>
          {row.map((cell, c) => (
            <Cell key={c} cell={cell} />
          ))}
        </Box>
      ))}
    </Box>
  );
}
