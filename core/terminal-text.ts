// Text from other people shown in a terminal (the TUI, the CLI's tables) must stay text. A
// visitor's name, page title, file name or message could carry control characters: ESC starts
// sequences that move the cursor, rename the window, write the clipboard (OSC 52) or fake links;
// C1 controls (U+0080–U+009F) do the same in terminals that read them; bidirectional overrides
// make text read differently from what it is. Each becomes U+FFFD; line breaks and tabs stay.
// The line and paragraph separators U+2028 and U+2029 become line breaks: terminals draw them
// as nothing (the lines run together) while string-width counts a column, so a row drawn with
// one is shorter than laid out.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const SEPARATORS = /[\u2028\u2029]/g;

/** `text` with every character that could act on a terminal replaced by U+FFFD, and each line separator a line break. */
export const terminalSafe = (text: string): string => text.replace(UNSAFE, '\uFFFD').replace(SEPARATORS, '\n');

/** A JSON.parse reviver that makes every string of an answer terminal-safe. */
export const terminalSafeReviver = (_key: string, value: unknown): unknown => (typeof value === 'string' ? terminalSafe(value) : value);

/**
 * JSON text with those characters written as \uXXXX escapes: the same data for a program that
 * parses it, inert on a terminal (JSON.stringify escapes only U+0000–U+001F itself).
 */
export const jsonTerminalSafe = (json: string): string =>
  json.replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

