// Reads a project file (YAML or JSON) and checks it completely before anything is sent to the
// server: its structure against the schema, then what a pattern cannot say (real dates, known
// zones, overlapping hours, duplicate names, references between sections). Every problem
// points to its line and column; the first one is the error, the rest are counted.
import { Compile } from 'typebox/compile';
import { isMap, isPair, isScalar, LineCounter, type Node, parseDocument } from 'yaml';
import { normalizeEmail } from '../../core/protocol/constants.js';
import {
  formatHours,
  type Interval,
  isTimeZone,
  overlaps,
  parseDate,
  parseDays,
  parseHours,
  type Weekday,
} from '../../core/schedule-text.js';
import { PLACEHOLDERS, unknownPlaceholders } from '../../core/templates.js';
import { CliError } from '../errors.js';
import { nameKey } from './names.js';
import { type Spec, SpecSchema } from './schema.js';

type Path = Array<string | number>;

export interface Problem {
  path: Path;
  message: string;
  line: number;
  col: number;
}

export class SpecError extends CliError {
  constructor(
    readonly file: string,
    readonly problems: Problem[],
  ) {
    const [first] = problems;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    super(`${file}:${first.line}:${first.col}: ${first.message}${more}; nothing was applied`);
  }
}

/** The normalized schedule of one operator: intervals per weekday and per exception date. */
export interface OperatorHours {
  weekly: Partial<Record<Weekday, Interval[]>>;
  /** A date to its special hours ([] = a day off). */
  exceptions: Record<string, Interval[]>;
}

export interface ParsedSpec {
  spec: Spec;
  /** Per operator email (normalized): their hours, with the file's entry they came from. */
  hours: Map<string, OperatorHours>;
}

const check = Compile(SpecSchema);

const show = (path: Path) =>
  path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${p}` : p), '') || 'the file';

/** Resolves `#/properties/a/anyOf/0` in the schema. */
function schemaAt(pointer: string): any {
  let node: any = SpecSchema;
  for (const part of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return node;
}

const pathOf = (pointer: string): Path =>
  pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));

function describeBranch(schema: any): string {
  if (schema?.const !== undefined) return JSON.stringify(schema.const);
  if (schema?.type === 'array') return 'a list';
  if (schema?.type === 'object') return 'a mapping';
  return schema?.description ?? schema?.type ?? 'something else';
}

const TYPE_NAMES: Record<string, string> = { array: 'a list', object: 'a mapping', string: 'text', boolean: 'true or false', integer: 'a whole number', number: 'a number' };

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** Turns the schema checker's errors into one readable problem per place. */
function structuralProblems(value: unknown): Array<{ path: Path; message: string; key?: string }> {
  const errors = [...check.Errors(value)];
  const out: Array<{ path: Path; message: string; key?: string }> = [];
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const inAnyOf = (p: string) => [...anyOfPaths].some((a) => p === a || p.startsWith(`${a}/`));
  for (const e of errors) {
    const path = pathOf(e.instancePath);
    if (e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties')) {
      const key = String(path.pop());
      const known = Object.keys(schemaAt(e.schemaPath.replace(/\/additionalProperties$/, ''))?.properties ?? {});
      out.push({ path, key, message: `unknown key "${key}" in ${show(path)} (known: ${known.join(', ')})` });
    } else if (e.keyword === 'additionalProperties') {
      continue; // reported per key above
    } else if (e.keyword === 'required') {
      const missing = (e.params as { requiredProperties: string[] }).requiredProperties;
      out.push({ path, message: `${show(path)} needs ${missing.map((k) => `"${k}"`).join(', ')}` });
    } else if (e.keyword === 'anyOf') {
      // Report the branch whose kind matches the value (a list with a bad item: that item), else the choices.
      const branches: any[] = schemaAt(e.schemaPath)?.anyOf ?? [];
      const value = path.reduce<any>((v, p) => v?.[p], valueRoot);
      const same = branches.findIndex((b) => b.type && (b.type === jsonType(value) || (b.type === 'integer' && typeof value === 'number')));
      const inner = same >= 0 ? errors.filter((x) => x.schemaPath.startsWith(`${e.schemaPath}/anyOf/${same}/`)) : [];
      if (inner.length) {
        for (const x of inner) out.push({ path: pathOf(x.instancePath), message: simple(x, pathOf(x.instancePath)) });
      } else {
        out.push({ path, message: `${show(path)} must be ${branches.map(describeBranch).join(' or ')}` });
      }
    } else if (!inAnyOf(e.instancePath)) {
      out.push({ path, message: simple(e, path) });
    }
  }
  return out;
}
let valueRoot: unknown;

function simple(e: { keyword: string; schemaPath: string; params: any }, path: Path): string {
  const schema = schemaAt(e.schemaPath);
  const where = show(path);
  switch (e.keyword) {
    case 'type':
      return `${where} must be ${TYPE_NAMES[e.params.type] ?? e.params.type}`;
    case 'minLength':
      return `${where} must not be empty`;
    case 'maxLength':
      return `${where} is longer than ${e.params.limit} characters`;
    case 'minItems':
      return `${where} needs at least ${e.params.limit} item${e.params.limit === 1 ? '' : 's'}`;
    case 'pattern':
      return `${where} must be ${schema?.description ?? `like ${e.params.pattern}`}`;
    case 'const':
      return `${where} must be ${JSON.stringify(e.params.allowedValue)}`;
    default:
      return `${where}: ${schema?.description ? `must be ${schema.description}` : e.keyword}`;
  }
}

/** Parses and checks the file; throws SpecError listing every problem, first one first. */
export function parseSpec(text: string, file: string): ParsedSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lines.linePos(offset);
  if (doc.errors.length) {
    throw new SpecError(
      file,
      doc.errors.map((e) => {
        const pos = at(e.pos[0]);
        return { path: [], message: e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''), line: pos.line, col: pos.col };
      }),
    );
  }
  const value = doc.toJS() as unknown;

  /** The position of the value at `path` (or of `key` inside it), else of the nearest parent. */
  const position = (path: Path, key?: string) => {
    let node: unknown = doc.contents;
    let last = node as Node | null;
    for (const p of path) {
      node = (node as any)?.get?.(p, true);
      if (!node || !(node as Node).range) break;
      last = node as Node;
    }
    if (key !== undefined && isMap(last)) {
      const pair = last.items.find((i) => isPair(i) && isScalar(i.key) && String(i.key.value) === key);
      if (pair && isScalar(pair.key) && pair.key.range) return at(pair.key.range[0]);
    }
    return at(last?.range?.[0] ?? 0);
  };
  const problems: Problem[] = [];
  const report = (path: Path, message: string, key?: string) => problems.push({ path, message, ...position(path, key) });

  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    report([], 'the file must be a mapping with at least "project: {name: …}"');
    throw new SpecError(file, problems);
  }
  valueRoot = value;
  for (const p of structuralProblems(value)) report(p.path, p.message, p.key);
  if (problems.length) throw new SpecError(file, sortProblems(problems));

  const spec = value as Spec;
  const hours = semanticChecks(spec, report);
  if (problems.length) throw new SpecError(file, sortProblems(problems));
  return { spec, hours };
}

const sortProblems = (list: Problem[]) => [...list].sort((a, b) => a.line - b.line || a.col - b.col);

type Report = (path: Path, message: string, key?: string) => void;

function duplicates<T>(items: T[] | undefined, keyOf: (t: T) => string, section: string, field: string, report: Report) {
  const seen = new Map<string, number>();
  (items ?? []).forEach((item, i) => {
    const k = keyOf(item);
    if (seen.has(k)) report([section, i, field], `${section}[${i}].${field} "${k}" is already given in ${section}[${seen.get(k)}]`);
    else seen.set(k, i);
  });
}

function semanticChecks(spec: Spec, report: Report): Map<string, OperatorHours> {
  const p = spec.project;
  if (p.timezone !== undefined && !isTimeZone(p.timezone)) {
    report(['project', 'timezone'], `unknown time zone "${p.timezone}" (use an IANA name such as Europe/Moscow)`);
  }
  (p.allowedOrigins ?? []).forEach((o, i) => {
    let ok = false;
    try {
      const u = new URL(o);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o.replace(/\/$/, '');
    } catch {
      ok = false;
    }
    if (!ok) report(['project', 'allowedOrigins', i], `"${o}" is not an origin (scheme, host and port only, e.g. https://shop.example.com)`);
  });
  const classes = new Set<string>();
  (p.leadClasses ?? []).forEach((c, i) => {
    if (classes.has(nameKey(c))) report(['project', 'leadClasses', i], `lead class "${c.trim()}" is listed twice`);
    classes.add(nameKey(c));
  });

  const emailAt = (raw: string, path: Path) => {
    const email = normalizeEmail(raw);
    if (!email) report(path, `"${raw}" is not a valid email address`);
    return email ?? raw.trim().toLowerCase();
  };
  (spec.team ?? []).forEach((m, i) => {
    emailAt(m.email, ['team', i, 'email']);
    if (!m.firstName.trim()) report(['team', i, 'firstName'], `team[${i}].firstName must not be blank`);
  });
  duplicates(spec.team, (m) => m.email.trim().toLowerCase(), 'team', 'email', report);
  const operators = spec.team ? new Set(spec.team.filter((m) => m.operator).map((m) => m.email.trim().toLowerCase())) : null;

  duplicates(spec.groups, (g) => nameKey(g.name), 'groups', 'name', report);
  (spec.groups ?? []).forEach((g, i) => {
    // The server's rules: "=" separates pattern and group in routes; 50 characters at most.
    if (g.name.includes('=')) report(['groups', i, 'name'], `a group name must not contain "=": "${g.name}"`);
    if (g.name.trim().length > 50) report(['groups', i, 'name'], `the group name "${g.name}" is longer than 50 characters`);
  });
  (spec.groups ?? []).forEach((g, i) =>
    (g.members ?? []).forEach((raw, j) => {
      const email = emailAt(raw, ['groups', i, 'members', j]);
      if (operators && normalizeEmail(raw) && !operators.has(email)) {
        report(['groups', i, 'members', j], `${raw} is not an operator in "team" (group members answer chats)`);
      }
    }),
  );
  const groupNames = spec.groups ? new Set(spec.groups.map((g) => nameKey(g.name))) : null;
  (p.routes ?? []).forEach((r, i) => {
    if (groupNames && !groupNames.has(nameKey(r.group))) {
      report(['project', 'routes', i, 'group'], `route to unknown group "${r.group}" (define it under "groups")`);
    }
  });

  const hours = new Map<string, OperatorHours>();
  const firstEntry = new Map<string, number>();
  (spec.schedules ?? []).forEach((s, i) => {
    const own: OperatorHours = { weekly: {}, exceptions: {} };
    for (const [days, list] of Object.entries(s.week)) {
      let parsed: Weekday[] = [];
      try {
        parsed = parseDays(days);
      } catch (err) {
        report(['schedules', i, 'week'], (err as Error).message, days);
        continue;
      }
      list.forEach((text, j) => {
        let interval: Interval;
        try {
          interval = parseHours(text);
        } catch (err) {
          report(['schedules', i, 'week', days, j], (err as Error).message);
          return;
        }
        for (const d of parsed) {
          const dayList = (own.weekly[d] ??= []);
          if (overlaps(dayList, interval)) {
            report(['schedules', i, 'week', days, j], `${formatHours(interval)} overlaps other hours on ${d}`);
            return;
          }
          dayList.push(interval);
        }
      });
    }
    for (const [date, value] of Object.entries(s.exceptions ?? {})) {
      try {
        parseDate(date);
      } catch (err) {
        report(['schedules', i, 'exceptions'], (err as Error).message, date);
        continue;
      }
      const list: Interval[] = [];
      if (value !== 'off') {
        value.forEach((text, j) => {
          try {
            const interval = parseHours(text);
            if (overlaps(list, interval)) report(['schedules', i, 'exceptions', date, j], `${text} overlaps other hours on ${date}`);
            else list.push(interval);
          } catch (err) {
            report(['schedules', i, 'exceptions', date, j], (err as Error).message);
          }
        });
      }
      own.exceptions[date] = list;
    }
    for (const d of Object.values(own.weekly)) d.sort((a, b) => a[0] - b[0]);
    for (const d of Object.values(own.exceptions)) d.sort((a, b) => a[0] - b[0]);
    s.operators.forEach((raw, j) => {
      const email = emailAt(raw, ['schedules', i, 'operators', j]);
      if (!normalizeEmail(raw)) return;
      if (firstEntry.has(email)) {
        report(['schedules', i, 'operators', j], `${raw} already has a schedule in schedules[${firstEntry.get(email)}] (one schedule per operator)`);
        return;
      }
      if (operators && !operators.has(email)) {
        report(['schedules', i, 'operators', j], `${raw} is not an operator in "team" (only operators have working hours)`);
      }
      firstEntry.set(email, i);
      hours.set(email, own);
    });
  });

  duplicates(spec.templates, (t) => nameKey(t.name), 'templates', 'name', report);
  (spec.templates ?? []).forEach((t, i) => {
    if (!t.name.trim()) report(['templates', i, 'name'], `templates[${i}].name must not be blank`);
    if (!t.text.trim()) report(['templates', i, 'text'], `templates[${i}].text must not be blank`);
    const unknown = unknownPlaceholders(t.text);
    if (unknown.length) {
      report(['templates', i, 'text'], `unknown placeholder ${unknown.join(', ')} in template "${t.name}" (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`);
    }
  });
  return hours;
}
