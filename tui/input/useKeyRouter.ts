// Subscribes the key router (through the one keyboard hook, useKeys); everything it needs it
// reads from the stores when the key arrives. `pages` says what the panes show, as App laid them
// out this render.
import { useRef } from 'react';
import { useActions } from '../context/ParleyProvider.js';
import { useSession } from '../context/session.js';
import { useStores } from '../context/stores.js';
import { type KeyContext, type Pages, routeKey } from './router.js';
import { useKeys } from './useKeys.js';

export function useKeyRouter(pages: Pages): void {
  const stores = useStores();
  const actions = useActions();
  const { me, client } = useSession();
  const ctx = useRef<KeyContext>({ stores, actions, pages, viewer: { myId: me.user.id, url: client.url }, pasting: false });
  ctx.current.pages = pages;
  useKeys((input, key) => routeKey(input, key, ctx.current));
}
