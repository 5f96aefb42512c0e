// Which pane has the keyboard, and which overlay (if any) is on top of them. Tab walks the panes
// in screen order: the three dialog panes, the open dialog's messages, its composer, and the
// client card. An overlay (help, a picker, a form) takes every key until it closes.
import type { View } from '../../core/protocol/constants.js';

export const PANES = ['mine', 'shared', 'archive', 'thread', 'composer', 'card'] as const;
export type Pane = (typeof PANES)[number];

export type Overlay =
  | 'help'
  | 'templates'
  | 'saveTemplate'
  | 'card'
  | 'attach'
  | 'assign'
  | 'leadClass'
  | 'search'
  | 'telegram'
  /** One message whole (the message pane cuts a long one). */
  | 'reader'
  /** "N messages are not sent yet: quit anyway?" */
  | 'quit'
  /** The session ended: sign in again or quit. */
  | 'ended';

export interface FocusState {
  pane: Pane;
  /** The dialog pane last focused: the one shown when only one fits. */
  view: View;
  /**
   * The dialog pane the open dialog was opened from, where Esc from the dialog goes back to (Tab
   * may have passed through other panes since). Null until a dialog is opened.
   */
  openedFrom: View | null;
  overlay: Overlay | null;
}

export type FocusAction =
  | { type: 'next' }
  | { type: 'prev' }
  | { type: 'focus'; pane: Pane }
  | { type: 'back' }
  /** A dialog was opened from `from`: the composer takes the keys. */
  | { type: 'opened'; from: View }
  | { type: 'overlay'; overlay: Overlay | null };

export const initialFocus: FocusState = { pane: 'mine', view: 'mine', openedFrom: null, overlay: null };

export const isView = (pane: Pane): pane is View => pane === 'mine' || pane === 'shared' || pane === 'archive';

function to(state: FocusState, pane: Pane): FocusState {
  if (state.pane === pane) return state;
  return { ...state, pane, view: isView(pane) ? pane : state.view };
}

export function reduceFocus(state: FocusState, action: FocusAction): FocusState {
  switch (action.type) {
    case 'next':
      return to(state, PANES[(PANES.indexOf(state.pane) + 1) % PANES.length]);
    case 'prev':
      return to(state, PANES[(PANES.indexOf(state.pane) + PANES.length - 1) % PANES.length]);
    case 'focus':
      return to(state, action.pane);
    case 'back':
      if (state.overlay) return { ...state, overlay: null };
      if (state.pane === 'composer' || state.pane === 'card') return to(state, 'thread');
      if (state.pane === 'thread') return to(state, state.openedFrom ?? state.view);
      return state;
    case 'opened':
      return { ...to(state, 'composer'), view: action.from, openedFrom: action.from };
    case 'overlay':
      return state.overlay === action.overlay ? state : { ...state, overlay: action.overlay };
  }
}
