// One dialog pane (My messages, Shared messages or Archive): how many rows are above the ones in
// view, its count, unread and "new" marks, and the rows that fit, newest activity first. When only
// one pane fits, a line under the title shows the other two with their counts (Tab reaches them).
import { Box, SELECTED, Text, usePaneBorder, useTheme } from '../theme.js';
import type { View } from '../../core/protocol/constants.js';
import type { DialogSummary } from '../../core/protocol/dialogs.js';
import { oneLine, truncateEnd } from '../../core/text-layout.js';
import { useStore, useStores } from '../context/stores.js';
import { dialogName, isUnread, paneRows, unreadCount } from '../state/dialogs.js';
import { listRows } from '../state/layout.js';

export const VIEW_TITLES: Record<View, string> = { mine: 'My messages', shared: 'Shared messages', archive: 'Archive' };
const SHORT: Record<View, string> = { mine: 'Mine', shared: 'Shared', archive: 'Archive' };
const VIEWS: View[] = ['mine', 'shared', 'archive'];

/**
 * A long real name is cut so the last message keeps some room: to NAME_MAX columns, and to leave
 * LAST_ROOM for the message (an English generated name, 16 at most, stays whole at 80 columns).
 */
const NAME_MAX = 24;
const LAST_ROOM = 4;

function Row({ dialog, selected, unread, open, width }: { dialog: DialogSummary; selected: boolean; unread: boolean; open: boolean; width: number }) {
  // Without colour the selected row is marked in a column of its own, besides inverse.
  const { color } = useTheme();
  const mark = color ? '' : selected ? SELECTED : ' ';
  const who = truncateEnd(dialogName(dialog), Math.min(NAME_MAX, width - 1 - mark.length - LAST_ROOM));
  // A message with only a file has no text: say so rather than show nothing.
  const text = dialog.lastMessage && oneLine(dialog.lastMessage.body).trim();
  const last = dialog.lastMessage ? text || '📎 file' : '';
  return (
    <Text wrap="truncate-end" inverse={selected}>
      {mark}
      <Text color="cyan">{unread ? '●' : ' '}</Text>
      <Text bold={unread || open}>{who}</Text>
      <Text dimColor={!selected}> {last}</Text>
    </Text>
  );
}

/** `width`: the pane's, borders included. */
export function DialogList({ view, width, height, single }: { view: View; width: number; height: number; single: boolean }) {
  const stores = useStores();
  const state = useStore(stores.dialogs);
  const focus = useStore(stores.focus);
  const openId = useStore(stores.thread).detail?.dialog.id;
  const focused = focus.pane === view && !focus.overlay;
  const list = state.lists[view];
  const unread = unreadCount(state, view);

  const rows = listRows(height, single);
  const { start, end } = paneRows(state, view, rows, focused);
  return (
    <Box flexDirection="column" height={height} {...usePaneBorder(focused)} paddingX={1} overflow="hidden">
      <Text bold wrap="truncate-end">
        {/* Rows above the ones in view (new dialogs arrive at the top): first, so a narrow title never cuts it. */}
        {start > 0 ? <Text dimColor>↑{start} </Text> : null}
        {VIEW_TITLES[view]} ({state.counts[view]})
        {/* Counted in the rows loaded: with more to load there may be more ("3+"). */}
        {unread > 0 ? <Text color="cyan"> ●{unread}{state.next[view] !== null ? '+' : ''}</Text> : null}
        {state.attention[view] ? <Text color="yellow"> ★ new</Text> : null}
      </Text>
      {single ? (
        <Text dimColor wrap="truncate-end">
          {VIEWS.filter((v) => v !== view)
            .map((v) => `${SHORT[v]} ${state.counts[v]}${state.attention[v] ? ' ★' : ''}`)
            .join(' · ')}
        </Text>
      ) : null}
      {list.length === 0 ? (
        <Text dimColor>{state.loaded ? 'no dialogs' : 'loading…'}</Text>
      ) : (
        list
          .slice(start, end)
          .map((d, i) => <Row key={d.id} dialog={d} selected={focused && start + i === state.selected[view]} unread={isUnread(state, d)} open={d.id === openId} width={width - 4} />)
      )}
    </Box>
  );
}
