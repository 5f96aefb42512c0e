// The outbox's state logic (core/client/outbox.ts) and the resume bookkeeping (resume.ts), with
// time walked by hand: sending -> failed after 5 s -> delivered on a late ack; resend reuses the
// clientId; nothing is shown twice.
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
import { ResumeLog } from '../../core/client/resume.js';
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
    ...over,
  };
}

const run = (actions: OutboxAction[], from: Outbox = emptyOutbox) => actions.reduce((o, a) => reduceOutbox(o, a), from);

describe('delivery states', () => {
  it('sending until the ack; delivered with the stored copy', () => {
    let o = run([
      { type: 'queued', clientId: 'a', dialogId: 7, body: 'Hi there', at: T0 },
      { type: 'sent', clientId: 'a', at: T0 },
    ]);
    expect(o.entries.a).toMatchObject({ state: 'sending', attempts: 1, deadline: T0 + DELIVERY_TIMEOUT_MS, message: null });
    const stored = msg({ id: 50, seq: 2, rev: 2, clientId: 'a', body: 'Hi there' });
    o = run([{ type: 'message', message: stored }, { type: 'tick', at: T0 + 4_999, online: true }], o);
    expect(o.entries.a).toMatchObject({ state: 'sending', message: { id: 50 } });
    o = reduceOutbox(o, { type: 'message', message: { ...stored, rev: 3, deliveredAt: iso(T0 + 800) } });
    expect(o.entries.a.state).toBe('delivered');
    // Delivered is final: the deadline passing changes nothing.
    expect(reduceOutbox(o, { type: 'tick', at: T0 + 60_000, online: true })).toBe(o);
    expect(nextDeadline(o)).toBeNull();
  });

  it('keeps the newest delivered entries only (the stored copy says the rest); pending ones always stay', () => {
    const n = DELIVERED_KEPT + 50;
    let o = run([{ type: 'queued', clientId: 'pending', dialogId: 7, body: 'still waiting', at: T0 }]);
    for (let i = 1; i <= n; i++) {
      o = run(
        [
          { type: 'queued', clientId: `d${i}`, dialogId: 7, body: `m${i}`, at: T0 + i },
          { type: 'message', message: msg({ id: i, seq: i, rev: i, clientId: `d${i}`, deliveredAt: iso(T0 + i) }) },
        ],
        o,
      );
    }
    expect(o.order).toHaveLength(DELIVERED_KEPT + 1);
    expect(o.order[0]).toBe('pending');
    expect(o.entries.d50).toBeUndefined();
    expect(o.entries[`d${n}`].state).toBe('delivered');
    expect(Object.keys(o.entries)).toHaveLength(DELIVERED_KEPT + 1);
    // A dropped entry's message still shows delivered, from the server's copy.
    const items = thread([msg({ id: 1, seq: 1, rev: 1, clientId: 'd1', deliveredAt: iso(T0 + 1) })], o, 7);
    expect(items.find((x) => x.clientId === 'd1')!.delivery).toBe('delivered');
  });

  it('sending -> failed at exactly 5 s -> delivered on a late ack', () => {
    const stored = msg({ id: 50, seq: 2, rev: 2, clientId: 'a' });
    let o = run([
      { type: 'queued', clientId: 'a', dialogId: 7, body: 'Hello', at: T0 },
      { type: 'sent', clientId: 'a', at: T0 },
      { type: 'message', message: stored },
    ]);
    expect(nextDeadline(o)).toBe(T0 + 5_000);
    o = reduceOutbox(o, { type: 'tick', at: T0 + 4_999, online: true });
    expect(o.entries.a.state).toBe('sending');
    o = reduceOutbox(o, { type: 'tick', at: T0 + 5_000, online: true });
    expect(o.entries.a).toMatchObject({ state: 'failed', failure: { kind: 'undelivered' } });
    expect(nextDeadline(o)).toBeNull();
    o = reduceOutbox(o, { type: 'message', message: { ...stored, rev: 5, deliveredAt: iso(T0 + 30_000) } });
    expect(o.entries.a).toMatchObject({ state: 'delivered', failure: null });
  });

  it('names the reason: offline (never went out), unconfirmed (no answer), rejected (refused)', () => {
    let o = run([
      { type: 'queued', clientId: 'off', dialogId: 7, body: 'x', at: T0 },
      { type: 'queued', clientId: 'quiet', dialogId: 7, body: 'y', at: T0 },
      { type: 'sent', clientId: 'quiet', at: T0 },
      { type: 'queued', clientId: 'bad', dialogId: 7, body: 'z', at: T0 },
      { type: 'sent', clientId: 'bad', at: T0 },
      { type: 'rejected', clientId: 'bad', code: 'conflict', message: 'used for another text' },
    ]);
    expect(o.entries.bad).toMatchObject({ state: 'failed', failure: { kind: 'rejected', code: 'conflict' } });
    o = reduceOutbox(o, { type: 'tick', at: T0 + 5_000, online: true });
    expect(o.entries.off.failure).toEqual({ kind: 'offline' });
    expect(o.entries.quiet.failure).toEqual({ kind: 'unconfirmed' });
    // What goes out on reconnect: everything not stored, except what the server refused.
    expect(unsent(o).map((e) => e.clientId)).toEqual(['off', 'quiet']);
    // A connection that dropped after the write reads as offline too.
    const dropped = run([
      { type: 'queued', clientId: 'q', dialogId: 7, body: 'x', at: T0 },
      { type: 'sent', clientId: 'q', at: T0 },
      { type: 'tick', at: T0 + 5_000, online: false },
    ]);
    expect(dropped.entries.q.failure).toEqual({ kind: 'offline' });
  });

  it('a resend keeps the clientId and gives a fresh 5 s; the stored copy and the late ack land on the one entry', () => {
    const stored = msg({ id: 50, seq: 2, rev: 2, clientId: 'a' });
    let o = run([
      { type: 'queued', clientId: 'a', dialogId: 7, body: 'Hello', at: T0 },
      { type: 'sent', clientId: 'a', at: T0 },
      { type: 'message', message: stored },
      { type: 'tick', at: T0 + 5_000, online: true },
    ]);
    expect(o.entries.a.state).toBe('failed');
    o = run([{ type: 'resend', clientId: 'a', at: T0 + 20_000 }, { type: 'sent', clientId: 'a', at: T0 + 20_000 }], o);
    expect(o.entries.a).toMatchObject({ state: 'sending', attempts: 2, deadline: T0 + 25_000, failure: null });
    expect(o.order).toEqual(['a']);
    expect(Object.keys(o.entries)).toEqual(['a']);
    o = reduceOutbox(o, { type: 'tick', at: T0 + 24_000, online: true });
    expect(o.entries.a.state).toBe('sending');
    // The server answers the resend with the same message (same id and seq).
    o = reduceOutbox(o, { type: 'message', message: stored });
    o = reduceOutbox(o, { type: 'message', message: { ...stored, rev: 4, deliveredAt: iso(T0 + 21_000) } });
    expect(o.entries.a).toMatchObject({ state: 'delivered', message: { id: 50, seq: 2 } });
    // An older copy arriving late does not take the delivery back.
    expect(reduceOutbox(o, { type: 'message', message: stored }).entries.a.state).toBe('delivered');
  });

  it('ignores copies of other dialogs and of other clients, and unknown clientIds', () => {
    const o = run([{ type: 'queued', clientId: 'a', dialogId: 7, body: 'Hello', at: T0 }]);
    expect(reduceOutbox(o, { type: 'message', message: msg({ id: 1, seq: 1, rev: 1, clientId: 'a', dialogId: 8, deliveredAt: iso(T0) }) })).toBe(o);
    expect(reduceOutbox(o, { type: 'message', message: msg({ id: 1, seq: 1, rev: 1, clientId: 'zzz', deliveredAt: iso(T0) }) })).toBe(o);
    expect(reduceOutbox(o, { type: 'sent', clientId: 'nope', at: T0 })).toBe(o);
    expect(reduceOutbox(o, { type: 'queued', clientId: 'a', dialogId: 7, body: 'again', at: T0 + 1 })).toBe(o);
    expect(reduceOutbox(o, { type: 'forget', clientId: 'a' })).toEqual(emptyOutbox);
  });
});

describe('nothing is shown twice', () => {
  it('upsertMessages keeps one copy per id (the newest rev), in seq order', () => {
    const a = msg({ id: 1, seq: 1, rev: 1, author: 'visitor', operator: null });
    const b = msg({ id: 2, seq: 2, rev: 2 });
    const list = upsertMessages([], [b, a]);
    expect(list.map((m) => m.id)).toEqual([1, 2]);
    const edited = { ...b, rev: 3, body: 'Hello!', editedAt: iso(T0) };
    const after = upsertMessages(list, [edited, b, a, { ...b }]);
    expect(after.map((m) => [m.id, m.rev, m.body])).toEqual([
      [1, 1, 'Hello'],
      [2, 3, 'Hello!'],
    ]);
    expect(upsertMessages(after, [b, a])).toBe(after);
  });

  it('thread shows a local copy until the stored one exists, then only the stored one', () => {
    const visitor = msg({ id: 1, seq: 1, rev: 1, author: 'visitor', operator: null, clientId: 'v1', body: 'Hi' });
    let o = run([
      { type: 'queued', clientId: 'a', dialogId: 7, body: 'Hello', at: T0 },
      { type: 'queued', clientId: 'elsewhere', dialogId: 9, body: 'other dialog', at: T0 },
    ]);
    expect(thread([visitor], o, 7).map((i) => [i.key, i.author, i.body, i.delivery])).toEqual([
      ['v1', 'visitor', 'Hi', null],
      ['a', 'operator', 'Hello', 'sending'],
    ]);
    const stored = msg({ id: 2, seq: 2, rev: 2, clientId: 'a' });
    o = run([{ type: 'message', message: stored }, { type: 'tick', at: T0 + 5_000, online: true }], o);
    // Stored but not merged into the list yet: still once, from the outbox, with its failure.
    expect(thread([visitor], o, 7).map((i) => [i.key, i.message?.id, i.delivery, i.failure?.kind])).toEqual([
      ['v1', 1, null, undefined],
      ['a', 2, 'failed', 'undelivered'],
    ]);
    // A resend pushes the same message again; merged twice, it is still one line.
    const list = upsertMessages([visitor], [stored, stored]);
    o = reduceOutbox(o, { type: 'resend', clientId: 'a', at: T0 + 9_000 });
    expect(thread(list, o, 7).map((i) => [i.key, i.delivery])).toEqual([
      ['v1', null],
      ['a', 'sending'],
    ]);
    const delivered = { ...stored, rev: 3, deliveredAt: iso(T0 + 9_500) };
    o = reduceOutbox(o, { type: 'message', message: delivered });
    expect(thread(upsertMessages(list, [delivered]), o, 7).map((i) => [i.key, i.delivery])).toEqual([
      ['v1', null],
      ['a', 'delivered'],
    ]);
  });

  it("another operator's messages show stored, then delivered, from deliveredAt", () => {
    const theirs = msg({ id: 3, seq: 3, rev: 3, clientId: 'theirs', operator: { id: 2, name: 'Ann', avatarUrl: null } });
    expect(thread([theirs], emptyOutbox, 7)[0].delivery).toBe('stored');
    expect(thread([{ ...theirs, deliveredAt: iso(T0) }], emptyOutbox, 7)[0].delivery).toBe('delivered');
  });
});

describe('resume bookkeeping', () => {
  it('resumes from the highest rev below which nothing is missing, and drops repeats', () => {
    const log = new ResumeLog();
    log.track(7, 4, 4);
    expect(log.accept(msg({ id: 10, seq: 5, rev: 5 }))).toBe('created');
    // rev 7 arrives before rev 6 (two commits raced): the watermark waits at 5.
    expect(log.accept(msg({ id: 12, seq: 6, rev: 7 }))).toBe('created');
    expect(log.resumeFrame()).toEqual({ 7: 5 });
    expect(log.accept(msg({ id: 10, seq: 5, rev: 6, deliveredAt: iso(T0) }))).toBe('updated');
    expect(log.resumeFrame()).toEqual({ 7: 7 });
    // The same revision again (a resend pushed again, a live event the resume repeats): dropped.
    expect(log.accept(msg({ id: 12, seq: 6, rev: 7 }))).toBeNull();
    expect(log.accept(msg({ id: 10, seq: 5, rev: 5 }))).toBeNull();
  });

  it('a resume answer is shown once, in seq order, minus what was seen live meanwhile', () => {
    const log = new ResumeLog();
    log.track(7, 2, 2);
    // Seen live while the resume was on its way.
    expect(log.accept(msg({ id: 5, seq: 5, rev: 5 }))).toBe('created');
    const answer = [3, 4, 5].map((n) => msg({ id: n, seq: n, rev: n, body: `m${n}` }));
    expect(log.resumed(7, answer).map((r) => [r.verdict, r.message.body])).toEqual([
      ['created', 'm3'],
      ['created', 'm4'],
    ]);
    expect(log.resumeFrame()).toEqual({ 7: 5 });
    expect(log.resumed(7, answer)).toEqual([]);
  });

  it('a dialog found after a reconnect shows only the messages newer than what we had seen', () => {
    const log = new ResumeLog();
    log.accept(msg({ id: 1, seq: 1, rev: 1, dialogId: 7, createdAt: iso(T0) }));
    const mark = log.serverMark!;
    log.track(8, 0, 0, mark);
    const answer = [
      msg({ id: 20, seq: 1, rev: 1, dialogId: 8, createdAt: iso(T0 - 60_000), body: 'old' }),
      msg({ id: 21, seq: 2, rev: 2, dialogId: 8, createdAt: iso(T0 + 5_000), body: 'new' }),
    ];
    expect(log.resumed(8, answer).map((r) => [r.verdict, r.message.body])).toEqual([['created', 'new']]);
    expect(log.resumeFrame()).toEqual({ 7: 1, 8: 2 });
  });
});
