// A TCP proxy in front of a test server, so a test can take the network away from a client and
// give it back: `block()` drops every connection and refuses new ones until `unblock()`;
// `retarget()` points it at a restarted server. Real sockets on both sides.
import { connect, createServer, type Socket } from 'node:net';

export interface NetCut {
  /** http://127.0.0.1:PORT of the proxy. */
  url: string;
  block(): void;
  unblock(): void;
  retarget(port: number): void;
  /** Connections currently forwarded. */
  readonly open: number;
  close(): Promise<void>;
}

export async function netCut(targetUrl: string): Promise<NetCut> {
  let target = Number(new URL(targetUrl).port);
  let blocked = false;
  const pairs = new Set<[Socket, Socket]>();
  const server = createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    for (const s of pair) {
      s.on('error', drop);
      s.on('close', drop);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const block = () => {
    blocked = true;
    for (const [a, b] of [...pairs]) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    block,
    unblock() {
      blocked = false;
    },
    retarget(p) {
      target = p;
    },
    get open() {
      return pairs.size;
    },
    close() {
      block();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
