// Subscribes the key router once. The handler never changes, so Ink never re-subscribes it
// between two keys; everything it needs it reads from the stores when the key arrives.
import { useInput } from 'ink';
import { useCallback, useRef } from 'react';
import { useActions } from '../context/ParleyProvider.js';
import { useStores } from '../context/stores.js';
import { type KeyContext, routeKey } from './router.js';

export function useKeyRouter(page: number): void {
  const stores = useStores();
  const actions = useActions();
  const ctx = useRef<KeyContext>({ stores, actions, page, pasting: false });
  ctx.current.page = page;
  const handler = useCallback<Parameters<typeof useInput>[0]>((input, key) => routeKey(input, key, ctx.current), []);
  useInput(handler);
}
