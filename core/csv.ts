// CSV as RFC 4180 describes it: records separated by CRLF (LF accepted when reading), fields
// separated by commas, a field in double quotes may hold commas, line breaks and doubled quotes.
// Small enough to own; what the standard leaves open is decided here: a UTF-8 byte-order mark is
// skipped, a quote inside an unquoted field or text after a closing quote is an error (a file
// like that was not written by a CSV writer and guessing would shift columns), and blank lines
// between records are skipped.

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export interface CsvRecord {
  /** The line the record starts on (1-based; a quoted field may carry it over several lines). */
  line: number;
  fields: string[];
}

export function parseCsv(input: string): CsvRecord[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    // One record: fields until an unquoted line break or the end.
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) throw new CsvError(start, 'a quoted field is not closed (a missing " ?)');
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          throw new CsvError(line, 'text after a closing quote (quotes inside a field are written "")');
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          if (text[i] === '"') throw new CsvError(line, 'a quote inside an unquoted field (quote the whole field and double the quote)');
          field += text[i];
          i++;
        }
      }
      fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      // End of record: CRLF, LF, a lone CR, or the end of the text.
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
  }
  return records;
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One field, quoted when it has to be. */
export function csvField(value: string | number | boolean | null | undefined): string {
  const s = value === null || value === undefined ? '' : String(value);
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Records joined with CRLF, ending with one. */
export function formatCsv(rows: Array<Array<string | number | boolean | null | undefined>>): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + (rows.length ? '\r\n' : '');
}

/**
 * A cell a spreadsheet would run as a formula: it starts with = + - @, a tab or a carriage
 * return (OWASP's list for CSV injection). Cells that start with apostrophes and then one of
 * those count too, so that the apostrophe added below can always be told from one the text had
 * (see restoreFormula).
 */
const FORMULA_LIKE = /^'*[=+\-@\t\r]/;
const NEUTRALIZED = /^'+[=+\-@\t\r]/;

/**
 * For files a spreadsheet may open (exports of what visitors and operators typed): a cell that
 * would run as a formula (`=HYPERLINK(...)`, `+1`, `-2`, `@SUM`) gets a leading apostrophe, so
 * it shows as text. Only when writing; a reader of our own files undoes it with restoreFormula.
 */
export function neutralizeFormula(value: string): string {
  return FORMULA_LIKE.test(value) ? `'${value}` : value;
}

/**
 * The exact inverse of neutralizeFormula, for importing a file we exported:
 * `restoreFormula(neutralizeFormula(x)) === x` for every x. A hand-written cell such as `'=1`
 * (apostrophes, then a formula character) loses its first apostrophe: that is the one cell
 * shape our exports reserve.
 */
export function restoreFormula(value: string): string {
  return NEUTRALIZED.test(value) ? value.slice(1) : value;
}
