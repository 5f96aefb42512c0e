// Driving an Ink app under ink-testing-library: named keys, presses, and waiting for the frame
// that shows what a test expects (no sleeping). Frames are compared with ANSI codes stripped.
import { stripVTControlCharacters } from 'node:util';

export const ENTER = '\r';
export const CTRL_ENTER = '\x1b[13;5u';
export const CTRL_ENTER_XTERM = '\x1b[27;5;13~';
export const SHIFT_ENTER = '\x1b[13;2u';
export const SHIFT_ENTER_XTERM = '\x1b[27;2;13~';
export const CTRL_S = '\x13';
export const ALT_ENTER = '\x1b\r';
export const TAB = '\t';
export const SHIFT_TAB = '\x1b[Z';
export const UP = '\x1b[A';
export const DOWN = '\x1b[B';
export const ESC = '\x1b';

interface Rendered {
  stdin: { write(data: string): void };
  stdout: { write(frame: string): void };
  lastFrame(): string | undefined;
}

export const plain = (frame: string | undefined) => stripVTControlCharacters(frame ?? '');

/**
 * Writes each key as its own chunk, as a terminal would. Ink holds a lone ESC until the next
 * event-loop turn (it may start a longer sequence), so each key gets its own turn; and a frame
 * can be out before React ran the effects that subscribe the input hooks, so a turn comes first.
 */
export async function press(app: Rendered, ...keys: string[]): Promise<void> {
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  for (const k of keys) {
    await turn();
    app.stdin.write(k);
  }
  await turn();
}

// ink-testing-library's stdout keeps frames but emits nothing: wrap its write once per app.
const listeners = new WeakMap<Rendered['stdout'], Set<(frame: string) => void>>();
function onFrames(app: Rendered): Set<(frame: string) => void> {
  let set = listeners.get(app.stdout);
  if (!set) {
    const own = new Set<(frame: string) => void>();
    const write = app.stdout.write;
    app.stdout.write = (frame: string) => {
      write(frame);
      for (const fn of [...own]) fn(frame);
    };
    listeners.set(app.stdout, own);
    set = own;
  }
  return set;
}

/** The first frame (the current one, or one still to come) that satisfies `check`. */
export function waitForFrame(app: Rendered, check: (frame: string) => boolean, what = 'a matching frame', timeoutMs = 10_000): Promise<string> {
  const frames = onFrames(app);
  const now = plain(app.lastFrame());
  if (check(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const onFrame = (raw: string) => {
      const frame = plain(raw);
      if (!check(frame)) return;
      clearTimeout(timer);
      frames.delete(onFrame);
      resolve(frame);
    };
    const timer = setTimeout(() => {
      frames.delete(onFrame);
      reject(new Error(`timed out waiting for ${what}; last frame:\n${plain(app.lastFrame())}`));
    }, timeoutMs);
    frames.add(onFrame);
  });
}

export const CTRL_T = '\x14';
export const CTRL_N = '\x0e';
export const CTRL_F = '\x06';
export const CTRL_O = '\x0f';
export const CTRL_X = '\x18';
/** Backspace as tmux and most terminals send it (Ink alone would call it key.delete). */
export const BACKSPACE = '\x7f';
/** Backspace as some terminals send it (the same byte as Ctrl+H). */
export const BACKSPACE_CTRL_H = '\x08';
/** The Delete key. */
export const DELETE = '\x1b[3~';
export const PASTE_START = '\x1b[200~';
export const PASTE_END = '\x1b[201~';

/**
 * Like ink-testing-library's `render`, with a terminal of the given size that a test can
 * resize (`resize(columns, rows)`), for layout tests.
 */
export async function renderSized(tree: import('react').ReactElement, size: { columns: number; rows: number }) {
  const { EventEmitter } = await import('node:events');
  const { render } = await import('ink');
  class Stdout extends EventEmitter {
    columns = size.columns;
    rows = size.rows;
    frames: string[] = [];
    write = (frame: string) => {
      // Where CI is set (is-in-ci), Ink's unmount writes its last non-debug output and a newline:
      // in debug mode that is '\n' alone, not a frame. The frame before it is what stays on screen.
      if (frame !== '\n') this.frames.push(frame);
      return true;
    };
    lastFrame = () => this.frames.at(-1);
  }
  class Stdin extends EventEmitter {
    isTTY = true;
    data: string | null = null;
    write = (data: string) => {
      this.data = data;
      this.emit('readable');
      this.emit('data', data);
    };
    setEncoding() {}
    setRawMode() {}
    resume() {}
    pause() {}
    ref() {}
    unref() {}
    read = () => {
      const { data } = this;
      this.data = null;
      return data;
    };
  }
  const stdout = new Stdout();
  const stdin = new Stdin();
  const instance = render(tree, { stdout: stdout as any, stderr: new Stdout() as any, stdin: stdin as any, debug: true, exitOnCtrlC: false, patchConsole: false });
  return {
    stdin,
    stdout,
    lastFrame: stdout.lastFrame,
    unmount: () => instance.unmount(),
    resize(columns: number, rows: number) {
      stdout.columns = columns;
      stdout.rows = rows;
      stdout.emit('resize');
    },
  };
}

/** Lines of a frame wider than `columns` or more than `rows` of them: a layout that overflows. */
export function overflow(frame: string, columns: number, rows: number): string[] {
  const lines = frame.split('\n');
  const wide = lines.filter((l) => [...l].length > columns);
  return lines.length > rows ? [...wide, `${lines.length} lines for ${rows} rows`] : wide;
}
