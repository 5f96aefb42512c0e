// Soak run (never part of `npm test`): many widgets and operators on one server for minutes, over
// loopback. Visitors write at a steady rate, the operator responsible for the dialog answers each
// message, the widget acks the answer. Passes when nothing went wrong (every message confirmed,
// every answer delivered, no error frame, no dropped socket, every health request answered, the
// database without duplicates or seq gaps) and the server's memory stayed flat after warm-up.
// Prints a table, writes bench/results/soak-latest.json, exits 1 when it did not pass.
//
//   npm run test:soak                              10,000 widgets, 50 operators, 10 minutes
//   npm run test:soak -- --minutes 1               a short run
//   npm run test:soak -- --storm                   then the 5,000-widget reconnect storm
//   npm run test:soak -- --minutes 0 --storm       the storm alone
//
// Flags: --widgets N, --operators N, --minutes M, --rate R (visitor messages a second; each is
// answered), --storm, --storm-widgets N (5,000), --max-growth F (0.10: the last third's mean RSS
// may be at most 10% above the RSS at the end of the warm-up, the first third).
//
// Every widget is a socket on each side: `ulimit -n` must allow the widgets plus about 1,000 (the
// run checks). `npm run build` first (npm install does it): the server and the operator client
// come from dist/.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ROOT, startParley } from '../bench/lib/servers.mjs';
import { percentiles, rssOf, until as poll } from '../bench/lib/stats.mjs';
import { openWidgets, storm } from './soak-lib/storm.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const WIDGETS = flag('--widgets', 10_000);
const OPERATORS = flag('--operators', 50);
const MINUTES = flag('--minutes', 10);
const RATE = flag('--rate', 20);
const STORM = args.includes('--storm');
const STORM_WIDGETS = flag('--storm-widgets', 5000);
const MAX_GROWTH = flag('--max-growth', 0.1);
const SAMPLE_SECONDS = 10;

const log = (line) => process.stderr.write(`${line}\n`);
const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

if (!existsSync(join(ROOT, 'dist/core/client/realtime.js'))) {
  console.error('dist/ is missing: run "npm run build" first.');
  process.exit(1);
}
const limit = Number(execSync('ulimit -n', { shell: '/bin/bash' }).toString().trim());
const needed = Math.max(MINUTES > 0 ? WIDGETS + OPERATORS : 0, STORM ? STORM_WIDGETS : 0) + 1000;
if (limit < needed) {
  console.error(`ulimit -n is ${limit}: too few open files for this run (about ${needed}). Run "ulimit -n ${Math.max(needed, 65536)}" first (up to the hard limit, ulimit -Hn, no root needed), or pass fewer --widgets.`);
  process.exit(1);
}

const health = async (url) => {
  const sent = performance.now();
  try {
    const res = await fetch(`${url}/readyz`);
    await res.arrayBuffer();
    return { ok: res.status === 200, ms: performance.now() - sent };
  } catch {
    return { ok: false, ms: performance.now() - sent };
  }
};

/** Messages in the server's file: duplicates per (dialog, clientId) and seq gaps must be none. */
function checkDatabase(dataDir) {
  const db = new Database(join(dataDir, 'parley.db'), { readonly: true });
  try {
    return {
      messages: db.prepare('SELECT count(*) AS n FROM messages').get().n,
      duplicates: db.prepare('SELECT count(*) AS n FROM (SELECT 1 FROM messages GROUP BY dialog_id, client_id HAVING count(*) > 1)').get().n,
      dialogsWithGaps: db
        .prepare('SELECT count(*) AS n FROM (SELECT 1 FROM messages GROUP BY dialog_id HAVING min(seq) <> 1 OR max(seq) <> count(*))')
        .get().n,
    };
  } finally {
    db.close();
  }
}

async function soak() {
  const parley = await startParley();
  const errors = [];
  let errorCount = 0;
  const note = (what) => {
    errorCount++;
    if (errors.length < 50) errors.push(what);
  };
  let closing = false;
  try {
    log(`soak: opening ${WIDGETS} widgets`);
    const opened = performance.now();
    const widgets = await openWidgets(parley, WIDGETS);
    log(`soak: ${WIDGETS} widgets in ${((performance.now() - opened) / 1000).toFixed(1)} s; ${OPERATORS} operators`);
    widgets.forEach((w, i) => {
      w.on('down', () => closing || note(`widget ${i} lost its connection`));
      w.on('server-error', (f) => note(`widget ${i}: ${f.code} ${f.message}`));
    });

    // ---- operators: the real client, each answering the dialogs that fall to it ----------------
    const { OperatorConnection } = await import(join(ROOT, 'dist/core/client/realtime.js'));
    /** clientId -> the answer's state, for latency and delivery. */
    const answers = new Map();
    const operators = Array.from({ length: OPERATORS }, (_, index) => {
      const conn = new OperatorConnection({ url: parley.url, token: parley.token, projectId: parley.project.id });
      conn.on('event', (e) => {
        if (e.type !== 'message.created' || e.message.author !== 'visitor' || e.message.dialogId % OPERATORS !== index) return;
        const { clientId } = conn.send(e.message.dialogId, `Re: ${e.message.body}`);
        answers.set(clientId, { sentAt: performance.now(), deliveredMs: null, failed: false });
      });
      conn.on('outbox', (entry) => {
        const a = answers.get(entry.clientId);
        if (!a) return;
        if (entry.state === 'delivered' && a.deliveredMs === null) a.deliveredMs = performance.now() - a.sentAt;
        if (entry.state === 'failed') a.failed = true; // a late delivery still counts; "failed" is counted apart
      });
      conn.on('fatal', (err) => note(`operator ${index}: ${err.message}`));
      conn.on('serverError', (err) => note(`operator ${index}: ${err.code} ${err.message}`));
      conn.on('state', (s) => s.state === 'offline' && !closing && note(`operator ${index} offline: ${s.reason}`));
      return conn;
    });
    for (const conn of operators) conn.start();
    await poll('the operators online', () => operators.every((c) => c.state === 'online'));

    // ---- visitors write at RATE a second (open loop), from random widgets ----------------------
    const visitorMessages = new Map(); // clientId -> { sentAt, storedMs }
    widgets.forEach((w) =>
      w.on('stored', (clientId) => {
        const m = visitorMessages.get(clientId);
        if (m && m.storedMs === null) m.storedMs = performance.now() - m.sentAt;
      }),
    );
    const started = performance.now();
    let offered = 0;
    let running = true;
    const tick = () => {
      if (!running) return;
      const due = Math.floor(((performance.now() - started) / 1000) * RATE);
      for (; offered < due; offered++) {
        const w = widgets[Math.floor(Math.random() * widgets.length)];
        if (!w.online || w.pending.size > 0) continue;
        visitorMessages.set(w.send(`Question ${offered}`), { sentAt: performance.now(), storedMs: null });
      }
      setTimeout(tick, 10);
    };
    tick();

    // ---- samples every 10 s -----------------------------------------------------------------
    const samples = [];
    const counts = () => ({
      stored: [...visitorMessages.values()].filter((m) => m.storedMs !== null).length,
      delivered: [...answers.values()].filter((a) => a.deliveredMs !== null).length,
    });
    let before = counts();
    const total = MINUTES * 60;
    for (let at = SAMPLE_SECONDS; at <= total; at += SAMPLE_SECONDS) {
      await new Promise((r) => setTimeout(r, Math.max(0, started + at * 1000 - performance.now())));
      const rss = await rssOf(parley.pid).catch(() => NaN);
      if (!Number.isFinite(rss)) note('the server process is gone');
      const probe = await health(parley.url);
      if (!probe.ok) note(`health request failed at ${at} s`);
      const now = counts();
      const sample = {
        at,
        rss,
        healthMs: probe.ms,
        widgetsOnline: widgets.filter((w) => w.online).length,
        operatorsOnline: operators.filter((c) => c.state === 'online').length,
        storedPerSecond: (now.stored - before.stored) / SAMPLE_SECONDS,
        deliveredPerSecond: (now.delivered - before.delivered) / SAMPLE_SECONDS,
        errors: errorCount,
      };
      before = now;
      samples.push(sample);
      log(
        `  ${String(at).padStart(5)} s  rss ${mb(rss).padStart(7)} MB  health ${fmt(probe.ms).padStart(6)} ms  widgets ${sample.widgetsOnline}  ` +
          `msgs ${fmt(sample.storedPerSecond)}/s  answers ${fmt(sample.deliveredPerSecond)}/s  errors ${errorCount}`,
      );
    }
    running = false;

    // ---- drain: everything written is stored, every answer delivered ----------------------------
    log('soak: draining');
    await poll(
      'the last messages and answers',
      () =>
        [...visitorMessages.values()].every((m) => m.storedMs !== null) &&
        answers.size === visitorMessages.size &&
        [...answers.values()].every((a) => a.deliveredMs !== null),
      30_000,
    ).catch(() => undefined);
    const unconfirmed = [...visitorMessages.values()].filter((m) => m.storedMs === null).length;
    const unanswered = visitorMessages.size - answers.size;
    const undelivered = [...answers.values()].filter((a) => a.deliveredMs === null).length;
    if (unconfirmed) note(`${unconfirmed} visitor messages never confirmed`);
    if (unanswered) note(`${unanswered} visitor messages never answered`);
    if (undelivered) note(`${undelivered} answers never delivered`);
    const db = checkDatabase(parley.dataDir);
    if (db.duplicates) note(`${db.duplicates} messages stored twice`);
    if (db.dialogsWithGaps) note(`${db.dialogsWithGaps} dialogs with seq gaps`);
    if (db.messages !== visitorMessages.size + answers.size) note(`${db.messages} messages in the database, ${visitorMessages.size + answers.size} written`);

    closing = true;
    for (const w of widgets) w.close();
    await Promise.all(operators.map((c) => c.close()));

    // ---- memory: flat after warm-up ---------------------------------------------------------
    const third = Math.max(1, Math.floor(samples.length / 3));
    const warmupEnd = samples[third - 1]?.rss ?? NaN;
    const lastThird = samples.slice(-third);
    const lastThirdMean = lastThird.reduce((s, x) => s + x.rss, 0) / lastThird.length;
    const growth = lastThirdMean / warmupEnd - 1;
    const flat = samples.length >= 3 && growth <= MAX_GROWTH;
    return {
      widgets: WIDGETS,
      operators: OPERATORS,
      minutes: MINUTES,
      rate: RATE,
      samples,
      memory: { warmupEndRss: warmupEnd, lastThirdMeanRss: lastThirdMean, growth, maxGrowth: MAX_GROWTH, flat },
      totals: {
        visitorMessages: visitorMessages.size,
        answers: answers.size,
        failedThenDelivered: [...answers.values()].filter((a) => a.failed && a.deliveredMs !== null).length,
        unconfirmed,
        unanswered,
        undelivered,
        database: db,
      },
      latency: {
        visitorStoredMs: percentiles([...visitorMessages.values()].flatMap((m) => (m.storedMs === null ? [] : [m.storedMs]))),
        answerDeliveredMs: percentiles([...answers.values()].flatMap((a) => (a.deliveredMs === null ? [] : [a.deliveredMs]))),
        healthMs: percentiles(samples.map((s) => s.healthMs)),
      },
      errorCount,
      errors,
      ok: errorCount === 0 && flat,
    };
  } finally {
    closing = true;
    await parley.stop();
  }
}

// ---- run, report ------------------------------------------------------------------------
const result = { at: new Date().toISOString() };
if (MINUTES > 0) result.soak = await soak();
if (STORM) {
  const parley = await startParley();
  try {
    result.storm = await storm(parley, { widgets: STORM_WIDGETS, log });
  } finally {
    await parley.stop();
  }
}

const out = [];
out.push(`Parley soak: ${cpus().length} cores (${cpus()[0].model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
if (result.soak) {
  const s = result.soak;
  out.push('');
  out.push(`${s.widgets} widgets, ${s.operators} operators, ${s.minutes} min, ${s.rate} visitor messages/s each answered (server RSS every ${SAMPLE_SECONDS} s)`);
  out.push('   time   server RSS   health   widgets  operators   msgs/s  answers/s  errors');
  for (const x of s.samples) {
    out.push(
      `  ${String(x.at).padStart(4)} s ${mb(x.rss).padStart(9)} MB ${fmt(x.healthMs).padStart(6)} ms ${String(x.widgetsOnline).padStart(9)} ${String(x.operatorsOnline).padStart(10)} ${fmt(x.storedPerSecond).padStart(8)} ${fmt(x.deliveredPerSecond).padStart(10)} ${String(x.errors).padStart(7)}`,
    );
  }
  const m = s.memory;
  out.push(
    `  memory: ${mb(m.warmupEndRss)} MB at the end of the warm-up (first third), ${mb(m.lastThirdMeanRss)} MB mean over the last third: ` +
      `${m.growth >= 0 ? '+' : ''}${fmt(m.growth * 100)}% (at most +${fmt(m.maxGrowth * 100, 0)}%): ${m.flat ? 'flat' : 'GROWING'}`,
  );
  out.push(
    `  ${s.totals.visitorMessages} visitor messages, ${s.totals.answers} answers (${s.totals.failedThenDelivered} shown failed before a late delivery); ` +
      `database ${s.totals.database.messages} messages, ${s.totals.database.duplicates} duplicates, ${s.totals.database.dialogsWithGaps} dialogs with seq gaps`,
  );
  out.push(
    `  latency p50/p99: visitor message stored ${fmt(s.latency.visitorStoredMs.p50)}/${fmt(s.latency.visitorStoredMs.p99)} ms, ` +
      `answer delivered ${fmt(s.latency.answerDeliveredMs.p50)}/${fmt(s.latency.answerDeliveredMs.p99)} ms, health ${fmt(s.latency.healthMs.p50)}/${fmt(s.latency.healthMs.max)} (max) ms`,
  );
  out.push(`  errors: ${s.errorCount === 0 ? 'none' : `${s.errorCount}: ${s.errors.slice(0, 5).join('; ')}`}`);
  out.push(`  soak: ${s.ok ? 'PASS' : 'FAIL'}`);
}
if (result.storm) {
  const s = result.storm;
  out.push('');
  out.push(`Reconnect storm: ${s.widgets} widgets drop and reconnect at once, ${s.missed} answers missed each`);
  out.push(
    `  all back in ${s.stormMs} ms; ${s.resumedExactly}/${s.widgets} resumed exactly what they missed, in order; ` +
      `health: ${s.health.requests} requests (${s.health.answeredDuring} answered during the storm), p50 ${fmt(s.health.p50)} ms, max ${fmt(s.health.max)} ms; ` +
      `server RSS ${mb(s.rssBefore)} -> ${mb(s.rssAfter)} MB`,
  );
  out.push(`  errors: ${s.errors.length === 0 ? 'none' : s.errors.slice(0, 5).join('; ')}`);
  out.push(`  storm: ${s.ok ? 'PASS' : 'FAIL'}`);
}
console.log(out.join('\n'));

mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(
  join(ROOT, 'bench/results/soak-latest.json'),
  `${JSON.stringify(
    {
      ...result,
      machine: { cores: cpus().length, model: cpus()[0].model.trim(), memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      options: { widgets: WIDGETS, operators: OPERATORS, minutes: MINUTES, rate: RATE, storm: STORM, stormWidgets: STORM_WIDGETS, maxGrowth: MAX_GROWTH },
      table: out,
    },
    null,
    2,
  )}\n`,
);
process.exit((result.soak?.ok ?? true) && (result.storm?.ok ?? true) ? 0 : 1);
