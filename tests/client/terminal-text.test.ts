// What other people typed, shown in a terminal: control characters become U+FFFD (line breaks
// and tabs stay); in JSON they become \u escapes, so a program reading it gets the same data.
import { describe, expect, it } from 'vitest';
import { jsonTerminalSafe, terminalSafe } from '../../core/terminal-text.js';

const NASTY = 'a\x1b]52;c;cGF5bG9hZA==\x07b\u009b2Jc\u202ed\r\x7f';

describe('terminal-safe text', () => {
  it('replaces C0 and C1 controls, DEL and bidi overrides; keeps line breaks, tabs and ordinary text', () => {
    expect(terminalSafe(NASTY)).toBe('a\uFFFD]52;c;cGF5bG9hZA==\uFFFDb\uFFFD2Jc\uFFFDd\uFFFD\uFFFD');
    expect(terminalSafe('line 1\nline\t2 — ünïcödé 🙂')).toBe('line 1\nline\t2 — ünïcödé 🙂');
  });

  it('in JSON: the same data for a parser, nothing for a terminal to act on', () => {
    const json = jsonTerminalSafe(JSON.stringify({ name: NASTY }));
    expect(JSON.parse(json)).toEqual({ name: NASTY });
    expect(json).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
  });
});
