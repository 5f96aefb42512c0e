// The one place keys go. Ink calls `routeKey` for every keypress; it reads the stores as they
// are at that moment and hands the key to whatever has the focus: a paste in progress, an
// overlay (help, a picker, a form), the global keys, then the focused pane. Components only
// draw; none of them listens to keys.
import type { Key } from 'ink';
import type { View } from '../../core/protocol/constants.js';
import type { Actions } from '../context/actions.js';
import type { Stores } from '../context/stores.js';
import { graphemes } from '../../core/text-layout.js';
import type { ComposerAction } from '../state/composer.js';
import { selectedDialog, wantsMore } from '../state/dialogs.js';
import { onlineByHand } from '../state/connection.js';
import { isView } from '../state/focus.js';
import { bottomAfterMove, pageTarget } from '../state/message-rows.js';
import { helpLayout } from '../state/help.js';
import { readerLayout, threadLayout, type Viewer, viewBottom } from '../state/message-view.js';
import { is, isText, keyOf } from './keybindings.js';
import { pastedText } from './keys.js';

/** What the panes show, for the page keys to move by exactly that. */
export interface Pages {
  /** Rows of the focused dialog pane. */
  list: number;
  /** Rows of a picker's list. */
  picker: number;
  /** The message pane's size: the page keys lay the messages out as the pane does. */
  thread: { width: number; height: number };
  /** The reader's window (the whole body). */
  reader: { width: number; height: number };
}

export interface KeyContext {
  stores: Stores;
  actions: Actions;
  pages: Pages;
  /** Who is looking: the message pane's layout needs it ("you", files' URLs). */
  viewer: Viewer;
  /** Whether a bracketed paste is in progress: everything until its end is text. */
  pasting: boolean;
  /** What a paste into the composer has brought so far: it goes in whole when the paste ends. */
  pasted?: string;
}

export function routeKey(input: string, key: Key, ctx: KeyContext): void {
  const { stores, actions } = ctx;
  const focus = stores.focus.getState();

  if (is('PasteStart', input, key)) {
    ctx.pasting = true;
    return;
  }
  if (is('PasteEnd', input, key)) {
    ctx.pasting = false;
    const pasted = ctx.pasted;
    ctx.pasted = undefined;
    // A file dragged onto the terminal comes as a paste of its path: attach it (actions decide).
    if (pasted !== undefined) actions.paste(pasted);
    return;
  }
  if (ctx.pasting) {
    // A pasted Enter is a line break in the text, never a key; other control characters go.
    const text = pastedText(input, key);
    if (!text) return;
    if (focus.overlay === 'templates' || focus.overlay === 'assign' || focus.overlay === 'leadClass' || focus.overlay === 'search') {
      stores.picker.dispatch({ type: 'type', text });
    } else if (focus.overlay === 'card' || focus.overlay === 'saveTemplate' || focus.overlay === 'attach') stores.form.dispatch({ type: 'type', text });
    else if (focus.pane === 'composer' && (stores.thread.getState().detail || stores.thread.getState().opening !== null)) {
      ctx.pasted = (ctx.pasted ?? '') + text;
    }
    return;
  }

  // A key held down comes faster than it is read, as one run ("kk", "jjjj"): where letters are
  // commands, each is a key of its own, routed in turn. Only a run of one letter: other text
  // there is a paste, whose letters must not act as commands (o would toggle online).
  if (isText(input, key) && !takesText(ctx)) {
    const letters = graphemes(input);
    if (letters.length > 1 && letters.every((l) => l === letters[0])) return letters.forEach((letter) => routeKey(letter, key, ctx));
  }

  if (is('QuitAnywhere', input, key)) return actions.quit();
  if (focus.overlay) return overlayKey(input, key, ctx);

  if (is('Send', input, key)) return actions.send();
  if (is('Templates', input, key)) return actions.openTemplates();
  if (is('SaveTemplate', input, key)) return actions.openSaveTemplate();
  if (is('Attach', input, key)) return actions.openAttach();
  if (is('ToggleNote', input, key)) return actions.toggleNote();
  if (is('Find', input, key)) return actions.openSearch();
  if (is('DropFiles', input, key)) return actions.dropFiles();
  if (is('NextPane', input, key)) return stores.focus.dispatch({ type: 'next' });
  if (is('PrevPane', input, key)) return stores.focus.dispatch({ type: 'prev' });

  if (focus.pane === 'composer') return composerKey(input, key, ctx);

  if (is('Back', input, key)) return stores.focus.dispatch({ type: 'back' });
  if (is('Help', input, key)) {
    stores.help.dispatch({ type: 'open' });
    return stores.focus.dispatch({ type: 'overlay', overlay: 'help' });
  }
  if (is('ToggleOnline', input, key)) return actions.toggleOnline();
  if (is('ToggleBell', input, key)) return actions.toggleBell();
  if (is('LinkTelegram', input, key)) return actions.linkTelegram();
  if (is('Quit', input, key)) return actions.quit();

  if (isView(focus.pane)) return dialogPaneKey(focus.pane, input, key, ctx);
  if (focus.pane === 'thread') return threadKey(input, key, ctx);
  if (focus.pane === 'card') return cardKey(input, key, ctx);
}

/** Whether text typed now goes into a text field whole: the composer, a picker's search, a form. */
function takesText({ stores }: KeyContext): boolean {
  const { overlay, pane } = stores.focus.getState();
  if (overlay) return overlay !== 'help' && overlay !== 'quit' && overlay !== 'ended' && overlay !== 'telegram' && overlay !== 'reader';
  return pane === 'composer';
}

function overlayKey(input: string, key: Key, ctx: KeyContext): void {
  const { stores, actions } = ctx;
  const overlay = stores.focus.getState().overlay;
  // The session is over: signing in again or quitting are all that is left.
  if (overlay === 'ended') {
    if (key.return) actions.signInAgain();
    else if (input === 'q') actions.quit();
    return;
  }
  if (overlay === 'quit') {
    if (input === 'y' || input === 'Y') return actions.quit();
    if ((input === 'o' || input === 'O') && onlineByHand(stores.connection.getState().status)) return void actions.goOfflineAndQuit();
    if (input === 'n' || input === 'N' || is('Back', input, key)) actions.closeOverlay();
    return;
  }
  if (is('Back', input, key)) return actions.closeOverlay();
  if (overlay === 'help') {
    if (is('Help', input, key) || input === 'q') return actions.closeOverlay();
    const { rows, page } = helpLayout(ctx.pages.reader.width, ctx.pages.reader.height);
    const by = scrollBy(input, key, page, rows.length);
    if (by !== 0) stores.help.dispatch({ type: 'scroll', by, last: Math.max(0, rows.length - page) });
    return;
  }
  if (overlay === 'telegram') {
    if (key.return || input === 'q') actions.closeOverlay();
    return;
  }
  if (overlay === 'reader') return readerKey(input, key, ctx);
  if (overlay === 'card' || overlay === 'saveTemplate' || overlay === 'attach') {
    const { form } = stores;
    if (key.return || is('Send', input, key)) return void actions.submitForm();
    if (key.tab || key.downArrow) return form.dispatch({ type: 'move', by: key.shift ? -1 : 1 });
    if (key.upArrow) return form.dispatch({ type: 'move', by: -1 });
    if (is('Erase', input, key)) return form.dispatch({ type: 'erase' });
    if (is('EraseAll', input, key)) return actions.eraseAll();
    if (is('PutBack', input, key)) return form.dispatch({ type: 'restore' });
    if (isText(input, key)) form.dispatch({ type: 'type', text: input });
    return;
  }
  // A picker: the search line takes letters, so only arrows move.
  const { picker } = stores;
  if (key.return) return actions.pick();
  if (overlay === 'templates' && is('SaveTemplate', input, key)) {
    actions.closeOverlay();
    return actions.openSaveTemplate();
  }
  if (key.upArrow || (key.tab && key.shift)) return picker.dispatch({ type: 'move', by: -1 });
  if (key.downArrow || key.tab) return picker.dispatch({ type: 'move', by: 1 });
  if (key.pageUp) return picker.dispatch({ type: 'move', by: -ctx.pages.picker });
  if (key.pageDown) return picker.dispatch({ type: 'move', by: ctx.pages.picker });
  if (is('Erase', input, key)) return picker.dispatch({ type: 'erase' });
  if (is('EraseAll', input, key)) return actions.eraseAll();
  if (is('PutBack', input, key)) return picker.dispatch({ type: 'restore' });
  if (isText(input, key)) picker.dispatch({ type: 'type', text: input });
}

function openReader({ stores }: KeyContext, key: string): void {
  stores.reader.dispatch({ type: 'open', key });
  stores.focus.dispatch({ type: 'overlay', overlay: 'reader' });
}

/** How far a key scrolls a window of `page` rows over `total`: a row, a page, or to an end. */
function scrollBy(input: string, key: Key, page: number, total: number): number {
  if (is('Up', input, key)) return -1;
  if (is('Down', input, key)) return 1;
  if (is('PageUp', input, key)) return -page;
  if (is('PageDown', input, key)) return page;
  if (is('First', input, key)) return -total;
  if (is('Last', input, key)) return total;
  return 0;
}

/** The reader scrolls by rows and pages, and to its ends; v and q close it, as Esc does. */
function readerKey(input: string, key: Key, ctx: KeyContext): void {
  const { stores, actions } = ctx;
  if (is('Read', input, key) || input === 'q') return actions.closeOverlay();
  const { rows, page } = readerLayout(actions.items(), stores.reader.getState().key, stores.thread.getState(), ctx.viewer, ctx.pages.reader.width, ctx.pages.reader.height);
  const by = scrollBy(input, key, page, rows.length);
  if (by !== 0) stores.reader.dispatch({ type: 'scroll', by, last: Math.max(0, rows.length - page) });
}

function composerKey(input: string, key: Key, ctx: KeyContext): void {
  const { stores, actions } = ctx;
  const { composer } = stores;
  // Esc while editing leaves the edit (the draft from before comes back); the next Esc the composer.
  if (is('Back', input, key)) return composer.getState().editing ? actions.cancelEdit() : stores.focus.dispatch({ type: 'back' });
  const { detail, opening } = stores.thread.getState();
  if (!detail && opening === null) return;
  // A key that changes the text is the operator typing (the visitor is told, see actions.typed).
  const write = (action: ComposerAction) => {
    const before = composer.getState().text;
    composer.dispatch(action);
    if (composer.getState().text !== before) actions.typed();
  };
  if (is('Newline', input, key)) return write({ type: 'insert', text: '\n' });
  if (is('Erase', input, key)) return write({ type: 'backspace' });
  if (is('EraseAll', input, key)) return actions.eraseAll();
  if (is('PutBack', input, key)) return write({ type: 'restore' });
  if (is('DeleteForward', input, key)) return write({ type: 'delete' });
  if (key.leftArrow) return composer.dispatch({ type: 'left' });
  if (key.rightArrow) return composer.dispatch({ type: 'right' });
  if (key.home || (key.ctrl && input === 'a')) return composer.dispatch({ type: 'home' });
  if (key.end || (key.ctrl && input === 'e')) return composer.dispatch({ type: 'end' });
  // `/` at the start of an empty composer opens the templates instead of typing a slash.
  if (input === '/' && composer.getState().text === '') return actions.openTemplates();
  if (isText(input, key)) write({ type: 'insert', text: input });
}

/**
 * Take, assign, close, reopen, card and lead class: on a pane's dialog, or the open one (none of
 * either: the actions say so). Keys of a message, outside the message pane, say where they work.
 */
function dialogCommand(input: string, key: Key, ctx: KeyContext, dialog: Parameters<Actions['take']>[0]): true | undefined {
  const { actions } = ctx;
  if (is('Take', input, key)) void actions.take(dialog);
  else if (is('Assign', input, key)) actions.openAssign(dialog);
  else if (is('Close', input, key)) actions.close(dialog);
  else if (is('Reopen', input, key)) actions.reopen(dialog);
  else if (is('LeadClass', input, key)) actions.openLeadClass(dialog);
  else if (is('EditCard', input, key)) {
    if (dialog && dialog.id !== ctx.stores.thread.getState().detail?.dialog.id) void actions.open(dialog).then(() => actions.openCardEditor());
    else actions.openCardEditor();
  } else if (is('Read', input, key) || is('Edit', input, key) || (is('Retry', input, key) && !key.return)) {
    const tab = keyOf('NextPane');
    actions.say([`${input}: on a message; ${tab} to the dialog's messages and pick one`, `${input}: on a message (${tab}, then pick one)`, `${input}: on a message (${tab})`]);
  } else return undefined;
  return true;
}

function dialogPaneKey(view: View, input: string, key: Key, ctx: KeyContext): void {
  const { stores, actions } = ctx;
  const move = (by: number) => {
    stores.dialogs.dispatch({ type: 'move', view, by, rows: ctx.pages.list });
    if (wantsMore(stores.dialogs.getState(), view)) void actions.loadMore(view);
  };
  const { lists, selected } = stores.dialogs.getState();
  if (is('Up', input, key)) return move(-1);
  if (is('Down', input, key)) return move(1);
  if (is('PageUp', input, key)) return move(-ctx.pages.list);
  if (is('PageDown', input, key)) return move(ctx.pages.list);
  // The first and the last dialog loaded: reaching the end loads the next page, so End again goes further.
  if (is('First', input, key)) return move(-selected[view]);
  if (is('Last', input, key)) return move(lists[view].length - 1 - selected[view]);
  const current = selectedDialog(stores.dialogs.getState(), view);
  if (is('Open', input, key)) return current ? void actions.open(current) : actions.say('no dialog here');
  // An empty pane: the dialog keys act on the open dialog, as in the message pane.
  dialogCommand(input, key, ctx, current);
}

function threadKey(input: string, key: Key, ctx: KeyContext): void {
  const { stores, actions } = ctx;
  const { thread } = stores;
  const items = actions.items();
  const state = thread.getState();
  const selected = state.selected ?? items.length - 1;
  // The pane's layout, for the view to move as the pane shows it.
  const layout = () => threadLayout(items, state, ctx.viewer, ctx.pages.thread.width, ctx.pages.thread.height);
  const move = (target: number, bottom: number) => {
    thread.dispatch({ type: 'move', by: target - selected, count: items.length, bottom });
    if (thread.getState().selected === 0) void actions.loadOlder();
  };
  if ((is('Up', input, key) || is('Down', input, key)) && items.length > 0) {
    const target = Math.max(0, Math.min(selected + (is('Up', input, key) ? -1 : 1), items.length - 1));
    const { rowsAvailable, rowsOf } = layout();
    return move(target, bottomAfterMove(items.length, viewBottom(state, items.length), target, rowsAvailable, rowsOf));
  }
  if ((is('PageUp', input, key) || is('PageDown', input, key)) && items.length > 0) {
    const { rowsAvailable, rowsOf } = layout();
    const target = pageTarget(items.length, viewBottom(state, items.length), rowsAvailable, rowsOf, is('PageUp', input, key) ? -1 : 1);
    return move(target, target);
  }
  // The first message loaded (reaching it loads older ones, so Home again goes further), or the newest.
  if (is('First', input, key) && items.length > 0) {
    const { rowsAvailable, rowsOf } = layout();
    return move(0, bottomAfterMove(items.length, viewBottom(state, items.length), 0, rowsAvailable, rowsOf));
  }
  if (is('Last', input, key) && items.length > 0) return move(items.length - 1, items.length - 1);
  const item = items[selected];
  const message = is('Read', input, key) || is('Edit', input, key) || (is('Retry', input, key) && !key.return);
  if (!item && message) {
    const open = keyOf('Open');
    return actions.say(state.detail ? 'no message here' : [`no dialog is open: ${open} on one in a pane opens it`, `no dialog open (${open} on one in a pane)`, `open a dialog (${open} on one)`]);
  }
  if (item && is('Read', input, key)) return openReader(ctx, item.key);
  if (item && is('Retry', input, key) && item.delivery === 'failed') return actions.resend(item);
  if (item && is('Retry', input, key) && !key.return) return actions.say([`${keyOf('Retry')}: this message has not failed`, `${keyOf('Retry')}: it has not failed`]);
  if (item && is('Edit', input, key)) return actions.startEdit(item);
  // Enter on any other message goes to the composer to answer.
  if (is('Open', input, key)) return stores.focus.dispatch({ type: 'focus', pane: 'composer' });
  dialogCommand(input, key, ctx, undefined);
}

/** The client card: the dialog keys act on the open dialog; Enter says which keys change the card. */
function cardKey(input: string, key: Key, ctx: KeyContext): void {
  if (is('Open', input, key)) {
    const [card, lead] = [keyOf('EditCard'), keyOf('LeadClass')];
    return ctx.actions.say([`${card} edits the client card, ${lead} picks the lead class`, `${card} edits the card, ${lead} the lead class`, `${card}: card · ${lead}: lead class`]);
  }
  dialogCommand(input, key, ctx, undefined);
}
