// One dialog pane (My messages, Shared messages or Archive): how many rows are above the ones in
// view, its count, unread and "new" marks, and the rows that fit, newest activity first. When only
// one pane fits, a line under the title shows the other two with their counts (Tab reaches them).
// While dialogs that arrived keep the view away from the selected dialog, a row says where it is.
import { Box, SELECTED, Text, usePaneBorder, useTheme } from '../theme.js';
import type { View } from '../../core/protocol/constants.js';
import type { DialogSummary } from '../../core/protocol/dialogs.js';
import { displayWidth, oneLine, truncateEnd } from '../../core/text-layout.js';
import { useStore, useStores } from '../context/stores.js';
import { dialogName, isUnread, paneRows, unreadCount } from '../state/dialogs.js';
import { listRows } from '../state/layout.js';
import { CutRow } from './CutRow.js';

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
    <CutRow
      width={width}
      inverse={selected}
      pieces={[
        { text: mark },
        { text: unread ? '●' : ' ', color: 'cyan' },
        { text: who, bold: unread || open },
        { text: ` ${last}`, dimColor: !selected },
      ]}
    />
  );
}

/**
 * The title's pieces in `width` columns. What it counts matters more than what it is called: the
 * rows above (↑N), the count and the unread mark stay whole; "★ new" gives way to ★, then the
 * name to its short form, then that is cut.
 */
export function titlePieces(view: View, above: number, count: number, unread: string, attention: boolean, width: number): string[] {
  const marks = (star: string) => [above > 0 ? `↑${above} ` : '', ` (${count})`, unread ? ` ●${unread}` : '', attention ? star : ''];
  const tries: Array<[string, string]> = [
    [VIEW_TITLES[view], ' ★ new'],
    [VIEW_TITLES[view], ' ★'],
    [SHORT[view], ' ★'],
  ];
  const fits = tries.find(([name, star]) => displayWidth(name + marks(star).join('')) <= width);
  const [name, star] = fits ?? [truncateEnd(SHORT[view], Math.max(0, width - displayWidth(marks(' ★').join('')))), ' ★'];
  const [up, total, unreadMark, starMark] = marks(star);
  return [up, name, total, unreadMark, starMark];
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
  const inner = width - 4;

  const rows = listRows(height, single);
  const { start, end } = paneRows(state, view, rows, focused);
  // Dialogs arrived and the view stayed: the selection is out of it, and a row (the last, or the
  // first when it is above) says which dialog it is on, as the keys act on it.
  const selected = state.selected[view];
  const away = focused && list.length > 0 && rows > 1 ? (selected >= end ? 'below' : selected < start ? 'above' : null) : null;
  const from = away === 'above' ? start + 1 : start;
  const to = away === 'below' ? end - 1 : end;
  const awayRow = away ? (
    <CutRow
      key="away"
      width={inner}
      pieces={[
        { text: away === 'below' ? '↓ ' : '↑ ', dimColor: true },
        { text: dialogName(list[selected]), inverse: true },
        { text: ` (selected, further ${away === 'below' ? 'down' : 'up'})`, dimColor: true },
      ]}
    />
  ) : null;
  const [up, name, count, marks, attention] = titlePieces(view, start, state.counts[view], unread > 0 ? `${unread}${state.next[view] !== null ? '+' : ''}` : '', state.attention[view], inner);
  return (
    <Box flexDirection="column" height={height} {...usePaneBorder(focused)} paddingX={1} overflow="hidden">
      {/* Rows above the ones in view (new dialogs arrive at the top): first, so a narrow title never cuts it. */}
      <CutRow
        width={inner}
        bold
        pieces={[
          { text: up, dimColor: true },
          { text: name },
          { text: count },
          { text: marks, color: 'cyan' },
          { text: attention, color: 'yellow' },
        ]}
      />
      {single ? (
        <CutRow
          width={inner}
          dimColor
          pieces={[
            {
              text: VIEWS.filter((v) => v !== view)
                .map((v) => `${SHORT[v]} ${state.counts[v]}${state.attention[v] ? ' ★' : ''}`)
                .join(' · '),
            },
          ]}
        />
      ) : null}
      {list.length === 0 ? (
        <Text dimColor>{state.loaded ? 'no dialogs' : 'loading…'}</Text>
      ) : (
        <>
          {away === 'above' ? awayRow : null}
          {list.slice(from, to).map((d, i) => (
            <Row key={d.id} dialog={d} selected={focused && from + i === selected} unread={isUnread(state, d)} open={d.id === openId} width={inner} />
          ))}
          {away === 'below' ? awayRow : null}
        </>
      )}
    </Box>
  );
}
