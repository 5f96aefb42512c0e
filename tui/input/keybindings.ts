// The one keymap. Components and the key router ask `is('Send', input, key)`; nobody else
// looks at key bytes.
//
// Keys reach it through tui/input/useKeys.ts, which reads the terminal's bytes itself
// (tui/input/keys.ts) and reports them in Ink's `Key` shape:
// - Enter `\r`: key.return. Alt+Enter `\x1b\r`: key.return + key.meta.
// - Ctrl+Enter, kitty protocol `\x1b[13;5u` and xterm modifyOtherKeys `\x1b[27;5;13~`: key.return
//   + key.ctrl (Alt+Enter in those encodings: key.return + key.meta; Shift+Enter, `\x1b[13;2u` and
//   `\x1b[27;2;13~`: key.return + key.shift).
// - Backspace, `\x7f` or `\x08`: key.backspace. The Delete key `\x1b[3~`: key.delete.
// - Ctrl+letter `\x01`..`\x1a`: input 'letter' + key.ctrl. Esc: key.escape (+ key.meta, always).
// - Bracketed paste wraps a paste in `\x1b[200~` … `\x1b[201~`: inputs `[200~` and `[201~`.
import type { Key } from 'ink';

export type Command =
  | 'Send'
  | 'Newline'
  | 'NextPane'
  | 'PrevPane'
  | 'Up'
  | 'Down'
  | 'PageUp'
  | 'PageDown'
  | 'First'
  | 'Last'
  | 'Open'
  | 'Back'
  | 'Retry'
  | 'Edit'
  | 'Read'
  | 'Take'
  | 'Assign'
  | 'Close'
  | 'Reopen'
  | 'EditCard'
  | 'LeadClass'
  | 'Templates'
  | 'SaveTemplate'
  | 'Attach'
  | 'ToggleNote'
  | 'Find'
  | 'DropFiles'
  | 'ToggleOnline'
  | 'ToggleBell'
  | 'LinkTelegram'
  | 'Help'
  | 'Quit'
  | 'QuitAnywhere'
  | 'Erase'
  | 'EraseAll'
  | 'PutBack'
  | 'DeleteForward'
  | 'PasteStart'
  | 'PasteEnd';

type Flag = 'return' | 'tab' | 'escape' | 'upArrow' | 'downArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'backspace' | 'delete';

interface Binding {
  /** What hints and the help overlay show. */
  label: string;
  flag?: Flag;
  input?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
}

interface CommandKeys {
  help: string;
  /** Where the command works, for the help overlay. */
  where: 'everywhere' | 'composer' | 'panes' | 'dialog' | 'messages';
  bindings: Binding[];
  /** Not listed in the help overlay (protocol plumbing). */
  hidden?: boolean;
}

export const KEYMAP: Record<Command, CommandKeys> = {
  Send: {
    help: 'send the message (or save the edit)',
    where: 'everywhere',
    bindings: [
      { label: 'Ctrl+Enter', flag: 'return', ctrl: true },
      { label: 'Ctrl+S', input: 's', ctrl: true },
      { label: 'Alt+Enter', flag: 'return', meta: true },
    ],
  },
  Newline: {
    help: 'new line',
    where: 'composer',
    // Shift+Enter: kitty `\x1b[13;2u`, modifyOtherKeys `\x1b[27;2;13~` (what chat apps taught hands).
    bindings: [
      { label: 'Enter', flag: 'return' },
      { label: 'Shift+Enter', flag: 'return', shift: true },
    ],
  },
  NextPane: { help: 'next pane', where: 'everywhere', bindings: [{ label: 'Tab', flag: 'tab' }] },
  PrevPane: { help: 'previous pane', where: 'everywhere', bindings: [{ label: 'Shift+Tab', flag: 'tab', shift: true }] },
  Up: { help: 'move up', where: 'panes', bindings: [{ label: '↑', flag: 'upArrow' }, { label: 'k', input: 'k' }] },
  Down: { help: 'move down', where: 'panes', bindings: [{ label: '↓', flag: 'downArrow' }, { label: 'j', input: 'j' }] },
  PageUp: { help: 'a page up', where: 'panes', bindings: [{ label: 'PgUp', flag: 'pageUp' }] },
  PageDown: { help: 'a page down', where: 'panes', bindings: [{ label: 'PgDn', flag: 'pageDown' }] },
  First: { help: 'the first dialog or message', where: 'panes', bindings: [{ label: 'Home', flag: 'home' }] },
  Last: { help: 'the last dialog or message', where: 'panes', bindings: [{ label: 'End', flag: 'end' }] },
  Open: { help: 'open the dialog', where: 'panes', bindings: [{ label: 'Enter', flag: 'return' }] },
  Back: {
    help: 'back out (close a window; in the composer while editing, cancel the edit; from the open dialog, back to the pane it was opened from)',
    where: 'everywhere',
    bindings: [{ label: 'Esc', flag: 'escape', meta: true }],
  },
  Retry: { help: 'resend the failed message', where: 'messages', bindings: [{ label: 'r', input: 'r' }, { label: 'Enter', flag: 'return' }] },
  Edit: { help: 'edit your message (10 minutes)', where: 'messages', bindings: [{ label: 'e', input: 'e' }] },
  Read: {
    help: 'read the whole message in a window (↑/↓, PgUp/PgDn, Home/End scroll; Esc, v or q close)',
    where: 'messages',
    bindings: [{ label: 'v', input: 'v' }],
  },
  Take: { help: 'take the dialog (assign to me)', where: 'dialog', bindings: [{ label: 't', input: 't' }] },
  Assign: { help: 'assign to another operator', where: 'dialog', bindings: [{ label: 'a', input: 'a' }] },
  Close: { help: 'close the dialog (to Archive)', where: 'dialog', bindings: [{ label: 'c', input: 'c' }] },
  Reopen: { help: 'reopen a closed dialog', where: 'dialog', bindings: [{ label: 'u', input: 'u' }] },
  EditCard: { help: 'edit the client card', where: 'dialog', bindings: [{ label: 'i', input: 'i' }] },
  LeadClass: { help: 'pick the lead class', where: 'dialog', bindings: [{ label: 'l', input: 'l' }] },
  Templates: {
    help: 'templates (/ in an empty composer too)',
    where: 'everywhere',
    bindings: [{ label: 'Ctrl+T', input: 't', ctrl: true }],
  },
  SaveTemplate: {
    help: "save the composer's text as a template",
    where: 'everywhere',
    bindings: [{ label: 'Ctrl+N', input: 'n', ctrl: true }],
  },
  Find: {
    help: 'find a dialog: a name, email, phone, or words of its messages',
    where: 'everywhere',
    bindings: [{ label: 'Ctrl+F', input: 'f', ctrl: true }],
  },
  Attach: {
    help: 'attach a file to your next message (a path, or drop the file)',
    where: 'everywhere',
    bindings: [{ label: 'Ctrl+O', input: 'o', ctrl: true }],
  },
  DropFiles: { help: 'drop the attached files', where: 'everywhere', bindings: [{ label: 'Ctrl+X', input: 'x', ctrl: true }] },
  // P for private. Ctrl+N (note) saves a template already; tmux keeps Ctrl+B for its prefix. A
  // plain control character: every terminal sends it, tmux and xterm pass it through.
  ToggleNote: {
    help: 'a private note (operators only), or a reply',
    where: 'everywhere',
    bindings: [{ label: 'Ctrl+P', input: 'p', ctrl: true }],
  },
  ToggleOnline: { help: 'go online / offline', where: 'panes', bindings: [{ label: 'o', input: 'o' }] },
  ToggleBell: { help: 'bell on new messages on / off', where: 'panes', bindings: [{ label: 'b', input: 'b' }] },
  LinkTelegram: { help: 'link Telegram: a one-time link to the bot', where: 'panes', bindings: [{ label: 'g', input: 'g' }] },
  Help: { help: 'this help', where: 'panes', bindings: [{ label: '?', input: '?' }] },
  Quit: { help: 'quit (asks first when messages are not sent, or when you are online by the switch)', where: 'panes', bindings: [{ label: 'q', input: 'q' }] },
  QuitAnywhere: { help: 'quit, also from the composer (asks first likewise)', where: 'everywhere', bindings: [{ label: 'Ctrl+C', input: 'c', ctrl: true }] },
  // As in shells and readline: Ctrl+U kills the line, Ctrl+Y yanks it back. They work in a
  // window's field too (the client card, a picker's search line); the help's one row says less.
  EraseAll: { help: 'erase all the text', where: 'composer', bindings: [{ label: 'Ctrl+U', input: 'u', ctrl: true }] },
  PutBack: { help: 'put back the text Ctrl+U erased', where: 'composer', bindings: [{ label: 'Ctrl+Y', input: 'y', ctrl: true }] },
  // Editing keys in text: too plain for the help overlay.
  Erase: { help: 'erase the character before the cursor', where: 'everywhere', hidden: true, bindings: [{ label: 'Backspace', flag: 'backspace' }] },
  DeleteForward: { help: 'erase the character under the cursor', where: 'composer', hidden: true, bindings: [{ label: 'Delete', flag: 'delete' }] },
  PasteStart: { help: 'a paste begins', where: 'everywhere', hidden: true, bindings: [{ label: 'paste', input: '[200~' }] },
  PasteEnd: { help: 'a paste ends', where: 'everywhere', hidden: true, bindings: [{ label: 'paste', input: '[201~' }] },
};

function matches(b: Binding, input: string, key: Key): boolean {
  if (b.flag && !key[b.flag]) return false;
  if (b.input !== undefined && input !== b.input) return false;
  return !!key.ctrl === !!b.ctrl && !!key.meta === !!b.meta && !!key.shift === !!b.shift;
}

/** Whether this keypress is the command. */
export function is(command: Command, input: string, key: Key): boolean {
  return KEYMAP[command].bindings.some((b) => matches(b, input, key));
}

/** "Ctrl+Enter / Ctrl+S / Alt+Enter": each key once, for hint lines and the help overlay. */
export function keysOf(command: Command): string {
  return [...new Set(KEYMAP[command].bindings.map((b) => b.label))].join(' / ');
}

/** The first key of a command, for short hints ("t take"). */
export function keyOf(command: Command): string {
  return KEYMAP[command].bindings[0].label;
}

/** A keypress that is text to type (not a control or escape sequence, nor a key command). */
export function isText(input: string, key: Key): boolean {
  if (input.length === 0 || key.ctrl || key.meta || key.escape || key.tab) return false;
  if (is('Send', input, key) || is('PasteStart', input, key) || is('PasteEnd', input, key)) return false;
  // Unknown escape sequences arrive with their ESC stripped: `[1;5D` is a key, not text.
  if (/^\[[0-9;:?]*[~A-Za-z]$/.test(input) && input.length > 2) return false;
  return !/^[\x00-\x08\x0b-\x1f\x7f]$/.test(input);
}
