// The open dialog's messages: time, author, text, files and, for the operator's own, the send
// state. A failed message shows a red mark and the likely reason; r (or Enter) on it resends it.
// A file's URL is the whole link to open it, and (where the terminal takes them) an OSC 8
// hyperlink too. While the visitor types, the pane's last row says so.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { ThreadItem } from '../../core/client/outbox.js';
import { useSession } from '../context/session.js';
import { useStore, useStores } from '../context/stores.js';
import { type FileLink, type MessageRow, visibleMessageRows, wrapMessage } from '../state/message-rows.js';
import { failureText, hasOlder, threadItems, type ThreadState } from '../state/thread.js';

const time = (iso: string | undefined) => (iso ? new Date(iso).toTimeString().slice(0, 5) : '--:--');

const visitorName = (state: ThreadState) => state.detail?.visitor.card.realName ?? state.detail?.visitor.name ?? 'visitor';

/** Text that opens `url` when clicked, in terminals that know OSC 8 (others never see it). */
const hyperlink = (url: string, text: string) => `\x1b]8;;${url}\x07${text}\x1b]8;;\x07`;

function author(item: ThreadItem, state: ThreadState, myId: number): string {
  if (item.author === 'visitor') return visitorName(state);
  if (item.author === 'system') return 'system';
  const op = item.message?.operator;
  return !op || op.id === myId ? 'you' : op.name;
}

/** The words after a message: its send state (own messages) or "edited". */
function tail(item: ThreadItem, state: ThreadState): { text: string; color?: string } | null {
  const edited = item.message?.editedAt ? ' (edited)' : '';
  if (item.delivery === 'sending') return { text: `${edited} · sending`, color: 'yellow' };
  if (item.delivery === 'delivered') return { text: `${edited} ✓ delivered`, color: 'green' };
  if (item.delivery === 'failed') return { text: `${edited} ✗ failed: ${failureText(item, state)} (r resends)`, color: 'red' };
  if (item.delivery === 'stored') return { text: `${edited} · not delivered yet`, color: 'gray' };
  return edited ? { text: edited, color: 'gray' } : null;
}

function Header({ state }: { state: ThreadState }) {
  const d = state.detail!.dialog;
  const who = d.visitor.realName ?? d.visitor.name;
  const where = d.status === 'closed' ? 'closed (u reopens)' : d.assignee ? `with ${d.assignee.name}` : 'unassigned (t takes)';
  return (
    <Text bold wrap="truncate-end">
      {who} <Text color={state.detail!.visitorOnline ? 'green' : 'gray'}>{state.detail!.visitorOnline ? '● on the site' : '○ away'}</Text>
      <Text dimColor> · {where}{d.leadClass ? ` · ${d.leadClass}` : ''}</Text>
    </Text>
  );
}

export function MessageList({ width, height }: { width: number; height: number }) {
  const stores = useStores();
  const { me, client, hyperlinks } = useSession();
  const state = useStore(stores.thread);
  const outbox = useStore(stores.outbox);
  const focus = useStore(stores.focus);
  const focused = focus.pane === 'thread' && !focus.overlay;
  const items = useMemo(() => threadItems(state, outbox), [state, outbox]);

  if (!state.detail) {
    return (
      <Box height={height} borderStyle="single" borderColor="gray" paddingX={1} overflow="hidden">
        <Text dimColor wrap="truncate-end">
          {state.opening !== null ? 'Opening the dialog…' : 'Pick a dialog on the left and press Enter. ? shows every key.'}
        </Text>
      </Box>
    );
  }
  const inner = Math.max(4, width - 4);
  const typing = state.typingUntil !== null;
  const rowsAvailable = Math.max(0, height - 3 - (typing ? 1 : 0));
  const rowsOf = (i: number): MessageRow[] => {
    const item = items[i];
    const t = tail(item, state);
    const head = `${time(item.message?.createdAt)} ${author(item, state, me.user.id)}: `;
    const files: FileLink[] = item.attachments.map((a) => ({ name: a.name, mime: a.mime, size: a.size, url: client.url + a.url }));
    return wrapMessage(i, head, item.body, inner, Math.max(1, rowsAvailable - 1), t ? t.text.length : 0, files);
  };
  const rows = visibleMessageRows(items.length, state.selected, rowsAvailable, rowsOf);
  const selected = state.selected ?? items.length - 1;
  const older = hasOlder(state) && rows[0]?.item === 0;
  return (
    <Box flexDirection="column" height={height} borderStyle="single" borderColor={focused ? 'cyan' : 'gray'} paddingX={1} overflow="hidden">
      <Header state={state} />
      {older && rows.length === rowsAvailable ? null : older ? <Text dimColor>↑ older messages load as you scroll up</Text> : null}
      {rows.map((row, n) => {
        const item = items[row.item];
        const t = row.last ? tail(item, state) : null;
        const first = row.head.trim() !== '';
        const text = row.link && hyperlinks ? hyperlink(row.link, row.text) : row.text;
        return (
          <Text key={`${item.key}:${n}`} wrap="truncate-end" inverse={focused && row.item === selected}>
            {first ? <Text dimColor>{row.head.slice(0, 6)}</Text> : row.head}
            {first ? <Text bold color={item.author === 'visitor' ? 'cyan' : undefined}>{row.head.slice(6)}</Text> : null}
            {row.file === 'url' ? <Text underline>{text}</Text> : text}
            {t ? <Text color={t.color}>{t.text}</Text> : null}
          </Text>
        );
      })}
      {typing ? (
        <>
          <Box flexGrow={1} />
          <Text dimColor italic wrap="truncate-end">
            {visitorName(state)} is typing…
          </Text>
        </>
      ) : null}
    </Box>
  );
}
