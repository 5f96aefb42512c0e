// The TUI's state: one store per concern (see tui/state/), created once per session. Components
// subscribe with `useStore(store)`; key handlers and actions read `getState()` when they run.
import { useSyncExternalStore } from 'react';
import type { Outbox } from '../../core/client/outbox.js';
import { type ComposerAction, type ComposerState, emptyComposer, reduceComposer } from '../state/composer.js';
import { type ConnectionAction, type ConnectionView, initialConnection, reduceConnection } from '../state/connection.js';
import { type DialogsAction, type DialogsState, emptyDialogs, reduceDialogs } from '../state/dialogs.js';
import { type FocusAction, type FocusState, initialFocus, reduceFocus } from '../state/focus.js';
import { emptyForm, type FormAction, type FormState, reduceForm } from '../state/form.js';
import { emptyHelp, type HelpAction, type HelpState, reduceHelp } from '../state/help.js';
import { emptyPicker, type PickerAction, type PickerState, reducePicker } from '../state/picker.js';
import { emptyReader, type ReaderAction, type ReaderState, reduceReader } from '../state/reader.js';
import { createStore, type Store } from '../state/store.js';
import { emptyThread, reduceThread, type ThreadAction, type ThreadState } from '../state/thread.js';
import { makeContext } from './make-context.js';

export interface Stores {
  dialogs: Store<DialogsState, DialogsAction>;
  thread: Store<ThreadState, ThreadAction>;
  composer: Store<ComposerState, ComposerAction>;
  focus: Store<FocusState, FocusAction>;
  connection: Store<ConnectionView, ConnectionAction>;
  picker: Store<PickerState, PickerAction>;
  form: Store<FormState, FormAction>;
  reader: Store<ReaderState, ReaderAction>;
  /** Where the `?` window is scrolled to. */
  help: Store<HelpState, HelpAction>;
  /** The connection's outbox, as it last reported it. */
  outbox: Store<Outbox, Outbox>;
}

export function createStores(outbox: Outbox, settings: { bell?: boolean } = {}): Stores {
  return {
    dialogs: createStore(reduceDialogs, emptyDialogs),
    thread: createStore(reduceThread, emptyThread),
    composer: createStore(reduceComposer, emptyComposer),
    focus: createStore(reduceFocus, initialFocus),
    connection: createStore(reduceConnection, { ...initialConnection, bell: settings.bell ?? true }),
    picker: createStore(reducePicker, emptyPicker),
    form: createStore(reduceForm, emptyForm),
    reader: createStore(reduceReader, emptyReader),
    help: createStore(reduceHelp, emptyHelp),
    outbox: createStore((_old: Outbox, next: Outbox) => next, outbox),
  };
}

export const [StoresProvider, useStores] = makeContext<Stores>('Stores');

/** The store's current state; re-renders the component when it changes. */
export function useStore<S>(store: Store<S, any>): S {
  return useSyncExternalStore(store.subscribe, store.getState, store.getState);
}
