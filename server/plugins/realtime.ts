// WebSockets: @fastify/websocket with a 64 KB frame limit, the hub that routes events to
// sockets, and a heartbeat that drops connections whose peer stopped answering.
import websocket from '@fastify/websocket';
import fp from 'fastify-plugin';
import type { WebSocket } from 'ws';
import { MAX_FRAME_BYTES } from '../../core/protocol/index.js';
import { Hub } from '../realtime/hub.js';

declare module 'fastify' {
  interface FastifyInstance {
    hub: Hub;
  }
}

const HEARTBEAT_MS = 30_000;
/** The sockets are pinged in this many slices, one slice per HEARTBEAT_MS / HEARTBEAT_SLOTS. */
const HEARTBEAT_SLOTS = 30;

export default fp(
  async (app) => {
    await app.register(websocket, {
      options: { maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false },
      // A peer's broken frame (too big, bad UTF-8, bad opcode) is theirs: ws closes the socket
      // with the matching code (1009, 1007, 1002) and it is logged as such, not as a server error.
      errorHandler: (error, socket, request) => {
        const code = (error as { code?: string }).code ?? '';
        if (code.startsWith('WS_ERR_')) {
          request.log.info({ reason: error.message, code }, 'websocket: a bad frame from the peer; closed');
          return;
        }
        request.log.error({ err: error }, 'websocket: socket error');
        socket.terminate();
      },
    });
    const hub = new Hub(app.bus);
    app.decorate('hub', hub);

    // One timer for all sockets, pinging a slice of them each second so that 10,000 widgets do
    // not mean 10,000 writes (and pongs) in one turn of the event loop: each socket is pinged
    // once per HEARTBEAT_MS, and one that did not answer its last ping is gone.
    const alive = new WeakSet<WebSocket>();
    const slotOf = new WeakMap<WebSocket, number>();
    let nextSlot = 0;
    let tick = 0;
    const beat = setInterval(() => {
      tick = (tick + 1) % HEARTBEAT_SLOTS;
      for (const socket of app.websocketServer.clients) {
        if (slotOf.get(socket) !== tick) continue;
        if (!alive.has(socket)) {
          socket.terminate();
          continue;
        }
        alive.delete(socket);
        socket.ping();
      }
    }, HEARTBEAT_MS / HEARTBEAT_SLOTS);
    beat.unref();
    app.websocketServer.on('connection', (socket: WebSocket) => {
      alive.add(socket);
      slotOf.set(socket, nextSlot);
      nextSlot = (nextSlot + 1) % HEARTBEAT_SLOTS;
      socket.on('pong', () => alive.add(socket));
    });

    app.addHook('preClose', async () => {
      clearInterval(beat);
      hub.closeAll();
    });
  },
  { name: 'parley-realtime', dependencies: ['parley-core'] },
);
