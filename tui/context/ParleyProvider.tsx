// Holds the TUI's state (tui/state/) and keeps it in step with the server: it loads the three
// views and the operator's status, follows the connection's events and outbox, and reloads the
// views when dialogs change. `App` renders inside it.
import { useApp, useStdout } from 'ink';
import { type ReactNode, useEffect, useState } from 'react';
import { isView } from '../state/focus.js';
import { type Actions, createActions } from './actions.js';
import { makeContext } from './make-context.js';
import { type Session, SessionProvider, systemClock } from './session.js';
import { createStores, StoresProvider } from './stores.js';

export const [ActionsProvider, useActions] = makeContext<Actions>('Actions');

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
    const offs = [
      // Looking at a dialog pane clears its "something new" mark, however the focus got there.
      stores.focus.subscribe(() => {
        const pane = stores.focus.getState().pane;
        if (isView(pane)) dialogs.dispatch({ type: 'attention', view: pane, on: false });
      }),
      connection.on('state', (change) => {
        status.dispatch({ type: 'socket', change });
        // Back after a loss: the views may have changed meanwhile.
        if (change.state === 'online' && change.attempt > 1) void actions.reload();
      }),
      connection.on('outbox', (_entry, box) => outbox.dispatch(box)),
      connection.on('fatal', (error) => status.dispatch({ type: 'notice', text: error.message })),
      connection.on('serverError', (error) => status.dispatch({ type: 'notice', text: error.message })),
      connection.on('event', (e) => {
        switch (e.type) {
          case 'message.created':
          case 'message.updated':
            thread.dispatch({ type: 'messages', messages: [e.message] });
            if (e.message.dialogId === openId()) dialogs.dispatch({ type: 'seen', dialogId: e.message.dialogId, seq: e.message.seq });
            dialogs.dispatch({ type: 'changed', dialogId: e.message.dialogId });
            void actions.reload();
            return;
          case 'dialog.created':
          case 'dialog.updated':
            thread.dispatch({ type: 'dialog', dialog: e.dialog });
            dialogs.dispatch({ type: 'changed', dialogId: e.dialog.id });
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
          case 'operator.status_changed':
            // The event says on or off; the status route says why (schedule or manual).
            if (e.userId === connection.userId) {
              status.dispatch({ type: 'online', online: e.online });
              void actions.refreshStatus();
            }
            return;
        }
      }),
    ];
    connection.start();
    void actions.reload();
    void actions.refreshStatus();
    return () => {
      offs.forEach((off) => off());
      if (typingTimer !== null) clock.clearTimeout(typingTimer);
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
