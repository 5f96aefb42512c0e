// The TUI at 30 columns (and as before at 80): status bar notices that carry a key hint ("no files
// are attached (Ctrl+O attaches one)", "v: on a message; Tab to …") take a shorter wording that
// fits, or keep the key whole when even that must be cut, instead of losing the key at the cut;
// the quit window's choices are a hint of whole choices, a row each when they do not fit on one,
// instead of wrapping inside a choice.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { displayWidth } from '../../core/text-layout.js';
import { quitChoices } from '../../tui/components/QuitConfirm.js';
import { initialConnection, reduceConnection } from '../../tui/state/connection.js';
import { fitNotice, HINT_SEPARATOR } from '../../tui/state/cut.js';
import { CTRL_X, ENTER, ESC, overflow, press, waitForFrame } from '../helpers/ink.js';
import { type Peer, visitorWrites as writeAsVisitor } from '../helpers/realtime.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { shopWithOli } from '../helpers/shop.js';
import { startTuiApp } from '../helpers/tui-app.js';

const ORIGIN = 'https://shop.example.com';
const CTRL_U = '\x15';

describe('a notice in its wordings', () => {
  it('the reducer keeps the first as the text and the others, shorter, after it; one text has none', () => {
    const two = reduceConnection(initialConnection, { type: 'notice', text: ['no files are attached (Ctrl+O attaches one)', 'no files (Ctrl+O attaches)'], error: true });
    expect(two.notice).toEqual({ text: 'no files are attached (Ctrl+O attaches one)', shorter: ['no files (Ctrl+O attaches)'], error: true, until: undefined });
    expect(reduceConnection(initialConnection, { type: 'notice', text: 'message edited', error: false }).notice).toEqual({ text: 'message edited', error: false });
  });

  it('fitNotice takes the first wording that fits, else cuts the last before its key hint', () => {
    const wordings = ['no files are attached (Ctrl+O attaches one)', 'no files (Ctrl+O attaches one)', 'no files (Ctrl+O attaches)'];
    expect(fitNotice(wordings, 80)).toBe(wordings[0]);
    expect(fitNotice(wordings, 30)).toBe(wordings[1]);
    expect(fitNotice(wordings, 28)).toBe(wordings[2]);
    expect(fitNotice(wordings, 24)).toBe('no fi… (Ctrl+O attaches)');
    expect(fitNotice(['invoice-2026-11-final.pdf attached (Ctrl+X drops it)'], 28)).toBe('invoice-2… (Ctrl+X drops it)');
    for (let columns = 1; columns <= 60; columns++) expect(displayWidth(fitNotice(wordings, columns))).toBeLessThanOrEqual(columns);
  });
});

describe("the quit window's choices", () => {
  const rows = (width: number) => quitChoices(width).map((row) => row.map((p) => p.text).join(HINT_SEPARATOR));

  it('one row when they fit; a row each, shorter, at 30 columns; never wider than the window inside', () => {
    expect(rows(120)).toEqual(['o: go offline and quit · y: quit, staying online (to answer from Telegram) · n or Esc: back']);
    expect(rows(80)).toEqual(['o: go offline and quit · y: quit, staying online (to answer from Telegram)', 'n or Esc: back']);
    expect(rows(30)).toEqual(['o: go offline and quit', 'y: quit, staying online', 'n or Esc: back']);
    for (let width = 20; width <= 160; width++) {
      const drawn = rows(width);
      for (const row of drawn) expect(displayWidth(row), `${width}: ${row}`).toBeLessThanOrEqual(width - 4);
      // Each choice whole, its key first.
      expect(drawn.join(HINT_SEPARATOR).split(HINT_SEPARATOR).map((c) => c.split(':')[0]), `${width}`).toEqual(['o', 'y', expect.stringMatching(/^n( or |\/)Esc$/)]);
    }
  });
});

describe('against a real server, at 30 and 80 columns', () => {
  let server: TestServer;
  let admin: ParleyClient;
  let oli: ParleyClient;
  let project: { id: number; widgetKey: string };
  const peers: Peer[] = [];
  const teardown: Array<() => unknown> = [];

  beforeEach(async () => {
    server = await startTestServer();
    ({ admin, oli, project } = await shopWithOli(server, ORIGIN));
  });

  afterEach(async () => {
    for (const t of teardown.splice(0).reverse()) await t();
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await server.close();
  });

  const visitorWrites = (body: string) => writeAsVisitor({ url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId: project.id, admin, peers }, body);
  const startApp = (columns: number) => startTuiApp({ url: server.url, user: oli, projectId: project.id, size: { columns, rows: columns === 80 ? 24 : 20 }, teardown });
  const statusBar = (frame: string) => frame.split('\n').at(-1)!.trimEnd();

  it.each([30, 80])('at %i columns the notices with a key hint keep the key', async (columns) => {
    const narrow = columns === 30;
    await visitorWrites('Hello, is anyone there?');
    const { app, time } = await startApp(columns);
    await waitForFrame(app, (f) => f.includes('●'), 'the dialog listed');
    /** Presses `keys`, then waits for the status bar to read `expected` (and nothing of it cut off). */
    const says = async (expected: string, ...keys: string[]) => {
      await press(app, ...keys);
      const frame = await waitForFrame(app, (f) => statusBar(f).endsWith(expected), `"${expected}" in the status bar`);
      expect(overflow(frame, columns, columns === 80 ? 23 : 19)).toEqual([]);
      // Said, the notice goes after a while (the next one must not be mistaken for it).
      time.advance(60_000);
      await waitForFrame(app, (f) => !statusBar(f).endsWith(expected), 'the notice gone');
    };

    // In the dialog pane: a key of a message, Ctrl+X with no file attached, the bell.
    await says(narrow ? '○ v: on a message (Tab)' : "v: on a message; Tab to the dialog's messages and pick one", 'v');
    await says(narrow ? '○ no files (Ctrl+O attaches)' : 'no files are attached (Ctrl+O attaches one)', CTRL_X);
    await says('no more bell (b turns it on)', 'b');

    // The dialog open: Ctrl+U erases the draft; c closes the dialog, c again says how to reopen it.
    await press(app, ENTER);
    await waitForFrame(app, (f) => f.includes('Ctrl+S send'), 'the composer');
    await says(narrow ? '○ erased (Ctrl+Y puts it back)' : 'text erased: Ctrl+Y puts it back', 'a draft', CTRL_U);
    await press(app, ESC, 'c');
    await waitForFrame(app, (f) => f.includes('reopens'), 'closed');
    time.advance(60_000);
    await says('already closed: u reopens it', 'c');
    // r on a message that has not failed, in the dialog's messages.
    if (!narrow) await says('r: this message has not failed', 'r');
    else await says('○ r: it has not failed', 'r');
  });

  it.each([30, 80])("at %i columns the quit window's choices are whole, never broken inside one", async (columns) => {
    await oli.setStatus(project.id, true);
    const { app } = await startApp(columns);
    await waitForFrame(app, (f) => f.includes('● online'), 'online');
    await press(app, 'q');
    const frame = await waitForFrame(app, (f) => f.includes('n or Esc: back'), 'the question');
    expect(overflow(frame, columns, columns === 80 ? 23 : 19)).toEqual([]);
    const inside = frame.split('\n').map((row) => row.replace(/^║ ?/, '').replace(/ *║$/, '').trim());
    if (columns === 30) {
      const o = inside.indexOf('o: go offline and quit');
      expect(inside.slice(o, o + 3)).toEqual(['o: go offline and quit', 'y: quit, staying online', 'n or Esc: back']);
    } else {
      expect(inside).toContain('o: go offline and quit · y: quit, staying online (to answer from Telegram)');
      expect(inside).toContain('n or Esc: back');
    }
    await press(app, ESC);
    await waitForFrame(app, (f) => !f.includes('n or Esc: back'), 'back');
  });
});
