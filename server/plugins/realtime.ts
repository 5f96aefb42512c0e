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

    // One timer for all sockets: a socket that did not answer the last ping is gone.
    const alive = new WeakSet<WebSocket>();
    const beat = setInterval(() => {
      for (const socket of app.websocketServer.clients) {
        if (!alive.has(socket)) {
          socket.terminate();
          continue;
        }
        alive.delete(socket);
        socket.ping();
      }
    }, HEARTBEAT_MS);
    beat.unref();
    app.websocketServer.on('connection', (socket: WebSocket) => {
      alive.add(socket);
      socket.on('pong', () => alive.add(socket));
    });

    app.addHook('preClose', async () => {
      clearInterval(beat);
      hub.closeAll();
    });
  },
  { name: 'parley-realtime', dependencies: ['parley-core'] },
);
