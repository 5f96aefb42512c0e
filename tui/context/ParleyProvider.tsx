// Holds the TUI's state (tui/state/) and keeps it in step with the server: it loads the three
// views and the operator's status, follows the connection's events and outbox, and reloads the
// views when dialogs or groups change. After every reconnect it reloads what may have changed
// while the events could not arrive: the views, the open dialog (its visitor's presence too) and
// the status. `App` renders inside it.
import { useApp, useStdout } from 'ink';
import { type ReactNode, useEffect, useState } from 'react';
import { messageChangesLists } from '../state/dialogs.js';
import { isView } from '../state/focus.js';
import { type Actions, createActions } from './actions.js';
import { makeContext } from './make-context.js';
import { type Session, SessionProvider, systemClock } from './session.js';
import { createStores, StoresProvider } from './stores.js';

export const [ActionsProvider, useActions] = makeContext<Actions>('Actions');

/** How long a notice stays in the status bar (an error's longer, to be read). */
const NOTICE_MS = 8_000;
const NOTICE_ERROR_MS = 20_000;
/** How often the operator's status is read again besides its events (operator.status_changed, operator.schedule_changed). */
const STATUS_REFRESH_MS = 60_000;

export function ParleyProvider({ session, children }: { session: Session; children: ReactNode }) {
  const { connection } = session;
  const { exit } = useApp();
  const { write } = useStdout();
  const [stores] = useState(() => createStores(connection.outbox, session.settings));
  const [actions] = useState(() => createActions(session, stores, { bell: () => write('\x07'), exit }));

  useEffect(() => {
    const { thread, dialogs, connection: status, outbox } = stores;
    const openId = () => thread.getState().detail?.dialog.id;
    // One timer takes the typing indicator down when its time is up (each frame moves it on).
    const clock = session.clock ?? systemClock;
    let typingTimer: unknown = null;
    const visitorTyping = (dialogId: number) => {
      thread.dispatch({ type: 'typing', dialogId, at: clock.now() });
      const until = thread.getState().typingUntil;
      if (typingTimer !== null) clock.clearTimeout(typingTimer);
      typingTimer = until === null ? null : clock.setTimeout(() => {
        typingTimer = null;
        thread.dispatch({ type: 'tick', at: clock.now() });
      }, Math.max(0, until - clock.now()));
    };
    // A notice says what just happened: it goes after a while, an error's later than the rest.
    let noticeTimer: unknown = null;
    let shownNotice = status.getState().notice;
    const onNotice = () => {
      const notice = status.getState().notice;
      if (notice === shownNotice) return;
      shownNotice = notice;
      if (noticeTimer !== null) clock.clearTimeout(noticeTimer);
      noticeTimer = notice === null ? null : clock.setTimeout(() => {
        noticeTimer = null;
        if (status.getState().notice === notice) status.dispatch({ type: 'notice', text: null });
      }, notice.error ? NOTICE_ERROR_MS : NOTICE_MS);
    };
    // No event says a schedule was set, changed or cleared: the status is asked for again now and then.
    let statusTimer: unknown = null;
    const refreshStatusLater = () => {
      statusTimer = clock.setTimeout(() => {
        void actions.refreshStatus();
        refreshStatusLater();
      }, STATUS_REFRESH_MS);
    };
    let wasOnline = false;
    const offs = [
      status.subscribe(onNotice),
      // Looking at a dialog pane clears its "something new" mark, however the focus got there.
      stores.focus.subscribe(() => {
        const pane = stores.focus.getState().pane;
        if (isView(pane)) dialogs.dispatch({ type: 'attention', view: pane, on: false });
      }),
      connection.on('state', (change) => {
        status.dispatch({ type: 'socket', change, at: clock.now() });
        if (change.state !== 'online') return;
        // Back after a loss (on the first retry or a later one): events of the time between
        // never came, so everything shown is read again.
        if (wasOnline) {
          void actions.reload();
          void actions.refreshOpen();
          void actions.refreshStatus();
        }
        wasOnline = true;
      }),
      // Any answer of the server ends "cannot reach the server", as the socket coming back does.
      session.client.onAnswer(() => status.dispatch({ type: 'over', what: 'connected' })),
      connection.on('outbox', (_entry, box) => outbox.dispatch(box)),
      connection.on('fatal', (error) => actions.sessionEnded(error)),
      connection.on('serverError', (error) => status.dispatch({ type: 'notice', text: `the server refused it: ${error.message}` })),
      connection.on('event', (e) => {
        switch (e.type) {
          case 'message.created':
          case 'message.updated':
            thread.dispatch({ type: 'messages', messages: [e.message] });
            if (e.message.dialogId === openId()) dialogs.dispatch({ type: 'seen', dialogId: e.message.dialogId, seq: e.message.seq });
            if (!messageChangesLists(e)) return;
            dialogs.dispatch({ type: 'changed', dialogId: e.message.dialogId });
            void actions.reload();
            return;
          case 'dialog.created':
          case 'dialog.updated':
            thread.dispatch({ type: 'dialog', dialog: e.dialog });
            dialogs.dispatch({ type: 'changed', dialogId: e.dialog.id, dialog: e.dialog });
            void actions.reload();
            return;
          case 'typing':
            if (e.who === 'visitor') visitorTyping(e.dialogId);
            return;
          case 'visitor.updated':
            thread.dispatch({ type: 'visitor', visitor: e.visitor, dialogId: e.dialogId });
            return;
          case 'visitor.presence':
            thread.dispatch({ type: 'presence', visitorId: e.visitorId, online: e.online });
            return;
          case 'groups.changed':
            // Which dialogs are Mine or Shared may have changed, with no dialog event to say so.
            dialogs.dispatch({ type: 'regrouped' });
            void actions.reload();
            return;
          case 'operator.status_changed':
            // The event says on or off; the status route says why (schedule or manual).
            if (e.userId === connection.userId) {
              status.dispatch({ type: 'online', online: e.online });
              void actions.refreshStatus();
            }
            return;
          case 'operator.schedule_changed':
            // The same state for another reason, or until another time: the bar says both.
            if (e.userId === connection.userId) void actions.refreshStatus();
            return;
        }
      }),
    ];
    connection.start();
    void actions.reload();
    void actions.refreshStatus();
    refreshStatusLater();
    return () => {
      offs.forEach((off) => off());
      for (const timer of [typingTimer, noticeTimer, statusTimer]) if (timer !== null) clock.clearTimeout(timer);
    };
  }, [connection, stores, actions]);

  return (
    <SessionProvider value={session}>
      <StoresProvider value={stores}>
        <ActionsProvider value={actions}>{children}</ActionsProvider>
      </StoresProvider>
    </SessionProvider>
  );
}
