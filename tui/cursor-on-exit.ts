// Ink hides the terminal's cursor while it draws and shows it again when it unmounts. For an exit
// that skips the unmount (a crash), the first hide also registers restore-cursor's exit hook, which
// writes "show the cursor" to stderr, whatever stderr is: with `parley tui 2>err.log` the escape
// sequence landed in the log, and in whatever read it (a pipe into a bug report, a CI log).
//
// The cursor belongs to the terminal Ink drew on, stdout. So when stderr is not a terminal, that
// one write goes to stdout instead (showing the cursor there twice after an unmount is harmless;
// a terminal gone has its writes dropped, terminal-gone.ts), and nowhere when stdout is not a
// terminal either (Ink hid nothing then). Kept to the end of the process: the hook runs at exit.
export const SHOW_CURSOR = '\u001B[?25h';

const routed = new WeakSet<NodeJS.WriteStream>();

export function showCursorOnTerminal(stderr: NodeJS.WriteStream = process.stderr, stdout: NodeJS.WriteStream = process.stdout): void {
  if (stderr.isTTY || routed.has(stderr)) return;
  routed.add(stderr);
  const write = stderr.write;
  stderr.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (chunk !== SHOW_CURSOR) return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    if (stdout.isTTY) stdout.write(SHOW_CURSOR);
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (done) process.nextTick(done);
    return true;
  } as NodeJS.WriteStream['write'];
}
