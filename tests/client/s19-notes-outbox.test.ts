// A private note in the operator's outbox (core/client/outbox.ts), time walked by hand: it is
// done once the server stored it (no visitor acks a note, so it never turns failed for want of
// one); until then it is sending or failed like any message, and a resend goes as a note. The
// thread shows it once, marked private, `stored`.
import { describe, expect, it } from 'vitest';
import {
  DELIVERED_KEPT,
  DELIVERY_TIMEOUT_MS,
  emptyOutbox,
  nextDeadline,
  type Outbox,
  type OutboxAction,
  reduceOutbox,
  thread,
  unsent,
  upsertMessages,
} from '../../core/client/outbox.js';
import type { Message } from '../../core/protocol/dialogs.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

function msg(over: Partial<Message> & Pick<Message, 'id' | 'seq' | 'rev'>): Message {
  return {
    dialogId: 7,
    author: 'operator',
    operator: { id: 1, name: 'Oli Op', avatarUrl: null },
    body: 'Hello',
    attachments: [],
    clientId: `c${over.id}`,
    createdAt: iso(T0 + over.seq * 1000),
    editedAt: null,
    deliveredAt: null,
    private: false,
    ...over,
  };
}

const run = (actions: OutboxAction[], from: Outbox = emptyOutbox) => actions.reduce((o, a) => reduceOutbox(o, a), from);
const row = (o: Outbox, messages: Message[] = []) =>
  thread(messages, o, 7).map((i) => ({ key: i.key, private: i.private, delivery: i.delivery, failure: i.failure?.kind ?? null }));

describe('a note in the outbox', () => {
  it('is remembered as a note, and is done once stored: the 5 s pass without failing it', () => {
    let o = run([
      { type: 'queued', clientId: 'n', dialogId: 7, body: 'VIP', private: true, at: T0 },
      { type: 'sent', clientId: 'n', at: T0 },
    ]);
    expect(o.entries.n).toMatchObject({ private: true, state: 'sending', deadline: T0 + DELIVERY_TIMEOUT_MS });
    expect(row(o)).toEqual([{ key: 'n', private: true, delivery: 'sending', failure: null }]);

    const stored = msg({ id: 9, seq: 2, rev: 2, clientId: 'n', body: 'VIP', private: true });
    o = reduceOutbox(o, { type: 'message', message: stored });
    expect(o.entries.n).toMatchObject({ state: 'stored', failure: null, message: { id: 9 } });
    expect(nextDeadline(o)).toBeNull();
    expect(reduceOutbox(o, { type: 'tick', at: T0 + 60_000, online: true })).toBe(o);
    // Shown once whether or not the caller merged the stored copy yet.
    expect(row(o)).toEqual([{ key: 'n', private: true, delivery: 'stored', failure: null }]);
    expect(row(o, [stored])).toEqual([{ key: 'n', private: true, delivery: 'stored', failure: null }]);
    // An edit of it (a later rev) keeps it stored.
    o = reduceOutbox(o, { type: 'message', message: { ...stored, rev: 5, body: 'VIP!', editedAt: iso(T0 + 1000) } });
    expect(o.entries.n).toMatchObject({ state: 'stored', message: { rev: 5, body: 'VIP!' } });
    // Nothing to send again, nothing to refuse.
    expect(reduceOutbox(o, { type: 'resend', clientId: 'n', at: T0 + 70_000 })).toBe(o);
    expect(reduceOutbox(o, { type: 'rejected', clientId: 'n', code: 'conflict', message: 'x' })).toBe(o);
    expect(unsent(o)).toEqual([]);
  });

  it('not stored yet, fails at 5 s like a message (offline, unconfirmed); a late stored copy makes it done', () => {
    let o = run([
      { type: 'queued', clientId: 'off', dialogId: 7, body: 'a', private: true, at: T0 },
      { type: 'queued', clientId: 'quiet', dialogId: 7, body: 'b', private: true, at: T0 },
      { type: 'sent', clientId: 'quiet', at: T0 },
      { type: 'tick', at: T0 + DELIVERY_TIMEOUT_MS, online: true },
    ]);
    expect(row(o)).toEqual([
      { key: 'off', private: true, delivery: 'failed', failure: 'offline' },
      { key: 'quiet', private: true, delivery: 'failed', failure: 'unconfirmed' },
    ]);
    expect(unsent(o).map((e) => [e.clientId, e.private])).toEqual([
      ['off', true],
      ['quiet', true],
    ]);
    o = reduceOutbox(o, { type: 'message', message: msg({ id: 3, seq: 3, rev: 3, clientId: 'quiet', body: 'b', private: true }) });
    expect(o.entries.quiet).toMatchObject({ state: 'stored', failure: null });
    expect(row(o).map((r) => [r.key, r.delivery, r.failure])).toEqual([
      ['off', 'failed', 'offline'],
      ['quiet', 'stored', null],
    ]);
  });

  it('a resend of a failed note keeps it a note, sending with a fresh 5 s, then stored', () => {
    let o = run([
      { type: 'queued', clientId: 'n', dialogId: 7, body: 'Call back', private: true, at: T0 },
      { type: 'sent', clientId: 'n', at: T0 },
      { type: 'tick', at: T0 + DELIVERY_TIMEOUT_MS, online: false },
      { type: 'resend', clientId: 'n', at: T0 + 20_000 },
      { type: 'sent', clientId: 'n', at: T0 + 20_000 },
    ]);
    expect(o.entries.n).toMatchObject({ private: true, state: 'sending', attempts: 2, deadline: T0 + 20_000 + DELIVERY_TIMEOUT_MS, failure: null });
    o = reduceOutbox(o, { type: 'message', message: msg({ id: 4, seq: 4, rev: 4, clientId: 'n', body: 'Call back', private: true }) });
    expect(o.entries.n.state).toBe('stored');
  });

  it('refused by the server, it fails as a message does (a 409 for a clientId of the other kind)', () => {
    const o = run([
      { type: 'queued', clientId: 'n', dialogId: 7, body: 'x', private: true, at: T0 },
      { type: 'sent', clientId: 'n', at: T0 },
      { type: 'rejected', clientId: 'n', code: 'conflict', message: 'this clientId was already used for a message to the visitor' },
    ]);
    expect(row(o)).toEqual([{ key: 'n', private: true, delivery: 'failed', failure: 'rejected' }]);
  });
});

describe('messages beside notes', () => {
  it('a message still waits for its delivery and fails without it; queued without `private` it is no note', () => {
    let o = run([
      { type: 'queued', clientId: 'm', dialogId: 7, body: 'Hello', at: T0 },
      { type: 'sent', clientId: 'm', at: T0 },
      { type: 'message', message: msg({ id: 5, seq: 5, rev: 5, clientId: 'm' }) },
    ]);
    expect(o.entries.m).toMatchObject({ private: false, state: 'sending' });
    o = reduceOutbox(o, { type: 'tick', at: T0 + DELIVERY_TIMEOUT_MS, online: true });
    expect(row(o)).toEqual([{ key: 'm', private: false, delivery: 'failed', failure: 'undelivered' }]);
  });

  it("others' notes show stored and private; their messages as before; a copy without `private` (an older server) is no note", () => {
    const visitor = msg({ id: 1, seq: 1, rev: 1, author: 'visitor', operator: null, clientId: 'v1' });
    const theirNote = msg({ id: 2, seq: 2, rev: 2, clientId: 'x2', private: true });
    const theirAnswer = msg({ id: 3, seq: 3, rev: 4, clientId: 'x3', deliveredAt: iso(T0) });
    const { private: _, ...older } = msg({ id: 4, seq: 4, rev: 5, clientId: 'x4' });
    const list = upsertMessages([], [visitor, theirNote, theirAnswer, older as Message]);
    expect(row(emptyOutbox, list)).toEqual([
      { key: 'v1', private: false, delivery: null, failure: null },
      { key: 'x2', private: true, delivery: 'stored', failure: null },
      { key: 'x3', private: false, delivery: 'delivered', failure: null },
      { key: 'x4', private: false, delivery: 'stored', failure: null },
    ]);
  });

  it('stored notes count with the delivered entries kept; pending ones always stay', () => {
    let o = run([{ type: 'queued', clientId: 'pending', dialogId: 7, body: 'still waiting', private: true, at: T0 }]);
    for (let i = 1; i <= DELIVERED_KEPT + 10; i++) {
      o = run(
        [
          { type: 'queued', clientId: `n${i}`, dialogId: 7, body: `n${i}`, private: true, at: T0 + i },
          { type: 'message', message: msg({ id: i, seq: i, rev: i, clientId: `n${i}`, private: true }) },
        ],
        o,
      );
    }
    expect(o.order).toHaveLength(DELIVERED_KEPT + 1);
    expect(o.order[0]).toBe('pending');
    expect(o.entries.n10).toBeUndefined();
    expect(o.entries[`n${DELIVERED_KEPT + 10}`].state).toBe('stored');
  });
});
