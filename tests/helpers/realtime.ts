// Real WebSocket clients for tests: an operator socket and a widget-side visitor socket that
// keep every frame and let a test wait for the one it expects.
import { randomUUID } from 'node:crypto';
import type { ParleyClient } from '../../core/client/api.js';
import WebSocket from 'ws';

export interface Peer {
  ws: WebSocket;
  frames: Array<Record<string, any>>;
  send(frame: unknown): void;
  /** The first frame (received already or still to come) after `from` that matches. */
  next(match: (f: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  close(): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

function wrap(ws: WebSocket): Promise<Peer> {
  const frames: Array<Record<string, any>> = [];
  const waiters: Array<{ match: (f: Record<string, any>) => boolean; resolve: (f: Record<string, any>) => void }> = [];
  ws.on('message', (raw) => {
    const frame = JSON.parse(raw.toString()) as Record<string, any>;
    frames.push(frame);
    for (const w of [...waiters]) {
      if (w.match(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const peer: Peer = {
    ws,
    frames,
    closed,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    next(match, timeoutMs = 5000) {
      const found = frames.find(match);
      if (found) {
        frames.splice(frames.indexOf(found), 1);
        return Promise.resolve(found);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching frame; got ${JSON.stringify(frames.map((f) => f.type))}`)), timeoutMs);
        waiters.push({
          match,
          resolve: (f) => {
            clearTimeout(timer);
            frames.splice(frames.indexOf(f), 1);
            resolve(f);
          },
        });
      });
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await closed;
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(peer));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

export function connectOperator(url: string, token: string, projectId: number): Promise<Peer> {
  return wrap(
    new WebSocket(`${url.replace(/^http/, 'ws')}/ws/operator?project=${projectId}`, {
      headers: { authorization: `Bearer ${token}` },
    }),
  );
}

export function connectVisitor(url: string, widgetKey: string, origin: string): Promise<Peer> {
  return wrap(new WebSocket(`${url.replace(/^http/, 'ws')}/ws/visitor?key=${encodeURIComponent(widgetKey)}`, { origin }));
}

/** A visitor that said hello; returns its token and name from the welcome. */
export async function visitorHello(
  url: string,
  widgetKey: string,
  origin: string,
  hello: Record<string, unknown> = {},
): Promise<{ peer: Peer; welcome: Record<string, any> }> {
  const peer = await connectVisitor(url, widgetKey, origin);
  peer.send({ type: 'hello', ...hello });
  const welcome = await peer.next((f) => f.type === 'welcome');
  return { peer, welcome };
}

/**
 * A visitor on the page who wrote `body`: their socket (also kept in `peers`, to close), welcome
 * and dialog. The widget's copy of its message has no dialog id: `admin` finds the dialog by its
 * last message.
 */
export async function visitorWrites(
  site: { url: string; widgetKey: string; origin: string; projectId: number; admin: ParleyClient; peers: Peer[] },
  body: string,
  hello: Record<string, unknown> = {},
) {
  const { peer, welcome } = await visitorHello(site.url, site.widgetKey, site.origin, hello);
  site.peers.push(peer);
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body });
  const stored = await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  const pages = await Promise.all((['mine', 'shared', 'archive'] as const).map((view) => site.admin.listDialogs(site.projectId, { view })));
  const dialog = pages.flatMap((p) => p.dialogs).find((d) => d.lastMessage?.body === body)!;
  return { peer, welcome, dialogId: dialog.id, rev: stored.message.rev as number };
}

/**
 * The peer's close, which must come within `ms` (a bounded wait for the event, not a sleep):
 * rejects naming the deadline when the socket is still open by then.
 */
export function closedWithin(peer: Peer, ms: number): Promise<{ code: number; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the socket was still open ${ms} ms later`)), ms);
  });
  return Promise.race([peer.closed, late]).finally(() => clearTimeout(timer));
}

/** Proves a socket is still open and served: a ping answered with a pong. */
export async function stillOpen(peer: Peer): Promise<void> {
  peer.send({ type: 'ping' });
  await peer.next((f) => f.type === 'pong', 2000);
}
