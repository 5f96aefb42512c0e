// The one rule for a name people give something (a person's first and last name, a project, a
// group, a template, a lead class, the client card's name, phone and email): one line of text,
// without control characters. Names end up in mail bodies, terminal tables, CSV files and
// one-line CLI output, where a line break splits the line and other control characters (NUL,
// ESC…) are at best invisible. The server refuses such a name with a 400, and the CLI, where it
// checks a name before sending, with the same words: `nameProblem`'s.

/** C0 controls (line breaks and tabs among them) and DEL. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;
const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER.source, 'g');

/**
 * Why `value` cannot be taken as `what` ("the first name"), or null when it can. The value is
 * quoted as JSON quotes it: a line break shows as \n, NUL as \u0000, and the message stays one line.
 */
export function nameProblem(what: string, value: string): string | null {
  return CONTROL_CHARACTER.test(value) ? `${what} ${JSON.stringify(value)} has a line break or control character` : null;
}

/** `value` without control characters: for what browsers send about a page, which is kept, never refused. */
export const withoutControlCharacters = (value: string): string => value.replace(CONTROL_CHARACTERS, '');
