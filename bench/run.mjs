// Benchmarks (never run by `npm test`). Each measurement stands next to a baseline measured in
// the same run, so numbers compare across machines. Writes bench/results/latest.json.
//
//   npm run bench            full run
//   npm run bench -- --quick fewer repetitions
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const quick = process.argv.includes('--quick');
const runs = quick ? 10 : 30;
const bin = fileURLToPath(new URL('../bin/parley.js', import.meta.url));

function timeCommand(args) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(runs / 2)], min: samples[0] };
}

const baseline = timeCommand(['-e', '']);
const version = timeCommand([bin, '--version']);
const rows = [
  { name: 'bare node -e ""', ...baseline, ratio: 1 },
  { name: 'parley --version', ...version, ratio: version.p50 / baseline.p50 },
];

console.log(`CLI cold start (${runs} runs, ${cpus().length} cores, node ${process.version})`);
for (const r of rows) {
  console.log(`  ${r.name.padEnd(20)} p50 ${r.p50.toFixed(1).padStart(7)} ms   min ${r.min.toFixed(1).padStart(7)} ms   ${r.ratio.toFixed(2)}x`);
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/latest.json', import.meta.url),
  JSON.stringify({ at: new Date().toISOString(), node: process.version, cores: cpus().length, cliColdStart: rows }, null, 2),
);
