// The whole TUI (App in its provider) signed in as `user` against a real server, its clock in the
// test's hands (ManualTime drives the socket's timers and the notices'), in a terminal of `size`.
import { ParleyClient } from '../../core/client/api.js';
import { dialogListing, OperatorConnection } from '../../core/client/realtime.js';
import { App } from '../../tui/App.js';
import { ParleyProvider } from '../../tui/context/ParleyProvider.js';
import { renderSized, waitForFrame } from './ink.js';
import { ManualTime } from './manual-time.js';

export async function startTuiApp(opts: {
  /** Where requests go. */
  url: string;
  /** Where the socket goes, if elsewhere (a cut network for one of them). */
  socketUrl?: string;
  user: ParleyClient;
  projectId: number;
  size: { columns: number; rows: number };
  /** Gets what ends the app and its socket, for the test's afterEach. */
  teardown: Array<() => unknown>;
}) {
  const time = new ManualTime();
  const token = opts.user.token!;
  const client = new ParleyClient({ url: opts.url, token });
  const connection = new OperatorConnection({
    url: opts.socketUrl ?? opts.url,
    token,
    projectId: opts.projectId,
    heartbeatMs: 0,
    discover: dialogListing(client, opts.projectId),
    now: time.now,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
  });
  const app = await renderSized(
    <ParleyProvider session={{ client, connection, projectId: opts.projectId, me: await opts.user.me(), clock: time }}>
      <App />
    </ParleyProvider>,
    opts.size,
  );
  opts.teardown.push(() => connection.close(), () => app.unmount());
  await waitForFrame(app, (f) => f.includes('connected') && !f.includes('loading'), 'connected and loaded');
  return { app, time, connection };
}
