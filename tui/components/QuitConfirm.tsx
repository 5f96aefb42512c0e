// Asked on q or Ctrl+C while messages the server has not stored are in the outbox: quitting
// loses them, so the operator says so first (y) or stays (n, Esc) to resend or copy them.
import { Box, Text } from 'ink';
import { useStore, useStores } from '../context/stores.js';
import { notSent } from '../state/thread.js';

export function QuitConfirm({ width, height }: { width: number; height: number }) {
  const n = notSent(useStore(useStores().outbox));
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor="yellow" paddingX={1} overflow="hidden">
      <Text bold wrap="wrap">
        {n === 1 ? '1 message is' : `${n} messages are`} not sent yet: quit anyway? y/n
      </Text>
      <Text dimColor wrap="wrap">
        Quitting loses {n === 1 ? 'it' : 'them'}. n (or Esc) goes back: r on a failed message resends it.
      </Text>
    </Box>
  );
}
