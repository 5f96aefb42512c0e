// The composer's text and cursor. Enter inserts a newline; pasted text (newlines included) is
// inserted as it is, so it stays one message and never sends by itself. The cursor moves and
// erases by grapheme (😀, é as e + accent, 👍🏽 are one step each), so no half of a character is
// ever left in the text.
//
// Each dialog has its own draft: opening another dialog puts this one's text aside and brings
// back that one's, so a reply never goes to the wrong visitor. `files` are uploaded into one
// dialog (`filesFor`) and go with the next message sent there.
//
// Editing (`e` on one's own message) is a mode that can be left: the draft written before `e` is
// kept aside and comes back when the edit is saved, cancelled (Esc) or emptied. A refused edit
// (too late) leaves the mode and keeps the text, to be sent as a new message; the draft from
// before follows it after a blank line, so neither is lost (the cursor ends the edited text).
//
// Ctrl+P makes the next message a private note (only operators see it) instead of a reply, and
// back. The choice is the dialog's, kept with its draft: it stays after a note is sent, until
// switched back, so the composer never changes kind under the operator's hands. An edit keeps
// the message what it is (a note stays a note), whatever the draft around it: `writesNote` says
// which the composer writes now. A refused edit's text stays a note if it was one, or if the
// draft it joins was: a note's words never become a reply by a side effect.
//
// Ctrl+U erases the whole text at once (holding Backspace through a long paste took minutes);
// Ctrl+Y puts it back, in the same dialog, until something else is written there.
//
// A held key on a long text must keep up: a key reads only the few characters around the
// cursor, and the rows are wrapped again only from the edit on (see wrapText).
import type { Attachment } from '../../core/protocol/dialogs.js';
import { displayWidth, nextBoundary, previousBoundary } from '../../core/text-layout.js';
import { wrapRow } from './wrap.js';

/** One dialog's unsent text, its cursor, the edit in progress and the files attached. */
export interface Draft {
  text: string;
  cursor: number;
  /** The message being edited (`note`: a private note), and the draft to bring back afterwards; null for a new message. */
  editing: { messageId: number; dialogId: number; note: boolean; before: { text: string; cursor: number } } | null;
  /** The next message is a private note, not a reply (Ctrl+P). */
  note: boolean;
  /** Files uploaded for the next message, and the dialog they were uploaded into. */
  files: Attachment[];
  filesFor: number | null;
  /** The text Ctrl+U erased, for Ctrl+Y to put back; null once something else is written. */
  erasedAll: string | null;
}

export interface ComposerState extends Draft {
  /** The dialog the composer writes to (the open one, or the one opening); null before any. */
  dialogId: number | null;
  /** The drafts of the other dialogs, by dialog id. */
  drafts: Readonly<Record<number, Draft>>;
}

export type ComposerAction =
  | { type: 'insert'; text: string }
  | { type: 'backspace' }
  | { type: 'delete' }
  /** Erases the whole text (Ctrl+U); `restore` (Ctrl+Y) puts it back. */
  | { type: 'eraseAll' }
  | { type: 'restore' }
  | { type: 'left' }
  | { type: 'right' }
  | { type: 'home' }
  | { type: 'end' }
  /** Loads an own message (`note`: a private note) for editing, the cursor at its end; the draft is kept aside. */
  | { type: 'edit'; messageId: number; dialogId: number; text: string; note: boolean }
  /** A reply becomes a private note, or a note a reply (not while editing: an edit keeps the kind). */
  | { type: 'toggleNote' }
  /** Leaves editing: back to the draft from before (`keepText`: the text stays, as a new message, the draft after it). */
  | { type: 'endEdit'; keepText: boolean }
  /** Another dialog is opened: this draft is put aside, that dialog's comes back. */
  | { type: 'switch'; dialogId: number | null }
  /** A file uploaded into a dialog for the next message; one of another dialog starts over. */
  | { type: 'attach'; dialogId: number; file: Attachment }
  | { type: 'dropFiles' }
  /** The message went: the composer is empty for the next one (of the same kind). */
  | { type: 'clear' };

const emptyDraft: Draft = { text: '', cursor: 0, editing: null, note: false, files: [], filesFor: null, erasedAll: null };

export const emptyComposer: ComposerState = { ...emptyDraft, dialogId: null, drafts: {} };

const draftOf = ({ text, cursor, editing, note, files, filesFor, erasedAll }: ComposerState): Draft => ({ text, cursor, editing, note, files, filesFor, erasedAll });
const isEmpty = (d: Draft) => d.text === '' && d.editing === null && !d.note && d.files.length === 0 && d.erasedAll === null;

/** Whether what the composer sends now is a private note: the message edited, else the draft's choice. */
export const writesNote = (d: Pick<Draft, 'editing' | 'note'>): boolean => (d.editing ? d.editing.note : d.note);

/** Code units before the cursor a step back reads (a grapheme is rarely longer; a longer one reads its line). */
const LOOKBACK = 64;
/** Two regional indicators make a flag: which pairs up depends on the whole run, so the line decides. */
const REGIONAL_INDICATOR = /\uD83C[\uDDE6-\uDDFF]/;

/**
 * Where the grapheme before `at` starts, as core's previousBoundary, but reading only the
 * characters just before it: previousBoundary segments the whole line up to `at`, and a pasted
 * 9,000-character line made each Backspace read all of it.
 */
function stepBack(text: string, at: number): number {
  let from = Math.max(0, at - LOOKBACK);
  if (from > 0 && /[\uDC00-\uDFFF]/.test(text[from])) from--;
  const window = text.slice(from, at);
  if (from === 0 || REGIONAL_INDICATOR.test(window)) return previousBoundary(text, at);
  const back = from + previousBoundary(window, window.length);
  // A grapheme as long as the window (or longer): its whole line decides where it starts.
  return back > from ? back : previousBoundary(text, at);
}

/** After an erase: an edit whose text is all gone has ended, and the draft from before is back. */
function erased(state: ComposerState, text: string, cursor: number): ComposerState {
  if (state.editing && text === '') return { ...state, ...state.editing.before, editing: null };
  return { ...state, text, cursor };
}

export function reduceComposer(state: ComposerState, action: ComposerAction): ComposerState {
  const { text, cursor } = state;
  switch (action.type) {
    case 'insert': {
      // Terminals turn the newlines of a paste (and Enter) into carriage returns; tabs would
      // break the layout, so they become spaces. Other control characters are no text (a pasted
      // BEL, say): they go.
      const piece = action.text
        .replace(/\r\n?/g, '\n')
        .replace(/\t/g, '  ')
        .replace(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/g, '');
      if (!piece) return state;
      return { ...state, text: text.slice(0, cursor) + piece + text.slice(cursor), cursor: cursor + piece.length, erasedAll: null };
    }
    case 'backspace': {
      if (cursor === 0) return state;
      const from = stepBack(text, cursor);
      return erased(state, text.slice(0, from) + text.slice(cursor), from);
    }
    case 'eraseAll':
      return text === '' ? state : { ...erased(state, '', 0), erasedAll: text };
    case 'restore': {
      if (state.erasedAll === null || state.editing) return state;
      const back = state.erasedAll;
      return { ...state, text: text.slice(0, cursor) + back + text.slice(cursor), cursor: cursor + back.length, erasedAll: null };
    }
    case 'delete': {
      if (cursor === text.length) return state;
      return erased(state, text.slice(0, cursor) + text.slice(nextBoundary(text, cursor)), cursor);
    }
    case 'left':
      return cursor === 0 ? state : { ...state, cursor: stepBack(text, cursor) };
    case 'right':
      return cursor === text.length ? state : { ...state, cursor: nextBoundary(text, cursor) };
    case 'home': {
      const start = text.lastIndexOf('\n', cursor - 1) + 1;
      return start === cursor ? state : { ...state, cursor: start };
    }
    case 'end': {
      const nl = text.indexOf('\n', cursor);
      const end = nl === -1 ? text.length : nl;
      return end === cursor ? state : { ...state, cursor: end };
    }
    case 'edit': {
      // Editing another message while editing one: the draft from before the first stays aside.
      const before = state.editing?.before ?? { text, cursor };
      return { ...state, text: action.text, cursor: action.text.length, editing: { messageId: action.messageId, dialogId: action.dialogId, note: action.note, before } };
    }
    case 'toggleNote':
      return state.editing ? state : { ...state, note: !state.note };
    case 'endEdit': {
      if (!state.editing) return state;
      const { before } = state.editing;
      if (!action.keepText) return { ...state, ...before, editing: null };
      const after = before.text.trim() ? `\n\n${before.text}` : '';
      return { ...state, text: text + after, cursor: text.length, editing: null, note: state.note || state.editing.note };
    }
    case 'switch': {
      if (action.dialogId === state.dialogId) return state;
      const drafts = { ...state.drafts };
      if (state.dialogId !== null && !isEmpty(draftOf(state))) drafts[state.dialogId] = draftOf(state);
      const next = action.dialogId === null ? emptyDraft : (drafts[action.dialogId] ?? emptyDraft);
      if (action.dialogId !== null) delete drafts[action.dialogId];
      return { ...next, dialogId: action.dialogId, drafts };
    }
    case 'attach': {
      // Uploaded while another dialog was opened: the file goes to its own dialog's draft.
      if (state.dialogId !== null && action.dialogId !== state.dialogId) {
        const draft = state.drafts[action.dialogId] ?? emptyDraft;
        return { ...state, drafts: { ...state.drafts, [action.dialogId]: { ...draft, files: [...draft.files, action.file], filesFor: action.dialogId } } };
      }
      const files = state.filesFor === action.dialogId ? state.files : [];
      return { ...state, files: [...files, action.file], filesFor: action.dialogId };
    }
    case 'dropFiles':
      return state.files.length === 0 ? state : { ...state, files: [], filesFor: null };
    case 'clear':
      return { ...state, ...emptyDraft, note: state.note };
  }
}

/** What would be sent: nothing when the text is only whitespace. */
export function outgoing(state: Draft): string | null {
  return state.text.trim() ? state.text : null;
}

/** The files that go with the next message to `dialogId`. */
export function filesFor(state: Draft, dialogId: number): Attachment[] {
  return state.filesFor === dialogId ? state.files : [];
}

/** A row of the composer's text: its piece, where it starts in the text, and whether it ends its line. */
interface TextRow {
  piece: string;
  from: number;
  last: boolean;
}

/** The rows of `text` from `start` (where a row starts) on, after `kept`. */
function wrapFrom(text: string, width: number, start: number, kept: TextRow[]): TextRow[] {
  const rows = kept;
  let from = start;
  for (;;) {
    const nl = text.indexOf('\n', from);
    const lineEnd = nl === -1 ? text.length : nl;
    let rest = text.slice(from, lineEnd);
    do {
      const [piece, after] = wrapRow(rest, width, true);
      rows.push({ piece, from, last: after === '' });
      from += piece.length;
      rest = after;
    } while (rest !== '');
    if (nl === -1) return rows;
    from = nl + 1;
  }
}

/** Code units after a row that the rows before it may have looked at (the grapheme that did not fit). */
const REWRAP_MARGIN = 32;

/** The last text wrapped at each width and its rows: a key changes the text near the cursor only. */
const lastWrapped = new Map<number, { text: string; rows: TextRow[] }>();

/**
 * The text's rows at `width` columns: each line cut into pieces at spaces, with where each piece
 * starts. The rows before the first character that changed since the last call at this width
 * stay as they were (where a row ends depends on the text up to the end of the row after it), so
 * a key in a long text wraps a row or two, not all of it.
 */
function wrapText(text: string, width: number): TextRow[] {
  const last = lastWrapped.get(width);
  if (last?.text === text) return last.rows;
  let rows: TextRow[];
  if (!last) rows = wrapFrom(text, width, 0, []);
  else {
    let same = 0;
    const shorter = Math.min(text.length, last.text.length);
    while (same < shorter && text.charCodeAt(same) === last.text.charCodeAt(same)) same++;
    // The last row that starts well before the change: the rows before it are final, it starts
    // where it did, and everything from it on is wrapped again.
    let keep = 0;
    while (keep + 1 < last.rows.length && last.rows[keep + 1].from + REWRAP_MARGIN <= same) keep++;
    keep = Math.max(0, keep - 1);
    rows = wrapFrom(text, width, keep === 0 ? 0 : last.rows[keep].from, last.rows.slice(0, keep));
  }
  if (lastWrapped.size >= 8) lastWrapped.clear();
  lastWrapped.set(width, { text, rows });
  return rows;
}

/** How many rows the text takes at `width` columns. */
export function composerLineCount(text: string, width: number): number {
  return wrapText(text, Math.max(1, width)).length;
}

/**
 * The composer's lines for a box `width` columns wide and at most `height` rows: long lines
 * are cut into rows (by display width: a CJK character takes two columns), and the rows shown
 * are the last ones up to the cursor's, so the cursor stays in view. `cursor` gives the row of
 * the cursor within the rows returned and its position in that row's string (a UTF-16 index on a
 * grapheme boundary: the grapheme there is the one drawn under the cursor).
 */
export function composerRows(state: Pick<Draft, 'text' | 'cursor'>, width: number, height: number): { rows: string[]; cursor: { row: number; col: number } } {
  const w = Math.max(1, width);
  const rows: string[] = [];
  let cursor = { row: 0, col: 0 };
  for (const { piece, from, last } of wrapText(state.text, w)) {
    const end = from + piece.length;
    if (state.cursor >= from && (state.cursor < end || (last && state.cursor === end))) {
      // A cursor at the very end of a full row goes to the start of an extra row.
      if (last && state.cursor === end && piece !== '' && displayWidth(piece) >= w) {
        rows.push(piece);
        cursor = { row: rows.length, col: 0 };
        rows.push('');
        continue;
      }
      cursor = { row: rows.length, col: state.cursor - from };
    }
    rows.push(piece);
  }
  const first = Math.max(0, cursor.row - Math.max(1, height) + 1);
  return { rows: rows.slice(first, first + Math.max(1, height)), cursor: { row: cursor.row - first, col: cursor.col } };
}

/** A row split around the cursor: before it, the grapheme under it (a space at the end), after. */
export function aroundCursor(row: string, col: number): [string, string, string] {
  const end = nextBoundary(row, col);
  return [row.slice(0, col), end > col ? row.slice(col, end) : ' ', row.slice(end)];
}
