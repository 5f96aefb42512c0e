// One line at the bottom: online/offline and why (schedule or manual) with what `o` will do,
// the connection (a retry's wait counting down), the last notice, and key hints. It is never
// wrapped (the layout gives it one row), and what matters least goes first: the why (a notice
// needs the room), the hints one by one down to "? keys", which leads to all the others, then the
// connection's details, the connection (it is back once the notice goes) and the word for the
// status (its dot stays), then the notice's longer wordings; the last is cut only when that is not
// enough, its key hint kept whole (cut.ts fitNotice). A hint is dropped whole, never cut. Once the
// session ended, only the keys that still work are offered.
//
// The hints are the keys that work where the keys go: in the panes "? keys" and "q quit" (and the
// status says what `o` does); in the composer, where ?, q and o are text, the note key (Ctrl+P: a
// private note, or back to a reply), Esc and Ctrl+C; over a window, Esc and Ctrl+C.
import { useLayoutEffect, useState } from 'react';
import { Box } from '../theme.js';
import { displayWidth, oneLine } from '../../core/text-layout.js';
import { type Clock, systemClock, useSession } from '../context/session.js';
import { useStore, useStores } from '../context/stores.js';
import { keyOf } from '../input/keybindings.js';
import { type ComposerState, writesNote } from '../state/composer.js';
import type { FocusState } from '../state/focus.js';
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

/**
 * The hints for where the keys go, most first, shorter and shorter (four wordings, the last the
 * least that still helps): `open` says whether a dialog is open (or opening) for a note.
 */
export function keyHints(focus: FocusState, composer: Pick<ComposerState, 'editing' | 'note'>, open: boolean, bell: boolean): string[][] {
  const [back, tab, quit] = [keyOf('Back'), keyOf('NextPane'), keyOf('QuitAnywhere')];
  const bellOff = bell ? [] : ['bell off'];
  if (focus.overlay) return [[`${back} closes`, `${quit} quit`], [`${back} closes`, `${quit} quit`], [`${back} closes`], [`${back} closes`]];
  if (focus.pane === 'composer') {
    // Editing: Esc cancels the edit (the composer's hint says so), and the kind stays as it is.
    if (composer.editing) return [[`${tab} panes`, `${quit} quit`], [`${tab} panes`, `${quit} quit`], [`${quit} quit`], [`${quit} quit`]];
    const note = keyOf('ToggleNote');
    const [long, short] = !open ? [[], []] : writesNote(composer) ? [[`${note} back to a reply`], [`${note} reply`]] : [[`${note} private note`], [`${note} note`]];
    return [
      [...long, `${back} back`, `${tab} panes`, ...bellOff, `${quit} quit`],
      [...long, `${back} back`, `${quit} quit`],
      [...short, `${back} back`],
      short.length ? short : [`${back} back`],
    ];
  }
  const help = `${keyOf('Help')} keys`;
  // "? keys" comes last, as it leads to every key.
  return [
    [help, `${tab} panes`, ...bellOff, `${keyOf('Quit')} quit`],
    [help, ...bellOff, `${keyOf('Quit')} quit`],
    [help, `${keyOf('Quit')} quit`],
    [help],
  ];
}

export function StatusBar({ width }: { width: number }) {
  const stores = useStores();
  const session = useSession();
  const { socket, socketAt, status, notice, bell, ended } = useStore(stores.connection);
  const focus = useStore(stores.focus);
  const composer = useStore(stores.composer);
  const thread = useStore(stores.thread);
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
  const hints = keyHints(focus, composer, thread.detail !== null || thread.opening !== null, bell);
  // `o` switches online in the panes only: elsewhere it is text (or a window's key).
  const inPanes = focus.overlay === null && focus.pane !== 'composer';
  // The notice's wordings, longest first.
  const said = notice ? [notice.text, ...(notice.shorter ?? [])].map(oneLine) : [];
  // The status in full, in brief or as its dot alone; the connection in full, in brief or not at
  // all (for as long as a notice shows, which is the news); the hints (`hint`: which of them);
  // the notice (`words`: in which wording).
  const line = (statusSays: 'full' | 'brief' | 'dot', socketSays: 'full' | 'brief' | 'none', hint = 0, words = said[0]): Piece[] => {
    const pieces: Piece[] = [dot];
    if (statusSays !== 'dot') pieces.push({ text: describeStatus(status, inPanes ? keyOf('ToggleOnline') : null, now, statusSays === 'brief', session.timezone) });
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
