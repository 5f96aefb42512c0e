// The left column: the three dialog panes stacked when they fit, else the focused one alone.
import { Box } from '../theme.js';
import { useStore, useStores } from '../context/stores.js';
import { stackedPaneHeight } from '../state/layout.js';
import { DialogList } from './DialogList.js';

export function DialogPanes({ width, height, stacked }: { width: number; height: number; stacked: boolean }) {
  const focus = useStore(useStores().focus);
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      {stacked ? (
        <>
          <DialogList view="mine" width={width} height={stackedPaneHeight(height, 'mine')} single={false} />
          <DialogList view="shared" width={width} height={stackedPaneHeight(height, 'shared')} single={false} />
          <DialogList view="archive" width={width} height={stackedPaneHeight(height, 'archive')} single={false} />
        </>
      ) : (
        <DialogList view={focus.view} width={width} height={height} single />
      )}
    </Box>
  );
}
