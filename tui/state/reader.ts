// The reader: one message whole, in a window of its own (v on a message). The message pane gives
// a message at most its own height, so a long one is cut there ("… v reads all"); here it scrolls
// a row (↑/↓) or a page (PgUp/PgDn) at a time. Which message is kept by its key, so the window
// follows it while messages arrive and older ones load above it.

export interface ReaderState {
  /** The message's key in the thread (ThreadItem.key), or null when closed. */
  key: string | null;
  /** The first of its rows in view. */
  top: number;
}

export type ReaderAction =
  | { type: 'open'; key: string }
  /** `last`: the highest `top` that still fills the window (the router knows the layout). */
  | { type: 'scroll'; by: number; last: number };

export const emptyReader: ReaderState = { key: null, top: 0 };

export function reduceReader(state: ReaderState, action: ReaderAction): ReaderState {
  switch (action.type) {
    case 'open':
      return { key: action.key, top: 0 };
    case 'scroll': {
      const top = Math.max(0, Math.min(state.top + action.by, action.last));
      return top === state.top ? state : { ...state, top };
    }
  }
}
