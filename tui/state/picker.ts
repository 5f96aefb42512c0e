// A list to pick from with a search line: templates (Ctrl+T), the operator to assign a dialog to,
// the lead class. Typing filters by a fuzzy match on the name; ↑/↓ move; Enter picks.

export interface PickerItem {
  /** What the choice means to the caller: a template's text, an email, a lead class name. */
  value: string;
  label: string;
  /** A dimmer second part of the row (a template's first line, an operator's email). */
  detail?: string;
}

export type PickerKind = 'templates' | 'assign' | 'leadClass';

export interface PickerState {
  kind: PickerKind | null;
  /** null while loading. */
  items: PickerItem[] | null;
  query: string;
  selected: number;
  error: string | null;
}

export type PickerAction =
  | { type: 'open'; kind: PickerKind }
  | { type: 'items'; kind: PickerKind; items: PickerItem[] }
  | { type: 'failed'; kind: PickerKind; error: string }
  | { type: 'type'; text: string }
  | { type: 'erase' }
  | { type: 'move'; by: number }
  | { type: 'close' };

export const emptyPicker: PickerState = { kind: null, items: null, query: '', selected: 0, error: null };

export function reducePicker(state: PickerState, action: PickerAction): PickerState {
  switch (action.type) {
    case 'open':
      return { ...emptyPicker, kind: action.kind };
    case 'items':
      return state.kind === action.kind ? { ...state, items: action.items, error: null, selected: 0 } : state;
    case 'failed':
      return state.kind === action.kind ? { ...state, items: [], error: action.error } : state;
    case 'type': {
      const text = action.text.replace(/[\r\n\t]/g, ' ');
      return text ? { ...state, query: state.query + text, selected: 0 } : state;
    }
    case 'erase':
      return state.query ? { ...state, query: state.query.slice(0, -1), selected: 0 } : state;
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
  if (!state.query.trim()) return state.items;
  return state.items
    .map((item, i) => ({ item, i, score: fuzzyScore(state.query, item.label) }))
    .filter((x): x is { item: PickerItem; i: number; score: number } => x.score !== null)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map((x) => x.item);
}

export function pickedItem(state: PickerState): PickerItem | undefined {
  return matching(state)[state.selected];
}
