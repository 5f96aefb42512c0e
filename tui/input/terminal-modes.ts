// Many terminals send the same byte for Enter and Ctrl+Enter. Asking for the kitty keyboard
// protocol (ESC[>1u, "disambiguate") and xterm's modifyOtherKeys level 1 (ESC[>4;1m) makes them
// tell the two apart; terminals that know neither ignore both. Bracketed paste (ESC[?2004h)
// marks where a paste begins and ends, so a pasted Enter is a newline in the text, never a key.
// All three are restored on exit, however the process ends.

export const ENABLE_KEY_MODES = '\x1b[>1u\x1b[>4;1m\x1b[?2004h';
export const RESTORE_KEY_MODES = '\x1b[<u\x1b[>4;0m\x1b[?2004l';

/** Turns the modes on; the returned function (also run on process exit) turns them off once. */
export function enableKeyModes(out: NodeJS.WriteStream): () => void {
  if (!out.isTTY) return () => undefined;
  out.write(ENABLE_KEY_MODES);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.removeListener('exit', restore);
    out.write(RESTORE_KEY_MODES);
  };
  process.once('exit', restore);
  return restore;
}

/**
 * Raw mode from the TUI's first moment, before anything loads or goes over the network: keys
 * typed meanwhile are neither echoed by the terminal over the screen nor cooked into lines; they
 * wait in stdin for the first screen to read them. The returned function (also run on process
 * exit) gives the terminal its line mode back, once.
 */
export function holdKeys(input: NodeJS.ReadStream): () => void {
  if (!input.isTTY) return () => undefined;
  input.setRawMode(true);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.removeListener('exit', restore);
    input.setRawMode(false);
  };
  process.once('exit', restore);
  return restore;
}

/**
 * Whether to draw in colour: not with NO_COLOR set to anything (https://no-color.org), nor on a
 * monochrome terminal (TERM=dumb, xterm-mono), nor where Node's own rules say no (FORCE_COLOR=0,
 * NODE_DISABLE_COLORS). Without colour the TUI marks focus, selection and the cursor by shape.
 */
export function wantsColor(out: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.TERM === 'dumb' || env.TERM?.endsWith('-mono')) return false;
  return !!out.isTTY && out.hasColors(env);
}

/** Whether to wrap links in OSC 8 hyperlinks: a real terminal that is not known to print them. */
export function wantsHyperlinks(out: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.PARLEY_HYPERLINKS === '0') return false;
  if (env.PARLEY_HYPERLINKS === '1') return true;
  return !!out.isTTY && env.TERM !== 'dumb' && env.TERM !== 'linux';
}
