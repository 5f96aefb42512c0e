// Crash safety (DESIGN.md, delivery contract 5): under mixed visitor and operator traffic the
// server is killed with SIGKILL at random moments and started again on the same data dir and
// port. Every message it had confirmed must still be there (checked in the database file right
// after each crash, before any client could send it again) with the id and seq it was confirmed
// with; the clients reconnect, resume and send what was pending with the same clientIds; in the
// end each dialog's seqs run 1..n without a gap, nothing any client wrote is lost or stored
// twice, and every client saw every message of its conversation exactly once.
//
// The clients are the real ones where they exist: operators are core/client OperatorConnection
// (what the TUI and `parley events` run); visitors are scripts/soak-lib/widget.mjs, which keeps
// the widget's contract (widget/chat.ts) in Node. Two operator clients only watch, from start to
// end, and must show every message once. The others write, in shifts: the outbox copies itself
// on every change (it is a React reducer's state), which costs milliseconds a message once a
// session holds a few thousand, so a writer ends its shift after SHIFT messages, once all of
// them are confirmed, and a fresh one takes over, as an operator closing the TUI would.
//
// The kill points come from a seeded random (printed; PARLEY_CRASH_SEED=N repeats a run's
// choice): the server dies right after the Nth confirmation of a segment, while frames are in
// flight both ways. Traffic is open-loop at TARGET_RATE messages a second, each client keeping a
// bounded number unconfirmed; the rate reached on the machine is printed, never asserted.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { dialogListing, OperatorConnection } from '../../core/client/realtime.js';
import { DATABASE_FILE } from '../../server/config.js';
import { NodeWidget, type VisitorMessage } from '../../scripts/soak-lib/widget.mjs';
import { createAdmin, killAllParley, type ServerProcess, setUpProject, startServerProcess } from '../helpers/process-server.js';
import { tempDir } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
/** One dialog each; at most 200 so one listing page holds them all (what `discover` reads). */
const VISITORS = 150;
/** Every visitor is on 127.0.0.1 and starts at once, again after each restart: room for them in one address's budgets. */
const ONE_ADDRESS = { PARLEY_WIDGET_SOCKETS_PER_ADDRESS: String(VISITORS * 4), PARLEY_WIDGET_VISITORS_PER_MINUTE: String(VISITORS * 4) };
/** Each visitor writes this often: 2.5 a second, under the widget rate limit (3 a second). */
const VISITOR_EVERY_MS = 400;
/** Messages a second offered by visitors and operators together. */
const TARGET_RATE = 1000;
const WATCHERS = 2;
const WRITERS = 4;
const SHIFT = 400;
/** Unconfirmed messages a client may hold before it waits (a visitor: 3, like a person typing on). */
const WRITER_WINDOW = 150;
const VISITOR_WINDOW = 3;
const KILLS = 3;
/** A segment ends with a crash after this many confirmations (drawn from the seeded random). */
const CONFIRMATIONS_PER_SEGMENT = [200, 1500] as const;

/** mulberry32: a small seeded generator, so a failing run's kill points can be repeated. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  await killAllParley();
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface Confirmation {
  id: number;
  seq: number;
  dialogId?: number;
}

interface Row {
  id: number;
  dialog_id: number;
  seq: number;
  client_id: string;
}

/** The messages in the file, read directly (a second, read-only connection). */
function readMessages(dataDir: string): Row[] {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    return db.prepare('SELECT id, dialog_id, seq, client_id FROM messages ORDER BY dialog_id, seq').all() as Row[];
  } finally {
    db.close();
  }
}

it(
  `kill -9 at ${KILLS} random moments under mixed traffic: nothing confirmed is lost, nothing is stored twice, clients resume and resend`,
  async () => {
    const seed = Number(process.env.PARLEY_CRASH_SEED) || Math.floor(Math.random() * 2 ** 31);
    const random = seeded(seed);
    const between = ([lo, hi]: readonly [number, number]) => lo + Math.floor(random() * (hi - lo + 1));

    const dataDir = await tempDir('parley-crash-');
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const admin = await createAdmin(dataDir);
    let server: ServerProcess = await startServerProcess(dataDir, { env: ONE_ADDRESS });
    const port = server.port;
    const op = await setUpProject(server.url, admin, ORIGIN);
    const projectId = op.project.id;

    // ---- bookkeeping -------------------------------------------------------------------------
    let confirmations = 0;
    /** clientId -> the first confirmation; a later one must name the same stored message. */
    const confirmed = new Map<string, Confirmation>();
    const contradictions: string[] = [];
    /** Checks waiting for a condition, run again on every client event (no fixed sleeps). */
    const waiting = new Set<() => void>();
    const poke = () => waiting.forEach((f) => f());
    /** The crash of the current segment, fired from inside the confirmation that reaches it. */
    let killAt = Infinity;
    let onKill: (() => void) | null = null;

    function confirm(clientId: string, c: Confirmation): boolean {
      const first = confirmed.get(clientId);
      if (first) {
        if (first.id !== c.id || first.seq !== c.seq) contradictions.push(`${clientId}: ${JSON.stringify(first)} then ${JSON.stringify(c)}`);
        return false;
      }
      confirmed.set(clientId, c);
      confirmations++;
      if (confirmations >= killAt) {
        killAt = Infinity;
        server.proc.child.kill('SIGKILL');
        onKill?.();
      }
      poke();
      return true;
    }

    function until<T>(what: string, check: () => T, timeoutMs = 30_000, explain = () => ''): Promise<NonNullable<T>> {
      return new Promise((resolve, reject) => {
        const test = () => {
          const v = check();
          if (!v) return;
          done();
          resolve(v as NonNullable<T>);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`timed out waiting for ${what} ${explain()}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiting.delete(test);
        };
        waiting.add(test);
        test();
      });
    }

    // ---- operators: the real client -----------------------------------------------------------
    const dialogs: number[] = [];
    const refusals: string[] = [];
    function operatorClient() {
      const conn = new OperatorConnection({
        url: server.url,
        token: op.token,
        projectId,
        backoff: { initialMs: 100, maxMs: 1000 },
        // Delivery needs the widget's ack, which a crash may swallow (then the operator resends by
        // hand). Not this test's subject: messages stay "sending", never turn "failed".
        deliveryTimeoutMs: 10 * 60_000,
        heartbeatMs: 0,
        discover: dialogListing(op.client, projectId),
      });
      /** message id -> how often it was shown as created. */
      const shown = new Map<number, number>();
      conn.on('event', (e) => {
        if (e.type === 'message.created') {
          shown.set(e.message.id, (shown.get(e.message.id) ?? 0) + 1);
          if (e.message.author === 'visitor' && !dialogs.includes(e.message.dialogId)) dialogs.push(e.message.dialogId);
          poke();
        }
      });
      conn.on('outbox', (entry) => {
        if (entry.failure?.kind === 'rejected') refusals.push(`${entry.clientId}: ${entry.failure.code} ${entry.failure.message}`);
      });
      conn.on('fatal', (err) => refusals.push(`fatal: ${err.message}`));
      conn.on('state', poke);
      cleanups.push(() => conn.close());
      return { conn, shown };
    }

    const watchers = Array.from({ length: WATCHERS }, operatorClient);
    interface Writer extends ReturnType<typeof operatorClient> {
      sent: Set<string>;
      unconfirmed: Set<string>;
    }
    const writers: Writer[] = [];
    const shifts: Writer[] = [];
    function startWriter(slot: number) {
      const w: Writer = { ...operatorClient(), sent: new Set(), unconfirmed: new Set() };
      w.conn.on('outbox', (entry) => {
        if (!entry.message) return;
        confirm(entry.clientId, { id: entry.message.id, seq: entry.message.seq, dialogId: entry.message.dialogId });
        if (w.unconfirmed.delete(entry.clientId) && w.sent.size >= SHIFT && w.unconfirmed.size === 0 && writers[slot] === w) {
          startWriter(slot); // end of the shift: everything it wrote is stored
          void w.conn.close();
        }
      });
      writers[slot] = w;
      shifts.push(w);
      w.conn.start();
    }
    for (const w of watchers) w.conn.start();
    for (let i = 0; i < WRITERS; i++) startWriter(i);
    await until('the operators online', () => [...watchers, ...writers].every((o) => o.conn.state === 'online'));

    // ---- visitors: each opens a dialog with a first message ----------------------------------
    const widgets = Array.from({ length: VISITORS }, () => {
      const w = new NodeWidget({ url: server.url, widgetKey: op.project.widgetKey, origin: ORIGIN, backoff: { initialMs: 100, maxMs: 1000 } });
      w.on('stored', (clientId: string, m: VisitorMessage) => confirm(clientId, { id: m.id, seq: m.seq }));
      w.on('message', poke);
      w.on('welcome', poke);
      cleanups.push(() => w.close());
      return { w, sent: new Set<string>() };
    });
    for (const v of widgets) v.w.start();
    await until('every widget welcomed', () => widgets.every((v) => v.w.online));
    for (const v of widgets) v.sent.add(v.w.send('Hello, is anyone there?'));
    await until('a dialog per visitor', () => dialogs.length === VISITORS && widgets.every((v) => v.w.pending.size === 0));

    // ---- open-loop traffic ------------------------------------------------------------------
    const visitorRate = (VISITORS * 1000) / VISITOR_EVERY_MS;
    const operatorRate = TARGET_RATE - visitorRate;
    const offered = { visitor: 0, operator: 0 };
    let running = true;
    const trafficStarted = performance.now();
    const confirmationsAtStart = confirmations;
    const tick = () => {
      if (!running) return;
      const elapsed = (performance.now() - trafficStarted) / 1000;
      // An offer to a client holding its window unconfirmed is dropped: the achieved rate says so.
      for (; offered.visitor < Math.floor(elapsed * visitorRate); offered.visitor++) {
        const v = widgets[offered.visitor % VISITORS];
        if (v.w.pending.size < VISITOR_WINDOW) v.sent.add(v.w.send(`visitor line ${offered.visitor}`));
      }
      for (; offered.operator < Math.floor(elapsed * operatorRate); offered.operator++) {
        const w = writers[offered.operator % WRITERS];
        if (w.sent.size >= SHIFT || w.unconfirmed.size >= WRITER_WINDOW) continue;
        const { clientId } = w.conn.send(dialogs[Math.floor(random() * dialogs.length)], `operator line ${offered.operator}`);
        w.sent.add(clientId);
        w.unconfirmed.add(clientId);
      }
      setTimeout(tick, 5);
    };
    tick();

    // ---- the crashes ---------------------------------------------------------------------------
    const unconfirmedNow = () => [...widgets.flatMap((v) => [...v.w.pending.keys()]), ...writers.flatMap((w) => [...w.unconfirmed])];
    const crashes: Array<{ after: number; unconfirmed: number; storedUnconfirmed: number; restartMs: number }> = [];
    /** Time the server was up while traffic ran, and the confirmations meanwhile. */
    const up = { seconds: 0, confirmations: 0, since: trafficStarted, from: confirmations };
    const downs = () => {
      up.seconds += (performance.now() - up.since) / 1000;
      up.confirmations += confirmations - up.from;
    };
    const ups = () => {
      up.since = performance.now();
      up.from = confirmations;
    };
    const crashFiles: Array<Map<string, Row>> = [];
    for (let k = 0; k < KILLS; k++) {
      const killed = new Promise<void>((resolve) => (onKill = resolve));
      killAt = confirmations + between(CONFIRMATIONS_PER_SEGMENT);
      await killed;
      downs();
      const confirmedAtKill = new Map(confirmed);
      const unconfirmed = unconfirmedNow();
      expect((await server.proc.exited).signal).toBe('SIGKILL');

      // The file as the crash left it, before anyone could send again: every confirmed message
      // is in it, as confirmed.
      const atCrash = new Map(readMessages(dataDir).map((r) => [r.client_id, r]));
      const lost = [...confirmedAtKill].filter(([clientId, c]) => {
        const row = atCrash.get(clientId);
        return !row || row.id !== c.id || row.seq !== c.seq || (c.dialogId !== undefined && row.dialog_id !== c.dialogId);
      });
      expect(lost, `confirmed before crash ${k + 1}, but not in the file as confirmed`).toEqual([]);
      crashFiles.push(atCrash);

      const restarting = performance.now();
      server = await startServerProcess(dataDir, { port, env: ONE_ADDRESS });
      ups();
      crashes.push({
        after: confirmations,
        unconfirmed: unconfirmed.length,
        // Stored, but the crash came before the sender heard so: the resend must find them.
        storedUnconfirmed: unconfirmed.filter((id) => atCrash.has(id)).length,
        restartMs: Math.round(performance.now() - restarting),
      });
    }

    // Some traffic on the last start, then no new messages: what is pending must get through.
    const last = confirmations + between(CONFIRMATIONS_PER_SEGMENT);
    await until('traffic after the last restart', () => confirmations >= last);
    running = false;
    downs();
    const trafficSeconds = (performance.now() - trafficStarted) / 1000;
    const trafficConfirmations = confirmations - confirmationsAtStart;
    const sentIds = new Set([...widgets.flatMap((v) => [...v.sent]), ...shifts.flatMap((w) => [...w.sent])]);

    await until(
      'every pending message confirmed',
      () => widgets.every((v) => v.w.pending.size === 0) && writers.every((w) => w.unconfirmed.size === 0),
      30_000,
      () =>
        JSON.stringify({
          visitors: widgets.filter((v) => v.w.pending.size > 0).map((v) => ({ pending: v.w.pending.size, online: v.w.online })),
          writers: writers.map((w) => ({ state: w.conn.state, unconfirmed: w.unconfirmed.size })),
        }),
    );
    // Every client gets to see every message of its conversation: the watchers all of them (live
    // or resumed), each widget its dialog's (its own, and the operators' answers).
    await until('the watchers shown every message', () => watchers.every((o) => o.shown.size >= sentIds.size));
    const answers = new Map<number, number>();
    for (const c of confirmed.values()) if (c.dialogId !== undefined) answers.set(c.dialogId, (answers.get(c.dialogId) ?? 0) + 1);
    await until('every widget shown its whole dialog', () =>
      widgets.every((v) => v.w.messages.size === v.sent.size + (answers.get(v.w.dialogId!) ?? 0)),
    );

    for (const { w } of widgets) w.close();
    await Promise.all([...watchers, ...writers].map((o) => o.conn.close()));
    expect(await server.stop()).toEqual({ code: 0, signal: null });

    // ---- the database after a clean stop -------------------------------------------------------
    const rows = readMessages(dataDir);
    const byClientId = new Map<string, Row[]>();
    for (const r of rows) byClientId.set(r.client_id, [...(byClientId.get(r.client_id) ?? []), r]);

    // Exactly what the clients wrote, each once.
    expect([...byClientId].filter(([, rs]) => rs.length > 1).map(([id]) => id), 'stored twice').toEqual([]);
    expect([...sentIds].filter((id) => !byClientId.has(id)), 'written by a client but never stored').toEqual([]);
    expect(rows.length).toBe(sentIds.size);

    // Every confirmation names the row that is there; every row a crash left is still as it was.
    expect(contradictions).toEqual([]);
    expect(confirmed.size).toBe(sentIds.size);
    for (const [clientId, c] of confirmed) {
      const [row] = byClientId.get(clientId)!;
      expect({ id: row.id, seq: row.seq, dialog: c.dialogId ?? row.dialog_id }, clientId).toEqual({ id: c.id, seq: c.seq, dialog: row.dialog_id });
    }
    for (const file of crashFiles) {
      for (const [clientId, r] of file) expect(byClientId.get(clientId)?.[0], clientId).toEqual(r);
    }

    // Each dialog's seqs are 1..n.
    const seqs = new Map<number, number[]>();
    for (const r of rows) seqs.set(r.dialog_id, [...(seqs.get(r.dialog_id) ?? []), r.seq]);
    expect(seqs.size).toBe(VISITORS);
    for (const [dialogId, list] of seqs) expect(list, `dialog ${dialogId}`).toEqual(list.map((_, i) => i + 1));

    // Operators: the watchers showed every message as created exactly once across the crashes;
    // no operator client showed one twice; the server refused nothing.
    expect(refusals).toEqual([]);
    for (const o of watchers) expect(new Set(o.shown.keys())).toEqual(new Set(rows.map((r) => r.id)));
    for (const o of [...watchers, ...shifts]) expect([...o.shown].filter(([, n]) => n !== 1), 'shown more than once').toEqual([]);
    // Widgets: their dialog, every message (by id), nothing of another dialog.
    for (const { w } of widgets) {
      expect(w.errors).toEqual([]);
      expect(new Set(w.messages.keys())).toEqual(new Set(rows.filter((r) => r.dialog_id === w.dialogId).map((r) => r.id)));
    }

    const fromVisitors = widgets.reduce((n, v) => n + v.sent.size, 0);
    console.log(
      [
        `crash test: seed ${seed}; ${VISITORS} visitors, ${WATCHERS} watching and ${WRITERS} writing operator clients (${shifts.length} shifts); offered ${TARGET_RATE} msg/s`,
        `  achieved ${Math.round(up.confirmations / up.seconds)} confirmed msg/s while the server was up (${up.seconds.toFixed(1)} s); ${Math.round(trafficConfirmations / trafficSeconds)} msg/s over ${trafficSeconds.toFixed(1)} s with the restarts`,
        `  ${rows.length} messages: ${fromVisitors} from visitors, ${rows.length - fromVisitors} from operators`,
        `  resent after reconnects: ${widgets.reduce((n, v) => n + v.w.resent, 0)} by widgets, ${shifts.reduce((n, w) => n + Object.values(w.conn.outbox.entries).filter((e) => e.attempts > 1).length, 0)} by operators`,
        ...crashes.map(
          (c, i) =>
            `  kill ${i + 1}: after ${c.after} confirmations; ${c.unconfirmed} unconfirmed in the clients, ${c.storedUnconfirmed} of them already in the file; restart took ${c.restartMs} ms`,
        ),
      ].join('\n'),
    );
  },
  120_000,
);
