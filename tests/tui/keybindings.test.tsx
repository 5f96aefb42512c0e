// The keymap against the keys as a terminal sends them, read by the one keyboard hook (useKeys)
// through ink-testing-library's stdin.
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { type Command, is, isText, KEYMAP, keysOf } from '../../tui/input/keybindings.js';
import { ENABLE_KEY_MODES, holdKeys, RESTORE_KEY_MODES, wantsHyperlinks } from '../../tui/input/terminal-modes.js';
import { useKeys } from '../../tui/input/useKeys.js';
import {
  ALT_ENTER,
  BACKSPACE,
  BACKSPACE_CTRL_H,
  CTRL_ENTER,
  CTRL_ENTER_XTERM,
  CTRL_S,
  DELETE,
  DOWN,
  ENTER,
  ESC,
  press,
  SHIFT_ENTER,
  SHIFT_ENTER_XTERM,
  SHIFT_TAB,
  TAB,
  UP,
} from '../helpers/ink.js';

const commands = Object.keys(KEYMAP) as Command[];
let cleanup: (() => void) | null = null;
afterEach(() => cleanup?.());

/**
 * The commands (and whether it is text, and the text) each key is recognised as; `count` keys
 * are expected (more than the chunks written when a chunk holds several keys).
 */
async function recognise(keys: string[], count = keys.length): Promise<Array<{ commands: Command[]; text: boolean; input: string }>> {
  const seen: Array<{ commands: Command[]; text: boolean; input: string }> = [];
  let resolve = () => undefined as void;
  function Probe() {
    useKeys((input, key) => {
      seen.push({ commands: commands.filter((c) => is(c, input, key)), text: isText(input, key), input });
      if (seen.length === count) resolve();
    });
    return <Text>probe</Text>;
  }
  const app = render(<Probe />);
  cleanup = app.unmount;
  const done = new Promise<void>((r) => (resolve = r));
  await new Promise((r) => setImmediate(r)); // the input hook subscribes in an effect
  await press(app, ...keys);
  await done;
  return seen;
}

describe('keybindings', () => {
  it('Ctrl+Enter (kitty and xterm), Ctrl+S and Alt+Enter are Send; Enter is Newline, not Send', async () => {
    const seen = await recognise([CTRL_ENTER, CTRL_ENTER_XTERM, CTRL_S, ALT_ENTER, ENTER]);
    for (const s of seen.slice(0, 4)) {
      expect(s.commands).toContain('Send');
      expect(s.commands).not.toContain('Newline');
      expect(s.text).toBe(false);
    }
    expect(seen[4].commands).toEqual(expect.arrayContaining(['Newline', 'Open', 'Retry']));
    expect(seen[4].commands).not.toContain('Send');
  });

  it('Shift+Enter (kitty ESC[13;2u and modifyOtherKeys ESC[27;2;13~) is Newline, never Send nor text', async () => {
    const seen = await recognise([SHIFT_ENTER, SHIFT_ENTER_XTERM]);
    for (const s of seen) {
      expect(s.commands).toContain('Newline');
      expect(s.commands).not.toContain('Send');
      expect(s.text).toBe(false);
    }
    expect(keysOf('Newline')).toBe('Enter / Shift+Enter');
  });

  it('Tab, Shift+Tab, arrows, j/k, Esc and letters', async () => {
    const seen = await recognise([TAB, SHIFT_TAB, UP, DOWN, 'k', 'j', ESC, 'x', '?', 'hello world']);
    expect(seen.map((s) => s.commands)).toEqual([['NextPane'], ['PrevPane'], ['Up'], ['Down'], ['Up'], ['Down'], ['Back'], [], ['Help'], []]);
    expect(seen.map((s) => s.text)).toEqual([false, false, false, false, true, true, false, true, true, true]);
  });

  it('bracketed paste markers, Ctrl+T and Ctrl+N are commands, never text', async () => {
    const seen = await recognise(['\x1b[200~', 'ab', '\x1b[201~', '\x14', '\x0e']);
    expect(seen.map((s) => s.commands)).toEqual([['PasteStart'], [], ['PasteEnd'], ['Templates'], ['SaveTemplate']]);
    expect(seen.map((s) => s.text)).toEqual([false, true, false, false, false]);
  });

  it('Backspace is Erase whether the terminal sends \\x7f (tmux, xterm) or \\x08; only ESC[3~ is Delete', async () => {
    const seen = await recognise([BACKSPACE, BACKSPACE_CTRL_H, DELETE]);
    expect(seen.map((s) => s.commands)).toEqual([['Erase'], ['Erase'], ['DeleteForward']]);
    expect(seen.map((s) => s.text)).toEqual([false, false, false]);
  });

  it('a chunk of keys typed faster than they are read is each key in order: text, Enter, Backspace, text', async () => {
    // One write: what a terminal (or tmux send-keys) delivers when keys come in a burst.
    const seen = await recognise([`secret-one\rsecret-twoo${BACKSPACE}\r\tx`], 7);
    expect(seen.map((s) => [s.input, s.commands.filter((c) => c !== 'Open' && c !== 'Retry')])).toEqual([
      ['secret-one', []],
      ['', ['Newline']],
      ['secret-twoo', []],
      ['', ['Erase']],
      ['', ['Newline']],
      ['', ['NextPane']],
      ['x', []],
    ]);
  });

  it('kitty and modifyOtherKeys forms: Ctrl+C, Esc, Alt+Enter and Ctrl+Enter read like their plain keys', async () => {
    const seen = await recognise(['\x1b[99;5u', '\x1b[27u', '\x1b[13;3u', '\x1b[27;3;13~', '\x1b[27;5;13~', '\x1b[1;5D']);
    expect(seen.map((s) => s.commands)).toEqual([['QuitAnywhere'], ['Back'], ['Send'], ['Send'], ['Send'], []]);
    expect(seen.map((s) => s.text)).toEqual([false, false, false, false, false, false]);
  });

  it('names the keys for hints, and asks for (then restores) both keyboard modes', () => {
    expect(keysOf('Send')).toBe('Ctrl+Enter / Ctrl+S / Alt+Enter');
    // kitty keyboard protocol, xterm modifyOtherKeys level 1, bracketed paste; then all three off.
    expect(ENABLE_KEY_MODES).toBe('\x1b[>1u\x1b[>4;1m\x1b[?2004h');
    expect(RESTORE_KEY_MODES).toBe('\x1b[<u\x1b[>4;0m\x1b[?2004l');
  });

  it('holds the keys from the start: raw mode on a terminal at once, line mode back exactly once (also on exit)', () => {
    const calls: boolean[] = [];
    const tty = { isTTY: true, setRawMode: (on: boolean) => calls.push(on) } as unknown as NodeJS.ReadStream;
    const exitListeners = process.listenerCount('exit');
    const restore = holdKeys(tty);
    expect(calls).toEqual([true]);
    expect(process.listenerCount('exit')).toBe(exitListeners + 1);
    restore();
    restore();
    expect(calls).toEqual([true, false]);
    expect(process.listenerCount('exit')).toBe(exitListeners);
    // Not a terminal (piped input): nothing to do.
    expect(() => holdKeys({ isTTY: false } as NodeJS.ReadStream)()).not.toThrow();
  });

  it('hyperlinks only on a real terminal, unless PARLEY_HYPERLINKS says otherwise', () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    expect(wantsHyperlinks(tty, { TERM: 'xterm-256color' })).toBe(true);
    expect(wantsHyperlinks(tty, { TERM: 'dumb' })).toBe(false);
    expect(wantsHyperlinks(tty, { TERM: 'xterm', PARLEY_HYPERLINKS: '0' })).toBe(false);
    expect(wantsHyperlinks({ isTTY: false } as NodeJS.WriteStream, {})).toBe(false);
  });
});
