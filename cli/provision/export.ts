// The current state of a project in the format `parley apply` reads: export, edit, apply.
import { Document, parse, visit } from 'yaml';
import { formatDays, formatHours, WEEKDAYS, type Weekday } from '../../core/schedule-text.js';
import { type CurrentState, hoursOfView } from './plan.js';
import type { ScheduleEntry, Spec } from './schema.js';
import type { OperatorHours } from './validate.js';

function scheduleEntry(operators: string[], h: OperatorHours): ScheduleEntry {
  const byHours = new Map<string, Weekday[]>();
  for (const d of WEEKDAYS) {
    const list = h.weekly[d];
    if (!list?.length) continue;
    const key = list.map(formatHours).join(' ');
    byHours.set(key, [...(byHours.get(key) ?? []), d]);
  }
  const week: Record<string, string[]> = {};
  for (const [key, days] of byHours) week[formatDays(days)] = key.split(' ');
  const entry: ScheduleEntry = { operators, week };
  const dates = Object.keys(h.exceptions).sort();
  if (dates.length) {
    entry.exceptions = Object.fromEntries(dates.map((d) => [d, h.exceptions[d].length ? h.exceptions[d].map(formatHours) : ('off' as const)]));
  }
  return entry;
}

export function exportSpec(state: CurrentState): Spec {
  const p = state.project!;
  const project: NonNullable<Spec['project']> = {
    name: p.name,
    timezone: p.timezone,
    language: p.language as 'en' | 'ru',
    allowedOrigins: p.allowedOrigins,
    // Always, defaults too (null, ""): applied to another project, the export gives it this look.
    widget: { color: p.widget.color ?? null, greeting: p.widget.greeting ?? '' },
    assignment: state.routing.assignment,
    leadClasses: state.leadClasses.map((c) => c.name),
    routes: state.routing.rules.map((r) => ({ pattern: r.pattern, group: r.group })),
  };
  const spec: Spec = {
    version: 1,
    project,
    team: state.members.map((m) => ({
      email: m.email,
      firstName: m.firstName,
      lastName: m.lastName,
      operator: m.operator,
      access: m.access ?? 'none',
    })),
  };
  // Operators with the same hours share one entry, as an admin would write them.
  const shared = new Map<string, { operators: string[]; hours: OperatorHours }>();
  for (const v of state.schedules) {
    const hours = hoursOfView(v);
    if (!Object.keys(hours.weekly).length && !Object.keys(hours.exceptions).length) continue;
    const key = JSON.stringify(hours);
    const entry = shared.get(key) ?? { operators: [], hours };
    entry.operators.push(v.email);
    shared.set(key, entry);
  }
  spec.groups = state.groups.map((g) => ({ name: g.name, members: g.members.map((m) => m.email) }));
  spec.schedules = [...shared.values()].map((e) => scheduleEntry(e.operators, e.hours));
  spec.templates = state.templates.map((t) => ({ name: t.name, text: t.text }));
  return spec;
}

/**
 * Whether a YAML 1.1 reader (PyYAML, Ruby's Psych, older yq) would take this text, written
 * plain, for something else: yes/no/on/off/y/n as booleans, 0777 as octal, 12:30 as a number in
 * base 60, 2026-12-31 as a date, ~ as null, << as a merge key. Parley reads YAML 1.2, where they are text.
 */
function readOtherwiseByYaml11(text: string): boolean {
  if (text.includes('\n')) return false;
  // A merge key, and the "value" tag's plain "=", which PyYAML refuses to load.
  if (text === '<<' || text === '=') return true;
  try {
    return parse(text, { version: '1.1' }) !== text;
  } catch {
    return false;
  }
}

/**
 * The spec as YAML, every text that a YAML 1.1 tool would read as a boolean, a number, a date or
 * null quoted (as kubectl and helm write them), so that a CI step templating or merging the file
 * with such a tool keeps it as it is. (Texts YAML 1.2 would misread are quoted by the writer.)
 */
export function exportYaml(spec: Spec): string {
  const doc = new Document(spec);
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && readOtherwiseByYaml11(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ lineWidth: 0 });
}
