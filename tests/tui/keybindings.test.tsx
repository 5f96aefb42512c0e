// The keymap against the keys as Ink 6.8 really reports them (through ink-testing-library's stdin).
import { Text, useInput } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { type Command, is, isText, KEYMAP, keysOf } from '../../tui/input/keybindings.js';
import { ENABLE_KEY_MODES, RESTORE_KEY_MODES } from '../../tui/input/terminal-modes.js';
import { ALT_ENTER, CTRL_ENTER, CTRL_ENTER_XTERM, CTRL_S, DOWN, ENTER, ESC, press, SHIFT_TAB, TAB, UP } from '../helpers/ink.js';

const commands = Object.keys(KEYMAP) as Command[];
let cleanup: (() => void) | null = null;
afterEach(() => cleanup?.());

/** The commands (and whether it is text) each key press is recognised as. */
async function recognise(keys: string[]): Promise<Array<{ commands: Command[]; text: boolean }>> {
  const seen: Array<{ commands: Command[]; text: boolean }> = [];
  let resolve = () => undefined as void;
  function Probe() {
    useInput((input, key) => {
      seen.push({ commands: commands.filter((c) => is(c, input, key)), text: isText(input, key) });
      if (seen.length === keys.length) resolve();
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

  it('Tab, Shift+Tab, arrows, j/k, Esc and letters', async () => {
    const seen = await recognise([TAB, SHIFT_TAB, UP, DOWN, 'k', 'j', ESC, 'x', '?', 'hello\nworld']);
    expect(seen.map((s) => s.commands)).toEqual([['NextPane'], ['PrevPane'], ['Up'], ['Down'], ['Up'], ['Down'], ['Back'], [], ['Help'], []]);
    expect(seen.map((s) => s.text)).toEqual([false, false, false, false, true, true, false, true, true, true]);
  });

  it('bracketed paste markers, Ctrl+T and Ctrl+N are commands, never text', async () => {
    const seen = await recognise(['\x1b[200~', 'a\rb', '\x1b[201~', '\x14', '\x0e']);
    expect(seen.map((s) => s.commands)).toEqual([['PasteStart'], [], ['PasteEnd'], ['Templates'], ['SaveTemplate']]);
    expect(seen.map((s) => s.text)).toEqual([false, true, false, false, false]);
  });

  it('names the keys for hints, and asks for (then restores) both keyboard modes', () => {
    expect(keysOf('Send')).toBe('Ctrl+Enter / Ctrl+S / Alt+Enter');
    // kitty keyboard protocol, xterm modifyOtherKeys level 1, bracketed paste; then all three off.
    expect(ENABLE_KEY_MODES).toBe('\x1b[>1u\x1b[>4;1m\x1b[?2004h');
    expect(RESTORE_KEY_MODES).toBe('\x1b[<u\x1b[>4;0m\x1b[?2004l');
  });
});
