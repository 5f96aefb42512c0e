// The reconnect storm: N widgets, each with a dialog, lose the network at once; an operator
// answers every dialog meanwhile; then all of them reconnect at the same instant. Checks that the
// server stays responsive (health requests through the storm) and that every widget is welcomed
// back with exactly the answers it missed, in seq order, and then gets a live answer once.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { ORIGIN } from '../../bench/lib/servers.mjs';
import { percentiles, rssOf } from '../../bench/lib/stats.mjs';
import { until } from './until.mjs';
import { NodeWidget } from './widget.mjs';

/** Opens widgets 250 at a time (a site's visitors do not all arrive in one millisecond). */
export async function openWidgets(parley, n, opts = {}) {
  const widgets = [];
  for (let i = 0; i < n; i += 250) {
    const batch = Array.from(
      { length: Math.min(250, n - i) },
      () => new NodeWidget({ url: parley.url, widgetKey: parley.project.widgetKey, origin: ORIGIN, ...opts }),
    );
    for (const w of batch) w.start();
    await until('widgets welcomed', batch, 'welcome', () => batch.every((w) => w.welcomes.length > 0));
    widgets.push(...batch);
  }
  return widgets;
}

/** A bare operator socket (the storm's answers are many; the operator client is not the subject). */
export function operatorSocket(parley) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(parley.operatorUrl, { headers: { authorization: `Bearer ${parley.token}` }, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

export async function storm(parley, { widgets: n, missed = 2, log }) {
  const errors = [];
  const operator = await operatorSocket(parley);
  const heard = { offline: new Set(), dialogOf: new Map(), stored: new Map() };
  operator.on('message', (raw) => {
    const f = JSON.parse(raw.toString());
    if (f.type === 'visitor.presence') {
      if (f.online) heard.offline.delete(f.visitorId);
      else heard.offline.add(f.visitorId);
    } else if (f.type === 'message.created' && f.message.author === 'visitor') heard.dialogOf.set(f.message.clientId, f.message.dialogId);
    else if (f.type === 'message.stored') heard.stored.set(f.clientId, f.message);
    else if (f.type === 'error') errors.push(`operator: ${f.code} ${f.message}`);
  });
  const answer = (dialogId, body) => {
    const clientId = randomUUID();
    operator.send(JSON.stringify({ type: 'message.send', dialogId, clientId, body }));
    return clientId;
  };

  log(`storm: opening ${n} widgets, each with a dialog`);
  const widgets = await openWidgets(parley, n, { reconnect: false });
  const firsts = widgets.map((w) => w.send('Hello?'));
  await until('first messages stored', widgets, 'stored', () => widgets.every((w) => w.pending.size === 0));
  await until('the operator told of every dialog', [operator], 'message', () => heard.dialogOf.size >= n);
  const dialogIds = firsts.map((c) => heard.dialogOf.get(c));

  log('storm: the network goes away under every widget');
  for (const w of widgets) w.drop();
  await until('the server to see every widget gone', [operator], 'message', () => heard.offline.size >= n);
  const answers = dialogIds.map((d) => Array.from({ length: missed }, (_, i) => answer(d, `Answer ${i + 1}`)));
  await until('every answer stored', [operator], 'message', () => heard.stored.size >= n * missed);
  const held = widgets.map((w) => w.rev);
  const rssBefore = await rssOf(parley.pid);

  log(`storm: ${n} widgets reconnect at once`);
  const started = performance.now();
  for (const w of widgets) w.connect();
  let over = false;
  const probes = [];
  const probing = (async () => {
    do {
      const sent = performance.now();
      try {
        const res = await fetch(`${parley.url}/readyz`);
        await res.arrayBuffer();
        probes.push({ status: res.status, ms: performance.now() - sent, during: !over });
      } catch (err) {
        probes.push({ status: 0, ms: performance.now() - sent, during: !over, error: err.message });
      }
    } while (!over);
  })();
  await until('every widget welcomed back', widgets, 'welcome', () => widgets.every((w) => w.welcomes.length === 2), 300_000);
  const stormMs = performance.now() - started;
  over = true;
  await probing;
  const rssAfter = await rssOf(parley.pid);

  // Each resume: exactly the answers missed, in seq order, none held before.
  let resumedExactly = 0;
  widgets.forEach((w, i) => {
    const welcome = w.welcomes[1];
    const expected = answers[i].map((c) => heard.stored.get(c));
    const got = welcome.messages;
    const same =
      welcome.token === w.welcomes[0].token &&
      welcome.dialog?.id === dialogIds[i] &&
      got.length === expected.length &&
      got.every((m, j) => m.id === expected[j].id && m.seq === 2 + j && m.rev > held[i]);
    if (same) resumedExactly++;
    else if (errors.length < 20) errors.push(`widget ${i}: resumed ${JSON.stringify(got.map((m) => m.seq))}, expected seqs ${JSON.stringify(expected.map((m) => m.seq))}`);
  });

  // Live again: one more answer each, shown once.
  const lasts = dialogIds.map((d) => answer(d, 'Anything else?'));
  await until('the answer after the storm', widgets, 'message', () => widgets.every((w) => w.messages.size === 2 + missed));
  await until('the answers after the storm stored', [operator], 'message', () => heard.stored.size >= n * (missed + 1), 30_000);
  widgets.forEach((w, i) => {
    const id = heard.stored.get(lasts[i])?.id;
    if (w.receipts.get(id) !== 1 && errors.length < 20) errors.push(`widget ${i}: the answer after the storm came ${w.receipts.get(id) ?? 0} times`);
    for (const e of w.errors) if (errors.length < 20) errors.push(`widget ${i}: ${e.code} ${e.message}`);
  });
  for (const w of widgets) w.close();
  operator.terminate();

  const failedProbes = probes.filter((p) => p.status !== 200);
  if (failedProbes.length) errors.push(`${failedProbes.length} health requests failed`);
  const answeredDuring = probes.filter((p) => p.during && p.status === 200).length;
  if (answeredDuring === 0) errors.push('no health request was answered while widgets were coming back');
  return {
    widgets: n,
    missed,
    stormMs: Math.round(stormMs),
    resumedExactly,
    health: { requests: probes.length, answeredDuring, ...percentiles(probes.map((p) => p.ms)) },
    rssBefore,
    rssAfter,
    errors,
    ok: errors.length === 0 && resumedExactly === n,
  };
}
