// The main screen. It only picks the layout for the terminal's size (tui/state/layout.ts) and
// subscribes the key router; the components draw, the router and the actions do the rest.
import { Box } from 'ink';
import { ClientCard } from './components/ClientCard.js';
import { Composer, composerHeight, composerMinHeight } from './components/Composer.js';
import { DialogPanes } from './components/DialogPanes.js';
import { FormOverlay } from './components/FormOverlay.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { MessageList } from './components/MessageList.js';
import { Picker } from './components/Picker.js';
import { QuitConfirm } from './components/QuitConfirm.js';
import { Reader } from './components/Reader.js';
import { SessionEnded } from './components/SessionEnded.js';
import { StatusBar } from './components/StatusBar.js';
import { TelegramOverlay } from './components/TelegramOverlay.js';
import { useStore, useStores } from './context/stores.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { useKeyRouter } from './input/useKeyRouter.js';
import { useTheme } from './theme.js';
import { dialogPaneHeight, layoutFor, listRows, pickerRows } from './state/layout.js';

export function App() {
  const stores = useStores();
  const focus = useStore(stores.focus);
  const composerState = useStore(stores.composer);
  const size = useTerminalSize();
  const layout = layoutFor(size.columns, size.rows, focus);
  const centreWidth = layout.centre?.width ?? 0;
  const { color } = useTheme();
  const composer = layout.centre ? Math.min(composerHeight(composerState, centreWidth, layout.body, color), Math.max(composerMinHeight(composerState), layout.body - 4)) : 0;
  // The page keys move by what the focused pane shows.
  useKeyRouter({
    list: Math.max(1, listRows(dialogPaneHeight(layout, focus.view), layout.left?.show !== 'lists')),
    picker: pickerRows(layout.body, false, focus.overlay === 'assign' || focus.overlay === 'leadClass'),
    thread: { width: centreWidth, height: layout.body - composer },
    reader: { width: layout.columns, height: layout.body },
  });

  const overlay = focus.overlay;
  return (
    <Box flexDirection="column" width={layout.columns} height={layout.rows}>
      <Box height={layout.body} width={layout.columns}>
        {overlay === 'ended' ? (
          <SessionEnded width={layout.columns} height={layout.body} />
        ) : overlay === 'quit' ? (
          <QuitConfirm width={layout.columns} height={layout.body} />
        ) : overlay === 'help' ? (
          <HelpOverlay width={layout.columns} height={layout.body} />
        ) : overlay === 'telegram' ? (
          <TelegramOverlay width={layout.columns} height={layout.body} />
        ) : overlay === 'reader' ? (
          <Reader width={layout.columns} height={layout.body} />
        ) : overlay === 'card' || overlay === 'saveTemplate' || overlay === 'attach' ? (
          <FormOverlay width={layout.columns} height={layout.body} />
        ) : overlay ? (
          <Picker width={layout.columns} height={layout.body} />
        ) : (
          <>
            {layout.left?.show === 'card' ? (
              <ClientCard width={layout.left.width} height={layout.body} />
            ) : layout.left ? (
              <DialogPanes width={layout.left.width} height={layout.body} stacked={layout.left.show === 'lists'} />
            ) : null}
            {layout.centre ? (
              <Box flexDirection="column" width={layout.centre.width} height={layout.body}>
                <MessageList width={layout.centre.width} height={layout.body - composer} />
                <Composer width={layout.centre.width} height={composer} />
              </Box>
            ) : null}
            {layout.right ? <ClientCard width={layout.right.width} height={layout.body} /> : null}
          </>
        )}
      </Box>
      <StatusBar width={layout.columns} />
    </Box>
  );
}
