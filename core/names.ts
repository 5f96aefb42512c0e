// The one rule for a name people give something (a person's first and last name, a project, a
// group, a template, a lead class, the client card's name, phone and email): one line of text,
// without control characters. Names end up in mail bodies, terminal tables, CSV files and
// one-line CLI output, where a line break splits the line and other control characters (NUL,
// ESC…) are at best invisible. The server refuses such a name with a 400, and the CLI, where it
// checks a name before sending, with the same words: `nameProblem`'s.

/** C0 controls (line breaks and tabs among them) and DEL. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;
/**
 * What a name may not hold: those, C1 controls (NEL, U+0085, among them) and the Unicode line and
 * paragraph separators (U+2028, U+2029), which break lines too.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/**
 * The embeddings, overrides and isolates of the bidirectional algorithm: "invoice\u202Efdp.exe"
 * shows as "invoiceexe.pdf", and a name so made reorders the text after it where it is shown (a
 * Telegram message, a download prompt). The marks (U+200E, U+200F) stay allowed.
 */
const DIRECTION_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

/**
 * Why `value` cannot be taken as `what` ("the first name"), or null when it can. The value is
 * quoted as JSON quotes it: a line break shows as \n, NUL as \u0000, and the message stays one line.
 */
export function nameProblem(what: string, value: string): string | null {
  const control = CONTROL_CHARACTER.test(value);
  if (!control && !DIRECTION_CONTROL.test(value)) return null;
  // JSON leaves C1 controls, the separators and the direction controls as they are: escaped
  // here, so the message is one plain line that reads the same in any terminal.
  const quoted = JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return control ? `${what} ${quoted} has a line break or control character` : `${what} ${quoted} has a text direction control (U+202A-U+202E, U+2066-U+2069)`;
}

/** `value` without control characters: for what browsers send about a page, which is kept, never refused. */
export const withoutControlCharacters = (value: string): string => value.replace(CONTROL_CHARACTERS, '');
