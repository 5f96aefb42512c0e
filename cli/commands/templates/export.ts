import { Command } from 'commander';
import { type Ctx, withProject } from '../../context.js';
import { cut, UsageError } from '../../errors.js';
import { notice, writeData } from '../../io.js';
import { checkNotDirectory, writeLocalFile } from '../../local-files.js';
import { type Format, formatOfPath, parseFormat, writeTemplates } from './files.js';

interface Opts {
  format?: Format;
  output?: string;
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  // --format wins; else the output file's extension; else JSON (what --json asks for too).
  if (ctx.io.json && opts.format && opts.format !== 'json') throw new UsageError(`--json and --format ${opts.format} disagree: give one`);
  const named = opts.output ? formatOfPath(opts.output) : null;
  // Import tells a file's format by its name: a name that says none would not import back.
  // A directory is said as such first, as import says it (it reads the file before the name).
  if (opts.output) await checkNotDirectory(opts.output);
  if (opts.output && !opts.format && !named) {
    throw new UsageError(`cannot tell the format from ${cut(opts.output, 200)}: name the file .json, .yaml or .csv, or pass --format`);
  }
  const format = opts.format ?? named ?? 'json';
  const client = await ctx.client();
  const project = await ctx.project(client);
  const { templates } = await client.templates(project.id);
  const text = await writeTemplates(templates, format);
  if (opts.output) {
    await writeLocalFile(opts.output, text);
    notice(ctx.io, `Wrote ${templates.length} template${templates.length === 1 ? '' : 's'} of "${project.name}" to ${opts.output}.`);
  } else {
    writeData(ctx.io, text, format === 'json' ? 'json' : 'text');
  }
  return 0;
}

export default function templatesExport(ctx: Ctx): Command {
  return withProject(new Command('export'))
    .description('write the templates as JSON, YAML or CSV, in the form "parley templates import" reads')
    .option('--format <format>', 'json, yaml or csv (default: from --output, else json)', parseFormat)
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  $ parley templates export --format yaml > templates.yaml\n  $ parley templates export -o templates.csv\n',
    )
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
