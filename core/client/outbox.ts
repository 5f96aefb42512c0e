// The operator's outbox: what happened to each message this client sent, keyed by its clientId.
// Pure functions over plain data, so the TUI can keep it in a reducer and tests can walk time
// by hand. The delivery contract (DESIGN.md):
//
//   sending ──(the visitor's widget acked)──────────────> delivered
//      │                                                    ^
//      └──(not delivered within 5 s)──> failed ──(late ack)─┘
//                                         │
//                                         └──(resend: same clientId)──> sending
//
// A resend reuses the clientId, so the server stores the message once and the widget shows it
// once; `thread()` merges the server's copies with the local ones so nothing is shown twice.
//
// A private note (for the team, never for the visitor) has no delivery: it is done once stored.
//
//   sending ──(the server's stored copy)──> stored
//      │                                      ^
//      └──(not stored within 5 s)──> failed ──┘ (a late copy, or a resend as a note)
import type { Attachment, Message } from '../protocol/dialogs.js';

/** How long an operator message may take to reach the visitor's widget before it shows failed. */
export const DELIVERY_TIMEOUT_MS = 5_000;

/** `stored`: a private note the server stored, which is all there is to it (no visitor acks it). */
export type DeliveryState = 'sending' | 'delivered' | 'failed' | 'stored';

/** Nothing more happens to an entry in these states (a resend, a deadline, a refusal change nothing). */
const isDone = (state: DeliveryState) => state === 'delivered' || state === 'stored';

/** Why a message failed, for the words next to the red mark. */
export type FailReason =
  /** It never reached the server: this client is offline. */
  | { kind: 'offline' }
  /** It went out, but the server has not confirmed storing it. */
  | { kind: 'unconfirmed' }
  /** Stored, but no widget of the visitor acknowledged it (offline, or left the page). */
  | { kind: 'undelivered' }
  /** The server refused it (validation, conflict, rate limit ...). */
  | { kind: 'rejected'; code: string; message: string };

export interface OutboxEntry {
  clientId: string;
  dialogId: number;
  body: string;
  /** Files uploaded for it, sent by id with the text. */
  attachments: Attachment[];
  /** A private note: sent (and resent) as one, done once stored. */
  private: boolean;
  state: DeliveryState;
  queuedAt: number;
  /** When it was last written to the socket; null while it waits for a connection. */
  sentAt: number | null;
  /** When a `sending` entry turns `failed`. */
  deadline: number;
  /** How many times it was written to the socket. */
  attempts: number;
  /** The server's copy once stored (the latest revision seen). */
  message: Message | null;
  failure: FailReason | null;
}

export interface Outbox {
  readonly entries: Readonly<Record<string, OutboxEntry>>;
  /** clientIds in the order they were queued. */
  readonly order: readonly string[];
}

export const emptyOutbox: Outbox = { entries: {}, order: [] };

/**
 * Delivered entries (and stored notes) kept (the newest); older ones are dropped, since the
 * server's copy then says all there is (deliveredAt, private). Without a bound a long session or
 * a script would slow every step.
 */
export const DELIVERED_KEPT = 200;

/** The outbox without its oldest done entries beyond DELIVERED_KEPT. */
function pruned(outbox: Outbox): Outbox {
  let delivered = 0;
  for (const id of outbox.order) if (isDone(outbox.entries[id].state)) delivered++;
  if (delivered <= DELIVERED_KEPT) return outbox;
  let drop = delivered - DELIVERED_KEPT;
  const entries = { ...outbox.entries };
  const order = outbox.order.filter((id) => {
    if (drop === 0 || !isDone(entries[id].state)) return true;
    drop--;
    delete entries[id];
    return false;
  });
  return { entries, order };
}

export type OutboxAction =
  /** A new message (or private note) from this operator, kept locally as sending. */
  | { type: 'queued'; clientId: string; dialogId: number; body: string; attachments?: Attachment[]; private?: boolean; at: number }
  /** It was written to an open socket (the first time, on reconnect, or a resend). */
  | { type: 'sent'; clientId: string; at: number }
  /** The operator asked to send it again (same clientId): sending, with a fresh 5 s. */
  | { type: 'resend'; clientId: string; at: number }
  /** Any copy of a message from the server: matched to an entry by dialog and clientId. */
  | { type: 'message'; message: Message }
  /** The server answered the send with an error (a retryable one changes nothing). */
  | { type: 'rejected'; clientId: string; code: string; message: string }
  /** Time passed: sending entries past their deadline fail. `online` picks the reason. */
  | { type: 'tick'; at: number; online: boolean }
  | { type: 'forget'; clientId: string };

/**
 * Refusals that say "not now" rather than "not this": the server could not store anything (its
 * database busy, its disk full). The message stays pending and goes out again with its clientId.
 */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set(['unavailable']);

function put(outbox: Outbox, entry: OutboxEntry): Outbox {
  return { ...outbox, entries: { ...outbox.entries, [entry.clientId]: entry } };
}

export function reduceOutbox(outbox: Outbox, action: OutboxAction, timeoutMs = DELIVERY_TIMEOUT_MS): Outbox {
  switch (action.type) {
    case 'queued': {
      if (outbox.entries[action.clientId]) return outbox;
      const entry: OutboxEntry = {
        clientId: action.clientId,
        dialogId: action.dialogId,
        body: action.body,
        attachments: action.attachments ?? [],
        private: action.private === true,
        state: 'sending',
        queuedAt: action.at,
        sentAt: null,
        deadline: action.at + timeoutMs,
        attempts: 0,
        message: null,
        failure: null,
      };
      return { entries: { ...outbox.entries, [entry.clientId]: entry }, order: [...outbox.order, entry.clientId] };
    }
    case 'sent':
    case 'resend': {
      const entry = outbox.entries[action.clientId];
      if (!entry) return outbox;
      const wrote = action.type === 'sent';
      if (isDone(entry.state)) {
        return wrote ? put(outbox, { ...entry, sentAt: action.at, attempts: entry.attempts + 1 }) : outbox;
      }
      return put(outbox, {
        ...entry,
        state: 'sending',
        failure: null,
        deadline: action.at + timeoutMs,
        ...(wrote ? { sentAt: action.at, attempts: entry.attempts + 1 } : {}),
      });
    }
    case 'message': {
      const m = action.message;
      const entry = outbox.entries[m.clientId];
      if (!entry || entry.dialogId !== m.dialogId) return outbox;
      if (entry.message && entry.message.rev > m.rev) return outbox;
      if (m.deliveredAt !== null) return pruned(put(outbox, { ...entry, message: m, state: 'delivered', failure: null }));
      // A note is done once stored, whatever happened before (failed waiting for the answer).
      if (m.private === true) return pruned(put(outbox, { ...entry, message: m, private: true, state: 'stored', failure: null }));
      // Stored but not delivered yet: still sending until the deadline, or failed for a new reason.
      const failure = entry.state === 'failed' ? ({ kind: 'undelivered' } as const) : entry.failure;
      return put(outbox, { ...entry, message: m, failure });
    }
    case 'rejected': {
      const entry = outbox.entries[action.clientId];
      // Retryable: still sending (then failed at its deadline, unconfirmed), and among unsent().
      if (!entry || isDone(entry.state) || RETRYABLE_CODES.has(action.code)) return outbox;
      return put(outbox, {
        ...entry,
        state: 'failed',
        failure: { kind: 'rejected', code: action.code, message: action.message },
      });
    }
    case 'tick': {
      let next = outbox;
      for (const id of outbox.order) {
        const entry = outbox.entries[id];
        if (entry.state !== 'sending' || entry.deadline > action.at) continue;
        const failure: FailReason = entry.message
          ? { kind: 'undelivered' }
          : !action.online || entry.sentAt === null
            ? { kind: 'offline' }
            : { kind: 'unconfirmed' };
        next = put(next, { ...entry, state: 'failed', failure });
      }
      return next;
    }
    case 'forget': {
      if (!outbox.entries[action.clientId]) return outbox;
      const { [action.clientId]: _gone, ...entries } = outbox.entries;
      return { entries, order: outbox.order.filter((id) => id !== action.clientId) };
    }
  }
}

/** The earliest moment a sending entry fails, or null when nothing is waiting. */
export function nextDeadline(outbox: Outbox): number | null {
  let min: number | null = null;
  for (const id of outbox.order) {
    const e = outbox.entries[id];
    if (e.state === 'sending' && (min === null || e.deadline < min)) min = e.deadline;
  }
  return min;
}

/** Entries the server has not stored yet and that may go out now (not refused by it). */
export function unsent(outbox: Outbox): OutboxEntry[] {
  return outbox.order
    .map((id) => outbox.entries[id])
    .filter((e) => e.message === null && e.failure?.kind !== 'rejected');
}

// ---- one dialog's messages, as shown -------------------------------------------------

/**
 * Adds or replaces messages by id (a newer rev wins, an older or equal one is ignored) and
 * keeps them in seq order. Resent, resumed and re-pushed copies therefore never duplicate.
 */
export function upsertMessages(list: readonly Message[], incoming: readonly Message[]): Message[] {
  const byId = new Map(list.map((m) => [m.id, m]));
  let changed = false;
  for (const m of incoming) {
    const old = byId.get(m.id);
    if (old && old.rev >= m.rev) continue;
    byId.set(m.id, m);
    changed = true;
  }
  if (!changed) return list as Message[];
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

export interface ThreadItem {
  /** Stable across the local copy becoming the stored one: the clientId when there is one. */
  key: string;
  clientId: string;
  /** The stored message, or null while only the local copy exists. */
  message: Message | null;
  author: Message['author'];
  body: string;
  /** The stored message's files, or the ones sent with the local copy. */
  attachments: Attachment[];
  /**
   * Delivery of this client's own messages; for others' operator messages, from deliveredAt.
   * A stored private note is `stored` (it has no delivery); one not stored yet is sending or
   * failed like a message.
   */
  delivery: DeliveryState | null;
  failure: FailReason | null;
  /** A private note: the team's words, never shown to the visitor. */
  private: boolean;
}

/**
 * A dialog as the operator sees it: the server's messages in seq order, then this client's
 * messages the server has not stored yet. A message appears once, whichever copies exist.
 */
export function thread(messages: readonly Message[], outbox: Outbox, dialogId: number): ThreadItem[] {
  const items: ThreadItem[] = [];
  const shown = new Set<string>();
  for (const m of messages) {
    if (m.dialogId !== dialogId) continue;
    const own = outbox.entries[m.clientId];
    const entry = own && own.dialogId === dialogId ? own : undefined;
    shown.add(m.clientId);
    // A note in the server's list is stored, which is all a note waits for.
    const note = m.private === true;
    items.push({
      key: m.clientId || `m${m.id}`,
      clientId: m.clientId,
      message: m,
      author: m.author,
      body: m.body,
      attachments: m.attachments,
      private: note,
      delivery: note
        ? 'stored'
        : entry
          ? m.deliveredAt !== null
            ? 'delivered'
            : entry.state
          : m.author === 'operator'
            ? m.deliveredAt !== null
              ? 'delivered'
              : 'stored'
            : null,
      failure: !note && entry && m.deliveredAt === null ? entry.failure : null,
    });
  }
  for (const id of outbox.order) {
    const e = outbox.entries[id];
    if (e.dialogId !== dialogId || shown.has(id)) continue;
    // Stored copies the caller has not merged yet are still shown once, from the outbox.
    items.push({
      key: id,
      clientId: id,
      message: e.message,
      author: 'operator',
      body: e.message?.body ?? e.body,
      attachments: e.message?.attachments ?? e.attachments,
      private: e.private,
      delivery: e.state,
      failure: e.failure,
    });
  }
  return items;
}
