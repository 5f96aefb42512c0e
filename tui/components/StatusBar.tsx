// One line at the bottom: online/offline and why (schedule or manual) with what `o` will do,
// the connection (a retry's wait counting down), the last notice, and key hints. It is never
// wrapped (the layout gives it one row), and what matters least goes first: the why (a notice
// needs the room), the hints one by one down to "? keys", which leads to all the others, then the
// connection's details, the connection (it is back once the notice goes) and the word for the
// status (its dot stays), then the notice's longer wordings; the last is cut only when that is not
// enough, its key hint kept whole (cut.ts fitNotice). A hint is dropped whole, never cut. Once the
// session ended, only the keys that still work are offered.
import { useLayoutEffect, useState } from 'react';
import { Box } from '../theme.js';
import { displayWidth, oneLine } from '../../core/text-layout.js';
import { type Clock, systemClock, useSession } from '../context/session.js';
import { useStore, useStores } from '../context/stores.js';
import { keyOf } from '../input/keybindings.js';
import { describeSocket, describeStatus, retryLeft } from '../state/connection.js';
import { fitNotice, fitWording } from '../state/cut.js';
import { CutRow, type Piece } from './CutRow.js';

/** The time now, read again each time the whole seconds left until `deadline` change (while there is one). */
function useCountdown(clock: Clock, deadline: number | null): number {
  const [, tick] = useState(0);
  const now = clock.now();
  // Armed in the commit that draws the number (not after it), so the clock that drew it moves it on.
  useLayoutEffect(() => {
    if (deadline === null || deadline <= now) return;
    const timer = clock.setTimeout(() => tick((n) => n + 1), (deadline - now) % 1000 || 1000);
    return () => clock.clearTimeout(timer);
  });
  return now;
}

export function StatusBar({ width }: { width: number }) {
  const stores = useStores();
  const session = useSession();
  const { socket, socketAt, status, notice, bell, ended } = useStore(stores.connection);
  const wait = retryLeft(socket);
  const now = useCountdown(session.clock ?? systemClock, wait === null ? null : socketAt + wait);
  const dot: Piece = { text: status?.online ? '● ' : '○ ', color: status?.online ? 'green' : 'red' };

  if (ended !== null) {
    const keys = session.signIn ? ['Enter sign in again · q quit', 'Enter sign in · q quit'] : ['q quit'];
    const wordings = [
      ...keys.map((k) => ['session ended', k]),
      ...keys.map((k) => ['ended', k]),
      ['', keys[keys.length - 1]],
    ].map(([what, k]): Piece[] => [{ text: '○ ', color: 'red' }, { text: what }, { text: `${what ? ' · ' : ''}${k}`, dimColor: true }]);
    return (
      <Box width={width} height={1} overflow="hidden">
        <CutRow width={width} pieces={fitWording(wordings, width)} keep={1} />
      </Box>
    );
  }
  // The hints, most first: "? keys" comes last, as it leads to every key.
  const help = `${keyOf('Help')} keys`;
  const hints = [
    [help, `${keyOf('NextPane')} panes`, ...(bell ? [] : ['bell off']), `${keyOf('Quit')} quit`],
    [help, ...(bell ? [] : ['bell off']), `${keyOf('Quit')} quit`],
    [help, `${keyOf('Quit')} quit`],
    [help],
  ];
  // The notice's wordings, longest first.
  const said = notice ? [notice.text, ...(notice.shorter ?? [])].map(oneLine) : [];
  // The status in full, in brief or as its dot alone; the connection in full, in brief or not at
  // all (for as long as a notice shows, which is the news); the hints (`hint`: which of them);
  // the notice (`words`: in which wording).
  const line = (statusSays: 'full' | 'brief' | 'dot', socketSays: 'full' | 'brief' | 'none', hint = 0, words = said[0]): Piece[] => {
    const pieces: Piece[] = [dot];
    if (statusSays !== 'dot') pieces.push({ text: describeStatus(status, keyOf('ToggleOnline'), now, statusSays === 'brief', session.timezone) });
    if (socketSays !== 'none') {
      if (statusSays !== 'dot') pieces.push({ text: ' · ', dimColor: true });
      pieces.push({ text: describeSocket(socket, now - socketAt, socketSays === 'brief'), color: socket.state === 'online' ? 'green' : 'yellow' });
    }
    const after = pieces.length > 1 ? ' · ' : '';
    if (notice) pieces.push({ text: `${after}${words}`, color: notice.error ? 'red' : 'green' });
    else pieces.push({ text: `${after}${hints[hint].join(' · ')}`, dimColor: true });
    return pieces;
  };
  const choices = notice
    ? [line('brief', 'full'), line('brief', 'brief'), line('brief', 'none'), line('dot', 'none', 0, fitNotice(said, width - displayWidth(dot.text)))]
    : [line('full', 'full'), ...hints.map((_, i) => line('brief', 'full', i)), line('brief', 'brief', 3), line('dot', 'brief', 3), line('dot', 'none', 3)];
  // A notice is cut by fitNotice; without one, the hint is what stays whole.
  const pieces = fitWording(choices, width);
  return (
    <Box width={width} height={1} overflow="hidden">
      <CutRow width={width} pieces={pieces} keep={notice ? 0 : 1} />
    </Box>
  );
}
