// The website widget's side of the delivery contract (DESIGN.md), in Node, for load and fault
// runs where a browser per visitor is out of the question: the soak script and the crash and
// reconnect-storm tests. It keeps the contract as widget/chat.ts and widget/socket.ts do:
//
// - a message stays pending under its clientId until a stored copy comes back; after a reconnect
//   (and only once welcomed) every pending message goes out again with the same clientId;
// - `rate_limited` is tried again after 2 s, like the widget;
// - hello carries the token and the highest rev held; every message is kept once per id and
//   replaced only by a higher rev; operator messages are acked on every receipt;
// - lost connections come back with exponential backoff and jitter.
//
// Everything it saw is kept for the caller to check (welcomes, stored copies, error frames).
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';

const RATE_LIMIT_RETRY_MS = 2000;

/**
 * @typedef {{ id: number, seq: number, rev: number, author: 'visitor' | 'operator', body: string, clientId?: string }} VisitorMessage
 * @typedef {{ token: string, dialog: { id: number, status: string } | null, messages: VisitorMessage[] }} Welcome
 */

export class NodeWidget extends EventEmitter {
  /**
   * @param {object} opts
   * @param {string | (() => string)} opts.url the server's http(s) URL (a function: where it is now)
   * @param {string} opts.widgetKey
   * @param {string} opts.origin the site's origin (one of the project's allowed origins)
   * @param {{ initialMs?: number, maxMs?: number }} [opts.backoff] the widget's: 500 ms doubling to 15 s
   * @param {boolean} [opts.reconnect] false: stay down after a loss until `connect()`
   * @param {boolean} [opts.ack] ack operator messages (the widget does)
   */
  constructor(opts) {
    super();
    this.opts = { backoff: {}, reconnect: true, ack: true, ...opts };
    /** @type {string | null} */
    this.token = null;
    this.rev = 0;
    /** @type {number | null} */
    this.dialogId = null;
    /** @type {Map<number, VisitorMessage>} the conversation as shown, by message id */
    this.messages = new Map();
    /** @type {Map<string, { body: string }>} sent and not confirmed yet, by clientId */
    this.pending = new Map();
    /** @type {Set<string>} every clientId this widget made */
    this.own = new Set();
    /** @type {Map<string, VisitorMessage>} the first stored copy the server confirmed, by clientId */
    this.stored = new Map();
    /** @type {Welcome[]} */
    this.welcomes = [];
    /** @type {Array<{ code: string, message: string, ref?: string }>} error frames other than rate limits */
    this.errors = [];
    /**
     * Copies received per message id. Above one is not an error as such: the sender's own
     * message comes as `message.stored` and as the push to all the visitor's tabs.
     */
    this.receipts = new Map();
    /** Messages written to a socket again (after a reconnect or a rate limit), with their clientId. */
    this.resent = 0;
    /** @type {Set<string>} */
    this.transmitted = new Set();
    this.online = false;
    this.closed = false;
    /** @type {WebSocket | null} */
    this.ws = null;
    this.attempt = 0;
    /** @type {NodeJS.Timeout | null} */
    this.retry = null;
    /** @type {Set<number>} */
    this.acks = new Set();
    this.ackQueued = false;
    this.timers = new Set();
  }

  get url() {
    const base = typeof this.opts.url === 'function' ? this.opts.url() : this.opts.url;
    return `${base.replace(/^http/, 'ws')}/ws/visitor?key=${encodeURIComponent(this.opts.widgetKey)}`;
  }

  /** Connects now (also after a `drop()` with reconnect off). */
  connect() {
    if (this.closed) return;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const ws = new WebSocket(this.url, { origin: this.opts.origin, perMessageDeflate: false, handshakeTimeout: 15_000 });
    this.ws = ws;
    ws.on('open', () => {
      if (ws !== this.ws) return;
      this.write({ type: 'hello', ...(this.token ? { token: this.token, rev: this.rev } : {}) });
    });
    ws.on('message', (raw) => {
      if (ws !== this.ws) return;
      this.frame(JSON.parse(raw.toString()));
    });
    ws.on('error', () => undefined); // 'close' follows
    ws.on('close', () => this.lost(ws));
    return this;
  }

  start() {
    return this.connect();
  }

  /** A visitor's new message: pending until stored; goes out now when welcomed, else on the next welcome. */
  send(body) {
    const clientId = randomUUID();
    this.pending.set(clientId, { body });
    this.own.add(clientId);
    this.transmit(clientId);
    return clientId;
  }

  /** The network goes away under the socket (no close handshake). */
  drop() {
    this.ws?.terminate();
  }

  /** Closes for good. */
  close() {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const ws = this.ws;
    this.ws = null;
    this.online = false;
    ws?.terminate();
  }

  /** @param {any} f */
  frame(f) {
    switch (f.type) {
      case 'welcome':
        return this.welcome(f);
      case 'message':
      case 'message.stored':
        return this.receive(f.message);
      case 'error':
        if (f.code === 'rate_limited' && f.ref && this.pending.has(f.ref)) {
          const t = setTimeout(() => {
            this.timers.delete(t);
            this.transmit(f.ref);
          }, RATE_LIMIT_RETRY_MS);
          this.timers.add(t);
          return;
        }
        this.errors.push(f);
        this.emit('server-error', f);
        return;
    }
  }

  /** @param {Welcome} w */
  welcome(w) {
    if (this.token && w.token !== this.token) {
      // The server did not know our token: a new visitor, nothing held is theirs.
      this.messages.clear();
      this.rev = 0;
    }
    this.token = w.token;
    this.dialogId = w.dialog?.id ?? this.dialogId;
    this.welcomes.push(w);
    for (const m of w.messages) this.receive(m);
    this.online = true;
    this.attempt = 0;
    for (const clientId of this.pending.keys()) this.transmit(clientId);
    this.flushAcks(); // receipts the last connection took down with it
    this.emit('welcome', w);
  }

  /** @param {VisitorMessage} m */
  receive(m) {
    // Any stored copy of our own message confirms it: `message.stored`, the push that goes to
    // every tab of the visitor, or the welcome after a reconnect (stored just before a crash).
    if (m.clientId && this.own.has(m.clientId)) {
      if (this.pending.delete(m.clientId)) this.transmitted.delete(m.clientId);
      if (!this.stored.has(m.clientId)) this.stored.set(m.clientId, m);
      this.emit('stored', m.clientId, m);
    }
    const held = this.messages.get(m.id);
    if (!held || m.rev > held.rev) {
      this.messages.set(m.id, m);
      this.emit('message', m, !held);
    }
    this.receipts.set(m.id, (this.receipts.get(m.id) ?? 0) + 1);
    this.rev = Math.max(this.rev, m.rev);
    if (m.author === 'operator' && this.opts.ack) {
      this.acks.add(m.id);
      if (!this.ackQueued) {
        this.ackQueued = true;
        setImmediate(() => this.flushAcks());
      }
    }
  }

  flushAcks() {
    this.ackQueued = false;
    if (!this.online || this.acks.size === 0) return; // sent with the next welcome's receipts
    const ids = [...this.acks].slice(0, 500);
    for (const id of ids) this.acks.delete(id);
    this.write({ type: 'ack', messageIds: ids });
    if (this.acks.size > 0) this.flushAcks();
  }

  transmit(clientId) {
    const entry = this.pending.get(clientId);
    if (!this.online || !entry) return;
    if (this.transmitted.has(clientId)) this.resent++;
    else this.transmitted.add(clientId);
    this.write({ type: 'message.send', clientId, body: entry.body });
  }

  write(frame) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  lost(ws) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.online = false;
    this.emit('down');
    if (this.closed || !this.opts.reconnect) return;
    const { initialMs = 500, maxMs = 15_000 } = this.opts.backoff;
    const ceiling = Math.min(maxMs, initialMs * 2 ** this.attempt++);
    this.retry = setTimeout(() => this.connect(), ceiling / 2 + (Math.random() * ceiling) / 2);
  }
}
