// One line at the bottom: online/offline and why (schedule or manual) with what `o` will do,
// the connection, the last notice, and key hints. It is cut, never wrapped, on a narrow terminal
// (the layout gives it one row): while a notice shows, the why and the hints make room for it.
import { Box, Text } from '../theme.js';
import { oneLine } from '../../core/text-layout.js';
import { useStore, useStores } from '../context/stores.js';
import { keyOf } from '../input/keybindings.js';
import { describeSocket, describeStatus } from '../state/connection.js';

export function StatusBar({ width }: { width: number }) {
  const stores = useStores();
  const { socket, status, notice, bell } = useStore(stores.connection);
  return (
    <Box width={width} height={1} overflow="hidden">
      <Text wrap="truncate-end">
        <Text color={status?.online ? 'green' : 'red'}>{status?.online ? '● ' : '○ '}</Text>
        <Text>{describeStatus(status, keyOf('ToggleOnline'), Date.now(), notice !== null)}</Text>
        <Text dimColor> · </Text>
        <Text color={socket.state === 'online' ? 'green' : 'yellow'}>{describeSocket(socket)}</Text>
        {notice ? (
          <Text color={notice.error ? 'red' : 'green'}> · {oneLine(notice.text)}</Text>
        ) : (
          <Text dimColor>
            {' '}
            · {keyOf('Help')} keys · Tab panes{bell ? '' : ' · bell off'} · {keyOf('Quit')} quit
          </Text>
        )}
      </Text>
    </Box>
  );
}
