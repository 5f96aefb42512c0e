// The floor: a bare `ws` relay with no database and no validation beyond JSON. An operator frame
// {type:'message.send', clientId, dialogId} goes to the visitor socket registered for that
// dialog; the visitor's {type:'ack', messageIds} comes back to the operator as message.updated.
// Run as a child process (like the real server) so both are measured the same way.
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
const visitors = new Map(); // dialogId -> socket
const operators = new Set();
let nextId = 1;
const owner = new Map(); // messageId -> operator socket

wss.on('connection', (socket, req) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/operator') {
    operators.add(socket);
    socket.on('message', (raw) => {
      const f = JSON.parse(raw);
      if (f.type !== 'message.send') return;
      const id = nextId++;
      owner.set(id, socket);
      socket.send(JSON.stringify({ type: 'message.stored', clientId: f.clientId, message: { id } }));
      visitors.get(f.dialogId)?.send(JSON.stringify({ type: 'message', message: { id, body: f.body } }));
    });
    socket.on('close', () => operators.delete(socket));
  } else {
    const dialogId = Number(url.searchParams.get('dialog'));
    if (dialogId) visitors.set(dialogId, socket);
    socket.on('message', (raw) => {
      const f = JSON.parse(raw);
      if (f.type !== 'ack') return;
      for (const id of f.messageIds) {
        owner.get(id)?.send(JSON.stringify({ type: 'message.updated', message: { id, deliveredAt: 'now' } }));
        owner.delete(id);
      }
    });
  }
});
wss.on('listening', () => process.stdout.write(`${JSON.stringify({ port: wss.address().port })}\n`));
process.on('SIGTERM', () => wss.close(() => process.exit(0)));
