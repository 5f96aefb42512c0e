import { Command } from 'commander';
import type { ImportPlan } from '../../../core/protocol/index.js';
import { type Ctx, withProject } from '../../context.js';
import { UsageError } from '../../errors.js';
import { result } from '../../io.js';
import { readLocalText } from '../../local-files.js';
import { progressBar } from '../../progress.js';
import { readStdinText } from '../../prompt.js';
import { type Format, formatOfPath, parseFormat, readTemplates } from './files.js';

interface Opts {
  format?: Format;
  replace?: boolean;
  dryRun?: boolean;
}

/** `+ create Greeting` lines, then a one-line summary. */
export function describePlan(plan: ImportPlan, projectName: string): string {
  const lines = [
    ...plan.create.map((n) => `  + create  ${n}`),
    ...plan.update.map((n) => `  ~ update  ${n}`),
    ...plan.delete.map((n) => `  - delete  ${n}`),
  ];
  const counts = `${plan.create.length} to create, ${plan.update.length} to update, ${plan.delete.length} to delete, ${plan.unchanged.length} unchanged`;
  const head = plan.dryRun
    ? `Dry run for "${projectName}" (nothing changed): ${counts}.`
    : `Imported templates into "${projectName}": ${plan.create.length} created, ${plan.update.length} updated, ${plan.delete.length} deleted, ${plan.unchanged.length} unchanged.`;
  return [head, ...lines].join('\n');
}

export async function run(file: string, opts: Opts, ctx: Ctx): Promise<number> {
  // A file is read before its name is asked for the format: a missing file or a directory is
  // that, whatever its name. Stdin is read only once the format is known.
  // Text in another encoding than UTF-8 is refused, never imported with "\uFFFD" for its letters.
  const refused = { refused: 'nothing was imported' };
  const fromFile = file === '-' ? null : await readLocalText(file, refused);
  const format = opts.format ?? formatOfPath(file);
  if (!format) throw new UsageError(`cannot tell the format of "${file}": name it .json, .yaml or .csv, or pass --format`);
  const text = fromFile ?? (await readStdinText(ctx.io, refused));
  const name = file === '-' ? 'stdin' : file;

  // Large files get a bar while their rows are checked, then a note while the server applies them.
  let bar: ReturnType<typeof progressBar> | null = null;
  const rows = await readTemplates(name, text, format, (done, total) => {
    bar ??= progressBar(ctx.io, total, 'checking templates', { minTotal: 200 });
    bar.tick(done);
  });
  const client = await ctx.client();
  const project = await ctx.project(client);
  bar ??= progressBar(ctx.io, rows.length, 'checking templates', { minTotal: 200 });
  bar.say(`${opts.dryRun ? 'planning' : 'importing'} ${rows.length} templates into "${project.name}"…`);
  let plan: ImportPlan;
  try {
    plan = await client.importTemplates(project.id, {
      templates: rows.map((r) => ({ name: r.name, text: r.text, line: r.line })),
      replace: Boolean(opts.replace),
      dryRun: Boolean(opts.dryRun),
    });
  } finally {
    bar.end();
  }
  result(ctx.io, plan, () => describePlan(plan, project.name));
  return 0;
}

export default function templatesImport(ctx: Ctx): Command {
  return withProject(new Command('import'))
    .description(
      'import templates from JSON, YAML or CSV (columns name,text), upserting by name; any bad row fails the whole import and nothing changes',
    )
    .summary('import templates from a JSON, YAML or CSV file')
    .argument('<file>', 'the file ("-" reads stdin, with --format)')
    .option('--format <format>', 'json, yaml or csv (default: from the file name)', parseFormat)
    .option('--replace', 'also delete the templates the file does not list')
    .option('--dry-run', 'print what would change, change nothing')
    .addHelpText(
      'after',
      [
        '',
        'File formats (what "parley templates export" writes):',
        '  JSON  {"templates": [{"name": "Greeting", "text": "Hello, {visitor.name}!"}]}  (or just the list)',
        '  YAML  templates:',
        '          - name: Greeting',
        '            text: Hello, {visitor.name}!',
        '  CSV   name,text  then one template per record (RFC 4180: quote fields with commas, quotes or line breaks)',
        'Every format is UTF-8 text (a byte-order mark is fine); a file in another encoding is refused.',
        '',
        'Examples:',
        '  $ parley templates import templates.yaml --dry-run',
        '  $ parley templates import templates.csv --replace',
        '  $ parley templates export -p Shop | parley templates import - --format json -p Blog',
        '',
      ].join('\n'),
    )
    .action((file: string, opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(file, opts, ctx)));
}
