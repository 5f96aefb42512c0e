// The three dialog panes (DESIGN.md "Views"): the dialogs of each view as the server lists them
// (newest activity first), the server's counts, the selected row per pane, which dialogs hold
// unread visitor messages, and which panes want attention.
//
// The server decides which view a dialog belongs to (it knows the operator's groups), so every
// change reloads the first page of each view. Older pages (fetched while scrolling down a long
// pane) are kept below it, minus any dialog that changed since: the reload puts those where
// they now belong.
import type { View } from '../../core/protocol/constants.js';
import type { DialogList, DialogSummary, Message } from '../../core/protocol/dialogs.js';
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
  loaded: boolean;
  /** Per dialog, the last seq the operator has seen (opened it at). Unknown: never opened here. */
  seen: Record<number, number>;
  /** A new dialog or message arrived in the pane since it last had the focus. */
  attention: Record<View, boolean>;
  /** Dialogs changed since the last reload: their older-page copies are out of date. */
  stale: number[];
}

export type DialogsAction =
  | { type: 'loaded'; pages: Record<View, DialogList> }
  /** An older page of one view, fetched while scrolling. */
  | { type: 'more'; view: View; page: DialogList }
  | { type: 'changed'; dialogId: number }
  /** Groups or their members changed: any dialog may be in another view now. */
  | { type: 'regrouped' }
  /** `rows`: the rows the pane shows, for its view to follow the selection (absent: the view stays). */
  | { type: 'move'; view: View; by: number; rows?: number }
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
  loaded: false,
  seen: {},
  attention: { mine: false, shared: false, archive: false },
  stale: [],
};

const clamp = (i: number, length: number) => Math.max(0, Math.min(i, length - 1));

export function reduceDialogs(state: DialogsState, action: DialogsAction): DialogsState {
  switch (action.type) {
    case 'loaded': {
      const fresh = new Set(VIEWS.flatMap((v) => action.pages[v].dialogs.map((d) => d.id)));
      const stale = new Set(state.stale);
      const lists = {} as Record<View, DialogSummary[]>;
      const next = {} as Record<View, string | null>;
      for (const view of VIEWS) {
        const page = action.pages[view];
        const old = state.lists[view];
        // Older pages stay only when the fresh first page does not reach them already.
        const tail = page.next !== null && old.length > page.dialogs.length ? old.slice(page.dialogs.length).filter((d) => !fresh.has(d.id) && !stale.has(d.id)) : [];
        lists[view] = tail.length ? [...page.dialogs, ...tail] : page.dialogs;
        next[view] = tail.length ? state.next[view] : page.next;
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
      return {
        ...state,
        lists,
        next,
        counts: action.pages.mine.counts,
        selected: { mine: keep('mine'), shared: keep('shared'), archive: keep('archive') },
        top: { mine: top('mine'), shared: top('shared'), archive: top('archive') },
        loaded: true,
        stale: [],
      };
    }
    case 'more': {
      const list = state.lists[action.view];
      const have = new Set(list.map((d) => d.id));
      const older = action.page.dialogs.filter((d) => !have.has(d.id));
      return {
        ...state,
        lists: { ...state.lists, [action.view]: [...list, ...older] },
        next: { ...state.next, [action.view]: action.page.next },
      };
    }
    case 'changed':
      return state.stale.includes(action.dialogId) ? state : { ...state, stale: [...state.stale, action.dialogId] };
    case 'regrouped':
      // No older page is kept on the next reload: a dialog on one may belong to another view now.
      return { ...state, stale: VIEWS.flatMap((v) => state.lists[v].map((d) => d.id)) };
    case 'move': {
      const { view, rows } = action;
      const length = state.lists[view].length;
      const next = clamp(state.selected[view] + action.by, length);
      if (next === state.selected[view]) return state;
      let top = state.top[view];
      if (rows !== undefined) {
        // From the rows in view now: dialogs that arrived may have pushed the selection off them.
        const shown = keptRows(length, state.selected[view], rows, top).start;
        top = keptRows(length, next, rows, shown).start;
      }
      return { ...state, selected: { ...state.selected, [view]: next }, top: { ...state.top, [view]: top } };
    }
    case 'select': {
      const at = state.lists[action.view].findIndex((d) => d.id === action.dialogId);
      if (at < 0 || at === state.selected[action.view]) return state;
      return { ...state, selected: { ...state.selected, [action.view]: at } };
    }
    case 'seen':
      if ((state.seen[action.dialogId] ?? -1) >= action.seq) return state;
      return { ...state, seen: { ...state.seen, [action.dialogId]: action.seq } };
    case 'attention':
      if (state.attention[action.view] === action.on) return state;
      return { ...state, attention: { ...state.attention, [action.view]: action.on } };
  }
}

/**
 * The rows of a pane `rows` high in view. With the focus the view holds the selection, moving at
 * its edges; without it (no selection is drawn) it shows the pane's top, where new dialogs arrive.
 */
export function paneRows(state: DialogsState, view: View, rows: number, focused: boolean): RowWindow {
  const length = state.lists[view].length;
  return focused ? keptRows(length, state.selected[view], rows, state.top[view]) : keptRows(length, null, rows, 0);
}

/**
 * Whether a message event can change what the dialog lists show (order, last message, unread):
 * a new message can, an edit can (the last message's text); a delivery cannot, and reloading
 * three lists in every operator's TUI for each one doubled the requests every message costs.
 */
export function messageChangesLists(e: { type: 'message.created' | 'message.updated'; message: Pick<Message, 'editedAt'> }): boolean {
  return e.type === 'message.created' || e.message.editedAt !== null;
}

export function selectedDialog(state: DialogsState, view: View): DialogSummary | undefined {
  return state.lists[view][state.selected[view]];
}

/**
 * A dialog is unread while the visitor wrote last and the operator has not opened it since.
 * Without a record of opening it (a fresh start), a dialog waiting for an answer counts as unread.
 */
export function isUnread(state: DialogsState, d: DialogSummary): boolean {
  if (d.status === 'closed' || d.lastMessage?.author !== 'visitor') return false;
  return d.lastSeq > (state.seen[d.id] ?? 0);
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
    return d.lastSeq > was.lastSeq && d.lastMessage?.author === 'visitor';
  });
}
