// WebSockets: @fastify/websocket with a 64 KB frame limit, the hub that routes events to
// sockets, and a heartbeat that drops connections whose peer stopped answering.
import websocket from '@fastify/websocket';
import type { FastifyBaseLogger } from 'fastify';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { MAX_FRAME_BYTES } from '../../core/protocol/index.js';
import { CLOSE, Hub } from '../realtime/hub.js';

declare module 'fastify' {
  interface FastifyInstance {
    hub: Hub;
  }
}

/**
 * A socket's error. A peer's broken frame (too big, bad UTF-8, bad opcode) is theirs: ws closes
 * the socket with the matching code (1009, 1007, 1002) and it is logged as such, not as a
 * server error.
 */
function socketError(error: Error, socket: WebSocket, log: FastifyBaseLogger) {
  const code = (error as { code?: string }).code ?? '';
  if (code.startsWith('WS_ERR_')) {
    log.info({ reason: error.message, code }, 'websocket: a bad frame from the peer; closed');
    return;
  }
  log.error({ err: error }, 'websocket: socket error');
  socket.terminate();
}

/**
 * Lets Fastify's request and reply of the upgrade go once its socket is open: @fastify/websocket's
 * error listener holds them for the socket's whole life. Errors are logged as before, with the
 * request's log.
 *
 * The TCP socket still points to the upgrade's HTTP response (and so to the request and its
 * headers, about 2 KB more per widget). Letting those go too (detaching the response) was tried:
 * the heap shrank by a third, and the p99 at 1,000 msg/s with 10,000 widgets went from 6-9 ms
 * to 15-57 ms, because V8 sizes the old generation's headroom by what is live, so the ~2 MB/s
 * promoted under load then triggered a full collection every 7-9 s instead of rarely.
 */
export function releaseUpgrade(socket: WebSocket, log: FastifyBaseLogger): void {
  socket.removeAllListeners('error');
  socket.on('error', (error: Error) => socketError(error, socket, log));
}

const HEARTBEAT_MS = 30_000;
/** The sockets are pinged in this many slices, one slice per heartbeat / HEARTBEAT_SLOTS. */
const HEARTBEAT_SLOTS = 300;

export default fp(
  async (app, options: { heartbeatMs?: number }) => {
    // Added before @fastify/websocket's own preClose hook (hooks run in the order added), which
    // closes every socket without a code: clients must hear 1001 "server shutting down" to
    // know the server is restarting rather than the network gone.
    let stop = () => {};
    app.addHook('preClose', async () => stop());
    await app.register(websocket, {
      options: { maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false },
      errorHandler: (error, socket, request) => socketError(error, socket, request.log),
    });
    const hub = new Hub(app.bus);
    app.decorate('hub', hub);

    // One timer for all sockets, pinging a slice of them every 100 ms so that 10,000 widgets do
    // not mean thousands of writes (and pongs) in one turn of the event loop: each socket is
    // pinged once per heartbeat (30 s), and one that did not answer its last ping is gone. Each
    // slice is a set of its own, so a tick touches only the sockets it pings.
    const alive = new WeakSet<WebSocket>();
    const slots = Array.from({ length: HEARTBEAT_SLOTS }, () => new Set<WebSocket>());
    let nextSlot = 0;
    let tick = 0;
    const beat = setInterval(() => {
      tick = (tick + 1) % HEARTBEAT_SLOTS;
      for (const socket of slots[tick]) {
        if (!alive.has(socket)) {
          socket.terminate();
          continue;
        }
        alive.delete(socket);
        socket.ping();
      }
    }, (options.heartbeatMs ?? HEARTBEAT_MS) / HEARTBEAT_SLOTS);
    beat.unref();
    app.websocketServer.on('connection', (socket: WebSocket) => {
      alive.add(socket);
      const slot = slots[nextSlot];
      nextSlot = (nextSlot + 1) % HEARTBEAT_SLOTS;
      slot.add(socket);
      socket.on('close', () => slot.delete(socket));
      socket.on('pong', () => alive.add(socket));
    });

    stop = () => {
      clearInterval(beat);
      hub.closeAll();
      // Sockets the hub does not hold yet (a widget before its hello) hear the same.
      for (const socket of app.websocketServer.clients) socket.close(CLOSE.shutdown.code, CLOSE.shutdown.reason);
    };
  },
  { name: 'parley-realtime', dependencies: ['parley-core'] },
);
