// The session is over (signed out here or elsewhere, revoked, expired, or no longer a member of
// the project): nothing on the main screen can work any more, so it says so instead, with the
// way back in. Messages the server never stored are listed, to copy: signing in again starts afresh.
import { Box, Text } from '../theme.js';
import { oneLine } from '../../core/text-layout.js';
import { useSession } from '../context/session.js';
import { endedBecause } from '../login/state.js';
import { useStore, useStores } from '../context/stores.js';
import { notSent } from '../state/thread.js';
import { CutRow } from './CutRow.js';

export function SessionEnded({ width, height }: { width: number; height: number }) {
  const stores = useStores();
  const { signIn } = useSession();
  const reason = useStore(stores.connection).ended ?? '';
  const outbox = useStore(stores.outbox);
  const n = notSent(outbox);
  const lost = outbox.order.map((id) => outbox.entries[id]).filter((e) => e.message === null && e.state !== 'delivered');
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor="red" paddingX={1} overflow="hidden">
      <Text bold color="red" wrap="wrap">
        Your session ended: {endedBecause(reason)}.
      </Text>
      <Text> </Text>
      {n > 0 ? (
        <Text color="yellow" wrap="wrap">
          {n === 1 ? '1 message was' : `${n} messages were`} not sent and will not be; copy what you need before you go on:
        </Text>
      ) : null}
      {lost.slice(0, Math.max(0, height - 7)).map((e) => (
        <CutRow key={e.clientId} width={width - 4} pieces={[{ text: `• ${oneLine(e.body)}` }]} />
      ))}
      <Text> </Text>
      <Text wrap="wrap">{signIn ? 'Enter: sign in again · q or Ctrl+C: quit' : 'q or Ctrl+C: quit, then run "parley tui" (or "parley login") to sign in again'}</Text>
    </Box>
  );
}
