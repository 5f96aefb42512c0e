// The composer's text and cursor. Enter inserts a newline; pasted text (newlines included) is
// inserted as it is, so it stays one message and never sends by itself. `editing` is set while
// the text is one of the operator's own sent messages being edited (`e`): sending then saves it.
// `files` are uploaded into one dialog (`filesFor`) and go with the next message sent there.
import type { Attachment } from '../../core/protocol/dialogs.js';

export interface ComposerState {
  text: string;
  cursor: number;
  /** The message being edited, or null when the text is a new message. */
  editing: { messageId: number; dialogId: number } | null;
  /** Files uploaded for the next message, and the dialog they were uploaded into. */
  files: Attachment[];
  filesFor: number | null;
}

export type ComposerAction =
  | { type: 'insert'; text: string }
  | { type: 'backspace' }
  | { type: 'delete' }
  | { type: 'left' }
  | { type: 'right' }
  | { type: 'home' }
  | { type: 'end' }
  /** Loads an own message for editing, the cursor at its end. */
  | { type: 'edit'; messageId: number; dialogId: number; text: string }
  /** A file uploaded into a dialog for the next message; one of another dialog starts over. */
  | { type: 'attach'; dialogId: number; file: Attachment }
  | { type: 'dropFiles' }
  | { type: 'clear' };

export const emptyComposer: ComposerState = { text: '', cursor: 0, editing: null, files: [], filesFor: null };


export function reduceComposer(state: ComposerState, action: ComposerAction): ComposerState {
  const { text, cursor } = state;
  switch (action.type) {
    case 'insert': {
      // Terminals turn the newlines of a paste (and Enter) into carriage returns; tabs would
      // break the layout, so they become spaces.
      const piece = action.text.replace(/\r\n?/g, '\n').replace(/\t/g, '  ');
      if (!piece) return state;
      return { ...state, text: text.slice(0, cursor) + piece + text.slice(cursor), cursor: cursor + piece.length };
    }
    case 'backspace':
      if (cursor === 0) return state;
      return { ...state, text: text.slice(0, cursor - 1) + text.slice(cursor), cursor: cursor - 1 };
    case 'delete':
      if (cursor === text.length) return state;
      return { ...state, text: text.slice(0, cursor) + text.slice(cursor + 1) };
    case 'left':
      return cursor === 0 ? state : { ...state, cursor: cursor - 1 };
    case 'right':
      return cursor === text.length ? state : { ...state, cursor: cursor + 1 };
    case 'home': {
      const start = text.lastIndexOf('\n', cursor - 1) + 1;
      return start === cursor ? state : { ...state, cursor: start };
    }
    case 'end': {
      const nl = text.indexOf('\n', cursor);
      const end = nl === -1 ? text.length : nl;
      return end === cursor ? state : { ...state, cursor: end };
    }
    case 'edit':
      return { ...emptyComposer, text: action.text, cursor: action.text.length, editing: { messageId: action.messageId, dialogId: action.dialogId } };
    case 'attach': {
      const files = state.filesFor === action.dialogId ? state.files : [];
      return { ...state, files: [...files, action.file], filesFor: action.dialogId };
    }
    case 'dropFiles':
      return state.files.length === 0 ? state : { ...state, files: [], filesFor: null };
    case 'clear':
      return emptyComposer;
  }
}

/** What would be sent: nothing when the text is only whitespace. */
export function outgoing(state: ComposerState): string | null {
  return state.text.trim() ? state.text : null;
}

/** The files that go with the next message to `dialogId`. */
export function filesFor(state: ComposerState, dialogId: number): Attachment[] {
  return state.filesFor === dialogId ? state.files : [];
}

/**
 * The composer's lines for a box `width` columns wide and at most `height` rows: long lines
 * are cut into rows, and the rows shown are the last ones up to the cursor's, so the cursor
 * stays in view. `cursor` gives the row and column of the cursor within the rows returned.
 */
export function composerRows(state: ComposerState, width: number, height: number): { rows: string[]; cursor: { row: number; col: number } } {
  const w = Math.max(1, width);
  const rows: string[] = [];
  let cursor = { row: 0, col: 0 };
  let offset = 0;
  for (const line of state.text.split('\n')) {
    const pieces = line.length === 0 ? [''] : Array.from({ length: Math.ceil(line.length / w) }, (_, i) => line.slice(i * w, i * w + w));
    // A cursor at the very end of a full row goes to the start of an extra row.
    if (line.length > 0 && line.length % w === 0 && state.cursor === offset + line.length) pieces.push('');
    pieces.forEach((piece, i) => {
      const from = offset + i * w;
      const last = i === pieces.length - 1;
      if (state.cursor >= from && (state.cursor < from + piece.length || (last && state.cursor === from + piece.length))) {
        cursor = { row: rows.length, col: state.cursor - from };
      }
      rows.push(piece);
    });
    offset += line.length + 1;
  }
  const first = Math.max(0, cursor.row - Math.max(1, height) + 1);
  return { rows: rows.slice(first, first + Math.max(1, height)), cursor: { row: cursor.row - first, col: cursor.col } };
}
