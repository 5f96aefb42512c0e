// `parley apply -f parley.yaml`: bring a project to the state a file describes. The file is
// checked completely first, on its own and against the project as it is (nothing is changed
// when it has a problem); then the plan is printed and carried out step by step through the
// API. Applying the same file again plans nothing.
import { Command } from 'commander';
import type { Project } from '../../core/protocol/index.js';
import { type Ctx, findProject, withProject } from '../context.js';
import { CliError } from '../errors.js';
import { print } from '../io.js';
import { readLocalText } from '../local-files.js';
import { readStdin } from '../prompt.js';
import { projectKey } from '../provision/names.js';
import type { Step } from '../provision/plan.js';
import type { ParsedSpec } from '../provision/validate.js';

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

const stepText = (s: Step) => `${s.action} ${s.kind} ${s.name}`;
const noteLine = (note: string) => `Note: ${note}.`;

/**
 * The one error line of an apply the server stopped: which step failed, and which ran before it
 * (in plan order), since `--json` prints nothing on failure and a script must know what changed;
 * creating the project is one of them. `creating` names a project whose creation failed: then
 * nothing ran.
 */
function failureLine(err: unknown, steps: Step[], applied: number, creating: string | null, created: boolean): string {
  const message = err instanceof Error ? err.message : String(err);
  if (creating !== null) return `creating project "${creating}" failed: ${message}; nothing was applied`;
  if (created && applied === 0) {
    return `${stepText(steps[0])} failed part-way: the project was created, its settings were refused: ${message} (0 of ${steps.length} steps were applied in full; fix it and apply again)`;
  }
  const done = applied ? `: ${steps.slice(0, applied).map(stepText).join(', ')}` : '';
  return `${stepText(steps[applied])} failed: ${message} (${applied} of ${steps.length} steps were applied${done}; fix it and apply again)`;
}

/** Who asks, the projects they belong to, and the project the file is for (null: one to create). */
async function targetOf(ctx: Ctx, parsed: ParsedSpec, explicit: string | undefined) {
  const client = await ctx.client();
  const [me, projects] = await Promise.all([client.me(), client.listProjects()]);
  let project: Project | null;
  if (explicit !== undefined) project = await findProject(client, explicit);
  else {
    // A file without --project always names its project (parseSpec); found as the server compares names.
    const fileName = parsed.spec.project.name!;
    const named = projects.filter((p) => projectKey(p.name) === projectKey(fileName));
    // Only a database from before project names were unique can have several.
    if (named.length > 1) throw new CliError(`several projects are named "${fileName}": pass --project ID`);
    project = named[0] ?? null;
  }
  return { client, me, projects, project };
}

export async function run(opts: Opts, ctx: Ctx): Promise<number> {
  const text = opts.file === '-' ? await readStdin(ctx.io) : await readLocalText(opts.file);
  const source = opts.file === '-' ? 'stdin' : opts.file;
  // The schema checker and the YAML parser load only here: other commands start without them.
  const { parseSpec, SpecError } = await import('../provision/validate.js');
  const { plan, planNotes, readState } = await import('../provision/plan.js');
  // The error line names the first problem; a person at a terminal also sees the others.
  const listingProblems = async <T>(check: () => T | Promise<T>): Promise<T> => {
    try {
      return await check();
    } catch (err) {
      if (err instanceof SpecError && ctx.io.stderrIsTTY) {
        for (const p of err.problems.slice(1)) ctx.io.stderr.write(`  ${source}:${p.line}:${p.col}: ${p.message}\n`);
      }
      throw err;
    }
  };
  // With --project the file may leave out the project's name: the project is the one given.
  const explicit = ctx.flags.project ?? ctx.io.env.PARLEY_PROJECT;
  // The file's own problems come out with those found against the project (plan), in file order.
  const parsed = await listingProblems(() => parseSpec(text, source, { projectGiven: explicit !== undefined }));
  const { client, me, projects, project: found, state } = await listingProblems(async () => {
    try {
      const target = await targetOf(ctx, parsed, explicit);
      return { ...target, state: await readState(target.client, target.project, target.me.user) };
    } catch (err) {
      // When the project cannot be read (not signed in, the server down, no such --project), a
      // file with problems of its own is refused with them: they are what to fix first.
      throw parsed.problems.length ? new SpecError(parsed.file, parsed.problems) : err;
    }
  });
  let project = found;
  // Checked against the project as it is: what the file refers to without defining it, and what
  // the server would refuse part-way (the last admin, who may change what, creating a project, a name taken).
  const planOpts = { self: me.user.email, serverAdmin: me.user.serverAdmin, projects, prune: Boolean(opts.prune) };
  const steps = await listingProblems(() => plan(parsed, state, planOpts));
  const changed = steps.length > 0;
  const name = project?.name ?? parsed.spec.project.name!;
  // What the plan leaves alone is said with it (a dry run too); what the server did besides, after.
  const left = planNotes(parsed, state, planOpts);
  if (!ctx.io.json) print(ctx.io, [planText(steps, name, Boolean(opts.dryRun)), ...left.map(noteLine)].join('\n'));

  let applied = 0;
  let created = false;
  let toRun = steps;
  const notes: string[] = [...left];
  if (!opts.dryRun && changed) {
    try {
      if (!project) {
        // The new project starts with its creator as a member: plan again against what it is now.
        // Its creation is the plan's first step, applied now; the new project's settings, which
        // the plan showed with it, are the step's rest (the first step of the new plan, if any).
        project = await client.createProject(name);
        created = true;
        const [creation] = steps;
        const after = plan(parsed, await readState(client, project), planOpts);
        const settings = after[0]?.kind === 'project' ? after.shift()! : null;
        toRun = [creation, ...after];
        if (settings) await settings.run(client, project.id);
        applied = 1;
      }
      for (const step of toRun.slice(applied)) {
        const note = await step.run(client, project.id);
        if (note) notes.push(note);
        applied++;
      }
    } catch (err) {
      throw new CliError(failureLine(err, toRun, applied, project ? null : name, created));
    }
    const done = notes.slice(left.length);
    if (!ctx.io.json) print(ctx.io, [...done.map(noteLine), `Applied ${applied} change${applied === 1 ? '' : 's'}.`].join('\n'));
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
          notes,
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
