// The login screens' keys, read through the one keymap (tui/input/keybindings.ts). On the forms
// letters are text, so only Ctrl+C quits there; the picker and the message screen also take q.
import type { Key } from 'ink';
import { is, isText } from '../input/keybindings.js';
import { pastedText } from '../input/keys.js';
import type { LoginAction } from './state.js';

export type LoginKey = LoginAction | { type: 'quit' } | { type: 'paste'; on: boolean };

/**
 * What a keypress does (useKeys has already cut a chunk like "name@example.com\r" into the text
 * and its Enter). Inside a bracketed paste a line break is only dropped, never Enter, and other
 * control characters are dropped too (pastedText).
 */
export function loginKeys(input: string, key: Key, mode: 'form' | 'list' | 'message', pasting: boolean): LoginKey[] {
  if (is('PasteStart', input, key)) return [{ type: 'paste', on: true }];
  if (is('PasteEnd', input, key)) return [{ type: 'paste', on: false }];
  if (is('QuitAnywhere', input, key)) return [{ type: 'quit' }];
  if (pasting) {
    const text = pastedText(input, key);
    return mode === 'form' && text && text !== '\n' ? [{ type: 'type', text }] : [];
  }
  if (is('Back', input, key)) return [{ type: 'back' }];
  if (is('Open', input, key)) return [mode === 'message' ? { type: 'quit' } : { type: 'enter' }];
  if (is('NextPane', input, key) || key.downArrow) return [{ type: 'move', by: 1 }];
  if (is('PrevPane', input, key) || key.upArrow) return [{ type: 'move', by: -1 }];
  if (mode !== 'form') {
    if (is('Quit', input, key)) return [{ type: 'quit' }];
    if (is('Down', input, key)) return [{ type: 'move', by: 1 }];
    if (is('Up', input, key)) return [{ type: 'move', by: -1 }];
    return [];
  }
  if (is('Erase', input, key)) return [{ type: 'erase' }];
  return isText(input, key) ? [{ type: 'type', text: input }] : [];
}
