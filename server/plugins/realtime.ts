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
/** The sockets are pinged in this many slices, one slice per heartbeat / HEARTBEAT_SLOTS. */
const HEARTBEAT_SLOTS = 300;

export default fp(
  async (app, options: { heartbeatMs?: number }) => {
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

    app.addHook('preClose', async () => {
      clearInterval(beat);
      hub.closeAll();
    });
  },
  { name: 'parley-realtime', dependencies: ['parley-core'] },
);
