// A reconnect storm (issue #9): every widget of a site loses its connection at once, an operator
// answers each of them meanwhile, and all of them come back at the same instant. The server (its
// own process, so its event loop is not the test's) stays responsive: health requests sent
// during the storm are answered. Every widget is welcomed back, and its resume (hello with its
// token and the rev it holds) brings exactly the messages it missed, in seq order; a message sent
// after the storm arrives once at every widget.
//
// `npm run test:soak -- --storm` runs the same with 5,000 widgets.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterEach, expect, it } from 'vitest';
import { until } from '../../scripts/soak-lib/until.mjs';
import { NodeWidget, type VisitorMessage } from '../../scripts/soak-lib/widget.mjs';
import { createAdmin, killAllParley, setUpProject, startServerProcess } from '../helpers/process-server.js';
import { connectOperator } from '../helpers/realtime.js';
import { tempDir } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const WANTED = 500;
/** Operator answers per dialog while its widget is away. */
const MISSED = 3;
/** Every widget is on 127.0.0.1 and starts a visitor at once: room for them in one address's budgets. */
const ONE_ADDRESS = { PARLEY_WIDGET_SOCKETS_PER_ADDRESS: String(WANTED * 2), PARLEY_WIDGET_VISITORS_PER_MINUTE: String(WANTED * 2) };

/**
 * Each side (this process, the server) holds a socket per widget; the open-file limit of this
 * process (the server inherits it) bounds the storm. Raising it needs no root up to the hard
 * limit, but that is the shell's business (`ulimit -n`), not a test's.
 */
function openFileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === 'unlimited' ? Infinity : Number(soft);
}
const WIDGETS = Math.min(WANTED, openFileLimit() - 200);

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  await killAllParley();
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

it(
  `${WANTED} widgets drop and reconnect at once: the server answers health requests meanwhile, every widget resumes exactly what it missed, in order`,
  async () => {
    if (WIDGETS < WANTED) console.log(`reconnect storm: ulimit -n allows ${WIDGETS} widgets, not ${WANTED}`);
    expect(WIDGETS).toBeGreaterThanOrEqual(100);

    const dataDir = await tempDir('parley-storm-');
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const admin = await createAdmin(dataDir);
    const server = await startServerProcess(dataDir, { env: ONE_ADDRESS });
    const op = await setUpProject(server.url, admin, ORIGIN);
    const operator = await connectOperator(server.url, op.token, op.project.id);
    cleanups.push(() => operator.close());
    await operator.next((f) => f.type === 'ready');
    // What the operator socket hears (a Peer also keeps every frame; these are looked up).
    const heard = {
      offline: new Set<number>(),
      /** clientId -> dialog, for visitors' messages */
      dialogOf: new Map<string, number>(),
      stored: new Map<string, { id: number; seq: number }>(),
    };
    operator.ws.on('message', (raw) => {
      const f = JSON.parse(raw.toString());
      if (f.type === 'visitor.presence') {
        if (f.online) heard.offline.delete(f.visitorId);
        else heard.offline.add(f.visitorId);
      }
      if (f.type === 'message.created' && f.message.author === 'visitor') heard.dialogOf.set(f.message.clientId, f.message.dialogId);
      if (f.type === 'message.stored') heard.stored.set(f.clientId, { id: f.message.id, seq: f.message.seq });
    });
    const operatorEvents = { on: (e: string, f: () => void) => operator.ws.on(e, f), off: (e: string, f: () => void) => operator.ws.off(e, f) };

    // ---- the site's widgets, each with a dialog ---------------------------------------------
    const widgets: NodeWidget[] = Array.from({ length: WIDGETS }, () => {
      const w = new NodeWidget({ url: server.url, widgetKey: op.project.widgetKey, origin: ORIGIN, reconnect: false });
      cleanups.push(() => w.close());
      return w;
    });
    for (const w of widgets) w.start();
    await until('every widget welcomed', widgets, 'welcome', () => widgets.every((w) => w.welcomes.length === 1));
    const firsts = widgets.map((w) => w.send('Hello?'));
    await until('every first message stored', widgets, 'stored', () => widgets.every((w) => w.pending.size === 0));
    await until('the operator told of every dialog', [operatorEvents], 'message', () => firsts.every((c) => heard.dialogOf.has(c)));
    const dialogIds = firsts.map((c) => heard.dialogOf.get(c)!);
    expect(new Set(dialogIds).size).toBe(WIDGETS);

    // ---- the drop: the server has seen every widget go ----------------------------------------
    for (const w of widgets) w.drop();
    await until('the server to see every widget gone', [operatorEvents], 'message', () => heard.offline.size === WIDGETS);

    // Meanwhile the operator answers every dialog, MISSED times.
    const answers = new Map<number, string[]>();
    for (let round = 0; round < MISSED; round++) {
      for (const dialogId of dialogIds) {
        const clientId = randomUUID();
        answers.set(dialogId, [...(answers.get(dialogId) ?? []), clientId]);
        operator.send({ type: 'message.send', dialogId, clientId, body: `Answer ${round + 1}` });
      }
    }
    await until('every answer stored', [operatorEvents], 'message', () => heard.stored.size === WIDGETS * MISSED);
    const held = widgets.map((w) => ({ rev: w.rev, ids: new Set(w.messages.keys()) }));

    // ---- the storm: every widget at once, and health requests through it -----------------------
    const stormStarted = performance.now();
    for (const w of widgets) w.connect();
    const back = until('every widget welcomed after the storm', widgets, 'welcome', () => widgets.every((w) => w.welcomes.length === 2), 45_000);
    const probes: Array<{ status: number; ms: number; during: boolean }> = [];
    let stormOver = false;
    const probing = (async () => {
      do {
        const sent = performance.now();
        // Sent while widgets were still coming back (a fast storm may be over before the answer).
        const during = !stormOver;
        const res = await fetch(`${server.url}/readyz`);
        await res.arrayBuffer();
        probes.push({ status: res.status, ms: performance.now() - sent, during });
      } while (!stormOver);
    })();
    await back;
    const stormMs = performance.now() - stormStarted;
    stormOver = true;
    await probing;

    expect(probes[0].status).toBe(200);
    expect(probes.every((p) => p.status === 200)).toBe(true);
    // Health requests sent while widgets were still coming back were answered (200, above).
    const sentDuring = probes.filter((p) => p.during).length;
    expect(sentDuring).toBeGreaterThan(0);

    // ---- each resume: exactly the missed answers, in seq order ----------------------------------
    widgets.forEach((w, i) => {
      const welcome = w.welcomes[1];
      expect(welcome.token).toBe(w.welcomes[0].token);
      expect(welcome.dialog?.id).toBe(dialogIds[i]);
      const expected = answers.get(dialogIds[i])!.map((clientId) => heard.stored.get(clientId)!);
      expect(welcome.messages.map((m: VisitorMessage) => ({ id: m.id, seq: m.seq, author: m.author }))).toEqual(
        expected.map((s) => ({ id: s.id, seq: s.seq, author: 'operator' })),
      );
      expect(welcome.messages.map((m: VisitorMessage) => m.seq)).toEqual(Array.from({ length: MISSED }, (_, j) => 2 + j));
      expect(welcome.messages.every((m: VisitorMessage) => !held[i].ids.has(m.id) && m.rev > held[i].rev)).toBe(true);
    });

    // ---- after the storm: live again, every widget gets the next answer once --------------------
    const lastIds = new Map<number, string>();
    for (const dialogId of dialogIds) {
      const clientId = randomUUID();
      lastIds.set(dialogId, clientId);
      operator.send({ type: 'message.send', dialogId, clientId, body: 'Anything else?' });
    }
    await until('every widget shown the answer after the storm', widgets, 'message', () => widgets.every((w) => w.messages.size === 2 + MISSED));
    await until('the operator told every answer stored', [operatorEvents], 'message', () => heard.stored.size === WIDGETS * (MISSED + 1));
    widgets.forEach((w, i) => {
      const last = heard.stored.get(lastIds.get(dialogIds[i])!);
      expect([...w.messages.values()].map((m: VisitorMessage) => m.seq).sort((a: number, b: number) => a - b)).toEqual(
        Array.from({ length: MISSED + 2 }, (_, j) => 1 + j),
      );
      expect(w.messages.get(last!.id)?.body).toBe('Anything else?');
      expect(w.errors).toEqual([]);
      // The answers reached it once each: the missed ones in the welcome, the last one live.
      const answerIds = [...answers.get(dialogIds[i])!, lastIds.get(dialogIds[i])!].map((c) => heard.stored.get(c)!.id);
      expect(answerIds.map((id) => w.receipts.get(id))).toEqual(answerIds.map(() => 1));
    });

    const ms = probes.map((p) => p.ms).sort((a, b) => a - b);
    console.log(
      `reconnect storm: ${WIDGETS} widgets back in ${Math.round(stormMs)} ms; ${probes.length} health requests (${sentDuring} sent during the storm, all answered), ` +
        `latency median ${Math.round(ms[Math.floor(ms.length / 2)])} ms, max ${Math.round(ms[ms.length - 1])} ms`,
    );
  },
  90_000,
);
