// The operator's live connection to one project (`/ws/operator?project=ID`), shared by the CLI
// (`parley events`) and the TUI. It keeps the delivery contract of DESIGN.md on the client side:
//
// - Reconnects after network loss with exponential backoff and jitter (0.5 s doubling to 15 s),
//   and resumes: it tells the server the rev it holds per dialog, and shows what it missed in
//   order, once (see resume.ts). Events that arrive while the resume is answered wait for it.
// - `send()` gives each message a clientId and keeps it in the outbox as sending; it goes out
//   now or on reconnect. Delivery turns it delivered; 5 s without delivery turns it failed; a
//   late ack still turns it delivered; `resend()` sends the same clientId again (see outbox.ts).
//   A private note (`send(..., { private: true })`) is done once the server stored it.
// - Time comes from injectable `now`/`setTimeout`, so tests walk the 5 seconds by hand.
//
// `ws` is loaded on the first connect, so importing this module costs a CLI start nothing.
import { randomUUID } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import type { Attachment, DialogSummary, Message, OperatorEvent } from '../protocol/dialogs.js';
import { ApiError, type ParleyClient } from './api.js';
import {
  DELIVERY_TIMEOUT_MS,
  emptyOutbox,
  nextDeadline,
  type Outbox,
  type OutboxAction,
  type OutboxEntry,
  reduceOutbox,
  RETRYABLE_CODES,
  unsent,
} from './outbox.js';
import { ResumeLog } from './resume.js';

export type ConnectionState = 'connecting' | 'online' | 'offline';

export interface StateChange {
  state: ConnectionState;
  /** Connection attempts since the connection was last online. */
  attempt: number;
  /** Offline and about to try again: in how many ms. */
  retryInMs?: number;
  /** Why the connection was lost or refused. */
  reason?: string;
}

/** A frame the server refused (`{type:'error', code, message}`), or a request that could not go out. */
export class FrameError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ConnectionEvents {
  state: (change: StateChange) => void;
  /** The project's events in order, each once: live ones, and after a reconnect the missed ones. */
  event: (event: OperatorEvent) => void;
  /** One of this client's messages changed delivery state (or got its stored copy). */
  outbox: (entry: OutboxEntry, outbox: Outbox) => void;
  /** The connection gave up for good: credentials refused, no longer a member, no such project. */
  fatal: (error: ApiError) => void;
  /** An error frame that answers none of our sends or edits. */
  serverError: (error: FrameError) => void;
}

export interface OperatorConnectionOptions {
  /** The server's HTTP(S) URL. */
  url: string;
  token: string;
  projectId: number;
  now?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  /** For the backoff jitter. */
  random?: () => number;
  backoff?: { initialMs?: number; maxMs?: number };
  deliveryTimeoutMs?: number;
  /** A ping this often; no pong by the next one drops the connection (0: never). */
  heartbeatMs?: number;
  /**
   * Lists the project's dialogs (see `dialogListing`). On the first connect it sets what the
   * client holds; on a reconnect it finds dialogs that started or woke up while offline, so
   * their missed messages are resumed too.
   */
  discover?: () => Promise<DialogSummary[]>;
  /** Dialogs per resume frame (default 1,000): a frame may be at most 64 KB, ~20 bytes a dialog. */
  resumeChunk?: number;
  /** Applied to every frame's JSON (the TUI makes strings terminal-safe with it). */
  reviver?: (key: string, value: unknown) => unknown;
}

type Phase = 'idle' | 'connecting' | 'resuming' | 'online' | 'waiting' | 'closed';
type Listeners = { [K in keyof ConnectionEvents]: Set<ConnectionEvents[K]> };
type Deferred<T> = { resolve: (v: T) => void; reject: (e: Error) => void };

/** Upgrade answers that will not change by trying again. */
/** How soon a message the server could not store ("unavailable") goes out again by itself. */
export const UNAVAILABLE_RETRY_MS = 1500;
/**
 * A message the server has not confirmed by its deadline: a ping goes at once, and no pong within
 * this long drops the connection (it reconnects and sends the message again), rather than the
 * status saying online until the next heartbeat notices.
 */
export const PROBE_MS = 3000;

const FATAL_STATUS = new Set([400, 401, 403, 404]);
/** Why a session refused as signed out ended, said alike whether the socket or a request found out. */
export const SESSION_ENDED = 'the session ended (signed out, revoked or expired)';
/** Close codes from server/realtime/hub.ts CLOSE. */
const FATAL_CLOSE: Record<number, () => ApiError> = {
  4001: () => new ApiError(401, 'unauthenticated', SESSION_ENDED),
  4003: () => new ApiError(403, 'forbidden', 'no longer a member of this project'),
};
const OPEN = 1;

let wsModule: Promise<typeof import('ws')> | null = null;

/** The first page of each view, for `discover`. */
export function dialogListing(client: ParleyClient, projectId: number, limit = 200): () => Promise<DialogSummary[]> {
  return async () => {
    const pages = await Promise.all(
      (['mine', 'shared', 'archive'] as const).map((view) => client.listDialogs(projectId, { view, limit })),
    );
    return pages.flatMap((p) => p.dialogs);
  };
}

export class OperatorConnection {
  /** The operator's user id, from the server's `ready`. */
  userId: number | null = null;

  private readonly opts: OperatorConnectionOptions;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly random: () => number;
  private readonly timeoutMs: number;
  private readonly listeners: Listeners = {
    state: new Set(),
    event: new Set(),
    outbox: new Set(),
    fatal: new Set(),
    serverError: new Set(),
  };

  private phase: Phase = 'idle';
  private ws: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: unknown = null;
  private deadlineTimer: unknown = null;
  private heartbeatTimer: unknown = null;
  private probeTimer: unknown = null;
  private awaitingPong = false;
  /** Live events that arrived while a resume was being answered. */
  private held: OperatorEvent[] = [];
  /** Resume frames sent and not answered with `resumed` yet. */
  private resuming = 0;
  private log = new ResumeLog();
  /** Whether `discover` has told us once what the project holds. */
  private baselined = false;
  /** Dialogs whose `dialog.created` was shown (live or found on reconnect). */
  private announced = new Set<number>();
  private box: Outbox = emptyOutbox;
  /** `close()` was called: no timer of ours may keep the process alive any more. */
  private closedByCaller = false;
  private sends = new Map<string, Deferred<Message>>();
  private edits = new Map<string, Deferred<Message>>();

  constructor(opts: OperatorConnectionOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.setTimer = opts.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimeout ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    this.random = opts.random ?? Math.random;
    this.timeoutMs = opts.deliveryTimeoutMs ?? DELIVERY_TIMEOUT_MS;
  }

  get state(): ConnectionState {
    if (this.phase === 'online') return 'online';
    if (this.phase === 'connecting' || this.phase === 'resuming') return 'connecting';
    return 'offline';
  }

  get outbox(): Outbox {
    return this.box;
  }

  entry(clientId: string): OutboxEntry | undefined {
    return this.box.entries[clientId];
  }

  on<K extends keyof ConnectionEvents>(name: K, listener: ConnectionEvents[K]): () => void {
    this.listeners[name].add(listener);
    return () => this.listeners[name].delete(listener);
  }

  /** Starts connecting (once); the connection then keeps itself up until `close()`. */
  start(): this {
    if (this.phase === 'idle') void this.connect();
    return this;
  }

  /**
   * Declares what the caller holds of a dialog it loaded over REST (its summary's `rev` and
   * `lastSeq`), so a reconnect resumes it from there.
   */
  track(dialogId: number, rev: number, lastSeq = 0): void {
    this.log.track(dialogId, rev, lastSeq);
  }

  /**
   * Sends a message, with files uploaded for it (`ParleyClient.uploadAttachment`): sending now,
   * or as soon as the connection is back. `private`: a note for the team, which the visitor
   * never sees (done once stored: nobody delivers it).
   */
  send(
    dialogId: number,
    body: string,
    attachments: Attachment[] = [],
    options: { private?: boolean } = {},
  ): { clientId: string; stored: Promise<Message> } {
    const clientId = randomUUID();
    const stored = new Promise<Message>((resolve, reject) => this.sends.set(clientId, { resolve, reject }));
    stored.catch(() => undefined); // callers may ignore it and follow the outbox instead
    this.dispatch({ type: 'queued', clientId, dialogId, body, attachments, private: options.private === true, at: this.now() });
    if (this.phase === 'online') this.transmit(clientId);
    return { clientId, stored };
  }

  /**
   * Sends a message again with the same clientId: the server stores it once and pushes it to
   * the visitor again. Pass the stored message for one this client did not send (say, before a
   * restart). False when there is nothing to resend (unknown, delivered already, or a note
   * stored already). A note goes again as a note.
   */
  resend(target: string | Message): boolean {
    const clientId = typeof target === 'string' ? target : target.clientId;
    const at = this.now();
    if (!this.box.entries[clientId]) {
      if (typeof target === 'string' || target.author !== 'operator') return false;
      const { dialogId, body, attachments } = target;
      this.dispatch({ type: 'queued', clientId, dialogId, body, attachments, private: target.private === true, at });
      this.dispatch({ type: 'message', message: target });
    }
    const entry = this.box.entries[clientId];
    if (entry.state === 'delivered' || entry.state === 'stored') return false;
    this.dispatch({ type: 'resend', clientId, at });
    if (this.phase === 'online') this.transmit(clientId);
    return true;
  }

  /** Edits one's own message; rejects with a FrameError (`edit_window_expired`, `offline` ...). */
  edit(messageId: number, body: string): Promise<Message> {
    if (this.phase !== 'online' || !this.ws) {
      return Promise.reject(new FrameError('offline', 'not connected to the server: the edit was not sent'));
    }
    const ref = randomUUID();
    const done = new Promise<Message>((resolve, reject) => this.edits.set(ref, { resolve, reject }));
    this.write({ type: 'message.edit', messageId, body, ref });
    return done;
  }

  /** Tells the visitor (and other operators) that this operator is typing; dropped when offline. */
  typing(dialogId: number): void {
    if (this.phase === 'online') this.write({ type: 'typing', dialogId });
  }

  /** Closes for good: no more reconnects. Unsent messages stay in the outbox. */
  async close(): Promise<void> {
    if (this.phase === 'closed' && this.closedByCaller && !this.ws) return;
    this.phase = 'closed';
    this.closedByCaller = true;
    for (const t of [this.retryTimer, this.deadlineTimer, this.heartbeatTimer, this.probeTimer]) if (t !== null) this.clearTimer(t);
    this.retryTimer = this.deadlineTimer = this.heartbeatTimer = this.probeTimer = null;
    const closed = new FrameError('closed', 'the connection was closed');
    this.settleAll(this.edits, closed);
    this.settleAll(this.sends, closed);
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState !== ws.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        if (ws.readyState === ws.CONNECTING) ws.terminate();
        else ws.close(1000, 'bye');
        // A server that never answers the close frame must not hold us.
        setTimeout(() => ws.terminate(), 1000).unref();
      });
    }
    this.emit('state', { state: 'offline', attempt: 0, reason: 'closed' });
  }

  // ---- the socket -------------------------------------------------------------------------

  private async connect(): Promise<void> {
    this.phase = 'connecting';
    this.attempt += 1;
    this.emit('state', { state: 'connecting', attempt: this.attempt });
    wsModule ??= import('ws');
    const { default: WebSocketClass } = await wsModule;
    if (this.phase !== 'connecting') return; // closed meanwhile
    const base = this.opts.url.replace(/\/+$/, '').replace(/^http/, 'ws');
    const ws = new WebSocketClass(`${base}/ws/operator?project=${this.opts.projectId}`, {
      headers: { authorization: `Bearer ${this.opts.token}` },
      handshakeTimeout: 10_000,
    });
    this.ws = ws;
    let refused: ApiError | null = null;
    let lastError = '';
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        refused = refusal(res.statusCode ?? 0, text);
        ws.terminate();
      });
      res.on('error', () => ws.terminate());
    });
    ws.on('open', () => void this.opened(ws));
    ws.on('message', (raw) => this.received(ws, raw));
    ws.on('pong', () => (this.awaitingPong = false));
    ws.on('error', (err: NodeJS.ErrnoException) => (lastError = err.code ?? err.message)); // 'close' follows
    ws.on('close', (code, reason) => this.lost(ws, code, reason.toString() || lastError, refused));
  }

  private async opened(ws: WebSocket): Promise<void> {
    if (ws !== this.ws) return;
    this.phase = 'resuming';
    this.held = [];
    this.heartbeat(ws);
    let unchanged = new Set<number>();
    if (this.opts.discover) {
      let listing: DialogSummary[] | null = null;
      try {
        listing = await this.opts.discover();
      } catch {
        // Resume what we know; the next reconnect tries the listing again.
      }
      if (ws !== this.ws || ws.readyState !== OPEN) return;
      if (listing) unchanged = this.discovered(listing);
    }
    // Listed dialogs whose rev we hold need no resume: the listing was taken after the socket
    // opened, so anything later arrives live.
    const entries = Object.entries(this.log.resumeFrame()).filter(([id]) => !unchanged.has(Number(id)));
    const frames: Array<Record<string, number>> = [];
    const chunk = this.opts.resumeChunk ?? 1_000;
    for (let i = 0; i < entries.length || frames.length === 0; i += chunk) {
      frames.push(Object.fromEntries(entries.slice(i, i + chunk)));
    }
    this.resuming = frames.length;
    for (const dialogs of frames) this.write({ type: 'resume', dialogs });
  }

  /** Takes in a listing of the project's dialogs; returns those known to be up to date. */
  private discovered(listing: DialogSummary[]): Set<number> {
    const mark = this.log.serverMark;
    for (const d of listing) {
      if (this.log.has(d.id)) continue;
      if (!this.baselined) {
        this.log.track(d.id, d.rev, d.lastSeq);
      } else if (mark === null || d.createdAt >= mark) {
        // Started while we were away: all of it is news, beginning with the dialog itself.
        this.log.track(d.id, 0, 0);
        if (!this.announced.has(d.id)) {
          this.announced.add(d.id);
          this.emit('event', { type: 'dialog.created', dialog: d });
        }
      } else if (d.lastMessageAt >= mark) {
        // An older dialog that got messages while we were away: those are news, the rest not.
        this.log.track(d.id, 0, 0, mark);
      } else {
        this.log.track(d.id, d.rev, d.lastSeq);
      }
    }
    const unchanged = new Set<number>();
    for (const d of listing) {
      this.log.noteActivity(d);
      if (d.rev <= (this.log.revOf(d.id) ?? -1)) unchanged.add(d.id);
    }
    this.baselined = true;
    return unchanged;
  }

  private received(ws: WebSocket, raw: RawData): void {
    if (ws !== this.ws) return;
    let frame: { type?: unknown } & Record<string, any>;
    try {
      frame = JSON.parse(raw.toString(), this.opts.reviver);
    } catch {
      return;
    }
    switch (frame.type) {
      case 'ready':
        this.userId = frame.userId ?? null;
        return;
      case 'pong':
        return;
      case 'messages':
        for (const { verdict, message } of this.log.resumed(frame.dialogId, frame.messages as Message[])) {
          this.dispatch({ type: 'message', message });
          this.emit('event', { type: verdict === 'created' ? 'message.created' : 'message.updated', message });
        }
        return;
      case 'resumed':
        if (this.phase === 'resuming' && --this.resuming <= 0) this.online();
        return;
      case 'message.stored':
        this.dispatch({ type: 'message', message: frame.message as Message });
        return;
      case 'message.edited':
        this.edits.get(frame.ref)?.resolve(frame.message as Message);
        this.edits.delete(frame.ref);
        return;
      case 'error':
        this.refused(frame.code ?? 'error', frame.message ?? 'the server refused a frame', frame.ref);
        return;
      default:
        if (this.phase === 'resuming') this.held.push(frame as OperatorEvent);
        else this.handle(frame as OperatorEvent);
    }
  }

  private online(): void {
    this.phase = 'online';
    const held = this.held;
    this.held = [];
    for (const e of held) this.handle(e);
    this.emit('state', { state: 'online', attempt: this.attempt });
    this.attempt = 0;
    for (const e of unsent(this.box)) this.transmit(e.clientId);
  }

  private handle(e: OperatorEvent): void {
    switch (e.type) {
      case 'message.created':
      case 'message.updated':
        if (this.log.accept(e.message) === null) return; // seen already (resumed, or pushed again)
        this.dispatch({ type: 'message', message: e.message });
        break;
      case 'dialog.created':
        if (this.announced.has(e.dialog.id)) return;
        this.announced.add(e.dialog.id);
        if (!this.log.has(e.dialog.id)) this.log.track(e.dialog.id, 0, 0);
        this.log.noteActivity(e.dialog);
        break;
      case 'dialog.updated':
        this.log.noteActivity(e.dialog);
        break;
    }
    this.emit('event', e);
  }

  private refused(code: string, message: string, ref?: string): void {
    const error = new FrameError(code, message);
    if (ref && this.box.entries[ref]) {
      this.dispatch({ type: 'rejected', clientId: ref, code, message });
      // "Not now" (the server's storage is busy or full): the same clientId goes out again by
      // itself a moment later, while the entry is still sending.
      if (RETRYABLE_CODES.has(code)) {
        this.setTimer(() => {
          const entry = this.box.entries[ref];
          if (entry?.state === 'sending' && entry.message === null && this.phase === 'online') this.transmit(ref);
        }, UNAVAILABLE_RETRY_MS);
      }
    } else if (ref && this.edits.has(ref)) {
      this.edits.get(ref)!.reject(error);
      this.edits.delete(ref);
    } else {
      this.emit('serverError', error);
    }
  }

  private lost(ws: WebSocket, code: number, reason: string, refused: ApiError | null): void {
    if (ws !== this.ws) return;
    this.ws = null;
    for (const t of [this.heartbeatTimer, this.probeTimer]) if (t !== null) this.clearTimer(t);
    this.heartbeatTimer = this.probeTimer = null;
    // Messages waiting for the resume come again with the next one; other events are shown now.
    const held = this.held.filter((e) => e.type !== 'message.created' && e.type !== 'message.updated');
    this.held = [];
    for (const e of held) this.handle(e);
    this.settleAll(this.edits, new FrameError('connection_lost', 'the connection was lost before the edit was confirmed'));
    if (this.phase === 'closed') return;

    const fatal = refused && FATAL_STATUS.has(refused.status) ? refused : FATAL_CLOSE[code]?.();
    if (fatal) {
      // No more reconnects; messages still sending fail at their deadline like any other
      // undelivered message, so the caller sees them failed instead of sending forever.
      this.phase = 'closed';
      this.settleAll(this.sends, new FrameError(fatal.code, fatal.message));
      this.emit('state', { state: 'offline', attempt: this.attempt, reason: fatal.message });
      this.emit('fatal', fatal);
      return;
    }
    this.phase = 'waiting';
    const base = Math.min(this.opts.backoff?.maxMs ?? 15_000, (this.opts.backoff?.initialMs ?? 500) * 2 ** this.attempt);
    const delay = Math.round(base / 2 + (this.random() * base) / 2);
    const why = refused ? refused.message : code === 1001 ? 'the server is restarting' : reason || 'connection lost';
    this.emit('state', { state: 'offline', attempt: this.attempt, retryInMs: delay, reason: why });
    this.retryTimer = this.setTimer(() => {
      this.retryTimer = null;
      if (this.phase === 'waiting') void this.connect();
    }, delay);
  }

  /** A ping per interval; a missing pong means the network is gone even if TCP has not noticed. */
  private heartbeat(ws: WebSocket): void {
    const every = this.opts.heartbeatMs ?? 25_000;
    if (every <= 0) return;
    this.awaitingPong = false;
    const beat = () => {
      if (ws !== this.ws) return;
      if (this.awaitingPong) {
        ws.terminate();
        return;
      }
      this.awaitingPong = true;
      ws.ping();
      this.heartbeatTimer = this.setTimer(beat, every);
    };
    this.heartbeatTimer = this.setTimer(beat, every);
  }

  /** Pings now; no pong within PROBE_MS (or the heartbeat's interval, if shorter) drops the connection. */
  private probe(): void {
    const every = this.opts.heartbeatMs ?? 25_000;
    const ws = this.ws;
    if (every <= 0 || !ws || this.phase !== 'online' || this.probeTimer !== null) return;
    let answered = false;
    const pong = () => (answered = true);
    ws.once('pong', pong);
    ws.ping();
    this.probeTimer = this.setTimer(() => {
      this.probeTimer = null;
      ws.off('pong', pong);
      if (!answered && ws === this.ws) ws.terminate();
    }, Math.min(PROBE_MS, every));
  }

  private transmit(clientId: string): void {
    const e = this.box.entries[clientId];
    if (!e) return;
    const files = e.attachments.length ? { attachmentIds: e.attachments.map((a) => a.id) } : {};
    const note = e.private ? { private: true } : {};
    this.write({ type: 'message.send', dialogId: e.dialogId, clientId, body: e.body, ...files, ...note });
    this.dispatch({ type: 'sent', clientId, at: this.now() });
  }

  private write(frame: unknown): void {
    if (this.ws?.readyState === OPEN) this.ws.send(JSON.stringify(frame));
  }

  // ---- the outbox ------------------------------------------------------------------------

  private dispatch(action: OutboxAction): void {
    const before = this.box;
    this.box = reduceOutbox(before, action, this.timeoutMs);
    if (this.box !== before) {
      const ids =
        action.type === 'tick' ? this.box.order : [action.type === 'message' ? action.message.clientId : action.clientId];
      for (const id of ids) {
        const entry = this.box.entries[id];
        if (!entry || entry === before.entries[id]) continue;
        const waiting = this.sends.get(id);
        if (waiting && entry.message) {
          waiting.resolve(entry.message);
          this.sends.delete(id);
        } else if (waiting && entry.failure?.kind === 'rejected') {
          waiting.reject(new FrameError(entry.failure.code, entry.failure.message));
          this.sends.delete(id);
        }
        this.emit('outbox', entry, this.box);
      }
    }
    this.scheduleDeadline();
  }

  private scheduledFor: number | null = null;

  /** One timer, for the earliest sending message to turn failed (until the caller closes). */
  private scheduleDeadline(): void {
    if (this.closedByCaller) return;
    const at = nextDeadline(this.box);
    if (at === this.scheduledFor) return;
    if (this.deadlineTimer !== null) this.clearTimer(this.deadlineTimer);
    this.deadlineTimer = null;
    this.scheduledFor = at;
    if (at === null) return;
    this.deadlineTimer = this.setTimer(() => {
      this.deadlineTimer = null;
      this.scheduledFor = null;
      const before = this.box;
      this.dispatch({ type: 'tick', at: this.now(), online: this.phase === 'online' });
      // Sent on a connection that seems alive and not even stored: is it?
      const unconfirmed = this.box.order.some((id) => this.box.entries[id].failure?.kind === 'unconfirmed' && before.entries[id]?.state === 'sending');
      if (unconfirmed) this.probe();
    }, Math.max(0, at - this.now()));
  }

  private settleAll(map: Map<string, Deferred<Message>>, error: Error): void {
    for (const d of map.values()) d.reject(error);
    map.clear();
  }

  private emit<K extends keyof ConnectionEvents>(name: K, ...args: Parameters<ConnectionEvents[K]>): void {
    for (const listener of [...this.listeners[name]]) (listener as (...a: Parameters<ConnectionEvents[K]>) => void)(...args);
  }
}

/** The server's refusal of the upgrade, as the REST client would report it. */
function refusal(status: number, text: string): ApiError {
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return new ApiError(status, body.error.code ?? 'http_error', body.error.message);
  } catch {
    // not our error shape
  }
  return new ApiError(status, 'http_error', `the server answered ${status}`);
}
