// Reads a project file (YAML or JSON) and checks it completely before anything is sent to the
// server: its structure against the schema, then what a pattern cannot say (real dates, known
// zones, overlapping hours, duplicate names, references between sections). Every problem
// points to its line and column. The problems are handed on, not thrown: the plan (plan.ts)
// adds those it finds against the server, and refuses the file with all of them at once.
import { Compile } from 'typebox/compile';
import { type Alias, type Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, Scalar, visit } from 'yaml';
import { nameProblem } from '../../core/names.js';
import { MAX_GROUP_NAME, MAX_NAME, normalizeClassName, normalizeEmail, normalizeGroupName, normalizeOrigin } from '../../core/protocol/constants.js';
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
import { PLACEHOLDERS, templateNameProblem, unknownPlaceholders } from '../../core/templates.js';
import { jsonProblem } from '../json-check.js';
import { nameKey } from './names.js';
import { type Path, type Problem, SpecError } from './problems.js';

export { type Path, type Problem, SpecError } from './problems.js';
import { MEASURED_SQUEEZED, type Spec, SpecSchema } from './schema.js';

/** The normalized schedule of one operator: intervals per weekday and per exception date. */
export interface OperatorHours {
  weekly: Partial<Record<Weekday, Interval[]>>;
  /** A date to its special hours ([] = a day off). */
  exceptions: Record<string, Interval[]>;
}

/** A checked file: its project section is there (empty when a file for --project leaves it out). */
export type CheckedSpec = Spec & { project: NonNullable<Spec['project']> };

export interface ParsedSpec {
  /**
   * The file. Where it has problems, only what `clean` says is clean is as the type says; the
   * project section is a mapping and the lists are lists whatever their problems.
   */
  spec: CheckedSpec;
  /** Per operator email (normalized): their hours, and the file's entry (schedules[entry]) they came from. */
  hours: Map<string, { hours: OperatorHours; entry: number }>;
  /** The file's name, for problems found later (against the server's state, when planning). */
  file: string;
  /** The file's own problems, in no order; none when it can be applied as far as the file goes. */
  problems: Problem[];
  /**
   * Whether the value at `path` has no problem, at it, inside it, or in what it is part of: the
   * plan leaves out what is not clean, so that it still finds the rest of the file's problems.
   */
  clean(path: Path): boolean;
  /** A problem at a place of the file, with its line and column. */
  problemAt(path: Path, message: string, key?: string): Problem;
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

/**
 * A problem with the file's structure; `broken` is the place whose value cannot be trusted (an
 * unknown or a missing key breaks only that key, not the mapping it is in).
 */
interface StructuralProblem {
  path: Path;
  message: string;
  key?: string;
  broken: Path;
}

/** Turns the schema checker's errors into one readable problem per place. */
function structuralProblems(value: unknown): StructuralProblem[] {
  const errors = [...check.Errors(value)];
  const out: StructuralProblem[] = [];
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  // A mapping with a merge key misses the keys it meant to merge in: its one problem is the "<<".
  const merging = new Set(errors.filter((e) => e.keyword === 'boolean' && e.instancePath.endsWith('/<<')).map((e) => e.instancePath.slice(0, -3)));
  const inAnyOf = (p: string) => [...anyOfPaths].some((a) => p === a || p.startsWith(`${a}/`));
  for (const e of errors) {
    const path = pathOf(e.instancePath);
    if (e.keyword === 'boolean' && e.schemaPath.endsWith('/additionalProperties')) {
      const key = String(path.pop());
      const parent = schemaAt(e.schemaPath.replace(/\/additionalProperties$/, ''));
      const known = Object.keys(parent?.properties ?? {});
      let message = `unknown key "${key}" in ${show(path)} (known: ${known.join(', ')})`;
      // The yaml package reads "<<" as a plain key: YAML 1.2 has no merge keys.
      if (key === '<<') message = `YAML merge keys (<<) are not supported (in ${show(path)}): write the fields out`;
      // A mapping whose keys follow a pattern (exception dates): the key is not of it.
      else if (parent?.patternProperties) message = `not a date: "${key}" in ${show(path)} (use YYYY-MM-DD)`;
      // What a merge key meant to bring is missing: the whole mapping is left out of further checks.
      out.push({ path, key, broken: key === '<<' ? [...path] : [...path, key], message });
    } else if (e.keyword === 'additionalProperties') {
      continue; // reported per key above
    } else if (e.keyword === 'maxLength' && MEASURED_SQUEEZED.has(schemaAt(e.schemaPath))) {
      continue; // counted as written, for editors: measured as the server stores it in semanticChecks
    } else if (e.keyword === 'required') {
      if (merging.has(e.instancePath)) continue;
      const missing = (e.params as { requiredProperties: string[] }).requiredProperties;
      out.push({ path, broken: [...path, missing[0]], message: `${show(path)} needs ${missing.map((k) => `"${k}"`).join(', ')}` });
    } else if (e.keyword === 'anyOf') {
      // Report the branch whose kind matches the value (a list with a bad item: that item), else the choices.
      const branches: any[] = schemaAt(e.schemaPath)?.anyOf ?? [];
      const value = path.reduce<any>((v, p) => v?.[p], valueRoot);
      const same = branches.findIndex((b) => b.type && (b.type === jsonType(value) || (b.type === 'integer' && typeof value === 'number')));
      const inner = same >= 0 ? errors.filter((x) => x.schemaPath.startsWith(`${e.schemaPath}/anyOf/${same}/`)) : [];
      if (inner.length) {
        for (const x of inner) out.push({ path: pathOf(x.instancePath), broken: pathOf(x.instancePath), message: simple(x, pathOf(x.instancePath)) });
      } else {
        out.push({ path, broken: path, message: `${show(path)} must be ${branches.map(describeBranch).join(' or ')}` });
      }
    } else if (!inAnyOf(e.instancePath)) {
      out.push({ path, broken: path, message: simple(e, path) });
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
      // `name:` with nothing after it (envsubst of an unset variable) is empty, not of another type.
      if (path.reduce<any>((v, p) => v?.[p], valueRoot) === null) return `${where} is empty (it must be ${TYPE_NAMES[e.params.type] ?? e.params.type})`;
      return `${where} must be ${TYPE_NAMES[e.params.type] ?? e.params.type}`;
    case 'minLength':
      return `${where} must not be empty`;
    case 'maxLength':
      return `${where} is longer than ${e.params.limit} characters`;
    case 'minItems':
      return `${where} needs at least ${e.params.limit} item${e.params.limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `${where} has more than ${e.params.limit} items`;
    case 'pattern':
      return `${where} must be ${schema?.description ?? `like ${e.params.pattern}`}`;
    case 'const':
      return `${where} must be ${JSON.stringify(e.params.allowedValue)}`;
    default:
      return `${where}: ${schema?.description ? `must be ${schema.description}` : e.keyword}`;
  }
}

/** The tags of the YAML core schema: what a plain value is anyway (`!!str 5` is the text "5"). */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

/** Every node of the document with the path to it (a mapping's keys too, at the mapping's path). */
function eachNode(node: unknown, path: Path, visit: (node: Node, path: Path) => void) {
  if (!node || typeof node !== 'object' || !('range' in node)) return;
  visit(node as Node, path);
  if (isMap(node)) {
    for (const pair of node.items) {
      eachNode(pair.key, path, visit);
      eachNode(pair.value, [...path, isScalar(pair.key) ? String(pair.key.value) : String(pair.key)], visit);
    }
  } else if (isSeq(node)) node.items.forEach((item, i) => eachNode(item, [...path, i], visit));
}

/** Tags beyond the core schema's (`!env`, `!include`, `!Ref`, `!!binary`), where they are written. */
function unsupportedTags(doc: Document, text: string): Array<{ path: Path; tag: string; offset: number }> {
  const found: Array<{ path: Path; tag: string; offset: number }> = [];
  eachNode(doc.contents, [], (node, path) => {
    const tag = (node as { tag?: string }).tag;
    if (!tag || CORE_TAGS.has(tag) || isAlias(node)) return;
    const start = node.range?.[0] ?? 0;
    // The node's range starts after its tag: the tag is the last "!" before it.
    const offset = Math.max(0, text.lastIndexOf('!', start));
    found.push({ path, tag: tag.replace(/^tag:yaml\.org,2002:/, '!!'), offset });
  });
  return found;
}

function firstAlias(doc: Document): Node | null {
  let alias: Node | null = null;
  eachNode(doc.contents, [], (node) => {
    if (!alias && isAlias(node)) alias = node;
  });
  return alias;
}

/** Aliases (`*op`) with no anchor (`&op`) before them: the yaml package cannot read a file with them. */
function unresolvedAliases(doc: Document): Array<{ alias: Alias; path: Path }> {
  const anchors = new Set<string>();
  const found: Array<{ alias: Alias; path: Path }> = [];
  // Nodes come in file order, so an anchor is known by the time an alias after it is visited.
  eachNode(doc.contents, [], (node, path) => {
    if (isAlias(node)) {
      if (!anchors.has(node.source)) found.push({ alias: node, path });
    } else if (node.anchor) anchors.add(node.anchor);
  });
  return found;
}

/** The path of the deepest value of the document that `offset` is in, or [] for none. */
function pathAt(doc: Document, offset: number): Path {
  let best: Path = [];
  eachNode(doc.contents, [], (node, path) => {
    const [start, , end] = node.range ?? [0, 0, 0];
    if (start <= offset && offset < end && path.length >= best.length) best = path;
  });
  return best;
}

/** The path of the key a DUPLICATE_KEY error points at (the repeated one, in the mapping it repeats in). */
function repeatedKey(doc: Document, offset: number): Path | null {
  let found: Path | null = null;
  eachNode(doc.contents, [], (node, p) => {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) found = [...p, String(pair.key.value)];
    }
  });
  return found;
}

/**
 * Parser problems after which the file still reads as written: the pass goes on past them. Any
 * other error of the parser (a bad indent, an unclosed bracket) leaves the rest a guess.
 */
const READABLE_PARSE_ERRORS = new Set(['DUPLICATE_KEY', 'MULTIPLE_DOCS']);

/**
 * A problem of the parser, in the words of someone writing a project file rather than of a
 * programmer using the yaml package, and where in the file's structure it is.
 */
function parseMessage(doc: Document, code: string, message: string, offset: number): string {
  const path = pathAt(doc, offset);
  const inside = path.length ? ` (in ${show(path)})` : '';
  switch (code) {
    case 'MULTIPLE_DOCS':
      return 'a second YAML document starts here ("---"): a project file holds one document, one project';
    case 'DUPLICATE_KEY': {
      const repeated = repeatedKey(doc, offset);
      return repeated ? `Map keys must be unique: "${repeated.at(-1)}" is given twice in ${show(repeated.slice(0, -1))}` : `Map keys must be unique${inside}`;
    }
    default:
      return `${message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}${inside}`;
  }
}

/**
 * Parses and checks the file, and returns it with its problems. Throws SpecError, listing every
 * problem found, only when there is nothing to plan: YAML that does not parse, aliases that
 * expand to too much data, a file that is not a mapping, and, unless `projectGiven` (apply
 * --project), a project name that cannot be read (the project is found by it). With
 * `projectGiven` the file may leave out the project's name, or the whole `project` section: the
 * project is the one given.
 */
export function parseSpec(text: string, file: string, opts: { projectGiven?: boolean } = {}): ParsedSpec {
  // A .json file is JSON: YAML (a superset) would take a trailing comma and word its errors as YAML.
  const notJson = /\.json$/i.test(file) && text.trim() ? jsonProblem(text) : null;
  if (notJson) {
    const before = text.slice(0, notJson.offset).split('\n');
    throw new SpecError(file, [{ path: [], message: `not valid JSON: ${notJson.message}`, line: before.length, col: before[before.length - 1].length + 1 }]);
  }
  const lines = new LineCounter();
  // YAML 1.2's core schema whatever the file's %YAML says: under 1.1, `<<` would merge quietly
  // (refused below, as a merge key) and yes/no would read as true/false.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, schema: 'core' });
  const at = (offset: number) => lines.linePos(offset);
  // What is found before the file's value is read is a problem like the others, counted and
  // listed with them; `broken` is the place whose value is not the file's (it is left out of the
  // checks that follow, which would only report the same mistake again in other words).
  const early: Array<Problem & { broken: Path | null }> = [];
  // The parser's warnings are problems too: a tag it does not know (`!env X`) would else leave
  // the bare text after it as the value, and that would be applied.
  const parseProblems = [...doc.errors, ...doc.warnings.filter((w) => w.code !== 'TAG_RESOLVE_FAILED')];
  for (const e of parseProblems) {
    const repeated = e.code === 'DUPLICATE_KEY' ? repeatedKey(doc, e.pos[0]) : null;
    early.push({ path: repeated ?? [], broken: repeated, message: parseMessage(doc, e.code, e.message, e.pos[0]), ...at(e.pos[0]) });
  }
  // YAML that does not parse has nothing more to check: what the parser made of it is a guess.
  if (doc.errors.some((e) => !READABLE_PARSE_ERRORS.has(e.code))) throw new SpecError(file, early);
  for (const { path, tag, offset } of unsupportedTags(doc, text)) {
    const message = `${show(path)} has the YAML tag ${tag}, which apply does not read: write the value itself (a tool such as envsubst can fill it in before apply)`;
    early.push({ path, broken: path, message, ...at(offset) });
  }
  const unresolved = unresolvedAliases(doc);
  for (const { alias, path } of unresolved) {
    const message = `${show(path)} is the alias *${alias.source}, but no anchor &${alias.source} comes before it`;
    early.push({ path, broken: path, message, ...at(alias.range?.[0] ?? 0) });
  }
  // Read as empty, so that the rest of the file can be: its problem is reported above.
  const unreadable = new Set<Node>(unresolved.map((u) => u.alias));
  if (unreadable.size) visit(doc, { Alias: (_, node) => (unreadable.has(node) ? new Scalar(null) : undefined) });
  const earlyProblems = (): Problem[] => early.map(({ broken, ...problem }) => problem);
  let value: unknown;
  try {
    value = doc.toJS();
  } catch (err) {
    // The yaml package refuses aliases that expand to an enormous value ("billion laughs"):
    // without the file's value, the problems found so far are all there is to say.
    const alias = firstAlias(doc);
    const pos = at(alias?.range?.[0] ?? 0);
    const message = `the file's aliases (*name) expand to too much data (${(err as Error).message.toLowerCase()})`;
    throw new SpecError(file, [...earlyProblems(), { path: [], message, ...pos }]);
  }

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
  const problems: Problem[] = earlyProblems();
  const problemAt = (path: Path, message: string, key?: string): Problem => ({ path, message, ...position(path, key) });
  const report = (path: Path, message: string, key?: string) => problems.push(problemAt(path, message, key));

  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    // An empty file (a failed `parley export > parley.yaml`) says so: it never means "nothing".
    report([], `${doc.contents === null ? 'the file is empty: it ' : 'the file '}must be a mapping with at least "project: {name: …}"`);
    throw new SpecError(file, problems);
  }
  valueRoot = value;
  // The structure and the meaning are checked in one pass, so the error names the file's first
  // problem and counts all of them: a place whose structure is broken is not checked for
  // meaning (it is reported already), every other place is.
  const earlyBroken = early.flatMap((p) => (p.broken ? [p.broken] : []));
  // Inside a place found broken before (`team: !include team.yaml` is the text "team.yaml"), the
  // structure says nothing new.
  const structural = structuralProblems(value).filter((p) => !earlyBroken.some((b) => isPrefix(b, p.path)));
  for (const p of structural) report(p.path, p.message, p.key);
  const broken = [...earlyBroken, ...structural.map((p) => p.broken)];
  const sound = (path: Path) => !broken.some((b) => isPrefix(b, path) || isPrefix(path, b));
  if (!opts.projectGiven) requireProjectName(value as Spec, report);
  const hours = semanticChecks(value as Spec, report, sound);
  const clean = (path: Path) => sound(path) && !problems.some((p) => isPrefix(path, p.path));
  const spec = value as Spec;
  const project = isMapping(spec.project) ? spec.project! : {};
  // Without --project the project is found by the file's name for it: without one, nothing can be planned.
  if (!opts.projectGiven && (typeof project.name !== 'string' || !clean(['project', 'name']))) throw new SpecError(file, problems);
  // The server keeps a project's name trimmed: found by it, "Trail " is the project "Trail" (not
  // a new one at every run).
  if (typeof project.name === 'string') project.name = project.name.trim();
  return {
    spec: {
      ...spec,
      project: { ...project, allowedOrigins: list(project.allowedOrigins), leadClasses: list(project.leadClasses), routes: list(project.routes) },
      team: list(spec.team),
      groups: list(spec.groups),
      schedules: list(spec.schedules),
      templates: list(spec.templates),
    },
    hours,
    file,
    problems,
    clean,
    problemAt,
  };
}

/** A list of the file as a list: [] for a value that is not one (its problem is reported), undefined for none. */
const list = <T>(value: T[] | undefined): T[] | undefined => (value === undefined || Array.isArray(value) ? value : []);

const isPrefix = (prefix: Path, path: Path) => prefix.length <= path.length && prefix.every((p, i) => p === path[i]);

/** Without --project, the file names its project: the one it updates, or creates. */
function requireProjectName(spec: Spec, report: Report) {
  const given = 'or pass --project to apply the file to an existing project';
  if (spec.project === undefined) report([], `the file needs "project" with its "name", ${given}`);
  else if (isMapping(spec.project) && spec.project.name === undefined) report(['project'], `project needs "name", ${given}`);
}

const isMapping = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);


type Report = (path: Path, message: string, key?: string) => void;

function duplicates(count: number, keyOf: (i: number) => string | undefined, section: string, field: string, report: Report) {
  const seen = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const k = keyOf(i);
    if (k === undefined) continue;
    if (seen.has(k)) report([section, i, field], `${section}[${i}].${field} "${k}" is already given in ${section}[${seen.get(k)}]`);
    else seen.set(k, i);
  }
}

/**
 * What the schema cannot say. `sound(path)` tells whether the value at a path passed the
 * structural check; only such values are looked at (read through `get`), so a file with a
 * broken part still has its other parts checked.
 */
function semanticChecks(spec: Spec, report: Report, sound: (path: Path) => boolean): ParsedSpec['hours'] {
  const raw = (path: Path): any => path.reduce<any>((v, k) => (v === null || typeof v !== 'object' ? undefined : v[k]), spec);
  /** The value at `path` when its structure is sound, else undefined (its problem is reported already). */
  const get = (path: Path): any => (sound(path) ? raw(path) : undefined);
  /** How many items a list in the file has (0 when it is absent or not a list). */
  const count = (path: Path) => (Array.isArray(raw(path)) ? (raw(path) as unknown[]).length : 0);
  /** The keys of a mapping in the file ([] when it is absent or not a mapping). */
  const keysOf = (path: Path) => {
    const v = raw(path);
    return v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [];
  };
  const text = (path: Path): string | undefined => (typeof get(path) === 'string' ? (get(path) as string) : undefined);

  const timezone = text(['project', 'timezone']);
  if (timezone !== undefined && !isTimeZone(timezone)) {
    report(['project', 'timezone'], `unknown time zone "${timezone}" (use an IANA name such as Europe/Moscow)`);
  }
  for (let i = 0; i < count(['project', 'allowedOrigins']); i++) {
    const o = text(['project', 'allowedOrigins', i]);
    // What the server takes (https://Shop.example.com:443/ is https://shop.example.com); the plan compares it so.
    if (o !== undefined && normalizeOrigin(o) === null) report(['project', 'allowedOrigins', i], `"${o}" is not an origin (scheme, host and port only, e.g. https://shop.example.com)`);
  }
  // The server's rules for names (services/*.ts), checked here so that apply never stops half-way
  // on one: not blank once trimmed, one line without control characters (core/names.ts).
  const checkName = (path: Path, what: string) => {
    const value = text(path);
    if (value === undefined) return;
    if (!value.trim()) report(path, `${what} must not be blank`);
    else {
      const problem = nameProblem(what, value.trim());
      if (problem) report(path, problem);
    }
  };
  /**
   * The server's limit for a group's or a lead class's name, measured as it stores the name:
   * trimmed, runs of spaces squeezed to one (the schema counts it as written, for editors only).
   * Whether the name fits.
   */
  const checkStoredLength = (path: Path, limit: number, stored: (name: string) => string): boolean => {
    const value = text(path);
    if (value === undefined || [...stored(value)].length <= limit) return true;
    const squeezed = [...stored(value)].length < [...value].length ? ', even with runs of spaces counted as one' : '';
    report(path, `${show(path)} is longer than ${limit} characters${squeezed}`);
    return false;
  };

  checkName(['project', 'name'], 'the project name');
  const classes = new Set<string>();
  for (let i = 0; i < count(['project', 'leadClasses']); i++) {
    checkName(['project', 'leadClasses', i], 'the lead class name');
    const c = text(['project', 'leadClasses', i]);
    if (c === undefined || !c.trim() || !checkStoredLength(['project', 'leadClasses', i], MAX_NAME, normalizeClassName)) continue;
    if (classes.has(nameKey(c))) report(['project', 'leadClasses', i], `lead class "${c.trim()}" is listed twice`);
    classes.add(nameKey(c));
  }

  const emailAt = (rawEmail: string, path: Path) => {
    const email = normalizeEmail(rawEmail);
    if (!email) report(path, `"${rawEmail}" is not a valid email address`);
    return email ?? rawEmail.trim().toLowerCase();
  };
  const teamSize = count(['team']);
  for (let i = 0; i < teamSize; i++) {
    const email = text(['team', i, 'email']);
    if (email !== undefined) emailAt(email, ['team', i, 'email']);
    checkName(['team', i, 'firstName'], `team[${i}].firstName`);
    checkName(['team', i, 'lastName'], `team[${i}].lastName`);
    // The server's rule for a member, checked here so that apply never stops half-way on it.
    if (sound(['team', i, 'operator']) && sound(['team', i, 'access']) && raw(['team', i]) && typeof raw(['team', i]) === 'object') {
      const operator = get(['team', i, 'operator']) === true;
      const access = get(['team', i, 'access']);
      if (!operator && (access === undefined || access === 'none')) {
        report(
          ['team', i],
          `team[${i}]${email ? ` (${email.trim()})` : ''} needs the operator role, an access level, or both: add "operator: true" or "access: admin|settings"`,
        );
      }
    }
  }
  duplicates(teamSize, (i) => text(['team', i, 'email'])?.trim().toLowerCase(), 'team', 'email', report);
  // Who answers chats according to the file (null: the file has no readable team; the server's
  // team is checked when planning).
  // A member whose operator flag is broken is given the benefit of the doubt.
  let operators: Set<string> | null = null;
  if (Array.isArray(raw(['team']))) {
    operators = new Set<string>();
    for (let i = 0; i < teamSize; i++) {
      const email = text(['team', i, 'email']);
      if (email !== undefined && (get(['team', i, 'operator']) === true || !sound(['team', i, 'operator']))) operators.add(email.trim().toLowerCase());
    }
  }

  const groupCount = count(['groups']);
  duplicates(groupCount, (i) => (text(['groups', i, 'name']) === undefined ? undefined : nameKey(text(['groups', i, 'name'])!)), 'groups', 'name', report);
  for (let i = 0; i < groupCount; i++) {
    checkName(['groups', i, 'name'], 'the group name');
    const groupName = text(['groups', i, 'name']);
    // The server's rules: "=" separates pattern and group in routes; a length measured as stored.
    if (groupName?.includes('=')) report(['groups', i, 'name'], `a group name must not contain "=": "${groupName}"`);
    checkStoredLength(['groups', i, 'name'], MAX_GROUP_NAME, normalizeGroupName);
    for (let j = 0; j < count(['groups', i, 'members']); j++) {
      const member = text(['groups', i, 'members', j]);
      if (member === undefined) continue;
      const email = emailAt(member, ['groups', i, 'members', j]);
      if (operators && normalizeEmail(member) && !operators.has(email)) {
        report(['groups', i, 'members', j], `${member} is not an operator in "team" (group members answer chats)`);
      }
    }
  }
  let groupNames: Set<string> | null = null;
  if (Array.isArray(raw(['groups']))) {
    groupNames = new Set<string>();
    for (let i = 0; i < groupCount; i++) {
      const groupName = text(['groups', i, 'name']);
      // A group whose name cannot be read: no route can be said to miss it.
      if (groupName === undefined) groupNames = null;
      if (groupName === undefined || !groupNames) break;
      groupNames.add(nameKey(groupName));
    }
  }
  // A route's pattern as the server takes it (services/groups.ts cleanPattern), each once whatever its case.
  const patterns = new Map<string, number>();
  for (let i = 0; i < count(['project', 'routes']); i++) {
    const pattern = text(['project', 'routes', i, 'pattern'])?.trim();
    if (pattern === '') report(['project', 'routes', i, 'pattern'], 'a URL pattern must not be blank (use * to match every page)');
    else if (pattern !== undefined && /\s/.test(pattern)) report(['project', 'routes', i, 'pattern'], `a URL pattern must not contain spaces: "${pattern}"`);
    else if (pattern !== undefined && patterns.has(pattern.toLowerCase())) {
      report(['project', 'routes', i, 'pattern'], `the URL pattern "${pattern}" is already given in project.routes[${patterns.get(pattern.toLowerCase())}] (the first one would always win)`);
    } else if (pattern !== undefined) patterns.set(pattern.toLowerCase(), i);
    checkName(['project', 'routes', i, 'group'], 'the group name');
    const group = text(['project', 'routes', i, 'group']);
    if (!checkStoredLength(['project', 'routes', i, 'group'], MAX_GROUP_NAME, normalizeGroupName)) continue;
    if (groupNames && group !== undefined && !groupNames.has(nameKey(group))) {
      report(['project', 'routes', i, 'group'], `route to unknown group "${group}" (define it under "groups")`);
    }
  }

  const hours: ParsedSpec['hours'] = new Map();
  for (let i = 0; i < count(['schedules']); i++) {
    const own: OperatorHours = { weekly: {}, exceptions: {} };
    for (const days of keysOf(['schedules', i, 'week'])) {
      let parsed: Weekday[] = [];
      try {
        parsed = parseDays(days);
      } catch (err) {
        report(['schedules', i, 'week'], (err as Error).message, days);
        continue;
      }
      for (let j = 0; j < count(['schedules', i, 'week', days]); j++) {
        const hoursText = text(['schedules', i, 'week', days, j]);
        if (hoursText === undefined) continue;
        let interval: Interval;
        try {
          interval = parseHours(hoursText);
        } catch (err) {
          report(['schedules', i, 'week', days, j], (err as Error).message);
          continue;
        }
        for (const d of parsed) {
          const dayList = (own.weekly[d] ??= []);
          if (overlaps(dayList, interval)) {
            report(['schedules', i, 'week', days, j], `${formatHours(interval)} overlaps other hours on ${d}`);
            break;
          }
          dayList.push(interval);
        }
      }
    }
    for (const date of keysOf(['schedules', i, 'exceptions'])) {
      if (!sound(['schedules', i, 'exceptions', date])) continue;
      try {
        parseDate(date);
      } catch (err) {
        report(['schedules', i, 'exceptions'], (err as Error).message, date);
        continue;
      }
      const list: Interval[] = [];
      const value = get(['schedules', i, 'exceptions', date]) as string | string[];
      if (Array.isArray(value)) {
        value.forEach((hoursText, j) => {
          try {
            const interval = parseHours(hoursText);
            if (overlaps(list, interval)) report(['schedules', i, 'exceptions', date, j], `${hoursText} overlaps other hours on ${date}`);
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
    for (let j = 0; j < count(['schedules', i, 'operators']); j++) {
      const operator = text(['schedules', i, 'operators', j]);
      if (operator === undefined) continue;
      const email = emailAt(operator, ['schedules', i, 'operators', j]);
      if (!normalizeEmail(operator)) continue;
      if (hours.has(email)) {
        report(['schedules', i, 'operators', j], `${operator} already has a schedule in schedules[${hours.get(email)!.entry}] (one schedule per operator)`);
        continue;
      }
      if (operators && !operators.has(email)) {
        report(['schedules', i, 'operators', j], `${operator} is not an operator in "team" (only operators have working hours)`);
      }
      hours.set(email, { hours: own, entry: i });
    }
  }

  const templateCount = count(['templates']);
  duplicates(templateCount, (i) => (text(['templates', i, 'name']) === undefined ? undefined : nameKey(text(['templates', i, 'name'])!)), 'templates', 'name', report);
  for (let i = 0; i < templateCount; i++) {
    const name = text(['templates', i, 'name']);
    const body = text(['templates', i, 'text']);
    if (name !== undefined && !name.trim()) report(['templates', i, 'name'], `templates[${i}].name must not be blank`);
    else if (name !== undefined && templateNameProblem(name)) report(['templates', i, 'name'], templateNameProblem(name)!);
    if (body === undefined) continue;
    if (!body.trim()) report(['templates', i, 'text'], `templates[${i}].text must not be blank`);
    const unknown = unknownPlaceholders(body);
    if (unknown.length) {
      report(['templates', i, 'text'], `unknown placeholder ${unknown.join(', ')} in template "${name ?? `templates[${i}]`}" (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`);
    }
  }
  return hours;
}
