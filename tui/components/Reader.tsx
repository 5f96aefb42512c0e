// The `v` window: one message whole, for one the message pane cuts. ↑/↓ scroll a row, PgUp/PgDn a
// page; Esc, v or q close it. The rows are the pane's (wrapped at spaces, files with their URLs).
import { Box, Text } from '../theme.js';
import { useMemo } from 'react';
import { useSession } from '../context/session.js';
import { useStore, useStores } from '../context/stores.js';
import { readerLayout } from '../state/message-view.js';
import { threadItems } from '../state/thread.js';
import { RowText } from './MessageList.js';
import { WindowTitle } from './WindowTitle.js';

export function Reader({ width, height }: { width: number; height: number }) {
  const stores = useStores();
  const { me, client, hyperlinks } = useSession();
  const state = useStore(stores.thread);
  const outbox = useStore(stores.outbox);
  const reader = useStore(stores.reader);
  const items = useMemo(() => threadItems(state, outbox), [state, outbox]);
  const { index, rows, page } = readerLayout(items, reader.key, state, { myId: me.user.id, url: client.url }, width, height);
  const top = Math.min(reader.top, Math.max(0, rows.length - page));
  const shown = rows.slice(top, top + page);
  const note = items[index]?.private ?? false;
  const inView = rows.length > page ? { first: top + 1, last: top + shown.length, total: rows.length } : null;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" paddingX={1} overflow="hidden">
      <WindowTitle width={width - 4} name={note ? 'The whole private note' : 'The whole message'} short={note ? 'Note' : 'Message'} inView={inView} close="Esc, v or q close" />
      {index < 0 ? <Text dimColor>This message is no longer in the dialog.</Text> : null}
      {shown.map((row, n) => (
        <RowText key={top + n} row={row} item={items[index]} state={state} width={width - 4} hyperlinks={hyperlinks} />
      ))}
    </Box>
  );
}
