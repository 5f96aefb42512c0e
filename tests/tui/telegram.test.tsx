// Linking Telegram from the TUI: g asks the server for a one-time link and shows it whole in a
// window; sending /start CODE from that window to the bot links the chat. A real server whose
// bridge talks to a fake Bot API speaking the real wire protocol.
import { render } from 'ink-testing-library';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { dialogListing, OperatorConnection } from '../../core/client/realtime.js';
import { App } from '../../tui/App.js';
import { ParleyProvider } from '../../tui/context/ParleyProvider.js';
import { ESC, press, waitForFrame } from '../helpers/ink.js';
import { ManualTime } from '../helpers/manual-time.js';
import { BOT } from '../helpers/telegram.js';
import { CHAT, endTelegramScenario, startTelegramScenario, type TelegramScenario } from '../helpers/telegram-scenario.js';

let t: TelegramScenario;
const teardown: Array<() => unknown> = [];

beforeEach(async () => {
  t = await startTelegramScenario();
});

afterEach(async () => {
  for (const step of teardown.splice(0).reverse()) await step();
  await endTelegramScenario(t);
});

it('g shows a one-time link to the bot, whole; /start with its code links the chat; Esc closes the window', async () => {
  const time = new ManualTime();
  const client = t.operator;
  const connection = new OperatorConnection({
    url: t.server.url,
    token: client.token!,
    projectId: t.project.id,
    heartbeatMs: 0,
    discover: dialogListing(client, t.project.id),
    now: time.now,
    setTimeout: time.setTimeout,
    clearTimeout: time.clearTimeout,
  });
  const app = render(
    <ParleyProvider session={{ client, connection, projectId: t.project.id, me: await client.me(), clock: time }}>
      <App />
    </ParleyProvider>,
  );
  teardown.push(() => connection.close(), () => app.unmount());
  await waitForFrame(app, (f) => f.includes('connected') && !f.includes('loading'), 'connected and loaded');

  await press(app, 'g');
  const frame = await waitForFrame(app, (f) => f.includes('Link Telegram') && f.includes('/start '), 'the link window');
  const code = /\/start ([A-Za-z0-9_-]+)/.exec(frame)![1];
  expect(frame.replace(/\s+/g, '')).toContain(`https://t.me/${BOT.username}?start=${code}`);
  expect(frame).toContain(`@${BOT.username}`);

  const said = t.fake.nextSaid(CHAT);
  t.fake.userSays(CHAT, `/start ${code}`);
  expect((await said).params.text).toMatch(/^Linked to Parley as Oli Op/);

  await press(app, ESC);
  await waitForFrame(app, (f) => !f.includes('Link Telegram') && f.includes('My messages'), 'the window closed');
});
