// Commands people are told to run (the CLI's notices, the TUI's sign-in hints), ready to paste.

/** A word of a command line to copy and run, quoted for a POSIX shell when it needs to be. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
