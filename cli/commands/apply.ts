// `parley apply -f parley.yaml`: bring a project to the state a file describes. The file is
// checked completely first (nothing is sent when it has a problem); then the plan is printed
// and carried out step by step through the API. Applying the same file again plans nothing.
import { Command } from 'commander';
import type { Project } from '../../core/protocol/index.js';
import { type Ctx, findProject, withProject } from '../context.js';
import { CliError } from '../errors.js';
import { print } from '../io.js';
import { readLocalText } from '../local-files.js';
import { readStdin } from '../prompt.js';
import type { Step } from '../provision/plan.js';

interface Opts {
  file: string;
  dryRun?: boolean;
  prune?: boolean;
  detailedExitcode?: boolean;
}

const SIGN = { create: '+', update: '~', delete: '-' } as const;

export function planText(steps: Step[], projectName: string, dryRun: boolean): string {
  if (!steps.length) return `Project "${projectName}" already matches the file: nothing to do.`;
  const lines = steps.map((s) => {
    const detail = s.changes.length ? `\n${s.changes.map((c) => `      ${c}`).join('\n')}` : '';
    return `  ${SIGN[s.action]} ${s.action} ${s.kind} ${s.name}${detail}`;
  });
  const count = (a: Step['action']) => steps.filter((s) => s.action === a).length;
  const summary = `${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete`;
  return [`Plan for project "${projectName}" (${summary}):`, ...lines, dryRun ? 'Dry run: nothing was changed.' : ''].join('\n').trimEnd();
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const text = opts.file === '-' ? await readStdin(ctx.io) : await readLocalText(opts.file);
  const source = opts.file === '-' ? 'stdin' : opts.file;
  // The schema checker and the YAML parser load only here: other commands start without them.
  const { parseSpec, SpecError } = await import('../provision/validate.js');
  const { plan, readState } = await import('../provision/plan.js');
  // The error line names the first problem; a person at a terminal also sees the others.
  const listingProblems = <T>(check: () => T): T => {
    try {
      return check();
    } catch (err) {
      if (err instanceof SpecError && ctx.io.stderrIsTTY) {
        for (const p of err.problems.slice(1)) ctx.io.stderr.write(`  ${source}:${p.line}:${p.col}: ${p.message}\n`);
      }
      throw err;
    }
  };
  const parsed = listingProblems(() => parseSpec(text, source));
  const client = await ctx.client();
  const me = await client.me();

  const explicit = ctx.flags.project ?? ctx.io.env.PARLEY_PROJECT;
  let project: Project | null;
  if (explicit !== undefined) project = await findProject(client, explicit);
  else {
    const named = (await client.listProjects()).filter((p) => p.name.toLowerCase() === parsed.spec.project.name.toLowerCase());
    if (named.length > 1) throw new CliError(`several projects are named "${parsed.spec.project.name}": pass --project ID`);
    project = named[0] ?? null;
  }

  // Checked against the project as it is: what the file refers to without defining it.
  const state = await readState(client, project, me.user);
  const steps = listingProblems(() => plan(parsed, state, { self: me.user.email, prune: Boolean(opts.prune) }));
  const changed = steps.length > 0;
  const name = project?.name ?? parsed.spec.project.name;
  if (!ctx.io.json) print(ctx.io, planText(steps, name, Boolean(opts.dryRun)));

  let applied = 0;
  let toRun = steps;
  const notes: string[] = [];
  if (!opts.dryRun && changed) {
    try {
      if (!project) {
        // The new project starts with its creator as a member: plan again against what it is now.
        project = await client.createProject(parsed.spec.project.name);
        toRun = plan(parsed, await readState(client, project), { self: me.user.email, prune: Boolean(opts.prune) });
      }
      for (const step of toRun) {
        const note = await step.run(client, project.id);
        if (note) notes.push(note);
        applied++;
      }
    } catch (err) {
      const step = toRun[applied];
      const message = err instanceof Error ? err.message : String(err);
      throw new CliError(
        step
          ? `${step.action} ${step.kind} ${step.name} failed: ${message} (${applied} of ${toRun.length} steps were applied; fix it and apply again)`
          : `creating project "${parsed.spec.project.name}" failed: ${message}`,
      );
    }
    if (!ctx.io.json) print(ctx.io, [...notes.map((n) => `Note: ${n}.`), `Applied ${applied} change${applied === 1 ? '' : 's'}.`].join('\n'));
  }
  if (ctx.io.json) {
    print(
      ctx.io,
      JSON.stringify(
        {
          project: project ? { id: project.id, name: project.name } : { id: null, name },
          dryRun: Boolean(opts.dryRun),
          changed,
          steps: steps.map(({ action, kind, name: n, changes }) => ({ action, kind, name: n, changes })),
        },
        null,
        2,
      ),
    );
  }
  return opts.detailedExitcode && changed ? 2 : 0;
}

export default function applyCommand(ctx: Ctx): Command {
  return withProject(new Command('apply'))
    .description('bring a project to the state a YAML (or JSON) file describes: settings, team, groups, schedules, templates')
    .requiredOption('-f, --file <path>', 'the project file ("-" reads stdin; see "parley export" and the README for the format)')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--prune', 'also delete what the file does not list, in the sections it has (never your own membership)')
    .option('--detailed-exitcode', 'exit 0 when nothing changed, 2 when changes were (or would be) made')
    .addHelpText(
      'after',
      '\nExamples:\n  $ parley apply -f parley.yaml --dry-run\n  $ parley apply -f parley.yaml --prune --detailed-exitcode\n  $ envsubst < parley.tmpl.yaml | parley apply -f -\n',
    )
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
