// `parley export`: a project's settings, team, groups, schedules and templates as a file that
// `parley apply` reads; export then apply on an empty server reproduces the project.
import { Command } from 'commander';
import { type Ctx, withProject } from '../context.js';
import { writeData } from '../io.js';
import { stampIn } from '../present.js';

export async function run(ctx: Ctx): Promise<number> {
  const client = await ctx.client();
  const project = await ctx.project(client);
  const [{ readState }, { exportSpec, exportYaml }] = await Promise.all([import('../provision/plan.js'), import('../provision/export.js')]);
  const spec = exportSpec(await readState(client, project));
  // The file apply reads: written exactly, not through print()'s filter for human output.
  if (ctx.io.json) writeData(ctx.io, `${JSON.stringify(spec, null, 2)}\n`, 'json');
  else {
    // On the project's clock, dated and the zone named: the file is read later, and anywhere.
    const exported = stampIn(new Date().toISOString(), project.timezone);
    const header = `# Parley project "${project.name}", exported ${exported} from ${client.url}\n# Apply with: parley apply -f FILE\n`;
    writeData(ctx.io, header + exportYaml(spec), 'text');
  }
  return 0;
}

export default function exportCommand(ctx: Ctx): Command {
  return withProject(new Command('export'))
    .description('write a project as a file for "parley apply" (YAML, or JSON with --json)')
    .addHelpText('after', '\nExamples:\n  $ parley export > parley.yaml\n  $ parley export --project Shop --json > parley.json\n')
    .action((_opts: unknown, cmd: Command) => ctx.begin(cmd).finish(run(ctx)));
}
