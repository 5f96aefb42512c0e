// A session or token that expires while its operator socket is open loses the socket (4001),
// as the next request would be refused; an open terminal counts as use, so a session does not
// expire idle while its socket is open. Time is a manual clock; the server checks every 50 ms.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import { closedWithin, connectOperator, type Peer, stillOpen } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const DAY = 24 * 3600_000;
const PROMPTLY_MS = 1000;

let server: TestServer;
let clock: ManualClock;
let root: ParleyClient;
let projectId: number;
const peers: Peer[] = [];

async function operatorSocket(token: string): Promise<Peer> {
  const peer = await connectOperator(server.url, token, projectId);
  peers.push(peer);
  await peer.next((f) => f.type === 'ready');
  return peer;
}

beforeEach(async () => {
  clock = new ManualClock(Date.now());
  server = await startTestServer({ clock, sessionCheckMs: 50 });
  let email: string;
  ({ client: root, email } = await signedInAdmin(server));
  projectId = (await root.createProject('Shop')).id;
  await root.updateMember(projectId, email, { operator: true });
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
});

describe('expiry while a socket is open', () => {
  it("a token's socket closes when its days are over; the session's socket stays", async () => {
    const { token } = await root.createToken('bot', 1);
    const byToken = await operatorSocket(token);
    const bySession = await operatorSocket(root.token!);

    clock.advance(DAY / 2);
    await stillOpen(byToken);
    clock.advance(DAY);
    expect(await closedWithin(byToken, PROMPTLY_MS)).toEqual({ code: 4001, reason: 'session ended' });
    await stillOpen(bySession);
    await expect(connectOperator(server.url, token, projectId)).rejects.toThrow(/401/);
  });

  it('an open socket keeps its session from expiring idle, but not past its maximum age', async () => {
    const socket = await operatorSocket(root.token!);
    // Sessions expire after 14 idle days; an open socket is checked (and used) all along.
    for (let day = 0; day < 20; day++) {
      clock.advance(DAY);
      await stillOpen(socket);
      // Each virtual day, the socket's check has run (and touched the session) before the next.
      await waitForCheck();
    }
    expect((await root.me()).user.email).toBe('root@example.com');
    // ...and at most 90 days from sign-in.
    clock.advance(75 * DAY);
    expect((await closedWithin(socket, PROMPTLY_MS)).code).toBe(4001);
  });
});

/** Two check periods of the server, waited for by watching the session's last use move. */
async function waitForCheck(): Promise<void> {
  const db = server.app.db;
  const before = clock.now();
  for (;;) {
    const row = await db.get<{ last_used_at: number }>("SELECT max(last_used_at) AS last_used_at FROM credentials WHERE kind = 'session'");
    if ((row?.last_used_at ?? 0) >= before) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
