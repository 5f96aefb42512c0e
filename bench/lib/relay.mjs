// The floor: a bare `ws` relay with no database and no validation beyond JSON. An operator frame
// {type:'message.send', clientId, dialogId} goes to the visitor socket registered for that
// dialog; the visitor's {type:'ack', messageIds} comes back to the operator as message.updated.
// Run as a child process (like the real server) so both are measured the same way.
//
// With --fanout it also does Parley's fan-out: every operator socket gets each new message and
// each delivery (as Parley tells every operator watching the project), so a message makes 3 +
// 2 x operators frames, Parley's count. That floor is what the machine allows for the frames
// alone; the distance from it to Parley is Parley's own work (storage, checks, events).
import { WebSocketServer } from 'ws';

const fanout = process.argv.includes('--fanout');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
const visitors = new Map(); // dialogId -> socket
const operators = new Set();
let nextId = 1;
const owner = new Map(); // messageId -> operator socket

const toOperators = (sender, frame) => {
  if (!fanout) return sender.send(JSON.stringify(frame));
  const data = JSON.stringify(frame);
  for (const socket of operators) socket.send(data);
};

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
      if (fanout) toOperators(socket, { type: 'message.created', message: { id, dialogId: f.dialogId, body: f.body } });
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
        const sender = owner.get(id);
        if (!sender) continue;
        toOperators(sender, { type: 'message.updated', message: { id, deliveredAt: 'now' } });
        owner.delete(id);
      }
    });
  }
});
wss.on('listening', () => process.stdout.write(`${JSON.stringify({ port: wss.address().port })}\n`));
process.on('SIGTERM', () => wss.close(() => process.exit(0)));
