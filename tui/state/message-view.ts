// The open dialog's messages as the message pane lays them out: each message's head (time and
// author), its send state after the text, and its rows at the pane's width. The pane draws these
// rows and the page keys move by them, so both agree on what a screenful is.
import type { ThreadItem } from '../../core/client/outbox.js';
import { displayWidth, oneLine, truncateEnd } from '../../core/text-layout.js';
import { type FileLink, type MessageRow, wrapMessage } from './message-rows.js';
import { failureText, type ThreadState } from './thread.js';

/** Who is looking, for "you" and for the files' absolute URLs. */
export interface Viewer {
  myId: number;
  /** The server's URL, before each file's path. */
  url: string;
}

/** What marks a private note, before its author: in the warning colour where there is colour. */
export const NOTE_MARK = '[note] ';

export const messageTime = (iso: string | undefined) => (iso ? new Date(iso).toTimeString().slice(0, 5) : '--:--');

/** The visitor as the operator knows them: the card's real name, else the generated name. */
export const visitorName = (state: ThreadState) => oneLine(state.detail?.visitor.card.realName ?? state.detail?.visitor.name ?? 'visitor');

export function author(item: ThreadItem, state: ThreadState, myId: number): string {
  if (item.author === 'visitor') return visitorName(state);
  if (item.author === 'system') return 'system';
  const op = item.message?.operator;
  return !op || op.id === myId ? 'you' : oneLine(op.name);
}

/**
 * The words after a message: its send state (own messages) or "edited". A note goes to no
 * visitor: once stored there is nothing more to say of it ("not delivered yet" would suggest it
 * is on its way); before that it is sending or failed like any message, and resent as a note.
 */
export function tail(item: ThreadItem, state: ThreadState): { text: string; color?: string } | null {
  const edited = item.message?.editedAt ? ' (edited)' : '';
  if (item.private && (item.delivery === 'stored' || item.delivery === 'delivered')) return edited ? { text: edited, color: 'gray' } : null;
  if (item.delivery === 'sending') return { text: `${edited} · sending`, color: 'yellow' };
  if (item.delivery === 'delivered') return { text: `${edited} ✓ delivered`, color: 'green' };
  if (item.delivery === 'failed') {
    // Not stored: the client sends it again by itself once connected (r does it now).
    const again = item.failure?.kind === 'offline' || item.failure?.kind === 'unconfirmed' ? 'goes on reconnect, r resends' : 'r resends';
    return { text: `${edited} ✗ failed: ${oneLine(failureText(item, state))} (${again})`, color: 'red' };
  }
  if (item.delivery === 'stored') return { text: `${edited} · not delivered yet`, color: 'gray' };
  return edited ? { text: edited, color: 'gray' } : null;
}

/** The message at the bottom of the message pane's view. */
export const viewBottom = (state: ThreadState, count: number) => Math.max(0, Math.min(state.bottom ?? state.selected ?? count - 1, count - 1));

/**
 * Columns a message's first row keeps for its text in the message pane (a third of a narrow
 * pane), however long the author's name (a real name can be 200 characters): the name is cut.
 */
const TEXT_ROOM = 20;
/** Columns a note's author keeps beside the mark in a narrow pane (the text then starts below if need be). */
const NOTE_NAME_ROOM = 6;

/**
 * A message's time, author and send state, as its first row and its last show them; a note's
 * mark before the author. With `width` (the message pane) a name too long to leave the text its
 * room is cut, never the mark; without it (the reader) it is whole.
 */
function frame(item: ThreadItem, state: ThreadState, viewer: Viewer, width?: number) {
  const t = tail(item, state);
  const time = messageTime(item.message?.createdAt);
  const mark = item.private ? NOTE_MARK : '';
  let name = author(item, state, viewer.myId);
  // The mark's columns come from the name, which keeps a few (a colleague's note says whose).
  if (width !== undefined) name = truncateEnd(name, Math.max(mark ? NOTE_NAME_ROOM : 0, width - Math.min(TEXT_ROOM, Math.floor(width / 3)) - displayWidth(`${time} ${mark}: `)));
  const head = `${time} ${mark}${name}: `;
  const files: FileLink[] = item.attachments.map((a) => ({ name: a.name, mime: a.mime, size: a.size, url: viewer.url + a.url }));
  return { head, files, tailWidth: t ? displayWidth(t.text) : 0 };
}

/**
 * Each message's rows, kept: the pane and the reader draw on every change and the keys lay the
 * messages out again to move by them, but a message's rows change only with its text, head,
 * files, send state or the width. By text first, so a long text is not part of every key.
 */
const laidOut = new Map<string, Map<string, MessageRow[]>>();
const LAID_OUT_MAX = 4_000;
let laidOutCount = 0;

function rowsOfMessage(index: number, head: string, body: string, width: number, max: number, tailWidth: number, files: readonly FileLink[]): MessageRow[] {
  const shape = [index, head, width, max, tailWidth, ...files.map((f) => `${f.url} ${f.size} ${f.mime} ${f.name}`)].join('\u0000');
  let byShape = laidOut.get(body);
  const known = byShape?.get(shape);
  if (known) return known;
  if (laidOutCount >= LAID_OUT_MAX) {
    laidOut.clear();
    laidOutCount = 0;
  }
  if (!byShape) laidOut.set(body, (byShape = new Map()));
  const rows = wrapMessage(index, head, body, width, max, tailWidth, files);
  byShape.set(shape, rows);
  laidOutCount++;
  return rows;
}

/**
 * The message pane's layout for a box `width` x `height`: the rows left for messages (under the
 * header, above the typing line) and each message's rows.
 */
export function threadLayout(items: readonly ThreadItem[], state: ThreadState, viewer: Viewer, width: number, height: number) {
  const inner = Math.max(4, width - 4);
  const typing = state.typingUntil !== null;
  // Messages that arrived while scrolled up are counted on a "↓ N new" row below the messages:
  // its row is kept from the start, so the view the keys move is the view shown.
  const rowsAvailable = Math.max(0, height - 3 - (typing ? 1 : 0) - (state.unseen.length > 0 ? 1 : 0));
  const rowsOf = (i: number, room = rowsAvailable): MessageRow[] => {
    const { head, files, tailWidth } = frame(items[i], state, viewer, inner);
    return rowsOfMessage(i, head, items[i].body, inner, Math.max(1, room - 1), tailWidth, files);
  };
  return { rowsAvailable, rowsOf };
}

/**
 * The reader's layout (a whole message in a window `width` x `height`, for one the pane cuts):
 * every row of the message, and how many show at once under the window's title.
 */
export function readerLayout(items: readonly ThreadItem[], key: string | null, state: ThreadState, viewer: Viewer, width: number, height: number) {
  const index = items.findIndex((item) => item.key === key);
  if (index < 0) return { index, rows: [] as MessageRow[], page: 1 };
  const { head, files, tailWidth } = frame(items[index], state, viewer);
  const rows = rowsOfMessage(index, head, items[index].body, Math.max(4, width - 4), Number.MAX_SAFE_INTEGER, tailWidth, files);
  return { index, rows, page: Math.max(1, height - 3) };
}
