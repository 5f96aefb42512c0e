// The load: idle widgets that only hold a connection, active visitors that ack every operator
// message at once (as the widget does), and operator sockets that send at a fixed rate
// (open loop: the schedule does not wait for answers). Latency is from the operator's send to
// the operator receiving `message.updated` with deliveredAt for that message: the round trip an
// operator waits for before the TUI shows "delivered".
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { ORIGIN } from './servers.mjs';
import { cpuMsOf, percentiles } from './stats.mjs';

function open(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, origin: ORIGIN, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_q, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

function nextFrame(ws, match, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off('message', onMessage);
      reject(new Error('no expected frame'));
    }, timeoutMs);
    const onMessage = (raw) => {
      const f = JSON.parse(raw);
      if (!match(f)) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve(f);
    };
    ws.on('message', onMessage);
  });
}

async function inBatches(n, size, fn) {
  const out = [];
  for (let i = 0; i < n; i += size) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, j) => fn(i + j)))));
  }
  return out;
}

/** A visitor that acks every operator message as soon as it arrives. */
function ackEverything(ws) {
  ws.on('message', (raw) => {
    const f = JSON.parse(raw);
    if (f.type === 'message' && f.message.author !== 'visitor') ws.send(JSON.stringify({ type: 'ack', messageIds: [f.message.id] }));
  });
  return ws;
}

/** The same load against the relay or against Parley; only how sockets are opened differs. */
export function relayTarget(relay) {
  return {
    /** What bench/lib/idle.mjs needs to open idle widgets in a process of its own. */
    idleSpec: ['relay', relay.visitorUrl(0)],
    async idleWidget() {
      return open(relay.visitorUrl(0));
    },
    async activeVisitor(i) {
      const dialogId = i + 1;
      return { ws: ackEverything(await open(relay.visitorUrl(dialogId))), dialogId };
    },
    operator: () => open(relay.operatorUrl),
  };
}

export function parleyTarget(parley) {
  const hello = async (token) => {
    const ws = await open(parley.visitorUrl);
    const welcome = nextFrame(ws, (f) => f.type === 'welcome');
    ws.send(JSON.stringify({ type: 'hello', ...(token ? { token } : {}) }));
    return { ws, welcome: await welcome };
  };
  return {
    idleSpec: ['parley', parley.visitorUrl],
    async idleWidget() {
      return (await hello()).ws;
    },
    /** Starts a dialog with a first message, then comes back with its token to learn the dialog id. */
    async activeVisitor() {
      const first = await hello();
      const clientId = randomUUID();
      const stored = nextFrame(first.ws, (f) => f.type === 'message.stored' && f.clientId === clientId);
      first.ws.send(JSON.stringify({ type: 'message.send', clientId, body: 'Hello, is anyone there?' }));
      await stored;
      first.ws.close();
      const again = await hello(first.welcome.token);
      return { ws: ackEverything(again.ws), dialogId: again.welcome.dialog.id };
    },
    operator: () => open(parley.operatorUrl, { authorization: `Bearer ${parley.token}` }),
  };
}

export async function openIdle(target, n) {
  return inBatches(n, 250, () => target.idleWidget());
}

/** N idle widgets held by a child process (idle.mjs); resolves once all are in, with stop(). */
export async function openIdleElsewhere(target, n) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./idle.mjs', import.meta.url)), ...target.idleSpec, String(n)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`the idle widgets' process exited with ${code}`)));
  });
  return {
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export async function openActive(target, n) {
  return inBatches(n, 50, (i) => target.activeVisitor(i));
}

const UPDATED = '{"type":"message.updated","message":{"id":';

/**
 * An operator socket that times its own messages from send to delivered, until `stop()`. Every
 * operator socket hears every operator's events: frames that cannot be its own are skipped
 * without parsing them, so the load generator (on the same cores as the server) costs little.
 */
function timedOperator(ws) {
  const sentAt = new Map(); // clientId -> hrtime
  const byId = new Map(); // message id -> hrtime
  const state = { samples: [], delivered: 0, recording: false };
  const onMessage = (raw) => {
    const text = raw.toString();
    if (text.startsWith(UPDATED)) {
      const id = Number.parseInt(text.slice(UPDATED.length, UPDATED.length + 20), 10);
      if (!byId.has(id)) return;
      const f = JSON.parse(text);
      if (!f.message.deliveredAt) return;
      const t = byId.get(id);
      byId.delete(id);
      state.delivered++;
      if (t.recording) state.samples.push(Number(process.hrtime.bigint() - t.at) / 1e6);
    } else if (text.startsWith('{"type":"message.stored"')) {
      const f = JSON.parse(text);
      const t = sentAt.get(f.clientId);
      if (t !== undefined) {
        sentAt.delete(f.clientId);
        byId.set(f.message.id, t);
      }
    }
  };
  ws.on('message', onMessage);
  return {
    state,
    send(dialogId, body) {
      const clientId = randomUUID();
      sentAt.set(clientId, { at: process.hrtime.bigint(), recording: state.recording });
      ws.send(JSON.stringify({ type: 'message.send', dialogId, clientId, body }));
    },
    pending: () => sentAt.size + byId.size,
    stop: () => ws.off('message', onMessage),
  };
}

/**
 * Sends `rate` messages a second for `seconds` (after a short warm-up that is not recorded),
 * spread over the operators and dialogs; waits for the stragglers; returns the latencies, and
 * the CPU time per message of the server (`serverPid`: every thread of it, and its main thread,
 * the event loop, alone) and of this load generator, over the whole run (warm-up and stragglers
 * too).
 */
export async function runRate(operatorSockets, dialogs, rate, seconds, serverPid) {
  const ops = operatorSockets.map(timedOperator);
  const serverBefore = serverPid ? await cpuMsOf(serverPid) : NaN;
  const mainBefore = serverPid ? await cpuMsOf(serverPid, serverPid) : NaN;
  const loadBefore = process.cpuUsage();
  const warmup = Math.min(1, seconds / 4);
  const total = warmup + seconds;
  const started = process.hrtime.bigint();
  let sent = 0;
  let recordedFrom = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      if (elapsed >= total) return resolve();
      const recording = elapsed >= warmup;
      if (recording && !ops[0].state.recording) recordedFrom = sent;
      for (const op of ops) op.state.recording = recording;
      const due = Math.floor(elapsed * rate) - sent;
      for (let i = 0; i < due; i++, sent++) {
        ops[sent % ops.length].send(dialogs[sent % dialogs.length], `Message ${sent}`);
      }
      setTimeout(tick, 1);
    };
    tick();
  });
  const sendSeconds = Number(process.hrtime.bigint() - started) / 1e9 - warmup;
  // A saturated server still owes the backlog: wait for it (the next rate must not start on a
  // busy server); what is not acked a minute after the last send counts as lost.
  const deadline = Date.now() + 60_000;
  while (ops.some((o) => o.pending() > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  for (const op of ops) op.stop();
  const samples = ops.flatMap((o) => o.state.samples);
  const recorded = sent - recordedFrom;
  const load = process.cpuUsage(loadBefore);
  return {
    rate,
    achieved: samples.length / sendSeconds,
    lost: ops.reduce((n, o) => n + o.pending(), 0),
    recorded,
    cpuUs: {
      server: serverPid ? (((await cpuMsOf(serverPid)) - serverBefore) * 1000) / sent : NaN,
      main: serverPid ? (((await cpuMsOf(serverPid, serverPid)) - mainBefore) * 1000) / sent : NaN,
      load: (load.user + load.system) / sent,
    },
    ...percentiles(samples),
  };
}

export function closeAll(sockets) {
  for (const ws of sockets) ws.terminate();
}
