// Template files for import and export: JSON, YAML (`templates: [{name, text}]`, or just the
// list) and CSV with the columns name,text. Reading keeps the line each template starts on, so
// every complaint points at it. The yaml package is loaded only here, only when needed, so the
// rest of the CLI starts fast. YAML also gives the line numbers of a JSON file (JSON is YAML).
import { extname } from 'node:path';
import { formatCsv, neutralizeFormula, parseCsv, restoreFormula } from '../../../core/csv.js';
import { templateKey, templateProblem } from '../../../core/templates.js';
import { CliError } from '../../errors.js';
import { jsonProblem } from '../../json-check.js';
import { refuse } from '../../options.js';

export const FORMATS = ['json', 'yaml', 'csv'] as const;
export type Format = (typeof FORMATS)[number];

export interface TemplateRow {
  name?: string | null;
  text?: string | null;
  line: number;
}

/** `--format`: a usage error (exit 2) before any request. */
export function parseFormat(this: unknown, value: string): Format {
  const v = value.toLowerCase() === 'yml' ? 'yaml' : value.toLowerCase();
  if (!(FORMATS as readonly string[]).includes(v)) throw refuse(this, value, `a format is one of: ${FORMATS.join(', ')}`);
  return v as Format;
}

/** The format a file name says (`.json`, `.yaml`/`.yml`, `.csv`), or null. */
export function formatOfPath(path: string): Format | null {
  const ext = extname(path).slice(1).toLowerCase();
  return ext === 'json' || ext === 'csv' ? ext : ext === 'yaml' || ext === 'yml' ? 'yaml' : null;
}

const lineAt = (text: string, offset: number) => text.slice(0, Math.max(0, offset)).split('\n').length;

/** Problems in the file as a whole (not a row): `FILE:LINE: message`. */
const fileError = (file: string, line: number | null, message: string) =>
  new CliError(`${file}${line ? `:${line}` : ''}: ${message}`);

// ---- reading ----------------------------------------------------------------------------

function readCsv(file: string, text: string): TemplateRow[] {
  // A file with no header at all is not "no templates": a failed `export > t.csv` leaves exactly
  // that, and with --replace it would delete them all. Only the header alone means none.
  if (!text.trim()) throw fileError(file, null, 'the file is empty: it has no header "name,text" (a file with only that line means no templates)');
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    const e = err as Error & { line?: number };
    throw fileError(file, null, e.message);
  }
  const [header, ...rows] = records;
  const columns = header.fields.map((c) => c.trim().toLowerCase());
  const nameAt = columns.indexOf('name');
  const textAt = columns.indexOf('text');
  const unknown = columns.filter((c) => c !== 'name' && c !== 'text');
  if (nameAt < 0 || textAt < 0 || unknown.length || columns.length !== 2) {
    throw fileError(file, header.line, `the first line must name the columns "name,text" (found "${header.fields.join(',')}")`);
  }
  return rows.map((r) => {
    if (r.fields.length !== 2) throw fileError(file, r.line, `expected 2 fields (name,text), found ${r.fields.length}`);
    // Undoes the apostrophe our export puts before a formula-looking cell (and only that one).
    return { name: restoreFormula(r.fields[nameAt]), text: restoreFormula(r.fields[textAt]), line: r.line };
  });
}

async function readStructured(file: string, text: string, format: 'json' | 'yaml'): Promise<TemplateRow[]> {
  // A blank file is not a JSON syntax error but an empty file, refused below as one.
  if (format === 'json' && text.trim()) {
    const problem = jsonProblem(text);
    if (problem) throw fileError(file, lineAt(text, problem.offset), `not valid JSON: ${problem.message}`);
  }
  const YAML = await import('./yaml.js');
  const lines = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw fileError(file, e.linePos?.[0].line ?? null, `not valid ${format.toUpperCase()}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const lineOf = (node: { range?: [number, number, number] | null } | null | undefined, fallback = 1) =>
    node?.range ? lines.linePos(node.range[0]).line : fallback;

  // Nothing but blanks or comments: not a list, and never "delete them all" (as in readCsv).
  const noneSaidSo = `${format === 'json' ? '[]' : '"templates: []"'} means no templates`;
  if (doc.contents === null) throw fileError(file, null, `the file is empty (${noneSaidSo})`);
  let list: unknown = doc.contents;
  if (YAML.isMap(list)) {
    const keys = list.items.map((p) => String(YAML.isScalar(p.key) ? p.key.value : p.key));
    const extra = keys.filter((k) => k !== 'templates');
    if (extra.length) throw fileError(file, lineOf(list.items[keys.indexOf(extra[0])]?.key as never), `unknown key "${extra[0]}" (the file holds "templates:", a list)`);
    // `{}` is what a generator writes when its input is missing: not an order to delete them all.
    const pair = list.items[keys.indexOf('templates')];
    if (!pair) throw fileError(file, lineOf(list as never), `no "templates" in the file (${noneSaidSo})`);
    list = pair.value;
    // Nor is `templates:` with no value, or `null`: only an empty list says "none".
    if (list === null || (YAML.isScalar(list) && list.value === null)) {
      throw fileError(file, lineOf(pair.key as never), `"templates" has no list (${noneSaidSo})`);
    }
  }
  if (YAML.isScalar(list) && list.value === null) throw fileError(file, lineOf(list as never), `the file holds no list (${noneSaidSo})`);
  if (!YAML.isSeq(list)) throw fileError(file, lineOf(list as never), 'expected a list of templates, each with a name and a text');

  return list.items.map((item, index) => {
    const line = lineOf(item as never);
    if (!YAML.isMap(item)) throw fileError(file, line, 'a template is a mapping with "name" and "text"');
    const row: TemplateRow = { line };
    for (const pair of item.items) {
      const key = YAML.isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (key !== 'name' && key !== 'text') {
        throw fileError(file, lineOf(pair.key as never, line), `unknown key "${key}" (a template has "name" and "text")`);
      }
      const value = pair.value;
      if (value !== null && !YAML.isScalar(value)) throw fileError(file, lineOf(value as never, line), `"${key}" must be text`);
      const v = value === null ? null : value.value;
      if (v === null || v === undefined) row[key] = null;
      else if (typeof v === 'string') row[key] = v;
      else if (format === 'json') {
        // JSON says what is text: 5 or true is not, and guessing "5" would hide a mistake.
        throw fileError(file, lineOf(value as never, line), `templates[${index}].${key} must be text, not ${typeof v} (put it in quotes)`);
      }
      // A plain YAML scalar that reads as a number or a boolean (1.50, 007, 0x1F, true) is kept
      // exactly as written: String(1.5) would silently turn "1.50" into "1.5".
      else row[key] = (value as { source?: string }).source ?? String(v);
    }
    return row;
  });
}

/**
 * The templates of a file, every row checked as the server will check it (no name, empty text,
 * unknown placeholder, a name used twice). Any bad row fails the whole file, naming the lines.
 */
export async function readTemplates(file: string, input: string, format: Format, onRow?: (done: number, total: number) => void) {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const rows = format === 'csv' ? readCsv(file, text) : await readStructured(file, text, format);
  const problems: string[] = [];
  const firstLine = new Map<string, number>();
  rows.forEach((row, i) => {
    const problem = templateProblem(row);
    if (problem) problems.push(`line ${row.line}: ${problem}`);
    else {
      const key = templateKey(row.name!);
      const first = firstLine.get(key);
      if (first !== undefined) problems.push(`line ${row.line}: the name "${row.name!.trim()}" is already used on line ${first}`);
      else firstLine.set(key, row.line);
    }
    onRow?.(i + 1, rows.length);
  });
  if (problems.length) {
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new CliError(`${file}: nothing was imported: ${problems.slice(0, 5).join('; ')}${more}`);
  }
  return rows;
}

// ---- writing --------------------------------------------------------------------------

export async function writeTemplates(templates: Array<{ name: string; text: string }>, format: Format): Promise<string> {
  const plain = templates.map((t) => ({ name: t.name, text: t.text }));
  if (format === 'json') return `${JSON.stringify({ templates: plain }, null, 2)}\n`;
  // A spreadsheet opens the file with formula-looking texts as text; import reads them back exactly.
  if (format === 'csv') return formatCsv([['name', 'text'], ...plain.map((t) => [neutralizeFormula(t.name), neutralizeFormula(t.text)])]);
  const YAML = await import('./yaml.js');
  return YAML.stringify({ templates: plain }, { lineWidth: 0 });
}
