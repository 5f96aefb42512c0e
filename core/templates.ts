// Reply templates: the placeholders a template may use, the rules a template must follow, and the
// one function that fills it in. The server checks templates with these rules when they are saved
// or imported; the TUI and the Telegram bridge fill them with `fillTemplate` when an operator
// inserts one. Template text is data: filling is a plain search-and-replace of the known
// placeholders, nothing in it is ever evaluated (`${7*7}` and `{{constructor...}}` stay as typed).
import { nameProblem } from './names.js';
import { MAX_BODY } from './protocol/constants.js';

export const PLACEHOLDERS = ['visitor.name', 'operator.first_name', 'operator.last_name', 'project.name'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Partial<Record<Placeholder, string | null | undefined>>;

export const MAX_TEMPLATE_NAME = 100;
/** A template becomes a message once inserted, so it may be as long as one. */
export const MAX_TEMPLATE_TEXT = MAX_BODY;

/**
 * What counts as a placeholder: a dotted identifier in single braces, `{visitor.name}`. Braces
 * around anything else (`{ "a": 1 }`, `${7*7}`, `{{x('y')()}}`) are ordinary text.
 */
const PLACEHOLDER_RE = /\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}/g;

const isKnown = (name: string): name is Placeholder => (PLACEHOLDERS as readonly string[]).includes(name);

/** The placeholders in `text` that are not in PLACEHOLDERS, each once, as written (`{visitor.phone}`). */
export function unknownPlaceholders(text: string): string[] {
  const unknown = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER_RE)) if (!isKnown(m[1])) unknown.add(m[0]);
  return [...unknown];
}

/**
 * Fills the known placeholders in one pass (a value that itself looks like a placeholder is not
 * filled again). A placeholder without a value stays as written, so the operator sees the gap in
 * the composer before sending.
 */
export function fillTemplate(text: string, values: PlaceholderValues): string {
  return text.replace(PLACEHOLDER_RE, (whole, name: string) => {
    if (!isKnown(name)) return whole;
    const value = values[name];
    return value === null || value === undefined ? whole : value;
  });
}

/**
 * The values for a dialog: the visitor's real name from the client card when an operator or the
 * site (identify) has filled it in, else their generated name; a last name of "-" (not given)
 * fills as nothing. The operator reads the text before sending it.
 */
export function placeholderValues(input: {
  visitor?: { name: string; realName?: string | null } | null;
  operator?: { firstName: string; lastName: string } | null;
  project?: { name: string } | null;
}): PlaceholderValues {
  const values: PlaceholderValues = {};
  if (input.visitor) values['visitor.name'] = input.visitor.realName?.trim() || input.visitor.name;
  if (input.operator) {
    values['operator.first_name'] = input.operator.firstName;
    values['operator.last_name'] = input.operator.lastName === '-' ? '' : input.operator.lastName;
  }
  if (input.project) values['project.name'] = input.project.name;
  return values;
}

/** Line breaks as `\n` (files from Windows and spreadsheets carry `\r\n`). */
export const normalizeTemplateText = (text: string) => text.replace(/\r\n?/g, '\n');
export const normalizeTemplateName = (name: string) => name.trim().normalize('NFC');
/** Names are unique per project regardless of case: "Greeting" and "greeting" are one template. */
export const templateKey = (name: string) => normalizeTemplateName(name).toLowerCase();

/** Why a name cannot be a template's, or null when it can (checked as normalized). */
export function templateNameProblem(raw: string): string | null {
  const name = normalizeTemplateName(raw);
  if (!name) return 'the template has no name';
  if ([...name].length > MAX_TEMPLATE_NAME) return `the name "${name.slice(0, 40)}…" is longer than ${MAX_TEMPLATE_NAME} characters`;
  return nameProblem('the name', name);
}

/**
 * Why a template cannot be saved, or null when it can. Names and texts are checked as normalized;
 * a text's length in characters (code points) as a message's is, since it is sent as one.
 */
export function templateProblem(t: { name?: unknown; text?: unknown }): string | null {
  if (typeof t.name !== 'string') return 'the template has no name';
  const badName = templateNameProblem(t.name);
  if (badName) return badName;
  const name = normalizeTemplateName(t.name);
  if (t.text === undefined || t.text === null) return `"${name}" has no text`;
  if (typeof t.text !== 'string') return `the text of "${name}" is not a string`;
  const text = normalizeTemplateText(t.text);
  if (!text.trim()) return `the text of "${name}" is empty`;
  if (text.length > MAX_TEMPLATE_TEXT && [...text].length > MAX_TEMPLATE_TEXT) return `the text of "${name}" is longer than ${MAX_TEMPLATE_TEXT} characters`;
  const unknown = unknownPlaceholders(text);
  if (unknown.length) {
    return `"${name}" uses unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`;
  }
  return null;
}
