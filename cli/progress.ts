// A progress bar on stderr, drawn only for a person at a terminal (never in scripts or with
// --json, where stderr must stay quiet), redrawn at most every 50 ms, erased when done.
import type { Io } from './io.js';

export interface Progress {
  tick(done: number): void;
  /** A phase without a count (waiting for the server). */
  say(text: string): void;
  end(): void;
}

const WIDTH = 30;
const SILENT: Progress = { tick() {}, say() {}, end() {} };

export function progressBar(io: Io, total: number, label: string, opts: { minTotal?: number } = {}): Progress {
  if (!io.stderrIsTTY || io.json || total < (opts.minTotal ?? 0)) return SILENT;
  let last = 0;
  let drawn = false;
  const draw = (text: string) => {
    io.stderr.write(`\r\x1b[2K${text}`);
    drawn = true;
  };
  return {
    tick(done) {
      const now = Date.now();
      if (done < total && now - last < 50) return;
      last = now;
      const filled = total ? Math.round((done / total) * WIDTH) : WIDTH;
      draw(`${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}/${total}`);
    },
    say(text) {
      draw(text);
    },
    end() {
      if (drawn) io.stderr.write('\r\x1b[2K');
    },
  };
}
