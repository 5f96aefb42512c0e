// A child process that holds the idle widgets: node idle.mjs relay|parley URL N. Prints "ready"
// once all N are connected (and, for Parley, welcomed), holds them until SIGTERM.
//
// They live apart from the active load on purpose: 10,000 sockets in the load generator's heap
// made its every young-generation collection several milliseconds long, and those pauses, not
// the server, were the p99 of the ack latency. Idle, this process allocates nothing and never
// pauses; the server still holds every one of the sockets.
import { openIdle, parleyTarget, relayTarget } from './load.mjs';

const [kind, url, n] = process.argv.slice(2);
const target = kind === 'relay' ? relayTarget({ visitorUrl: () => url }) : parleyTarget({ visitorUrl: url });
const sockets = await openIdle(target, Number(n));
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
