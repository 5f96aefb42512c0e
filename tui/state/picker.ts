// A list to pick from with a search line: templates (Ctrl+T), the operator to assign a dialog to,
// the lead class. Typing filters by a fuzzy match on the name; ↑/↓ move; Enter picks. The dialog
// finder (Ctrl+F) is a picker whose items come from the server: typing edits the query, Enter
// searches for it (`searched`), and once the list is of that query Enter opens the dialog.
// Backspace erases a whole grapheme of the query (😀, é), never half of one; Ctrl+U all of it
// (Ctrl+Y puts it back, while nothing else was typed).
import { withoutLastGrapheme } from '../../core/text-layout.js';

export interface PickerItem {
  /** What the choice means to the caller: a template's text, an email, a lead class name. */
  value: string;
  label: string;
  /** A dimmer second part of the row (a template's first line, an operator's email). */
  detail?: string;
}

export type PickerKind = 'templates' | 'assign' | 'leadClass' | 'search';

export interface PickerState {
  kind: PickerKind | null;
  /** null while loading. */
  items: PickerItem[] | null;
  query: string;
  selected: number;
  error: string | null;
  /** The finder: the query the items were found for (null before the first search). */
  searched: string | null;
  /** A line under the items (the finder: that more dialogs match). */
  note: string | null;
  /** The dialog the pick acts on (assign, lead class), named under the search line. */
  about: string | null;
  /** The query Ctrl+U erased, for Ctrl+Y; null once something else is typed. */
  erased: string | null;
}

export type PickerAction =
  | { type: 'open'; kind: PickerKind; about?: string | null }
  | { type: 'items'; kind: PickerKind; items: PickerItem[]; searched?: string; note?: string | null }
  /** The finder asks the server for this query: its items are loading. */
  | { type: 'searching'; query: string }
  | { type: 'failed'; kind: PickerKind; error: string }
  | { type: 'type'; text: string }
  | { type: 'erase' }
  /** Erases the whole query (Ctrl+U); `restore` (Ctrl+Y) puts it back. */
  | { type: 'eraseAll' }
  | { type: 'restore' }
  | { type: 'move'; by: number }
  | { type: 'close' };

export const emptyPicker: PickerState = { kind: null, items: null, query: '', selected: 0, error: null, searched: null, note: null, about: null, erased: null };

export function reducePicker(state: PickerState, action: PickerAction): PickerState {
  switch (action.type) {
    case 'open':
      return { ...emptyPicker, kind: action.kind, items: action.kind === 'search' ? [] : null, about: action.about ?? null };
    case 'items':
      if (state.kind !== action.kind || (action.searched !== undefined && action.searched !== state.searched)) return state;
      return { ...state, items: action.items, error: null, selected: 0, note: action.note ?? null };
    case 'searching':
      return state.kind === 'search' ? { ...state, items: null, error: null, selected: 0, searched: action.query, note: null } : state;
    case 'failed':
      return state.kind === action.kind ? { ...state, items: [], error: action.error } : state;
    case 'type': {
      const text = action.text.replace(/[\r\n\t]/g, ' ');
      return text ? { ...state, query: state.query + text, selected: 0, erased: null } : state;
    }
    case 'erase':
      return state.query ? { ...state, query: withoutLastGrapheme(state.query), selected: 0, erased: null } : state;
    case 'eraseAll':
      return state.query ? { ...state, query: '', selected: 0, erased: state.query } : state;
    case 'restore':
      return state.erased === null ? state : { ...state, query: state.query + state.erased, selected: 0, erased: null };
    case 'move': {
      const count = matching(state).length;
      const selected = Math.max(0, Math.min(state.selected + action.by, count - 1));
      return selected === state.selected ? state : { ...state, selected };
    }
    case 'close':
      return emptyPicker;
  }
}

/**
 * How well `query` matches `name` as a subsequence (case-insensitive), or null when it does
 * not: consecutive letters and letters starting a word score more, so "gr" finds "Greeting"
 * before "Big order".
 */
export function fuzzyScore(query: string, name: string): number | null {
  const q = query.toLowerCase().replace(/\s+/g, '');
  if (!q) return 0;
  const n = name.toLowerCase();
  let score = 0;
  let at = -1;
  for (const ch of q) {
    const found = n.indexOf(ch, at + 1);
    if (found < 0) return null;
    if (found === at + 1) score += 3;
    if (found === 0 || /[\s\-_.]/.test(n[found - 1])) score += 2;
    score -= (found - at - 1) * 0.1;
    at = found;
  }
  return score;
}

/** The items matching the query, best first (ties keep their order). */
export function matching(state: PickerState): PickerItem[] {
  if (!state.items) return [];
  // The finder's items are the server's answer, already matching.
  if (!state.query.trim() || state.kind === 'search') return state.items;
  return state.items
    .map((item, i) => ({ item, i, score: fuzzyScore(state.query, item.label) }))
    .filter((x): x is { item: PickerItem; i: number; score: number } => x.score !== null)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map((x) => x.item);
}

/** Whether the finder shows the answer to what is typed (Enter opens) or not yet (Enter searches). */
export const searchIsCurrent = (state: PickerState) => state.searched !== null && state.searched === state.query.trim();

export function pickedItem(state: PickerState): PickerItem | undefined {
  return matching(state)[state.selected];
}
