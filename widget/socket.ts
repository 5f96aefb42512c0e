// One WebSocket to the server that comes back after network loss: exponential backoff from
// 0.5 s doubling to 15 s, with jitter so that a restarted server is not hit by every widget at
// the same instant.
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15_000;
/** Keeps proxies from closing an idle connection, and lets us notice a dead one. */
const PING_EVERY_MS = 20_000;
/** Browsers learn about a half-open TCP connection very late; silence this long means it is gone. */
const SILENCE_LIMIT_MS = 50_000;

export interface SocketEvents {
  /** Connected: say hello. */
  open(): void;
  frame(frame: { type: string; [key: string]: unknown }): void;
  /**
   * The connection is gone (`code`: the close code, when the server closed it; BLOCKED: the page's
   * Content-Security-Policy kept the browser from connecting); a reconnect follows unless stopped.
   */
  down(code?: number): void;
}

export interface ReconnectingSocket {
  /** False when not connected (the caller keeps what it could not send). */
  send(frame: object): boolean;
  /** The server accepted us: the next loss starts the backoff from the beginning again. */
  resetBackoff(): void;
  /** No more connections: the server has refused this page for good. */
  stop(): void;
}

/** down()'s code when the page's own Content-Security-Policy forbids the server's address (no close code is negative). */
export const BLOCKED = -1;

export function reconnectingSocket(url: string, events: SocketEvents): ReconnectingSocket {
  let ws: WebSocket | null = null;
  let attempt = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let heardAt = 0;
  let stopped = false;
  /** The page's Content-Security-Policy refused our address (said before the socket's error); a policy only ever gets stricter. */
  let blocked = false;
  const server = new URL(url).origin;
  document.addEventListener('securitypolicyviolation', (e) => {
    // (A report-only policy blocks nothing.)
    if (e.disposition === 'enforce' && e.blockedURI.startsWith(server)) blocked = true;
  });

  const connect = () => {
    retry = undefined;
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch {
      // Where a browser throws for an address its page's policy forbids, rather than failing it.
      blocked = true;
      return gone();
    }
    ws = socket;
    socket.onopen = () => {
      heardAt = Date.now();
      events.open();
    };
    socket.onmessage = (e) => {
      heardAt = Date.now();
      let frame: unknown;
      try {
        frame = JSON.parse(String(e.data));
      } catch {
        return;
      }
      if (frame && typeof frame === 'object' && typeof (frame as { type?: unknown }).type === 'string') {
        events.frame(frame as { type: string });
      }
    };
    // A refused or broken connection ends here too (after onerror).
    socket.onclose = (e) => lost(socket, e.code);
    // A connection the page's Content-Security-Policy blocks fires only `error`, never `close`
    // (Chromium): lost all the same. Otherwise `close` follows at once, with its code.
    socket.onerror = () => setTimeout(() => lost(socket), 0);
  };

  const lost = (socket: WebSocket, code?: number) => {
    if (ws !== socket) return;
    ws = null;
    socket.onclose = socket.onmessage = socket.onopen = socket.onerror = null;
    socket.close();
    gone(code);
  };

  const gone = (code?: number) => {
    events.down(blocked ? BLOCKED : code);
    // No attempts while the browser knows it is offline (each would fail at once, with an error
    // in the site's console): 'online' brings the next.
    if (stopped || !navigator.onLine) return;
    const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt++);
    retry = setTimeout(connect, ceiling / 2 + (Math.random() * ceiling) / 2);
  };

  const pinging = setInterval(() => {
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - heardAt > SILENCE_LIMIT_MS) lost(ws);
    else ws.send('{"type":"ping"}');
  }, PING_EVERY_MS);

  // The browser knows the network is gone: no reason to wait for the silence limit.
  addEventListener('offline', () => {
    if (ws) lost(ws);
  });

  // Back online: no reason to wait out the backoff (or for an attempt never made offline).
  addEventListener('online', () => {
    if (ws || stopped) return;
    clearTimeout(retry);
    attempt = 0;
    connect();
  });

  if (navigator.onLine) connect();
  return {
    send(frame) {
      if (ws?.readyState !== WebSocket.OPEN) return false;
      ws.send(JSON.stringify(frame));
      return true;
    },
    resetBackoff() {
      attempt = 0;
    },
    stop() {
      stopped = true;
      clearTimeout(retry);
      retry = undefined;
      clearInterval(pinging);
    },
  };
}
