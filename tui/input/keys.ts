// What the terminal sent, as keys. Ink hands its input listeners one event per escape sequence,
// but everything between two escapes comes as one string: "pass\rpass\r" when keys are typed
// faster than they are read (or sent by a script, or by tmux), "\x7f" for Backspace. Ink's own
// useInput then reports that string as one key, and \x7f as key.delete (the same as the Delete
// key, ESC[3~), so a Backspace erased nothing in the composer and an Enter inside a chunk was lost.
//
// Here a chunk becomes one key per control character, with the text between them kept whole (a
// paste stays one insert); Backspace is key.backspace whether the terminal sends \x7f or \x08, and
// only ESC[3~ is key.delete. Escape sequences are read here too, in both encodings that tell
// Ctrl+Enter from Enter (kitty `ESC[13;5u`, xterm modifyOtherKeys `ESC[27;5;13~`), so the keymap
// sees one shape for each key. Unknown sequences keep Ink's form: their text without the ESC.
import type { Key } from 'ink';

export interface KeyPress {
  input: string;
  key: Key;
}

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

const press = (input: string, flags: Partial<Key> = {}): KeyPress => {
  const key = { ...NO_KEY, ...flags };
  // As Ink does: a capital letter is Shift+letter.
  if (/^[A-Z]$/.test(input)) key.shift = true;
  return { input, key };
};

/** A control character (C0 or DEL) as the key it is. */
function control(ch: string): KeyPress {
  const code = ch.charCodeAt(0);
  if (ch === '\r' || ch === '\n') return press('', { return: true });
  if (ch === '\t') return press('', { tab: true });
  if (ch === '\x7f' || ch === '\b') return press('', { backspace: true });
  if (code >= 1 && code <= 26) return press(String.fromCharCode(code + 96), { ctrl: true });
  return press('', { ctrl: true });
}

/** The keys of a string with no ESC in it: text runs, and each control character on its own. */
function plainKeys(chunk: string): KeyPress[] {
  const keys: KeyPress[] = [];
  let text = '';
  let previous = '';
  for (const ch of chunk) {
    // CR LF (text pasted from Windows) is one line break, not two: a terminal's Enter is a lone CR.
    const crlf = ch === '\n' && previous === '\r';
    previous = ch;
    if (crlf) continue;
    if (/^[\x00-\x1f\x7f]$/.test(ch)) {
      if (text) keys.push(press(text));
      text = '';
      keys.push(control(ch));
    } else {
      text += ch;
    }
  }
  if (text) keys.push(press(text));
  return keys;
}

/** xterm's modifier parameter (1 + bits) as Ink's flags. */
function modifiers(param: number | undefined): Partial<Key> {
  const bits = Math.max(0, (param ?? 1) - 1);
  return {
    shift: (bits & 1) !== 0,
    meta: (bits & 2) !== 0, // Alt
    ctrl: (bits & 4) !== 0,
    super: (bits & 8) !== 0,
    hyper: (bits & 16) !== 0,
    capsLock: (bits & 64) !== 0,
    numLock: (bits & 128) !== 0,
  };
}

/** A key given by its code point (kitty's CSI u, xterm's modifyOtherKeys), with its modifiers. */
function byCodePoint(code: number, mods: Partial<Key>, text?: string): KeyPress {
  switch (code) {
    case 13:
      return press('', { ...mods, return: true });
    case 9:
      return press('', { ...mods, tab: true });
    case 27:
      return press('', { ...mods, escape: true, meta: true });
    case 8:
    case 127:
      return press('', { ...mods, backspace: true });
  }
  if (code < 32) return press('', mods);
  const ch = String.fromCodePoint(code);
  if (mods.ctrl) return { input: ch.toLowerCase(), key: { ...NO_KEY, ...mods } };
  return { input: text ?? (mods.shift ? ch.toUpperCase() : ch), key: { ...NO_KEY, ...mods } };
}

const TILDE: Record<number, Partial<Key>> = {
  1: { home: true },
  7: { home: true },
  4: { end: true },
  8: { end: true },
  3: { delete: true },
  5: { pageUp: true },
  6: { pageDown: true },
};

const LETTER: Record<string, Partial<Key>> = {
  A: { upArrow: true },
  B: { downArrow: true },
  C: { rightArrow: true },
  D: { leftArrow: true },
  H: { home: true },
  F: { end: true },
};

/** One escape sequence (as Ink's input parser cuts them) as a key. */
function escapeKey(seq: string): KeyPress {
  const unknown = () => press(seq.slice(1));
  if (seq === '\x1b') return press('', { escape: true, meta: true });
  // ESC ESC [ ...: Alt with a sequence (Alt+arrow in some terminals).
  if (seq.startsWith('\x1b\x1b')) {
    const inner = escapeKey(seq.slice(1));
    return { input: inner.input, key: { ...inner.key, meta: true } };
  }
  const csi = /^\x1b\[([0-9;:?]*)([~A-Za-z])$/.exec(seq);
  if (csi) {
    const [, body, final] = csi;
    if (body.startsWith('?')) return unknown();
    const params = body === '' ? [] : body.split(';').map((p) => p.split(':').map((n) => (n === '' ? undefined : Number(n))));
    const first = params[0]?.[0];
    if (final === 'u' && first !== undefined) {
      const text = params[2]?.length ? String.fromCodePoint(...params[2].filter((n): n is number => n !== undefined)) : undefined;
      return byCodePoint(first, modifiers(params[1]?.[0]), text);
    }
    if (final === '~') {
      // Bracketed paste markers stay text-like inputs: the keymap matches `[200~` and `[201~`.
      if (first === 200 || first === 201) return press(seq.slice(1));
      if (first === 27 && params[2]?.[0] !== undefined) return byCodePoint(params[2][0], modifiers(params[1]?.[0]));
      const flags = first === undefined ? undefined : TILDE[first];
      return flags ? press('', { ...modifiers(params[1]?.[0]), ...flags }) : unknown();
    }
    if (final === 'Z') return press('', { tab: true, shift: true });
    if (LETTER[final]) return press('', { ...modifiers(params[1]?.[0]), ...LETTER[final] });
    return unknown();
  }
  const ss3 = /^\x1bO([A-DHF])$/.exec(seq);
  if (ss3) return press('', LETTER[ss3[1]]);
  // ESC and one character: Alt with that key.
  const rest = seq.slice(1);
  if (rest.length > 0 && [...rest].length === 1) {
    if (/^[\x00-\x1f\x7f]$/.test(rest)) {
      const k = control(rest);
      return { input: k.input, key: { ...k.key, meta: true } };
    }
    return press(rest, { meta: true });
  }
  return unknown();
}

/**
 * What a key inside a bracketed paste adds to the text: a line break for Enter (a pasted CR or
 * LF), a tab, or its text. Any other control character is dropped: it came as a key of its own
 * (BEL as Ctrl+G, DEL as Backspace), and a pasted "bell\x07" typed "bellg". C1 controls in the
 * text go too.
 */
export function pastedText(input: string, key: Key): string {
  if (key.return) return '\n';
  if (key.tab) return '\t';
  if (key.ctrl || key.meta || key.escape || key.backspace || key.delete) return '';
  return input.replace(/[\x80-\x9f]/g, '');
}

/** The keys in one input event from Ink (an escape sequence, or the text between two). */
export function parseKeys(event: string): KeyPress[] {
  if (event === '') return [];
  // Esc pressed twice before the input was read: two keys (the composer's edit, then the pane).
  if (/^\x1b\x1b+$/.test(event)) return Array.from(event, () => escapeKey('\x1b'));
  return event.startsWith('\x1b') ? [escapeKey(event)] : plainKeys(event);
}
