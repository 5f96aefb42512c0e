import { Command, InvalidArgumentError } from 'commander';
import type { AssignmentPolicy, Project, RouteRule, UpdateProjectBody, UpdateRoutingBody } from '../../../core/protocol/index.js';
import { groupNameTooLong } from '../../../core/name-length.js';
import { WIDGET_COLOR_RE, WIDGET_GREETING_MAX } from '../../../core/protocol/constants.js';
import { type Ctx, projectArgument, withProject } from '../../context.js';
import { CliError, cut, UsageError } from '../../errors.js';
import { fields, result } from '../../io.js';
import { checkLength, collect, parseProjectName } from '../../options.js';
import { routingFields } from '../group/common.js';
import { widgetFields } from './show.js';

interface Opts {
  allowedOrigin?: string[];
  addOrigin?: string[];
  removeOrigin?: string[];
  timezone?: string;
  language?: 'en' | 'ru';
  name?: string;
  assignment?: AssignmentPolicy;
  route?: RouteRule[];
  clearRoutes?: boolean;
  /** "#rrggbb", or "default": the default colour. */
  widgetColor?: string;
  /** A text, or false from --no-greeting. */
  greeting?: string | false;
}

/** "#rrggbb", or "default" (kept as the word: commander stores a null from a parser as ""). */
function parseColor(value: string): string {
  if (value !== 'default' && !WIDGET_COLOR_RE.test(value)) throw new InvalidArgumentError('the widget colour is #rrggbb (e.g. "#0a84ff") or "default"');
  return value;
}

function parseLanguage(value: string): 'en' | 'ru' {
  if (value === 'en' || value === 'ru') return value;
  throw new InvalidArgumentError('the language is en or ru');
}

function parseAssignment(value: string): AssignmentPolicy {
  if (value === 'manual' || value === 'round-robin') return value;
  throw new InvalidArgumentError('the assignment policy is manual or round-robin');
}

/** `PATTERN=GROUP`, split at the last "=" (a pattern may hold a query string; group names have no "="). */
function parseRoute(value: string, previous: RouteRule[] = []): RouteRule[] {
  const at = value.lastIndexOf('=');
  const pattern = value.slice(0, at).trim();
  const group = value.slice(at + 1).trim();
  if (at < 0 || !pattern || !group) throw new InvalidArgumentError('a route is PATTERN=GROUP, e.g. "https://shop.example.com/b2b/*=wholesale"');
  const tooLong = groupNameTooLong(group);
  if (tooLong) throw new InvalidArgumentError(tooLong);
  return [...previous, { pattern, group }];
}

/** The server's spelling of an origin, to find one in the list ("https://Shop.example.com/" matches). */
function originKey(raw: string): string {
  try {
    return new URL(raw.trim()).origin;
  } catch {
    return raw.trim();
  }
}

/**
 * `--remove-origin` of an origin the project does not allow is a typo: the origin meant stays
 * allowed. Refused before anything is saved, with the list to pick from.
 */
function refuseUnknownOrigins(drop: string[], project: Project): void {
  const unknown = drop.filter((o) => !project.allowedOrigins.includes(o)).map((o) => cut(o));
  if (unknown.length === 0) return;
  const allowed = project.allowedOrigins.length ? `the allowed origins are ${project.allowedOrigins.join(', ')}` : 'it allows no origin';
  const what = unknown.length === 1 ? `${unknown[0]} is not an allowed origin` : `${unknown.join(', ')} are not allowed origins`;
  throw new CliError(`--remove-origin: ${what} of "${project.name}" (${allowed}); nothing was changed`);
}

export async function run(projectArg: string | undefined, opts: Opts, ctx: Ctx): Promise<number> {
  const { allowedOrigin, addOrigin = [], removeOrigin = [] } = opts;
  if (allowedOrigin && (addOrigin.length || removeOrigin.length)) {
    throw new UsageError('--allowed-origin replaces the whole list: do not combine it with --add-origin/--remove-origin');
  }
  const body: UpdateProjectBody = {};
  if (opts.name !== undefined) body.name = opts.name;
  if (opts.timezone !== undefined) body.timezone = opts.timezone;
  if (opts.language !== undefined) body.language = opts.language;
  if (allowedOrigin) body.allowedOrigins = allowedOrigin;
  if (typeof opts.greeting === 'string') checkLength(opts.greeting, WIDGET_GREETING_MAX, '--greeting');
  if (opts.widgetColor !== undefined || opts.greeting !== undefined) {
    body.widget = {};
    if (opts.widgetColor !== undefined) body.widget.color = opts.widgetColor === 'default' ? null : opts.widgetColor;
    if (opts.greeting !== undefined) body.widget.greeting = opts.greeting === false ? null : opts.greeting;
  }
  const editsOrigins = addOrigin.length > 0 || removeOrigin.length > 0;
  if (opts.route && opts.clearRoutes) throw new UsageError('--route replaces the URL rules and --clear-routes removes them: give one');
  const routing: UpdateRoutingBody = {};
  if (opts.assignment !== undefined) routing.assignment = opts.assignment;
  if (opts.route) routing.rules = opts.route;
  if (opts.clearRoutes) routing.rules = [];
  const editsRouting = Object.keys(routing).length > 0;
  if (Object.keys(body).length === 0 && !editsOrigins && !editsRouting) {
    throw new UsageError(
      'nothing to change: give --allowed-origin, --add-origin, --remove-origin, --timezone, --language, --name, --widget-color, --greeting, --assignment, --route or --clear-routes',
    );
  }
  const client = await ctx.client();
  const project = await ctx.project(client, projectArgument(projectArg, ctx));
  if (editsOrigins) {
    const drop = new Set(removeOrigin.map(originKey));
    refuseUnknownOrigins([...drop], project);
    body.allowedOrigins = [...project.allowedOrigins.filter((o) => !drop.has(o)), ...addOrigin];
  }
  // One request, one transaction: a mistake in any option saves none of them.
  if (editsRouting) body.routing = routing;
  const p = Object.keys(body).length > 0 ? await client.updateProject(project.id, body) : project;
  const routed = await client.getRouting(project.id);
  result(ctx.io, { ...p, routing: routed }, () =>
    [
      `Updated "${p.name}" (id ${p.id}).`,
      fields([
        ['allowed origins', p.allowedOrigins.join(', ') || '(none: the widget works nowhere yet)'],
        ['timezone', p.timezone],
        ['language', p.language],
        ...widgetFields(p),
        ...routingFields(routed),
      ]),
    ].join('\n'),
  );
  return 0;
}

export default function projectSet(ctx: Ctx): Command {
  return withProject(new Command('set'))
    .description('change a project: the origins allowed to embed the widget, timezone, language, name, the widget\'s look, routing of new dialogs')
    .argument('[project]', 'project id or name (default: the current one)')
    .option('--allowed-origin <url>', 'an origin allowed to embed the widget; repeat it; replaces the list', collect)
    .option('--add-origin <url>', 'add an allowed origin (repeatable)', collect)
    .option('--remove-origin <url>', 'remove an allowed origin (repeatable); one the project does not allow is refused', collect)
    .option('--timezone <zone>', 'IANA time zone, e.g. Europe/Berlin')
    .option('--language <lang>', 'widget and visitor-name language: en or ru', parseLanguage)
    .option('--name <name>', 'new project name', parseProjectName)
    .option('--widget-color <#rrggbb>', 'the widget\'s accent colour, or "default"', parseColor)
    .option('--greeting <text>', 'the first line a visitor sees in the chat')
    .option('--no-greeting', 'no greeting line')
    .option('--assignment <policy>', 'who answers new dialogs: manual (the first to reply) or round-robin (online operators in turn)', parseAssignment)
    .option('--route <pattern=group>', 'a URL rule: new dialogs from matching pages go to the group; repeat it, first match wins; replaces the rules', parseRoute)
    .option('--clear-routes', 'remove every URL rule')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ parley project set --allowed-origin https://shop.example.com --allowed-origin https://www.shop.example.com',
        '  $ parley project set "Acme shop" --add-origin https://staging.shop.example.com --timezone Europe/Berlin',
        "  $ parley project set --widget-color '#0a84ff' --greeting 'Hi! Ask us anything about your order.'",
        "  $ parley project set --assignment round-robin --route 'https://shop.example.com/b2b/*=wholesale' --route '*=retail'",
        '',
        'All the options are applied in one transaction: if any is refused, nothing changes.',
        '',
      ].join('\n'),
    )
    .action((p: string | undefined, opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(p, opts, ctx)));
}
