// The one subscription to the keyboard, for the login screens and the main screen alike. It
// reads Ink's raw input events and hands each key (tui/input/keys.ts) to the handler in order, so
// "text, Enter, more text" arriving in one chunk is three keys, and the keys after a focus change
// land where the focus now is. The handler is read from a ref when a key arrives: a re-render
// never re-subscribes it, so no key is ever handled by a stale copy.
import { type Key, useStdin } from 'ink';
import { useEffect, useRef } from 'react';
import { parseKeys } from './keys.js';

export type KeyHandler = (input: string, key: Key) => void;

export function useKeys(handler: KeyHandler): void {
  const { internal_eventEmitter: events, setRawMode } = useStdin();
  const current = useRef(handler);
  current.current = handler;

  useEffect(() => {
    setRawMode(true);
    return () => setRawMode(false);
  }, [setRawMode]);

  useEffect(() => {
    const onInput = (event: string) => {
      for (const { input, key } of parseKeys(event)) current.current(input, key);
    };
    events.on('input', onInput);
    return () => {
      events.removeListener('input', onInput);
    };
  }, [events]);
}
