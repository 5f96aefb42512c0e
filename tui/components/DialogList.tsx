// One dialog pane (My messages, Shared messages or Archive): how many rows are above the ones in
// view, its count, unread and "new" marks, and the rows that fit, newest activity first. When only
// one pane fits, a line under the title shows the other two with their counts (Tab reaches them).
import { Box, Text } from 'ink';
import type { View } from '../../core/protocol/constants.js';
import type { DialogSummary } from '../../core/protocol/dialogs.js';
import { oneLine } from '../../core/text-layout.js';
import { useStore, useStores } from '../context/stores.js';
import { isUnread, paneRows, unreadCount } from '../state/dialogs.js';
import { listRows } from '../state/layout.js';

export const VIEW_TITLES: Record<View, string> = { mine: 'My messages', shared: 'Shared messages', archive: 'Archive' };
const SHORT: Record<View, string> = { mine: 'Mine', shared: 'Shared', archive: 'Archive' };
const VIEWS: View[] = ['mine', 'shared', 'archive'];

function Row({ dialog, selected, unread, open }: { dialog: DialogSummary; selected: boolean; unread: boolean; open: boolean }) {
  const who = oneLine(dialog.visitor.realName ?? dialog.visitor.name);
  // A message with only a file has no text: say so rather than show nothing.
  const text = dialog.lastMessage && oneLine(dialog.lastMessage.body).trim();
  const last = dialog.lastMessage ? text || '📎 file' : '';
  return (
    <Text wrap="truncate-end" inverse={selected}>
      <Text color="cyan">{unread ? '●' : ' '}</Text>
      <Text bold={unread || open}>{who}</Text>
      <Text dimColor={!selected}> {last}</Text>
    </Text>
  );
}

export function DialogList({ view, height, single }: { view: View; height: number; single: boolean }) {
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
    <Box flexDirection="column" height={height} borderStyle="single" borderColor={focused ? 'cyan' : 'gray'} paddingX={1} overflow="hidden">
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
          .map((d, i) => <Row key={d.id} dialog={d} selected={focused && start + i === state.selected[view]} unread={isUnread(state, d)} open={d.id === openId} />)
      )}
    </Box>
  );
}
