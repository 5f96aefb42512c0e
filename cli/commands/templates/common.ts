// Shared by the `parley templates` commands: finding a template by name (or id), and the
// checks of a new name or text made before any request.
import type { ParleyClient } from '../../../core/client/api.js';
import type { Template } from '../../../core/protocol/index.js';
import { MAX_TEMPLATE_TEXT, normalizeTemplateText, templateKey, templateNameProblem } from '../../../core/templates.js';
import { CliError, cut, UsageError } from '../../errors.js';
import { checkLength, refuse } from '../../options.js';

/** By name, case-insensitively; a number that is no template's name is taken as an id. */
export async function findTemplate(client: ParleyClient, projectId: number, wanted: string): Promise<Template> {
  const { templates } = await client.templates(projectId);
  const key = templateKey(wanted);
  const byName = templates.find((t) => templateKey(t.name) === key);
  if (byName) return byName;
  const byId = /^\d+$/.test(wanted.trim()) ? templates.find((t) => t.id === Number(wanted)) : undefined;
  if (byId) return byId;
  throw new CliError(`no template named "${cut(wanted)}" (see "parley templates list")`);
}

/**
 * Text from the words of the command line, or from stdin for "-": line breaks kept (CRLF read
 * as LF), except the one newline that ends the input, as `echo` and editors add it.
 */
export async function textArgument(words: string[], readStdin: () => Promise<string[]>): Promise<string> {
  if (words.length === 1 && words[0] === '-') return (await readStdin()).join('\n').replace(/\n$/, '');
  return words.join(' ');
}

/** A new name (`templates add NAME`, `edit --name`), measured as the server stores it: trimmed. */
export function parseTemplateName(this: unknown, value: string): string {
  const problem = templateNameProblem(value);
  if (problem) throw refuse(this, value, problem);
  return value;
}

/**
 * A new text, which may come from stdin and be pages long: refused without echoing it, `what`
 * naming where it was given (`the text`, `--text`).
 */
export function checkTemplateText(text: string, what: string): void {
  if (!text.trim()) throw new UsageError('a template needs some text');
  checkLength(normalizeTemplateText(text), MAX_TEMPLATE_TEXT, what);
}
