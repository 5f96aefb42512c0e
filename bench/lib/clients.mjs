// Start-up of the programs people run: the CLI (offline and against a server), the TUI's first
// frame, each next to bare `node` measured in the same run; and the widget in Chromium.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { BIN, ORIGIN } from './servers.mjs';
import { percentiles } from './stats.mjs';

function timeCommand(args, runs, env) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return percentiles(samples);
}

/** Time until a program running in a pseudo-terminal (via `script`) prints `marker`. */
function timeToOutput(command, marker, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, COLUMNS: '120', LINES: '40', TERM: 'xterm-256color', ...env },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "${marker}" from ${command}; got ${JSON.stringify(out.slice(-300))}`));
    }, 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes(marker)) {
        clearTimeout(timer);
        const took = Number(process.hrtime.bigint() - start) / 1e6;
        child.kill('SIGKILL');
        resolve(took);
      }
    });
  });
}

export async function cliStart(parley, runs) {
  const env = { PARLEY_URL: parley.url, PARLEY_TOKEN: parley.apiToken, PARLEY_PROJECT: String(parley.project.id), PARLEY_CONFIG_DIR: parley.dataDir };
  const node = timeCommand(['-e', ''], runs, {});
  const rows = [
    { name: 'bare node -e ""', ...node },
    { name: 'parley --version', ...timeCommand([BIN, '--version'], runs, env) },
    { name: 'parley team list --json', ...timeCommand([BIN, 'team', 'list', '--json'], runs, env) },
  ];
  // The TUI: first frame (the My messages pane) against bare node printing one line, both in a pty.
  const tuiRuns = Math.max(3, Math.floor(runs / 3));
  const bare = [];
  const tui = [];
  try {
    for (let i = 0; i < tuiRuns; i++) {
      bare.push(await timeToOutput(`${process.execPath} -e "console.log('ready')"`, 'ready', {}));
      tui.push(await timeToOutput(`${process.execPath} ${BIN} tui`, 'My messages', env));
    }
    rows.push({ name: 'bare node in a pty', ...percentiles(bare), baseline: true });
    rows.push({ name: 'parley tui first frame', ...percentiles(tui), against: 'bare node in a pty' });
  } catch (err) {
    rows.push({ name: 'parley tui first frame', error: err.message });
  }
  return rows.map((r) => {
    const base = rows.find((b) => b.name === (r.against ?? 'bare node -e ""'));
    return { ...r, ratio: r.p50 !== undefined && base ? r.p50 / base.p50 : undefined };
  });
}

export async function widget(parley) {
  const script = Buffer.from(await (await fetch(`${parley.url}/widget.js`)).arrayBuffer());
  const result = { bytes: script.length, gzipBytes: gzipSync(script).length };
  // A site page on its own origin (the project's allowed one), embedding the widget.
  const page = `<!doctype html><title>Shop</title><h1>Shop</h1><script src="${parley.url}/widget.js" data-project="${parley.project.widgetKey}" async></script>`;
  const site = createServer((_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
  await new Promise((r) => site.listen(0, '127.0.0.1', r));
  const siteUrl = `http://127.0.0.1:${site.address().port}/`;
  try {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      // The site is served on loopback but must present the project's allowed origin.
      args: ['--no-sandbox', '--disable-gpu', `--host-resolver-rules=MAP bench.localhost 127.0.0.1:${site.address().port}`],
    });
    try {
      const samples = [];
      for (let i = 0; i < 5; i++) {
        const context = await browser.newContext();
        const p = await context.newPage();
        const start = process.hrtime.bigint();
        await p.goto(`${ORIGIN}/`);
        await p.locator('.launcher').waitFor({ state: 'visible' });
        samples.push(Number(process.hrtime.bigint() - start) / 1e6);
        await context.close();
      }
      result.tabVisible = percentiles(samples);
    } finally {
      await browser.close();
    }
  } catch (err) {
    result.error = err.message;
  } finally {
    site.close();
  }
  return result;
}
