// Findings D4, D5 and D15 (first item) of QA pass 14, where what the layout measured and what tmux
// drew disagreed: a soft hyphen (string-width counts none, tmux draws one column, and Ink's clip
// dropped a character of the row for each); ❤️ ✔️ ☺️ (two columns measured, one drawn) and the
// line separators U+2028/U+2029 (one measured, none drawn) moved the pane borders on their row;
// a cut with a wide character at the edge was a column too wide. The widths here are tmux's own:
// each text is printed in a real tmux and the cursor's column read back (CSI 6 n).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { jsonTerminalSafe, terminalSafe } from '../../core/terminal-text.js';
import { displayWidth, fieldTail, oneLine, plainEmoji, truncateEnd } from '../../core/text-layout.js';
import { wrapMessage } from '../../tui/state/message-rows.js';
import { ENTER, waitForFrame } from '../helpers/ink.js';
import { type Peer, visitorWrites } from '../helpers/realtime.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { shopWithOli } from '../helpers/shop.js';
import { tmuxColumns } from '../helpers/tmux.js';
import { startTuiApp } from '../helpers/tui-app.js';

/** Texts from the QA pass and their neighbours: each has characters tmux and string-width count differently. */
const DISPUTED: string[] = [
  'SHY test: abc\u00addef ghi and x\u00ady\u00adz end',
  'soft\u00adhyphen',
  'VS16 ❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️ ✔️✔️✔️✔️✔️ ☺️☺️☺️ end',
  '©️ ™️ ☀️ 🅰️ 🗨️ 🏳️ ❤️‍🔥 👁️‍🗨️',
  'keycap 1️⃣ #️⃣ *️⃣ 2⃣',
  'LS a\u2028b PS c\u2029d',
  'skin 👍🏽 🤷🏽‍♀️ family 👨‍👩‍👧‍👦 rainbow 🏳️‍🌈',
  'filler [\u3164] [\uffa0]',
  // Already agreed before: drawn as they are.
  'plain 😀 ✅ ☕ 日本 한국 Café 🇸🇪 ❤',
];

describe('the text as drawn is drawn by tmux in the columns it is measured at', () => {
  it('for soft hyphens, VS16 emoji, keycaps, line separators, skin tones, ZWJ sequences and fillers (measured in tmux)', async () => {
    const drawn = DISPUTED.map(plainEmoji);
    expect(await tmuxColumns(drawn)).toEqual(drawn.map(displayWidth));
  });

  it('drops what terminals draw at another width, and never draws wider than the text was measured', () => {
    expect(plainEmoji('x\u00ady\u00adz end')).toBe('xyz end');
    expect(plainEmoji('❤️ ✔️ ☺️ ✅️ 〰️')).toBe('❤ ✔ ☺ ✅ 〰');
    expect(plainEmoji('1️⃣ #️⃣ 2⃣')).toBe('1 # 2');
    expect(plainEmoji('❤️‍🔥 🏳️‍🌈 🤷🏽‍♀️')).toBe('❤ 🏳 🤷');
    expect(plainEmoji('a\u2028b\u2029c')).toBe('a b c');
    expect(plainEmoji('[\u3164][\uffa0]')).toBe('[][]');
    // A ZWJ in a script's conjunct stays (tmux and string-width agree on it).
    expect(plainEmoji('क्‍ष')).toBe('क्‍ष');
    for (const text of DISPUTED) expect(displayWidth(plainEmoji(text))).toBeLessThanOrEqual(displayWidth(text));
    expect(oneLine('soft\u00adhyphen\u2028❤️')).toBe('softhyphen ❤');
    expect(fieldTail('Anna ❤️\u00ad', 20)).toBe('Anna ❤');
  });

  it('a message with soft hyphens keeps every other character in its rows (D4)', () => {
    const rows = wrapMessage(0, '12:01 Brave Seal: ', 'SHY test: abc\u00addef ghi and x\u00ady\u00adz end', 40, 10, 0);
    expect(rows.map((r) => r.text).join(' ')).toBe('SHY test: abcdef ghi and xyz end');
    expect(rows.every((r) => !r.text.includes('\u00ad'))).toBe(true);
  });
});

describe('line and paragraph separators in other people’s text', () => {
  it('become line breaks before layout; in JSON, escapes', () => {
    expect(terminalSafe('a\u2028b\u2029c')).toBe('a\nb\nc');
    const json = jsonTerminalSafe(JSON.stringify({ body: 'a\u2028b' }));
    expect(json).toBe('{"body":"a\\u2028b"}');
    expect(JSON.parse(json)).toEqual({ body: 'a\u2028b' });
    const rows = wrapMessage(0, 'h: ', terminalSafe('line one\u2028line two'), 40, 10, 0);
    expect(rows.map((r) => r.text)).toEqual(['line one', 'line two']);
  });
});

describe('truncateEnd (D15)', () => {
  it('is never wider than its columns, a space standing in for a wide character at the edge', () => {
    const name = '王小明 山田太郎 김민수';
    for (let columns = 0; columns <= displayWidth(name) + 1; columns++) {
      const cut = truncateEnd(name, columns);
      expect(displayWidth(cut)).toBe(Math.min(columns, displayWidth(name)));
    }
    expect(truncateEnd(name, 16)).toBe('王小明 山田太郎…');
    expect(truncateEnd(name, 15)).toBe('王小明 山田太 …');
    // The QA's list row: Ink's cut kept 😃 whose first column fitted, a column too wide.
    expect(truncateEnd('🦊👍 Фокс 👨 emoji 😀😃😄😁', 23)).toBe('🦊👍 Фокс 👨 emoji 😀 …');
    expect(truncateEnd('short', 10)).toBe('short');
    expect(truncateEnd('日本', 1)).toBe('…');
  });
});

describe('the TUI in a terminal, as tmux draws its frame (D4, D5)', () => {
  const ORIGIN = 'https://shop.example.com';
  const OLI = 'oli@example.com';
  let server: TestServer;
  let admin: ParleyClient;
  let oli: ParleyClient;
  let project: { id: number; widgetKey: string };
  const peers: Peer[] = [];
  const teardown: Array<() => unknown> = [];

  beforeEach(async () => {
    server = await startTestServer({ rateLimits: { login: 1000, forgot: 1000 } });
    ({ admin, oli, project } = await shopWithOli(server, ORIGIN));
  });

  afterEach(async () => {
    for (const t of teardown.splice(0).reverse()) await t();
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await server.close();
  });

  it('every row of the frame is as wide as the terminal, and no character of a row is lost', async () => {
    const site = { url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId: project.id, admin, peers };
    // Each starts a list row; the last, newest, is opened: all three in the message pane.
    const vs16 = 'VS16 ❤️❤️❤️❤️❤️❤️❤️❤️❤️❤️ ✔️✔️✔️✔️✔️ ☺️☺️☺️ 1️⃣ end';
    const separators = 'LS a\u2028b PS c\u2029d ok';
    const shy = 'SHY test: abc\u00addef ghi and x\u00ady\u00adz end';
    await visitorWrites(site, vs16);
    await visitorWrites(site, separators);
    await visitorWrites(site, [shy, vs16, separators].join('\n'));
    const columns = 120;
    const { app } = await startTuiApp({ url: server.url, user: oli, projectId: project.id, size: { columns, rows: 30 }, teardown });
    await waitForFrame(app, (f) => f.includes('My messages (3)'), 'three dialogs');
    app.stdin.write(ENTER);
    const frame = await waitForFrame(app, (f) => f.includes('SHY test: abc') && f.includes('ghi and x'), 'the soft hyphens dialog open');
    expect(frame).toContain('SHY test: abcdef ghi and xyz end');
    // Every row ending with a box's border ends at the terminal's right edge, as tmux draws it.
    const boxed = frame.split('\n').filter((line) => /[│┐┘]$/.test(line));
    expect(boxed.length).toBeGreaterThan(20);
    // The open message's row at least (a list row shows its hearts only after a short name).
    expect(boxed.filter((line) => line.includes('❤')).length).toBeGreaterThanOrEqual(1);
    const drawn = await tmuxColumns(boxed);
    expect(boxed.filter((_, i) => drawn[i] !== columns)).toEqual([]);
  });
});
