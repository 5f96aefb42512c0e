import { Command } from 'commander';
import type { Project } from '../../../core/protocol/index.js';
import { type Ctx, projectArgument, withProject } from '../../context.js';
import { fields, result } from '../../io.js';
import { projectClock, roleOf } from '../../present.js';
import { routingFields } from '../group/common.js';

/** The widget's look as `key: value` rows. */
export function widgetFields(p: Project): Array<[string, string]> {
  return [
    ['widget colour', p.widget.color ?? 'default'],
    ['greeting', p.widget.greeting ?? '(none)'],
  ];
}

/**
 * What a site under a Content-Security-Policy of its own adds to it for the widget, one directive
 * a line, as the server says: the stylesheet's hash changes with Parley versions.
 */
function cspLines(p: Project): string[] {
  // A server older than this CLI does not say: nothing is better than a guess at its hash.
  if (!p.widgetCsp) return [];
  return [
    "Under a Content-Security-Policy, the site's policy must also allow:",
    ...Object.entries(p.widgetCsp).map(([directive, sources]) => `  ${directive} ${sources.join(' ')}`),
    "(style-src is for browsers without constructed stylesheets; its hash is this server's Parley",
    " version's: check it again after an upgrade)",
  ];
}

export async function run(projectArg: string | undefined, ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const p = await ctx.project(client, projectArgument(projectArg, ctx));
  const routing = await client.getRouting(p.id);
  result(ctx.io, { ...p, routing }, () =>
    [
      fields([
        ['id', p.id],
        ['name', p.name],
        ['widget key', p.widgetKey],
        ['allowed origins', p.allowedOrigins.join(', ') || '(none yet)'],
        ['timezone', p.timezone],
        ['language', p.language],
        ...widgetFields(p),
        ['your role', roleOf(p)],
        ['created', projectClock(p.timezone).zoned(p.createdAt)],
        ...routingFields(routing),
      ]),
      '',
      'Embed the widget:',
      `  <script src="${p.widgetScriptUrl}" data-project="${p.widgetKey}" async></script>`,
      ...cspLines(p),
    ].join('\n'),
  );
  return 0;
}

export default function projectShow(ctx: Ctx): Command {
  return withProject(new Command('show'))
    .description(
      "show a project (default: the current one) with its widget key, the embed snippet and what a site's Content-Security-Policy must allow for the widget",
    )
    .summary('show a project (default: the current one) with its widget key and embed snippet')
    .argument('[project]', 'project id or name')
    .addHelpText('after', '\nExample:\n  $ parley project show "Acme shop"\n')
    .action((p: string | undefined, _o: unknown, cmd: Command) => ctx.begin(cmd).finish(run(p, ctx)));
}
