// Asked on q or Ctrl+C when quitting would cost something: messages the server has not stored
// are in the outbox (quitting loses them), or the operator is online by their own switch
// (visitors would go on writing to nobody). o goes offline first, y quits as things are, n or
// Esc stays (to resend or copy the messages). The choices are a hint (fitHint): on one row when
// they fit, else a row each, shorter, never broken inside a choice.
import { Box, Text } from '../theme.js';
import { useSession } from '../context/session.js';
import { useStore, useStores } from '../context/stores.js';
import { onlineByHand } from '../state/connection.js';
import { fitHint, type HintRows } from '../state/cut.js';
import { notSent } from '../state/thread.js';
import { Hint } from './Hint.js';
import type { Piece } from './CutRow.js';

/** The window's inner width: its border and padding off the screen's. */
const innerWidth = (width: number) => Math.max(1, width - 4);

/** The choices of a window `width` wide when online by hand: o, y and n, longest wording first. */
export function quitChoices(width: number): HintRows<Piece> {
  const [offline, back] = [{ text: 'o: go offline and quit' }, { text: 'n or Esc: back' }];
  const [stay, stayShort] = [{ text: 'y: quit, staying online (to answer from Telegram)' }, { text: 'y: quit, staying online' }];
  return fitHint(
    [
      [[offline, stay, back]],
      [[offline, stay], [back]],
      [[offline, stayShort, back]],
      [[offline], [stay], [back]],
      [[offline, stayShort], [back]],
      [[offline], [stayShort], [back]],
      [[{ text: 'o: offline, quit' }], [{ text: 'y: quit, online' }], [{ text: 'n/Esc: back' }]],
    ],
    innerWidth(width),
  );
}

export function QuitConfirm({ width, height }: { width: number; height: number }) {
  const stores = useStores();
  const { me, projectId } = useSession();
  const n = notSent(useStore(stores.outbox));
  const online = onlineByHand(useStore(stores.connection).status);
  const project = me.projects.find((p) => p.id === projectId)?.name ?? 'this project';
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor="yellow" paddingX={1} overflow="hidden">
      {n > 0 ? (
        <>
          <Text bold wrap="wrap">
            {n === 1 ? '1 message is' : `${n} messages are`} not sent yet: quit anyway? y/n
          </Text>
          <Text dimColor wrap="wrap">
            Quitting loses {n === 1 ? 'it' : 'them'}. n (or Esc) goes back: r on a failed message resends it.
          </Text>
        </>
      ) : null}
      {online ? (
        <>
          <Text bold wrap="wrap">
            You are online in {project}: visitors see the chat and wait for an answer.
          </Text>
          <Hint width={innerWidth(width)} rows={quitChoices(width)} />
        </>
      ) : null}
    </Box>
  );
}
