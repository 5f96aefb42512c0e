// The routes a server really has, listed by the app itself: Fastify's `fastify.initialization`
// diagnostics channel hands over the instance before any plugin registers, and an onRoute hook
// records every route as it is added. A test built on this list covers a new route without
// anyone remembering to add it.
import diagnostics from 'node:diagnostics_channel';
import type { FastifyInstance } from 'fastify';

export interface RouteInfo {
  method: string;
  url: string;
  websocket: boolean;
}

/** Runs `start` (which builds an app) and returns what it returned with the app's routes. */
export async function withRoutes<T>(start: () => Promise<T>): Promise<{ value: T; routes: RouteInfo[] }> {
  const routes: RouteInfo[] = [];
  const onInit = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance };
    fastify.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        routes.push({ method, url: route.url, websocket: Boolean((route as { websocket?: boolean }).websocket) });
      }
    });
  };
  diagnostics.subscribe('fastify.initialization', onInit);
  try {
    return { value: await start(), routes };
  } finally {
    diagnostics.unsubscribe('fastify.initialization', onInit);
  }
}
