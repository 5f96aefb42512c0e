// The terminal can go away under a running TUI: its window closed, tmux killed, the ssh link
// dropped. Then reading ends, every write fails (EIO, EPIPE) and a SIGHUP comes. Nothing can be
// shown or restored any more, yet Ink's unmount still draws its last frame and shows the cursor,
// and each of those writes failed into an 'error' that ended the CLI with a stack trace. Node 20
// then, on exit, tried to give the gone terminal its modes back and aborted with a native stack
// (nodejs/node#51519; Node 24 ignores the failure since #58200).
//
// So while the TUI runs, this watches for the terminal going away. When it does, writes and mode
// changes are dropped from then on (there is nowhere for them to go), the TUI is told to end, and
// on exit the terminal's descriptors are closed, which tells Node there is nothing to restore.
import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';

/** How a read or a write fails once the terminal is gone. */
const GONE = new Set(['EIO', 'EPIPE', 'ENXIO', 'ECONNRESET']);

export interface TerminalWatch {
  /** Whether the terminal went away. */
  readonly gone: boolean;
  /** After a SIGHUP: whether the terminal is gone (one sent by hand leaves it there). */
  hungUp(): boolean;
  /** Stops watching (the TUI ended); a terminal that went away stays silenced. */
  stop(): void;
}

type Terminal<Stream> = Stream & { fd: number };

export function watchTerminal(input: Terminal<NodeJS.ReadStream>, output: Terminal<NodeJS.WriteStream>, onGone: () => void): TerminalWatch {
  let gone = false;
  const lost = () => {
    if (gone) return;
    gone = true;
    for (const stream of [output, process.stderr]) if (stream.isTTY) silence(stream);
    input.setRawMode = () => input;
    process.once('exit', closeTerminal);
    onGone();
  };
  const closeTerminal = () => {
    for (const stream of [input, output, process.stderr]) {
      if (!stream.isTTY) continue;
      try {
        closeSync(stream.fd);
      } catch {
        // closed already
      }
    }
  };

  // The TUI answers for its terminal's errors while it runs: a write to a terminal gone ends it
  // quietly; anything else goes where it went before (the CLI's handler, which throws).
  const before = output.rawListeners('error') as Array<(err: Error) => void>;
  const onOutputError = (err: NodeJS.ErrnoException) => {
    if (GONE.has(err.code ?? '')) return lost();
    if (!before.length) throw err;
    for (const listener of before) listener.call(output, err);
  };
  const onInputError = (err: NodeJS.ErrnoException) => {
    if (GONE.has(err.code ?? '')) return lost();
    throw err;
  };
  // A terminal in raw mode never ends its input (Ctrl+D is a key): an end is the terminal gone.
  const onInputEnd = () => {
    if (input.isTTY) lost();
  };
  output.removeAllListeners('error');
  output.on('error', onOutputError);
  input.on('error', onInputError);
  input.on('end', onInputEnd);

  return {
    get gone() {
      return gone;
    },
    hungUp() {
      if (!gone && output.isTTY && !isatty(output.fd)) lost();
      return gone;
    },
    stop() {
      input.off('end', onInputEnd);
      // Failures of writes made just before the end still arrive; once gone, they stay ours.
      if (gone) return;
      input.off('error', onInputError);
      output.off('error', onOutputError);
      for (const listener of before) output.on('error', listener);
    },
  };
}

/** Drops what is written from now on, as a terminal that is gone would, calling back as if sent. */
function silence(stream: NodeJS.WriteStream): void {
  stream.write = ((_chunk: unknown, encoding?: unknown, callback?: unknown) => {
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done);
    return true;
  }) as NodeJS.WriteStream['write'];
}
