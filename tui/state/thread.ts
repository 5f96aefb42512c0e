// The open dialog: its detail (visitor card, presence) and the server's messages, merged with
// this client's outbox by core's `thread()` so a message shows once, whichever copies exist.
// The visitor's typing shows for a while after their widget last said so: the time comes in
// the actions (`at`, from the session's clock), so the reducer stays pure and tests move it.
import { type Outbox, type ThreadItem, thread, upsertMessages } from '../../core/client/outbox.js';
import type { DialogDetail, DialogSummary, Message, Visitor } from '../../core/protocol/dialogs.js';
import { EDIT_WINDOW_MS } from '../../core/protocol/constants.js';

export interface ThreadState {
  detail: DialogDetail | null;
  messages: Message[];
  /** Index into the shown items; null means "follow the newest" (the view is at the bottom). */
  selected: number | null;
  /**
   * The message at the bottom of the view while the selection moves in it (so moving up does not
   * push the newer messages out of sight), or null: the selected message (or the newest) is.
   */
  bottom: number | null;
  /** Messages that arrived while the view was scrolled up (ids): the "↓ N new" marker counts them. */
  unseen: number[];
  /** The visitor closed their last tab while we watched: "left the page" rather than "offline". */
  visitorLeft: boolean;
  /** The dialog being fetched after Enter on it (the composer has the keys already), or null. */
  opening: number | null;
  /** Until when the visitor of the open dialog counts as typing (ms, the session's clock), or null. */
  typingUntil: number | null;
}

/** How long "is typing…" stays after the visitor's widget last reported typing. */
export const VISITOR_TYPING_MS = 4_000;

export type ThreadAction =
  | { type: 'opening'; dialogId: number | null }
  | { type: 'opened'; detail: DialogDetail }
  /** The open dialog fetched again (after a reconnect): what changed meanwhile, the view kept. */
  | { type: 'refreshed'; detail: DialogDetail }
  /** Back to the newest message, following new ones (the operator sent one). */
  | { type: 'follow' }
  | { type: 'messages'; messages: Message[] }
  /** Earlier messages, fetched while scrolling up past the first one held. */
  | { type: 'older'; dialogId: number; messages: Message[] }
  | { type: 'dialog'; dialog: DialogSummary }
  | { type: 'visitor'; visitor: Visitor; dialogId: number }
  | { type: 'presence'; visitorId: number; online: boolean }
  /** `bottom`: where the view goes with it (message-rows.ts says), the selected message if absent. */
  | { type: 'move'; by: number; count: number; bottom?: number }
  /** The visitor of a dialog is typing (a `typing` frame with who: 'visitor'), at this time. */
  | { type: 'typing'; dialogId: number; at: number }
  /** Time passed: a typing indicator whose time is up goes. */
  | { type: 'tick'; at: number };

export const emptyThread: ThreadState = { detail: null, messages: [], selected: null, bottom: null, unseen: [], visitorLeft: false, opening: null, typingUntil: null };

export function reduceThread(state: ThreadState, action: ThreadAction): ThreadState {
  const detail = state.detail;
  switch (action.type) {
    case 'opening':
      return state.opening === action.dialogId ? state : { ...state, opening: action.dialogId };
    case 'opened':
      // Only the dialog asked for last: an earlier, slower answer must not replace it.
      if (state.opening !== null && state.opening !== action.detail.dialog.id) return state;
      return { ...emptyThread, detail: action.detail, messages: upsertMessages([], action.detail.messages) };
    case 'refreshed': {
      if (!detail || detail.dialog.id !== action.detail.dialog.id) return state;
      const next = withMessages(state, action.detail.messages);
      const { messages: _fetched, ...fresh } = action.detail;
      return { ...next, detail: { ...detail, ...fresh }, visitorLeft: state.visitorLeft && !action.detail.visitorOnline };
    }
    case 'follow':
      return state.selected === null && state.unseen.length === 0 ? state : { ...state, selected: null, bottom: null, unseen: [] };
    case 'messages': {
      if (!detail) return state;
      return withMessages(state, action.messages.filter((m) => m.dialogId === detail.dialog.id));
    }
    case 'older': {
      if (!detail || detail.dialog.id !== action.dialogId) return state;
      const messages = upsertMessages(state.messages, action.messages);
      if (messages === state.messages) return state;
      // The selected message stays selected though rows were added above it.
      const added = messages.length - state.messages.length;
      const shift = (i: number | null) => (i === null ? null : i + added);
      return { ...state, messages, selected: shift(state.selected), bottom: shift(state.bottom) };
    }
    case 'dialog':
      if (!detail || detail.dialog.id !== action.dialog.id) return state;
      return { ...state, detail: { ...detail, dialog: action.dialog } };
    case 'visitor':
      if (!detail || detail.dialog.id !== action.dialogId) return state;
      return { ...state, detail: { ...detail, visitor: action.visitor } };
    case 'presence':
      if (!detail || detail.visitor.id !== action.visitorId) return state;
      return { ...state, detail: { ...detail, visitorOnline: action.online }, visitorLeft: !action.online };
    case 'move': {
      if (action.count === 0) return state;
      const from = state.selected ?? action.count - 1;
      const selected = Math.max(0, Math.min(from + action.by, action.count - 1));
      // Down to the newest: following again, and nothing below is unseen any more.
      if (selected === action.count - 1) return state.selected === null && state.unseen.length === 0 ? state : { ...state, selected: null, bottom: null, unseen: [] };
      const bottom = action.bottom ?? null;
      return selected === state.selected && bottom === state.bottom ? state : { ...state, selected, bottom };
    }
    case 'typing':
      if (!detail || detail.dialog.id !== action.dialogId) return state;
      return { ...state, typingUntil: action.at + VISITOR_TYPING_MS };
    case 'tick':
      return state.typingUntil !== null && action.at >= state.typingUntil ? { ...state, typingUntil: null } : state;
  }
}

/** The thread with messages added; new ones that arrive while scrolled up count as unseen. */
function withMessages(state: ThreadState, incoming: Message[]): ThreadState {
  const messages = upsertMessages(state.messages, incoming);
  if (messages === state.messages) return state;
  const known = new Set(state.messages.map((m) => m.id));
  const added = incoming.filter((m) => !known.has(m.id));
  // The visitor's new message is what they were typing.
  const typed = state.typingUntil !== null && added.some((m) => m.author === 'visitor');
  const unseen = state.selected === null ? state.unseen : [...state.unseen, ...added.map((m) => m.id)];
  return { ...state, messages, unseen, typingUntil: typed ? null : state.typingUntil };
}

export function threadItems(state: ThreadState, outbox: Outbox): ThreadItem[] {
  return state.detail ? thread(state.messages, outbox, state.detail.dialog.id) : [];
}

/**
 * How many of this client's messages the server has not stored: sending, or failed before it
 * took them. Quitting (or signing in again) loses them; stored ones reach the visitor later.
 */
export function notSent(outbox: Outbox): number {
  let n = 0;
  for (const id of outbox.order) if (outbox.entries[id].message === null && outbox.entries[id].state !== 'delivered') n++;
  return n;
}

/** Whether the server holds messages of the open dialog older than the first one here. */
export function hasOlder(state: ThreadState): boolean {
  return state.detail !== null && state.messages.length > 0 && state.messages[0].seq > 1;
}

/** Whether the edit window of a message is over by `now` (this client's clock; the server's is the judge). */
export function pastEditWindow(message: Message, now: number): boolean {
  return now - Date.parse(message.createdAt) > EDIT_WINDOW_MS;
}

/** The words next to a failed message's red mark. */
export function failureText(item: ThreadItem, state: ThreadState): string {
  const f = item.failure;
  // "Offline" is the operator's presence switch (the status bar's "● online"): this is the socket.
  if (!f || f.kind === 'offline') return 'not connected';
  if (f.kind === 'rejected') return f.message;
  if (f.kind === 'unconfirmed') return 'the server did not confirm it';
  if (state.visitorLeft) return 'the visitor left the page';
  if (!state.detail?.visitorOnline) return 'the visitor is offline';
  return "the visitor's page did not confirm it";
}
