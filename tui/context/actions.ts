// What the operator does, in one place for the key router to call: open a dialog, send, edit,
// resend, take, assign, close, reopen, the client card, the lead class, templates, online and
// the bell. Each reads the stores when it runs, never a copy from an earlier render, and a
// failure lands in the status bar's notice instead of throwing.
import { ApiError, type OperatorStatusReply } from '../../core/client/api.js';
import type { ThreadItem } from '../../core/client/outbox.js';
import { FrameError, SESSION_ENDED } from '../../core/client/realtime.js';
import type { View } from '../../core/protocol/constants.js';
import type { DialogList, DialogSummary, SearchMatch } from '../../core/protocol/dialogs.js';
import { fillTemplate, placeholderValues } from '../../core/templates.js';
import { MAX_ATTACHMENTS, MAX_BODY } from '../../core/protocol/constants.js';
import { outgoing, writesNote } from '../state/composer.js';
import { keyOf } from '../input/keybindings.js';
import { formatSize } from '../state/message-rows.js';
import { arrivals, dialogName } from '../state/dialogs.js';
import { type NoticeEnd, type NoticeText, onlineByHand } from '../state/connection.js';
import { isView, type Pane } from '../state/focus.js';
import { changedValues, formValues } from '../state/form.js';
import { type PickerKind, pickedItem, searchIsCurrent } from '../state/picker.js';
import { hasOlder, notSent, pastEditWindow, threadItems } from '../state/thread.js';
import { type TypingSent, typingDue } from '../state/typing.js';
import { droppedFile, readAttachment } from './files.js';
import { type Session, systemClock } from './session.js';
import type { Stores } from './stores.js';
import { personName } from '../../core/person.js';

export interface Io {
  /** Rings the terminal bell. */
  bell(): void;
  exit(): void;
}

const VIEWS: View[] = ['mine', 'shared', 'archive'];
const PAGE = 200;
const TOO_LATE_TO_EDIT = 'too late to edit: messages can be edited within 10 minutes of sending';

export type Actions = ReturnType<typeof createActions>;

export function createActions(session: Session, stores: Stores, io: Io) {
  const { client, connection, projectId, me } = session;
  const { dialogs, thread, composer, focus, connection: status, picker, form } = stores;
  const clock = session.clock ?? systemClock;
  /**
   * `until`: what ends the state the notice describes, and the notice with it. A notice with a key
   * hint gives shorter wordings too, the last ending in the hint in parentheses, so that a narrow
   * status bar keeps the key whole (NoticeText).
   */
  const notice = (text: NoticeText, error = true, until?: NoticeEnd[]) => status.dispatch({ type: 'notice', text, error, until });
  const fail = (what: string) => (err: unknown) => {
    // Refused as signed out: the session is over, whatever was being done.
    if (err instanceof ApiError && err.status === 401) return sessionEnded(err);
    // The server out of reach: said until the connection is back, not for long after. Its URL
    // is the one the operator signed in to: the status bar's room goes to what failed, and why.
    const unreachable = err instanceof ApiError && err.code === 'unreachable';
    const message = (err as Error).message;
    const at = `cannot reach the Parley server at ${client.url}: `;
    const why = unreachable && message.startsWith(at) ? `cannot reach the Parley server (${message.slice(at.length)})` : message;
    notice(`${what}: ${why}`, true, unreachable ? ['connected'] : undefined);
  };
  const openDialog = () => thread.getState().detail?.dialog ?? null;

  // One reload at a time; changes during one ask for one more afterwards.
  let reloading: 'idle' | 'busy' | 'again' = 'idle';
  let firstLoad = true;
  async function reload(): Promise<void> {
    if (reloading !== 'idle') {
      reloading = 'again';
      return;
    }
    try {
      do {
        reloading = 'busy';
        const pages = await Promise.all(VIEWS.map((view) => client.listDialogs(projectId, { view, limit: PAGE })));
        const before = dialogs.getState();
        dialogs.dispatch({ type: 'loaded', pages: { mine: pages[0], shared: pages[1], archive: pages[2] } });
        // The first load is the starting point; later ones ring for what arrived in My messages.
        if (!firstLoad && arrivals(before.lists.mine, pages[0].dialogs, openDialog()?.id ?? null)) announce();
        firstLoad = false;
      } while ((reloading as string) === 'again');
    } catch (err) {
      fail('could not load the dialogs')(err);
    } finally {
      reloading = 'idle';
    }
  }

  function announce(): void {
    if (focus.getState().pane !== 'mine') dialogs.dispatch({ type: 'attention', view: 'mine', on: true });
    if (status.getState().bell) io.bell();
  }

  let loadingMore = false;
  async function loadMore(view: View): Promise<void> {
    const before = dialogs.getState().next[view];
    if (loadingMore || before === null) return;
    loadingMore = true;
    try {
      const page: DialogList = await client.listDialogs(projectId, { view, limit: PAGE, before });
      dialogs.dispatch({ type: 'more', view, page, before });
    } catch (err) {
      fail('could not load more dialogs')(err);
    } finally {
      loadingMore = false;
    }
  }

  let loadingOlder = false;
  async function loadOlder(): Promise<void> {
    const state = thread.getState();
    if (loadingOlder || !state.detail || !hasOlder(state)) return;
    loadingOlder = true;
    const dialogId = state.detail.dialog.id;
    try {
      const messages = await client.listMessages(projectId, dialogId, { beforeSeq: state.messages[0].seq, limit: 200 });
      thread.dispatch({ type: 'older', dialogId, messages });
    } catch (err) {
      fail('could not load older messages')(err);
    } finally {
      loadingOlder = false;
    }
  }

  /** A dialog from a pane, or the open one; with neither, the status bar says so. */
  const target = (dialog?: DialogSummary) => {
    const d = dialog ?? openDialog();
    if (!d) notice('no dialog here (and none is open)');
    return d;
  };

  async function refreshStatus(): Promise<void> {
    try {
      status.dispatch({ type: 'status', status: await client.getStatus(projectId) });
    } catch (err) {
      fail('could not read your status')(err);
    }
  }

  /** `about`: the dialog it acts on, named in the window. */
  async function openPicker(kind: PickerKind, about: string | null, load: () => Promise<Array<{ value: string; label: string; detail?: string }>>) {
    picker.dispatch({ type: 'open', kind, about });
    focus.dispatch({ type: 'overlay', overlay: kind });
    try {
      picker.dispatch({ type: 'items', kind, items: await load() });
    } catch (err) {
      picker.dispatch({ type: 'failed', kind, error: (err as Error).message });
    }
  }

  /** A send pressed while this dialog was still loading: it goes out once the dialog is open. */
  let sendWhenOpen: number | null = null;
  /** Settles when the dialog being opened last is open (or failed to open). */
  let opened: Promise<void> = Promise.resolve();

  /** The dialog a picker (assign, lead class) acts on, fixed when it opened. */
  let assignTarget: DialogSummary | null = null;
  /** The finder's dialogs by id, as the last search found them. */
  const found = new Map<string, DialogSummary>();
  /** Dialogs the finder shows at most (the newest activity first). */
  const SEARCH_LIMIT = 50;

  const FIELD_LABELS: Record<SearchMatch['field'], string> = {
    name: 'name',
    realName: 'real name',
    email: 'email',
    phone: 'phone',
    notes: 'notes',
    message: 'wrote',
    privateNote: 'private note',
  };

  /** The finder's Enter on a query it has not searched for yet: ask the server. */
  async function search(query: string): Promise<void> {
    picker.dispatch({ type: 'searching', query });
    const current = () => picker.getState().kind === 'search' && picker.getState().searched === query;
    try {
      const answer = await client.searchDialogs(projectId, query, SEARCH_LIMIT);
      // Another search was asked for meanwhile (or the finder closed): this answer is not shown.
      if (!current()) return;
      found.clear();
      const items = answer.results.map(({ dialog, match }) => {
        found.set(String(dialog.id), dialog);
        const who = dialog.visitor.realName && match.field !== 'realName' ? `${dialog.visitor.name} (${dialog.visitor.realName})` : dialog.visitor.name;
        return { value: String(dialog.id), label: who, detail: `${dialog.view} · ${FIELD_LABELS[match.field]}: ${match.text}` };
      });
      const note = answer.more ? `more dialogs match: the newest ${SEARCH_LIMIT} are shown, say more to narrow it` : null;
      picker.dispatch({ type: 'items', kind: 'search', items, searched: query, note });
    } catch (err) {
      if (current()) picker.dispatch({ type: 'failed', kind: 'search', error: (err as Error).message });
    }
  }

  /**
   * The session ended (signed out, revoked, expired, or no longer a member): nothing on the
   * main screen works any more. A window says so and how to sign in again.
   */
  function sessionEnded(err: Error): void {
    if (status.getState().ended !== null) return;
    // A request's 401 and the socket's close say the same thing in other words: one wording,
    // whichever of them found out first.
    const reason = err instanceof ApiError && err.status === 401 ? SESSION_ENDED : err.message;
    status.dispatch({ type: 'ended', reason });
    picker.dispatch({ type: 'close' });
    form.dispatch({ type: 'close' });
    focus.dispatch({ type: 'overlay', overlay: 'ended' });
  }

  /** Sends the composer's text (and attached files) to the open dialog, or saves the edit being made. */
  function send(): void {
    const state = composer.getState();
    const body = outgoing(state);
    const dialog = openDialog();
    if (body === null && state.files.length === 0) return;
    // The server counts code points and refuses more than MAX_BODY: say so before it goes, and
    // keep the text to shorten or split.
    const length = body === null ? 0 : [...body].length;
    if (length > MAX_BODY) {
      return notice(
        `too long to send: ${length.toLocaleString('en')} characters, at most ${MAX_BODY.toLocaleString('en')}; the text stays in the composer`,
        true,
        ['sent', 'opened'],
      );
    }
    // Never to the dialog still shown while another one loads: it goes once that one is open.
    const opening = thread.getState().opening;
    if (opening !== null) {
      sendWhenOpen = opening;
      return;
    }
    if (!dialog) return notice([`open a dialog first (${keyOf('Open')} on a dialog)`, `open a dialog (${keyOf('Open')} on one)`], true, ['opened']);
    if (state.editing) {
      const { messageId, note } = state.editing;
      if (body === null) return;
      const stillEditing = () => composer.getState().editing?.messageId === messageId;
      connection.edit(messageId, body).then(
        (message) => {
          thread.dispatch({ type: 'messages', messages: [message] });
          // Saved: the draft from before the edit comes back (unless another edit began meanwhile).
          if (stillEditing()) composer.dispatch({ type: 'endEdit', keepText: false });
          notice(note ? 'note edited' : 'message edited', false);
        },
        (err: FrameError) => {
          if (err.code !== 'edit_window_expired') return notice(`could not edit the message: ${err.message}`);
          // It can never be edited now: the text stays, as a new message to send if wanted, and
          // the draft set aside for the edit comes back after it.
          if (!stillEditing()) return notice(TOO_LATE_TO_EDIT);
          const draft = composer.getState().editing?.before.text.trim() ? ', your earlier draft after it' : '';
          composer.dispatch({ type: 'endEdit', keepText: true });
          // What matters first: a narrow status bar cuts the end. A note's text stays a note.
          const kind = writesNote(composer.getState()) ? 'private note' : 'message';
          notice(`too late to edit (10 minutes): the text is a new ${kind} now${draft}`, true, ['sent', 'opened']);
        },
      );
      return;
    }
    // What the composer shows it writes, read as the key arrives: a note only when it says so.
    connection.send(dialog.id, body ?? '', state.filesFor === dialog.id ? state.files : [], writesNote(state) ? { private: true } : {});
    composer.dispatch({ type: 'clear' });
    // "It goes with your next message", "the text stays in the composer": not any more.
    status.dispatch({ type: 'over', what: 'sent' });
    // What was just sent, and what becomes of it, must be in view.
    thread.dispatch({ type: 'follow' });
  }

  /**
   * A key changed the composer's text: the visitor sees "typing…", at most once per
   * TYPING_EVERY_MS. Only for a new message in an open dialog: not while it loads (the keys may
   * be meant for another one), not while editing a sent message (that is no new reply coming),
   * and not while writing a private note (no reply is coming, and the visitor must not guess one).
   */
  let typingSent: TypingSent | null = null;
  function typed(): void {
    const dialog = openDialog();
    const state = composer.getState();
    if (!dialog || thread.getState().opening !== null || state.editing || writesNote(state) || !state.text.trim()) return;
    const now = clock.now();
    if (!typingDue(typingSent, dialog.id, now)) return;
    typingSent = { dialogId: dialog.id, at: now };
    connection.typing(dialog.id);
  }

  /** Fetches a dialog asked for by `open` and shows it (`back`: the list to go back to if it fails). */
  async function load(dialog: DialogSummary, back: Pane): Promise<void> {
    try {
      const detail = await client.getDialog(projectId, dialog.id);
      if (thread.getState().opening !== dialog.id) return; // another dialog was opened since
      connection.track(detail.dialog.id, detail.dialog.rev, detail.dialog.lastSeq);
      thread.dispatch({ type: 'opened', detail });
      dialogs.dispatch({ type: 'seen', dialogId: dialog.id, seq: detail.dialog.lastSeq });
      if (sendWhenOpen === dialog.id) {
        sendWhenOpen = null;
        send();
      }
    } catch (err) {
      if (thread.getState().opening !== dialog.id) return;
      sendWhenOpen = null;
      thread.dispatch({ type: 'opening', dialogId: null });
      // Still on the dialog shown before: its draft comes back. The keys go back to the list,
      // whichever dialog is shown: left in the composer, what the operator typed next for the
      // dialog they asked for would be a reply to the one shown before.
      composer.dispatch({ type: 'switch', dialogId: thread.getState().detail?.dialog.id ?? null });
      if (focus.getState().pane === 'composer') focus.dispatch({ type: 'focus', pane: back });
      fail('could not open the dialog')(err);
    }
  }

  /** Shows a dialog (from a pane, the finder...). */
  function open(dialog: DialogSummary): Promise<void> {
    // The composer takes the keys at once: what is typed while the dialog loads is text for it,
    // never commands for the pane (c would close the dialog, t take it…).
    const from = focus.getState().pane;
    thread.dispatch({ type: 'opening', dialogId: dialog.id });
    // Each dialog keeps its own draft: this one's comes back, the other one's is put aside.
    composer.dispatch({ type: 'switch', dialogId: dialog.id });
    status.dispatch({ type: 'over', what: 'opened' });
    // Esc from the dialog goes back to the pane it was opened from; from the finder, to its view's,
    // where it is the selected dialog then: the pane's keys act on the dialog shown, not on the
    // one selected there before.
    const view = isView(from) ? from : (dialog.view ?? 'mine');
    dialogs.dispatch({ type: 'select', view, dialogId: dialog.id });
    focus.dispatch({ type: 'opened', from: view });
    opened = load(dialog, view);
    return opened;
  }

  function closeOverlay(): void {
    focus.dispatch({ type: 'overlay', overlay: null });
    picker.dispatch({ type: 'close' });
    form.dispatch({ type: 'close' });
  }

  /** The open dialog fetched again: its state, visitor and presence, and messages missed. */
  async function refreshOpen(): Promise<void> {
    const dialogId = openDialog()?.id;
    if (dialogId === undefined) return;
    try {
      const detail = await client.getDialog(projectId, dialogId);
      thread.dispatch({ type: 'refreshed', detail });
    } catch (err) {
      fail('could not reload the open dialog')(err);
    }
  }

  return {
    reload,
    refreshOpen,
    sessionEnded,
    loadMore,
    loadOlder,
    refreshStatus,
    closeOverlay,

    /** Why a key did nothing (where it works, or what it needs). */
    say: (text: NoticeText) => notice(text),

    open,

    send,

    typed,

    resend(item: ThreadItem): void {
      if (item.delivery !== 'failed') return;
      if (!connection.resend(item.message ?? item.clientId)) notice('nothing to resend');
    },

    /** Loads one's own message into the composer; sending then saves the edit. */
    startEdit(item: ThreadItem): void {
      const m = item.message;
      if (!m || m.author !== 'operator' || m.operator?.id !== me.user.id) {
        return notice(m ? 'you can edit only your own messages' : 'wait until the server has stored it to edit it');
      }
      // The server judges (its clock); refused here already when this clock says it is too late.
      if (pastEditWindow(m, clock.now())) return notice(TOO_LATE_TO_EDIT);
      // A note stays a note: the composer shows it while the edit lasts.
      composer.dispatch({ type: 'edit', messageId: m.id, dialogId: m.dialogId, text: m.body, note: item.private });
      focus.dispatch({ type: 'focus', pane: 'composer' });
    },

    /**
     * Ctrl+P: the open dialog's next message becomes a private note, or a reply again, and the
     * composer takes the keys (it shows which it is). Not while editing: an edit keeps the kind.
     */
    toggleNote(): void {
      if (!openDialog() && thread.getState().opening === null) return notice('open a dialog first: a private note goes into its thread', true, ['opened']);
      const { editing } = composer.getState();
      if (editing) {
        const kind = editing.note ? 'a note stays a note' : 'a reply stays a reply';
        return notice([`an edit keeps the message what it is: ${kind} (${keyOf('Back')} cancels the edit)`, `${kind} (${keyOf('Back')} cancels the edit)`]);
      }
      composer.dispatch({ type: 'toggleNote' });
      focus.dispatch({ type: 'focus', pane: 'composer' });
      const key = keyOf('ToggleNote');
      notice(
        writesNote(composer.getState())
          ? [`writing a private note: only operators see it (${key} back to a reply)`, `private note (${key}: reply)`]
          : [`writing a reply: the visitor sees it (${key} for a private note)`, `reply (${key}: note)`],
        false,
        ['sent', 'opened'],
      );
    },

    /** Ctrl+U: the composer's whole text goes at once, or a window's field; Ctrl+Y puts it back. */
    eraseAll(): void {
      const overlay = focus.getState().overlay;
      const putBack: NoticeText = [`text erased: ${keyOf('PutBack')} puts it back`, `erased (${keyOf('PutBack')} puts it back)`];
      if (overlay === 'card' || overlay === 'saveTemplate' || overlay === 'attach') {
        const { fields, at } = form.getState();
        if (!fields[at]?.value) return;
        form.dispatch({ type: 'eraseAll' });
        return notice(putBack, false);
      }
      if (overlay) {
        if (!picker.getState().query) return;
        return picker.dispatch({ type: 'eraseAll' });
      }
      if (composer.getState().text === '') return;
      composer.dispatch({ type: 'eraseAll' });
      notice(putBack, false, ['sent', 'opened']);
    },

    /** Esc while editing: the message stays as it was, the draft from before `e` comes back. */
    cancelEdit(): void {
      composer.dispatch({ type: 'endEdit', keepText: false });
      notice('edit cancelled: the message stays as it was', false);
    },

    async take(dialog?: DialogSummary): Promise<void> {
      const d = target(dialog);
      if (!d) return;
      try {
        // Conditional on whose it is shown to be: taken by someone else since, the server says
        // who, and the screen catches up, so t again (now naming them) takes it over on purpose.
        const updated = await client.takeDialog(projectId, d.id, d.assignee?.id ?? null);
        thread.dispatch({ type: 'dialog', dialog: updated });
        notice(`the dialog is yours (${dialogName(d)})`, false);
        await reload();
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 409)) return fail('could not take the dialog')(err);
        notice(err.message);
        await Promise.all([reload(), refreshOpen()]);
      }
    },

    close(dialog?: DialogSummary): void {
      const d = target(dialog);
      if (!d) return;
      if (d.status === 'closed') return notice([`already closed: ${keyOf('Reopen')} reopens it`, `closed (${keyOf('Reopen')} reopens it)`]);
      client.closeDialog(projectId, d.id).then((updated) => {
        thread.dispatch({ type: 'dialog', dialog: updated });
        dialogs.dispatch({ type: 'changed', dialogId: d.id, dialog: updated });
        notice(`closed: moved to Archive (${dialogName(d)})`, false);
        return reload();
      }, fail('could not close the dialog'));
    },

    reopen(dialog?: DialogSummary): void {
      const d = target(dialog);
      if (!d) return;
      if (d.status === 'open') return notice('the dialog is open already');
      client.reopenDialog(projectId, d.id).then((updated) => {
        thread.dispatch({ type: 'dialog', dialog: updated });
        dialogs.dispatch({ type: 'changed', dialogId: d.id, dialog: updated });
        notice(`reopened (${dialogName(d)})`, false);
        return reload();
      }, fail('could not reopen the dialog'));
    },

    openAssign(dialog?: DialogSummary): void {
      const d = target(dialog);
      if (!d) return;
      assignTarget = d;
      void openPicker('assign', dialogName(d), async () =>
        (await client.listMembers(projectId))
          .filter((m) => m.operator)
          .map((m) => ({ value: m.email, label: personName(m.firstName, m.lastName), detail: m.email })),
      );
    },

    openLeadClass(dialog?: DialogSummary): void {
      const d = target(dialog);
      if (!d) return;
      assignTarget = d;
      void openPicker('leadClass', dialogName(d), async () => {
        const { classes } = await client.leadClasses(projectId);
        return [{ value: '', label: '(none)', detail: 'clear the lead class' }, ...classes.map((c) => ({ value: c.name, label: c.name }))];
      });
    },

    openTemplates(): void {
      if (!openDialog() && thread.getState().opening === null) return notice('open a dialog first: templates go into its composer');
      void openPicker('templates', null, async () => {
        const { templates } = await client.templates(projectId);
        return templates.map((t) => ({ value: t.text, label: t.name, detail: t.text.replace(/\s+/g, ' ') }));
      });
    },

    /** The dialog finder: type, Enter searches, Enter on a result opens it. */
    openSearch(): void {
      picker.dispatch({ type: 'open', kind: 'search' });
      focus.dispatch({ type: 'overlay', overlay: 'search' });
    },

    /** Enter in a picker: insert the template, assign the dialog, set the lead class; the finder searches or opens. */
    pick(): void {
      const state = picker.getState();
      if (state.kind === 'search') {
        const query = state.query.trim();
        if (query && !searchIsCurrent(state)) return void search(query);
        const dialog = found.get(pickedItem(state)?.value ?? '');
        if (!dialog) return;
        closeOverlay();
        return void open(dialog);
      }
      const item = pickedItem(state);
      if (!item || !state.kind) return;
      closeOverlay();
      if (state.kind === 'templates') {
        const insert = () => {
          const detail = thread.getState().detail;
          const project = me.projects.find((p) => p.id === projectId);
          const values = placeholderValues({
            visitor: detail ? { name: detail.visitor.name, realName: detail.visitor.card.realName } : null,
            operator: me.user,
            project: project ? { name: project.name } : null,
          });
          composer.dispatch({ type: 'insert', text: fillTemplate(item.value, values) });
        };
        // Picked before the dialog finished loading: filled in with its visitor once it has.
        if (thread.getState().opening !== null) void opened.then(insert);
        else insert();
        focus.dispatch({ type: 'focus', pane: 'composer' });
        return;
      }
      const target = assignTarget;
      if (target === null) return;
      if (state.kind === 'assign') {
        client.assignDialog(projectId, target.id, item.value).then((updated) => {
          thread.dispatch({ type: 'dialog', dialog: updated });
          notice(`assigned to ${item.label} (${dialogName(target)})`, false);
          return reload();
        }, fail('could not assign the dialog'));
      } else {
        client.updateDialog(projectId, target.id, { leadClass: item.value || null }).then((updated) => {
          thread.dispatch({ type: 'dialog', dialog: updated });
          notice(`${item.value ? `lead class set to ${item.value}` : 'lead class cleared'} (${dialogName(target)})`, false);
          return reload();
        }, fail('could not set the lead class'));
      }
    },

    openCardEditor(): void {
      const detail = thread.getState().detail;
      if (!detail) return notice('open a dialog first');
      const card = detail.visitor.card;
      form.dispatch({
        type: 'open',
        kind: 'card',
        about: dialogName(detail.dialog),
        fields: [
          { key: 'realName', label: 'Real name', value: card.realName ?? '', initial: card.realName ?? '' },
          { key: 'phone', label: 'Phone', value: card.phone ?? '', initial: card.phone ?? '' },
          { key: 'email', label: 'Email', value: card.email ?? '', initial: card.email ?? '' },
          { key: 'notes', label: 'Notes', value: card.notes ?? '', initial: card.notes ?? '' },
        ],
      });
      focus.dispatch({ type: 'overlay', overlay: 'card' });
    },

    /** The window that asks which file to attach to the next message (a path on this computer). */
    openAttach(): void {
      if (!openDialog()) return notice('open a dialog first: files go with a message to it');
      if (composer.getState().editing) return notice('files go with new messages; an edit changes only the text');
      if (composer.getState().files.length >= MAX_ATTACHMENTS) return notice(`a message carries at most ${MAX_ATTACHMENTS} files`);
      form.dispatch({ type: 'open', kind: 'attach', fields: [{ key: 'path', label: 'File', value: '' }] });
      focus.dispatch({ type: 'overlay', overlay: 'attach' });
    },

    /**
     * Text pasted into the composer goes in as it is, unless it is the path of one file on this
     * computer (what a terminal types when a file is dragged onto it): that file is attached.
     */
    paste(text: string): void {
      const dialog = openDialog();
      const state = composer.getState();
      const path = dialog && !state.editing && state.files.length < MAX_ATTACHMENTS ? droppedFile(text) : null;
      if (!path) return composer.dispatch({ type: 'insert', text });
      void readAttachment(path).then(
        async (file) => {
          const uploaded = await client.uploadAttachment(projectId, dialog!.id, file);
          composer.dispatch({ type: 'attach', dialogId: dialog!.id, file: uploaded });
          const drop = keyOf('DropFiles');
          // Narrower, the file's name before the key (cut, the key stays).
          notice([`attached ${uploaded.name} (${formatSize(uploaded.size)}), dropped on the terminal: ${drop} drops it`, `${uploaded.name} attached (${drop} drops it)`], false, ['sent', 'opened']);
        },
        // Not a file after all (a path that is not there, a folder): it was text.
        () => composer.dispatch({ type: 'insert', text }),
      ).catch(fail('could not attach the file'));
    },

    dropFiles(): void {
      if (composer.getState().files.length === 0) {
        const attach = keyOf('Attach');
        return notice([`no files are attached (${attach} attaches one)`, `no files (${attach} attaches one)`, `no files (${attach} attaches)`]);
      }
      composer.dispatch({ type: 'dropFiles' });
      notice('attached files dropped', false);
    },

    openSaveTemplate(): void {
      if (!outgoing(composer.getState())) return notice('write the template in the composer first, then save it');
      form.dispatch({ type: 'open', kind: 'saveTemplate', fields: [{ key: 'name', label: 'Template name', value: '' }] });
      focus.dispatch({ type: 'overlay', overlay: 'saveTemplate' });
    },

    /** Enter (or a send key) in a form: save the client card, or the new template. */
    async submitForm(): Promise<void> {
      const state = form.getState();
      if (state.busy || !state.kind) return;
      const values = formValues(state);
      form.dispatch({ type: 'busy', busy: true });
      try {
        if (state.kind === 'attach') {
          const dialog = openDialog();
          if (!dialog) throw new Error('no dialog is open');
          const file = await readAttachment(values.path);
          const uploaded = await client.uploadAttachment(projectId, dialog.id, file);
          composer.dispatch({ type: 'attach', dialogId: dialog.id, file: uploaded });
          notice(`attached ${uploaded.name} (${formatSize(uploaded.size)}): it goes with your next message`, false, ['sent', 'opened']);
          focus.dispatch({ type: 'focus', pane: 'composer' });
        } else if (state.kind === 'card') {
          const detail = thread.getState().detail;
          if (!detail) throw new Error('no dialog is open');
          // Only what was changed here: another operator may have saved another field meanwhile.
          const changes = changedValues(state);
          if (Object.keys(changes).length === 0) notice('nothing changed in the client card', false);
          else {
            const visitor = await client.updateCard(projectId, detail.dialog.id, changes);
            thread.dispatch({ type: 'visitor', visitor, dialogId: detail.dialog.id });
            notice('client card saved', false);
          }
        } else {
          const text = composer.getState().text;
          if (!values.name) throw new Error('the template needs a name');
          await client.createTemplate(projectId, { name: values.name, text });
          notice(`template "${values.name}" saved`, false);
        }
        closeOverlay();
      } catch (err) {
        form.dispatch({ type: 'busy', busy: false, error: (err as Error).message });
      }
    },

    toggleOnline(): void {
      const online = !(status.getState().status?.online ?? false);
      client.setStatus(projectId, online).then((s) => status.dispatch({ type: 'status', status: s }), fail('could not change your status'));
    },

    toggleBell(): void {
      const on = !status.getState().bell;
      status.dispatch({ type: 'bell', on });
      session.saveSettings?.({ ...session.settings, bell: on });
      const bellKey = keyOf('ToggleBell');
      notice(on ? 'bell on: new dialogs and messages in My messages ring' : [`no more bell (${bellKey} turns it on)`, `bell off (${bellKey} turns it on)`], false);
    },

    /** A one-time link to the bot (15 minutes), shown in a window: open it on the phone. */
    linkTelegram(): void {
      notice('asking for a Telegram link…', false);
      client.telegramLink().then((link) => {
        status.dispatch({ type: 'telegramLink', link });
        status.dispatch({ type: 'notice', text: null });
        focus.dispatch({ type: 'overlay', overlay: 'telegram' });
      }, fail('Telegram'));
    },

    /**
     * q or Ctrl+C: quits, after asking when messages would be lost (not stored by the server), or
     * when the operator is online by their own switch (visitors would write to nobody).
     */
    quit(): void {
      // Once the session ended, its window has listed what is lost already.
      const ask = focus.getState().overlay !== 'quit' && status.getState().ended === null;
      if (ask && (notSent(stores.outbox.getState()) > 0 || onlineByHand(status.getState().status))) {
        return focus.dispatch({ type: 'overlay', overlay: 'quit' });
      }
      io.exit();
    },

    /** o on the quit question: offline in the project first, then quits; failing, it says so and stays. */
    async goOfflineAndQuit(): Promise<void> {
      let offline: OperatorStatusReply;
      try {
        offline = await client.setStatus(projectId, false);
      } catch (err) {
        closeOverlay();
        return fail('could not go offline (q quits anyway)')(err);
      }
      // The last frame stays on the terminal: it shows the operator offline, not the question.
      closeOverlay();
      status.dispatch({ type: 'status', status: offline });
      setImmediate(() => io.exit());
    },

    /** Enter on the "session ended" window: back to the sign-in screen (when the TUI has one). */
    signInAgain(): void {
      const reason = status.getState().ended;
      if (reason !== null && session.signIn) session.signIn(reason);
    },

    /** Threads items of the open dialog as shown (for the key router). */
    items: () => threadItems(thread.getState(), stores.outbox.getState()),
  };
}
