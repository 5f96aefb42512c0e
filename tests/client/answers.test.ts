// ParleyClient.onAnswer tells the TUI the server answers again: a proxy's 502-504 in front of a
// server that is down is not the server answering; any answer of the server's own is.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, ParleyClient } from '../../core/client/api.js';

let http: Server | null = null;
afterEach(() => new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve())));

/** A server answering every request with `status` and `body`; the client for it. */
async function answering(status: number, body: string, type: string) {
  http = createServer((_req, res) => res.writeHead(status, { 'content-type': type }).end(body));
  await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as { port: number };
  return new ParleyClient({ url: `http://127.0.0.1:${port}` });
}

describe('onAnswer', () => {
  it("is not called for a proxy's 502 page, and is for the server's own answers (errors included)", async () => {
    const cases: Array<[number, string, string, boolean]> = [
      [502, '<html>Bad Gateway</html>', 'text/html', false],
      [504, '', 'text/plain', false],
      [503, JSON.stringify({ error: { code: 'unavailable', message: 'the database is busy' } }), 'application/json', true],
      [404, JSON.stringify({ error: { code: 'not_found', message: 'no such project' } }), 'application/json', true],
      [200, JSON.stringify({ id: 1 }), 'application/json', true],
    ];
    for (const [status, body, type, heard] of cases) {
      const client = await answering(status, body, type);
      let calls = 0;
      client.onAnswer(() => void calls++);
      await client.me().catch((err: unknown) => expect(err).toBeInstanceOf(ApiError));
      expect(calls, `${status} ${body}`).toBe(heard ? 1 : 0);
      await new Promise<void>((resolve) => http!.close(() => resolve()));
      http = null;
    }
  });
});
