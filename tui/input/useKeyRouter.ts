// Subscribes the key router (through the one keyboard hook, useKeys); everything it needs it
// reads from the stores when the key arrives.
import { useRef } from 'react';
import { useActions } from '../context/ParleyProvider.js';
import { useStores } from '../context/stores.js';
import { type KeyContext, routeKey } from './router.js';
import { useKeys } from './useKeys.js';

export function useKeyRouter(page: number): void {
  const stores = useStores();
  const actions = useActions();
  const ctx = useRef<KeyContext>({ stores, actions, page, pasting: false });
  ctx.current.page = page;
  useKeys((input, key) => routeKey(input, key, ctx.current));
}
