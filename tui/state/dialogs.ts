// The three dialog panes (DESIGN.md "Views"): the dialogs of each view as the server lists them
// (newest activity first), the server's counts, the selected row per pane, which dialogs hold
// unread visitor messages, and which panes want attention.
//
// The server decides which view a dialog belongs to (it knows the operator's groups), so every
// change reloads the first page of each view. Older pages (fetched while scrolling down a long
// pane) stay below it: every loaded dialog the fresh page does not hold keeps its row, since
// what arrives at the top pushes the first page's last rows down into them. A dialog that left
// the view (a dialog event says where it is now) leaves the pane; one that came into it without
// new activity takes its place among the rows when they reach that far.
import { DIALOG_CURSOR_RE, type View } from '../../core/protocol/constants.js';
import type { DialogList, DialogSummary, Message } from '../../core/protocol/dialogs.js';
import { oneLine } from '../../core/text-layout.js';
import { keptRows, type RowWindow } from './window.js';

export interface DialogsState {
  lists: Record<View, DialogSummary[]>;
  counts: Record<View, number>;
  /** The `before` cursor of each view's next page, null when all of it is loaded. */
  next: Record<View, string | null>;
  selected: Record<View, number>;
  /**
   * The first row in view of each pane, as the operator left it: the view moves only when the
   * selection reaches its edge, and a pane at its top stays there while dialogs arrive above
   * (the selection stays on its dialog, further down).
   */
  top: Record<View, number>;
  /**
   * The view of each pane stays where it is, though the selection may be out of it: dialogs
   * arrived (or left) since the operator last moved, and moved the selected dialog's row. The
   * pane says where the selection went; the next key that moves it brings the view back to it.
   */
  held: Record<View, boolean>;
  loaded: boolean;
  /** Per dialog, the last seq the operator has seen (opened it at). Unknown: never opened here. */
  seen: Record<number, number>;
  /** A new dialog or message arrived in the pane since it last had the focus. */
  attention: Record<View, boolean>;
  /**
   * Dialogs changed since the last reload, with the dialog as its event showed it (its view for
   * this operator among it), or null when only a message said it changed.
   */
  stale: Record<number, DialogSummary | null>;
  /** Groups changed since the last reload: any loaded dialog may be in another view now. */
  regrouped: boolean;
}

export type DialogsAction =
  | { type: 'loaded'; pages: Record<View, DialogList> }
  /** An older page of one view, fetched while scrolling (`before`: the cursor it was asked with). */
  | { type: 'more'; view: View; page: DialogList; before?: string }
  /** `dialog`: the dialog as the event (or the answer) gave it, when one did. */
  | { type: 'changed'; dialogId: number; dialog?: DialogSummary }
  /** Groups or their members changed: any dialog may be in another view now. */
  | { type: 'regrouped' }
  /** `rows`: the rows the pane shows, for its view to follow the selection (absent: the view stays). */
  | { type: 'move'; view: View; by: number; rows?: number }
  /** The dialog becomes the selected one (opened from the finder): the view goes to it. */
  | { type: 'select'; view: View; dialogId: number }
  | { type: 'seen'; dialogId: number; seq: number }
  | { type: 'attention'; view: View; on: boolean };

const VIEWS: View[] = ['mine', 'shared', 'archive'];

export const emptyDialogs: DialogsState = {
  lists: { mine: [], shared: [], archive: [] },
  counts: { mine: 0, shared: 0, archive: 0 },
  next: { mine: null, shared: null, archive: null },
  selected: { mine: 0, shared: 0, archive: 0 },
  top: { mine: 0, shared: 0, archive: 0 },
  held: { mine: false, shared: false, archive: false },
  loaded: false,
  seen: {},
  attention: { mine: false, shared: false, archive: false },
  stale: {},
  regrouped: false,
};

const clamp = (i: number, length: number) => Math.max(0, Math.min(i, length - 1));

export function reduceDialogs(state: DialogsState, action: DialogsAction): DialogsState {
  switch (action.type) {
    case 'loaded': {
      const fresh = new Set(VIEWS.flatMap((v) => action.pages[v].dialogs.map((d) => d.id)));
      const lists = {} as Record<View, DialogSummary[]>;
      const next = {} as Record<View, string | null>;
      for (const view of VIEWS) {
        const page = action.pages[view];
        const older = page.next === null || state.regrouped ? [] : olderRows(state, view, fresh);
        lists[view] = older.length ? [...page.dialogs, ...older] : page.dialogs;
        next[view] = older.length ? state.next[view] : page.next;
        if (page.next !== null && !state.regrouped) lists[view] = withArrived(state, view, lists[view], next[view], fresh);
      }
      // Keep the same dialog selected when it moved up or down within its pane.
      const keep = (view: View) => {
        const was = state.lists[view][state.selected[view]];
        const at = was ? lists[view].findIndex((d) => d.id === was.id) : -1;
        return at >= 0 ? at : clamp(state.selected[view], lists[view].length);
      };
      // A pane at its top stays there, so what arrives is in sight; one scrolled down keeps the
      // same dialogs in view.
      const top = (view: View) => {
        if (state.top[view] === 0) return 0;
        const was = state.lists[view][state.top[view]];
        const at = was ? lists[view].findIndex((d) => d.id === was.id) : -1;
        return at >= 0 ? at : state.top[view];
      };
      const selected = { mine: keep('mine'), shared: keep('shared'), archive: keep('archive') };
      // The view stays though the selected dialog's row moved, even out of it (see `held`).
      const held = (view: View) => state.held[view] || selected[view] !== state.selected[view];
      return {
        ...state,
        lists,
        next,
        counts: action.pages.mine.counts,
        selected,
        top: { mine: top('mine'), shared: top('shared'), archive: top('archive') },
        held: { mine: held('mine'), shared: held('shared'), archive: held('archive') },
        loaded: true,
        stale: {},
        regrouped: false,
      };
    }
    case 'more': {
      // Asked for before a reload that started the pane over (new groups): it would leave a gap.
      if (action.before !== undefined && action.before !== state.next[action.view]) return state;
      const list = state.lists[action.view];
      const have = new Set(list.map((d) => d.id));
      const older = action.page.dialogs.filter((d) => !have.has(d.id));
      return {
        ...state,
        lists: { ...state.lists, [action.view]: [...list, ...older] },
        next: { ...state.next, [action.view]: action.page.next },
      };
    }
    case 'changed': {
      const known = action.dialog ?? state.stale[action.dialogId] ?? null;
      if (state.stale[action.dialogId] === known) return state;
      return { ...state, stale: { ...state.stale, [action.dialogId]: known } };
    }
    case 'regrouped':
      // No older page is kept on the next reload: a dialog on one may belong to another view now.
      return state.regrouped ? state : { ...state, regrouped: true };
    case 'move': {
      const { view, rows } = action;
      const length = state.lists[view].length;
      const next = clamp(state.selected[view] + action.by, length);
      if (next === state.selected[view]) return state;
      let top = state.top[view];
      if (rows !== undefined) {
        // From the rows in view now (held away from the selection, or around it), to the new one.
        const shown = paneRows(state, view, rows, true).start;
        top = keptRows(length, next, rows, shown).start;
      }
      return {
        ...state,
        selected: { ...state.selected, [view]: next },
        top: { ...state.top, [view]: top },
        held: { ...state.held, [view]: false },
      };
    }
    case 'select': {
      const { view } = action;
      const at = state.lists[view].findIndex((d) => d.id === action.dialogId);
      if (at < 0 || (at === state.selected[view] && !state.held[view])) return state;
      // Its row goes to the top of the view, or as near as the rows below it allow (the pane's height is not known here).
      return { ...state, selected: { ...state.selected, [view]: at }, top: { ...state.top, [view]: at }, held: { ...state.held, [view]: false } };
    }
    case 'seen':
      if ((state.seen[action.dialogId] ?? -1) >= action.seq) return state;
      return { ...state, seen: { ...state.seen, [action.dialogId]: action.seq } };
    case 'attention':
      if (state.attention[action.view] === action.on) return state;
      return { ...state, attention: { ...state.attention, [action.view]: action.on } };
  }
}

/** Where a dialog sorts in the server's lists: newest activity first, then the higher id. */
const sortsBefore = (a: { at: number; id: number }, b: { at: number; id: number }) => a.at > b.at || (a.at === b.at && a.id > b.id);
const sortKey = (d: DialogSummary) => ({ at: Date.parse(d.lastMessageAt), id: d.id });

/**
 * The loaded rows of `view` a fresh first page does not hold, in order: each one stays (as its
 * event showed it, when it changed), unless an event said it is in another view now. A dialog
 * that changed only by a message keeps its view, and a new message would have put it on the
 * first page.
 */
function olderRows(state: DialogsState, view: View, fresh: ReadonlySet<number>): DialogSummary[] {
  const rows: DialogSummary[] = [];
  for (const d of state.lists[view]) {
    if (fresh.has(d.id)) continue;
    const changed = state.stale[d.id];
    if (!changed) rows.push(d);
    else if ((changed.view ?? view) === view) rows.push(changed);
  }
  return rows;
}

/**
 * `list` with the dialogs an event put into `view` since the last reload without new activity
 * (taken over, given by a colleague: they keep their place in the order), each where it sorts,
 * when the rows loaded reach that far; the next older page brings the others.
 */
function withArrived(state: DialogsState, view: View, list: DialogSummary[], next: string | null, fresh: ReadonlySet<number>): DialogSummary[] {
  const have = new Set(list.map((d) => d.id));
  const arrived = Object.values(state.stale).filter((d): d is DialogSummary => d !== null && d.view === view && !fresh.has(d.id) && !have.has(d.id));
  if (arrived.length === 0) return list;
  const end = next === null ? null : cursorKey(next) ?? (list.length ? sortKey(list[list.length - 1]) : null);
  const rows = [...list];
  for (const d of arrived) {
    const key = sortKey(d);
    if (end !== null && !sortsBefore(key, end)) continue;
    const at = rows.findIndex((r) => sortsBefore(key, sortKey(r)));
    rows.splice(at < 0 ? rows.length : at, 0, d);
  }
  return rows;
}

/** The dialog a list's `next` cursor points after (the server's `<ms>:<id>`), or null if it says otherwise. */
function cursorKey(cursor: string): { at: number; id: number } | null {
  const m = DIALOG_CURSOR_RE.exec(cursor);
  return m ? { at: Number(m[1]), id: Number(m[2]) } : null;
}

/**
 * The rows of a pane `rows` high in view. With the focus the view holds the selection, moving at
 * its edges, unless arrivals took the selection away while the view stayed (`held`); without the
 * focus (no selection is drawn) it shows the pane's top, where new dialogs arrive.
 */
export function paneRows(state: DialogsState, view: View, rows: number, focused: boolean): RowWindow {
  const length = state.lists[view].length;
  if (!focused) return keptRows(length, null, rows, 0);
  return keptRows(length, state.held[view] ? null : state.selected[view], rows, state.top[view]);
}

/**
 * Whether a message event can change what the dialog lists show (order, last message, unread):
 * a new message can, an edit can (the last message's text); a delivery cannot, and reloading
 * three lists in every operator's TUI for each one doubled the requests every message costs.
 */
export function messageChangesLists(e: { type: 'message.created' | 'message.updated'; message: Pick<Message, 'editedAt'> }): boolean {
  return e.type === 'message.created' || e.message.editedAt !== null;
}

/** The dialog as the operator knows its visitor: the card's real name, else the generated name. */
export const dialogName = (d: DialogSummary): string => oneLine(d.visitor.realName ?? d.visitor.name);

export function selectedDialog(state: DialogsState, view: View): DialogSummary | undefined {
  return state.lists[view][state.selected[view]];
}

/**
 * The seq of the dialog's last message to or from the visitor. A private note raises `lastSeq`
 * but is not `lastMessage`: a colleague's note is no news of the visitor. (Older servers do not
 * give the seq: their lastSeq is it, having no notes.)
 */
const lastMessageSeq = (d: DialogSummary): number => d.lastMessage?.seq ?? d.lastSeq;

/**
 * A dialog is unread while the visitor wrote last and the operator has not opened it since.
 * Without a record of opening it (a fresh start), a dialog waiting for an answer counts as unread.
 */
export function isUnread(state: DialogsState, d: DialogSummary): boolean {
  if (d.status === 'closed' || d.lastMessage?.author !== 'visitor') return false;
  return lastMessageSeq(d) > (state.seen[d.id] ?? 0);
}

/** How many dialogs of a view's loaded rows are unread. */
export function unreadCount(state: DialogsState, view: View): number {
  let n = 0;
  for (const d of state.lists[view]) if (isUnread(state, d)) n++;
  return n;
}

/** Whether scrolling has come close enough to the end of the loaded rows to fetch the next page. */
export function wantsMore(state: DialogsState, view: View, margin = 50): boolean {
  return state.next[view] !== null && state.selected[view] >= state.lists[view].length - margin;
}

/**
 * Whether a reload of My messages brought something to announce (bell and pane mark): a dialog
 * that was not there, or a new visitor message in one that was. The open dialog's messages are
 * in front of the operator already.
 */
export function arrivals(before: readonly DialogSummary[], after: readonly DialogSummary[], openId: number | null): boolean {
  const known = new Map(before.map((d) => [d.id, d]));
  return after.some((d) => {
    const was = known.get(d.id);
    if (d.id === openId) return false;
    if (!was) return true;
    return lastMessageSeq(d) > lastMessageSeq(was) && d.lastMessage?.author === 'visitor';
  });
}
