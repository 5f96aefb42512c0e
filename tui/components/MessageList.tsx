// The open dialog's messages: time, author, text, files and, for the operator's own, the send
// state. A failed message shows a red mark and the likely reason; r (or Enter) on it resends it.
// A file's URL is the whole link to open it, and (where the terminal takes them) an OSC 8
// hyperlink too. While the visitor types, the pane's last row says so. Scrolled up, messages that
// arrive below the view are counted on a "↓ N new" line instead of passing unnoticed. Without
// colour the selected message's rows are marked ▸ in the pane's left padding (inverse may not show).
// A private note is marked "[note]" before its author, in yellow, and its other rows start with a
// yellow ┊, so a note wrapped over many rows of a narrow pane is a note on each of them.
import { Box, SELECTED, Text, usePaneBorder, useTheme } from '../theme.js';
import { useMemo } from 'react';
import { displayWidth, oneLine } from '../../core/text-layout.js';
import { useSession } from '../context/session.js';
import { useStore, useStores } from '../context/stores.js';
import type { ThreadItem } from '../../core/client/outbox.js';
import { type MessageRow, visibleMessageRows } from '../state/message-rows.js';
import { NOTE_MARK, tail, threadLayout, viewBottom, visitorName } from '../state/message-view.js';
import { hasOlder, threadItems, type ThreadState } from '../state/thread.js';
import { dialogName } from '../state/dialogs.js';
import { keyOf } from '../input/keybindings.js';
import { cutBeforeHint, fitWording } from '../state/cut.js';
import { CutRow, type Piece } from './CutRow.js';

/** Text that opens `url` when clicked, in terminals that know OSC 8 (others never see it). */
const hyperlink = (url: string, text: string) => `\x1b]8;;${url}\x07${text}\x1b]8;;\x07`;

/** Starts a note's rows after its first, in place of their indent (as wide). */
const NOTE_BAR = '┊ ';

/**
 * One row of a message: the time and author on its first, the send state after its last. A send
 * state wider than the row (a failed message's reason at 30 columns) keeps its key hint whole:
 * "✗ failed… (r resends)".
 */
export function RowText({ row, item, state, width, hyperlinks, inverse }: { row: MessageRow; item: ThreadItem; state: ThreadState; width: number; hyperlinks?: boolean; inverse?: boolean }) {
  const t = row.last ? tail(item, state) : null;
  const first = row.head.trim() !== '';
  // The time, dim, starts the head's first row; a name wider than a row goes on over the next.
  const time = first && !row.headMore ? row.head.slice(0, 6) : '';
  const text = row.link && hyperlinks ? hyperlink(row.link, row.text) : row.text;
  const tailText = t ? cutBeforeHint(t.text, width - displayWidth(row.head + row.text)) : '';
  const who = row.head.slice(time.length);
  const mark = item.private && time && who.startsWith(NOTE_MARK) ? NOTE_MARK : '';
  const indent = item.private && row.head === '  ' ? <Text color="yellow">{NOTE_BAR}</Text> : row.head;
  return (
    <Text wrap="truncate-end" inverse={inverse}>
      {first ? <Text dimColor>{time}</Text> : indent}
      {mark ? <Text bold color="yellow">{mark}</Text> : null}
      {first ? <Text bold color={item.author === 'visitor' ? 'cyan' : undefined}>{who.slice(mark.length)}</Text> : null}
      {row.file === 'url' ? <Text underline>{text}</Text> : text}
      {t ? <Text color={t.color}>{tailText}</Text> : null}
    </Text>
  );
}

/**
 * The dialog's name, whether the visitor is on the site, who has it (or the key that takes or
 * reopens it) and its lead class; narrower, the presence as its dot, then without the lead class,
 * then only the key: "Lucky Raccoon ○ (t takes)". The name is what gets cut, never the key.
 */
function Header({ state, width }: { state: ThreadState; width: number }) {
  const d = state.detail!.dialog;
  const here = state.detail!.visitorOnline;
  const [where, hint] = d.status === 'closed' ? ['closed', ` (${keyOf('Reopen')} reopens)`] : d.assignee ? [`with ${oneLine(d.assignee.name)}`, ''] : ['unassigned', ` (${keyOf('Take')} takes)`];
  const name: Piece = { text: dialogName(d) };
  const presence = (long: boolean): Piece => ({ text: here ? (long ? ' ● on the site' : ' ●') : long ? ' ○ away' : ' ○', color: here ? 'green' : 'gray' });
  const after = (text: string): Piece => ({ text, dimColor: true });
  const lead = d.leadClass ? [after(` · ${oneLine(d.leadClass)}`)] : [];
  const wordings: Piece[][] = [
    [name, presence(true), after(` · ${where}${hint}`), ...lead],
    [name, presence(false), after(` · ${where}${hint}`), ...lead],
    [name, presence(false), after(` · ${where}${hint}`)],
    ...(hint ? [[name, presence(false), after(hint)]] : []),
  ];
  return <CutRow width={width} bold pieces={fitWording(wordings, width)} keep={hint ? 2 : 0} />;
}

export function MessageList({ width, height }: { width: number; height: number }) {
  const stores = useStores();
  const { me, client, hyperlinks } = useSession();
  const state = useStore(stores.thread);
  const outbox = useStore(stores.outbox);
  const focus = useStore(stores.focus);
  const focused = focus.pane === 'thread' && !focus.overlay;
  const items = useMemo(() => threadItems(state, outbox), [state, outbox]);
  const { color } = useTheme();

  if (!state.detail) {
    return (
      <Box height={height} {...usePaneBorder(false)} paddingX={1} overflow="hidden">
        <Text dimColor wrap="wrap">
          {state.opening !== null ? 'Opening the dialog…' : 'Pick a dialog on the left and press Enter. ? shows every key.'}
        </Text>
      </Box>
    );
  }
  const typing = state.typingUntil !== null;
  const { rowsAvailable, rowsOf } = threadLayout(items, state, { myId: me.user.id, url: client.url }, width, height);
  // The view as the operator left it, unless the selected message is not whole in it (the pane
  // changed size): then the view goes to it.
  const selectedNow = state.selected === null ? null : Math.min(state.selected, items.length - 1);
  const whole = (shown: MessageRow[], i: number) => shown.filter((r) => r.item === i).length === Math.min(rowsOf(i).length, rowsAvailable);
  let rows = visibleMessageRows(items.length, viewBottom(state, items.length), rowsAvailable, rowsOf);
  if (selectedNow !== null && !whole(rows, selectedNow)) rows = visibleMessageRows(items.length, selectedNow, rowsAvailable, rowsOf);
  // New messages below the last one in view: a line says how many (threadLayout kept its row).
  const unseen = new Set(state.unseen);
  const fresh = rows.length ? items.slice(rows[rows.length - 1].item + 1).filter((item) => item.message && unseen.has(item.message.id)).length : 0;
  const selected = state.selected ?? items.length - 1;
  const older = hasOlder(state) && rows[0]?.item === 0 && rows.length < rowsAvailable;
  const marked = (row: MessageRow) => focused && row.item === selected;
  return (
    <Box flexDirection="column" height={height} {...usePaneBorder(focused)} paddingX={1} overflow="hidden">
      <Header state={state} width={width - 4} />
      {older ? <CutRow width={width - 4} dimColor pieces={fitWording([[{ text: '↑ older messages load as you scroll up' }], [{ text: '↑ older ones: scroll up' }]], width - 4)} /> : null}
      {/* Without colour, a column in the left padding marks the selected message's rows. */}
      <Box marginLeft={color ? 0 : -1}>
        {color ? null : (
          <Box flexDirection="column" width={1} flexShrink={0}>
            {rows.map((row, n) => (
              <Text key={n}>{marked(row) ? SELECTED : ' '}</Text>
            ))}
          </Box>
        )}
        <Box flexDirection="column" flexGrow={1}>
          {rows.map((row, n) => (
            <RowText key={`${items[row.item].key}:${n}`} row={row} item={items[row.item]} state={state} width={width - 4} hyperlinks={hyperlinks} inverse={marked(row)} />
          ))}
        </Box>
      </Box>
      {fresh > 0 || typing ? <Box flexGrow={1} /> : null}
      {fresh > 0 ? (
        <CutRow width={width - 4} color="yellow" bold pieces={fitWording([[{ text: `↓ ${fresh} new (↓ or PgDn to read)` }], [{ text: `↓ ${fresh} new (↓ reads)` }]], width - 4)} />
      ) : null}
      {typing ? (
        <Text dimColor italic wrap="truncate-end">
          {visitorName(state)} is typing…
        </Text>
      ) : null}
    </Box>
  );
}
