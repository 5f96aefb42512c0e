// The visitor's side of the delivery contract (DESIGN.md):
// - a message is kept as *sending* under its clientId until the server says `message.stored`,
//   and resent with the same clientId after a reconnect (the server stores it once);
// - every operator message is acked once it is in the DOM;
// - after a reconnect, hello carries the highest rev held, and every message is shown once
//   per id, replaced only by a higher rev (edits).
import type { PageContext, VisitorMessage } from '../core/protocol/dialogs.js';
import { reconnectingSocket } from './socket.js';
import { createView } from './view.js';

export interface WidgetConfig {
  serverOrigin: string;
  widgetKey: string;
  group?: string;
}

interface Pending {
  body: string;
  page?: PageContext;
  failed: boolean;
  /** A file message: uploaded first (once), then sent with the attachment's id. */
  file?: File;
  attachmentIds?: number[];
  uploading?: boolean;
}

interface Welcome {
  token: string;
  visitor: { name: string };
  operatorsOnline: boolean;
  widget?: { color: string | null; greeting: string | null };
  messages: VisitorMessage[];
}

/** The server's answer to a flood; try again after this long. */
const RATE_LIMIT_RETRY_MS = 2000;
/** At most one typing signal per this interval. */
const TYPING_EVERY_MS = 3000;
/** The server accepts at most this many ids per ack frame. */
const ACK_BATCH = 500;

export function startChat(config: WidgetConfig): void {
  const tokenKey = `parley.visitor.${config.widgetKey}`;
  let token = readToken(tokenKey);
  const messages = new Map<number, VisitorMessage>();
  const pending = new Map<string, Pending>();
  const acks = new Set<number>();
  let rev = 0;
  let ready = false; // welcomed on the current connection
  let pageSent = false;
  let typedAt = 0;
  let ackTimer: ReturnType<typeof setTimeout> | undefined;

  const view = createView(config.serverOrigin, {
    send: (body) => queue({ body, failed: false }),
    attach: (file) => queue({ body: '', file, failed: false }),
    typing() {
      if (!ready || Date.now() - typedAt < TYPING_EVERY_MS) return;
      typedAt = Date.now();
      socket.send({ type: 'typing' });
    },
    retry(clientId) {
      const entry = pending.get(clientId);
      if (!entry) return;
      entry.failed = false;
      view.putPending(clientId, shown(entry), null);
      transmit(clientId);
    },
  });

  function queue(entry: Pending) {
    const clientId = uuid();
    // Page context goes with the first message from this page (the server keeps the latest).
    if (!pageSent) {
      entry.page = {
        url: location.href.slice(0, 2048),
        title: document.title.slice(0, 500),
        referrer: document.referrer.slice(0, 2048),
      };
      pageSent = true;
    }
    pending.set(clientId, entry);
    view.putPending(clientId, shown(entry), null);
    transmit(clientId);
  }

  const url = `${config.serverOrigin.replace(/^http/, 'ws')}/ws/visitor?key=${encodeURIComponent(config.widgetKey)}`;
  const socket = reconnectingSocket(url, {
    open() {
      const language = document.documentElement.lang.slice(0, 16);
      socket.send({
        type: 'hello',
        ...(token ? { token, rev } : {}),
        ...(config.group ? { group: config.group.slice(0, 100) } : {}),
        ...(language ? { language } : {}),
      });
    },
    down() {
      ready = false;
      view.setConnected(false);
    },
    frame(frame) {
      switch (frame.type) {
        case 'welcome':
          return welcome(frame as unknown as Welcome);
        case 'message':
        case 'message.stored':
          return receive((frame as unknown as { message: VisitorMessage }).message, frame.type === 'message');
        case 'typing':
          return view.showTyping();
        case 'operators':
          return view.setOnline(frame.online === true);
        case 'error':
          return refused(frame as unknown as { code: string; message: string; ref?: string });
      }
    },
  });

  function welcome(w: Welcome) {
    if (token && w.token !== token) {
      // The server did not know our token (another server, a wiped database): a new visitor.
      messages.clear();
      rev = 0;
      view.clear();
    }
    token = w.token;
    writeToken(tokenKey, token);
    view.setName(w.visitor.name);
    if (w.widget) view.setLook(w.widget);
    view.setOnline(w.operatorsOnline);
    view.setConnected(true);
    for (const m of w.messages) receive(m, false);
    ready = true;
    socket.resetBackoff();
    for (const [clientId, entry] of pending) if (!entry.failed) transmit(clientId);
    flushAcks();
  }

  function receive(m: VisitorMessage, live: boolean) {
    if (m.clientId && pending.delete(m.clientId)) view.removePending(m.clientId);
    const held = messages.get(m.id);
    if (!held || m.rev > held.rev) {
      messages.set(m.id, m);
      view.put(m);
      // A new operator message while the panel is closed: show it, the visitor is waiting.
      if (!held && live && m.author === 'operator') view.open(true);
    }
    rev = Math.max(rev, m.rev);
    // Acked on every receipt, repeats too: an operator's resend means our earlier ack was lost.
    if (m.author === 'operator') {
      acks.add(m.id);
      ackTimer ??= setTimeout(flushAcks, 0);
    }
  }

  function refused(error: { code: string; message: string; ref?: string }) {
    const entry = error.ref ? pending.get(error.ref) : undefined;
    if (!entry) return;
    const clientId = error.ref!;
    // Not now rather than not this (too fast, or the server's storage busy or full): the same
    // clientId goes out again shortly; the message stays "sending".
    if (error.code === 'rate_limited' || error.code === 'unavailable') {
      setTimeout(() => transmit(clientId), RATE_LIMIT_RETRY_MS);
      return;
    }
    fail(clientId, entry, error.message);
  }

  function fail(clientId: string, entry: Pending, reason: string) {
    entry.failed = true;
    view.putPending(clientId, shown(entry), reason);
  }

  function transmit(clientId: string) {
    const entry = pending.get(clientId);
    if (!ready || !entry || entry.failed) return; // sent by welcome() once connected
    if (entry.file && !entry.attachmentIds) {
      if (!entry.uploading) void upload(clientId, entry);
      return;
    }
    socket.send({
      type: 'message.send',
      clientId,
      body: entry.body,
      ...(entry.attachmentIds ? { attachmentIds: entry.attachmentIds } : {}),
      ...(entry.page ? { page: entry.page } : {}),
    });
  }

  /** The upload endpoint knows the visitor by the token, so this runs after a welcome. */
  async function upload(clientId: string, entry: Pending) {
    entry.uploading = true;
    try {
      const form = new FormData();
      form.append('file', entry.file!, entry.file!.name);
      const res = await fetch(`${config.serverOrigin}/widget/uploads?key=${encodeURIComponent(config.widgetKey)}`, {
        method: 'POST',
        headers: { 'x-parley-visitor': token ?? '' },
        body: form,
      });
      const answer = await res.json().catch(() => null);
      if (!res.ok) throw new Error(answer?.error?.message ?? `the upload failed (${res.status})`);
      entry.attachmentIds = [answer.id];
      entry.uploading = false;
      transmit(clientId);
    } catch (err) {
      entry.uploading = false;
      fail(clientId, entry, err instanceof Error ? err.message : 'the upload failed');
    }
  }

  function flushAcks() {
    ackTimer = undefined;
    if (!ready) return; // kept for the next connection
    while (acks.size) {
      const ids = [...acks].slice(0, ACK_BATCH);
      if (!socket.send({ type: 'ack', messageIds: ids })) return;
      for (const id of ids) acks.delete(id);
    }
  }
}

const shown = (entry: Pending) => (entry.file ? `📎 ${entry.file.name}` : entry.body);

// localStorage throws in some privacy modes; the widget then simply starts fresh each page.
function readToken(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeToken(key: string, token: string): void {
  try {
    localStorage.setItem(key, token);
  } catch {
    // see readToken
  }
}

/** A random UUID v4; crypto.randomUUID exists only on https pages, getRandomValues everywhere. */
function uuid(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
