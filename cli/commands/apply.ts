// `parley apply -f parley.yaml`: bring a project to the state a file describes. The file is
// checked completely first, on its own and against the project as it is (nothing is changed
// when it has a problem); then the plan is printed and carried out step by step through the
// API. Applying the same file again plans nothing.
import { Command } from 'commander';
import type { Project } from '../../core/protocol/index.js';
import { type Ctx, findProject, withProject } from '../context.js';
import { CliError } from '../errors.js';
import { print } from '../io.js';
import { readLocalText, type TextRules } from '../local-files.js';
import { readStdinText } from '../prompt.js';
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

/**
 * A project file is at most this large: a real one is a few KB, and a generated one of 60 MB
 * took a minute and 2.4 GB to plan (over 512 MB, Node cannot even hold it as text).
 */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
const FILE_RULES: TextRules = { maxBytes: MAX_FILE_BYTES, kind: 'a project file', refused: 'nothing was applied' };

export function planText(steps: Step[], projectName: string, dryRun: boolean): string {
  if (!steps.length) return `Project "${projectName}" already matches the file: nothing to do.`;
  const lines = steps.map((s) => {
    const changes = s.shown ?? s.changes;
    const detail = changes.length ? `\n${changes.map((c) => `      ${c}`).join('\n')}` : '';
    return `  ${SIGN[s.action]} ${s.action} ${s.kind} ${s.name}${detail}`;
  });
  const count = (a: Step['action']) => steps.filter((s) => s.action === a).length;
  const summary = `${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete`;
  return [`Plan for project "${projectName}" (${summary}):`, ...lines, dryRun ? 'Dry run: nothing was changed.' : ''].join('\n').trimEnd();
}

const stepText = (s: Step) => `${s.action} ${s.kind} ${s.name}`;
const noteLine = (note: string) => `Note: ${note}.`;
/** A step in --json: its changes whole (the terminal's plan may cut long texts). */
const stepJson = ({ action, kind, name, changes }: Step) => ({ action, kind, name, changes });

/** The applied steps an error line names one by one; more are counted, and listed by --json. */
const NAMED_STEPS = 5;

/**
 * The one error line of an apply the server stopped: which step failed, and how many ran before
 * it (in plan order), named when they are few; creating the project is one of them. `creating`
 * names a project whose creation failed: then nothing ran. Where to see the steps that ran:
 * the plan printed above them, or --json's "applied".
 */
function failureLine(message: string, steps: Step[], applied: number, creating: string | null, created: boolean, json: boolean): string {
  if (creating !== null) return `creating project "${creating}" failed: ${message}; nothing was applied`;
  if (created && applied === 0) {
    return `${stepText(steps[0])} failed part-way: the project was created, its settings were refused: ${message} (0 of ${steps.length} steps were applied in full; fix it and apply again)`;
  }
  const where = json ? 'listed in "applied" on stdout' : `the first ${applied} of the plan above`;
  const done =
    applied === 0 ? '' : applied <= NAMED_STEPS ? `: ${steps.slice(0, applied).map(stepText).join(', ')}` : `: ${where}`;
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
  const text = opts.file === '-' ? await readStdinText(ctx.io, FILE_RULES) : await readLocalText(opts.file, FILE_RULES);
  const source = opts.file === '-' ? 'stdin' : opts.file;
  // The schema checker and the YAML parser load only here: other commands start without them.
  const { parseSpec, SpecError } = await import('../provision/validate.js');
  const { plan, planNotes, readAccounts, readState } = await import('../provision/plan.js');
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
      const state = await readState(target.client, target.project, target.me.user);
      state.accounts = await readAccounts(target.client, parsed, state, target.projects);
      return { ...target, state };
    } catch (err) {
      // When the project cannot be read (not signed in, the server down, no such --project), a
      // file with problems of its own is refused with them: they are what to fix first.
      throw parsed.problems.length ? new SpecError(parsed.file, parsed.problems) : err;
    }
  });
  let project = found;
  // Checked against the project as it is: what the file refers to without defining it, and what
  // the server would refuse part-way (the last admin, who may change what, creating a project, a name taken).
  const planOpts = {
    self: me.user.email,
    serverAdmin: me.user.serverAdmin,
    limitedTo: me.token.project?.name ?? null,
    projects,
    prune: Boolean(opts.prune),
  };
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
  const projectJson = () => (project ? { id: project.id, name: project.name } : { id: null, name });
  if (!opts.dryRun && changed) {
    try {
      if (!project) {
        // The new project starts with its creator as a member: plan again against what it is now.
        // Its creation is the plan's first step, applied now; the new project's settings, which
        // the plan showed with it, are the step's rest (the first step of the new plan, if any).
        project = await client.createProject(name);
        created = true;
        const [creation] = steps;
        const now = { ...(await readState(client, project)), accounts: state.accounts };
        const after = plan(parsed, now, planOpts);
        const settings = after[0]?.kind === 'project' ? after.shift()! : null;
        toRun = [creation, ...after];
        if (settings) await settings.run(client, project.id);
        applied = 1;
      }
      for (const step of toRun.slice(applied)) {
        const note = await step.run(client, project.id);
        // A note the plan gave already (a kept account name) is said once.
        if (note && !notes.includes(note)) notes.push(note);
        applied++;
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // A script gets what ran and what failed as data, besides the error line (and exit 1).
      if (ctx.io.json) {
        const failed = project && !(created && applied === 0) ? toRun[applied] : toRun[0];
        const result = {
          project: projectJson(),
          dryRun: false,
          changed: applied > 0 || created,
          steps: steps.map(stepJson),
          applied: toRun.slice(0, applied).map(stepJson),
          failed: { ...stepJson(failed), message },
          notes,
        };
        print(ctx.io, JSON.stringify(result, null, 2));
      }
      throw new CliError(failureLine(message, toRun, applied, project ? null : name, created, ctx.io.json));
    }
    const done = notes.slice(left.length);
    if (!ctx.io.json) print(ctx.io, [...done.map(noteLine), `Applied ${applied} change${applied === 1 ? '' : 's'}.`].join('\n'));
  }
  if (ctx.io.json) {
    print(
      ctx.io,
      JSON.stringify(
        {
          project: projectJson(),
          dryRun: Boolean(opts.dryRun),
          changed,
          steps: steps.map(stepJson),
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
    .description(
      'bring a project to the state a YAML (or JSON) file describes: settings, widget, team, groups, routing, schedules, templates, lead classes',
    )
    .requiredOption('-f, --file <path>', 'the project file, UTF-8, at most 10 MB ("-" reads stdin; see "parley export" and the README for the format)')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--prune', 'also delete what the file does not list, in the sections it has (never your own membership)')
    .option('--detailed-exitcode', 'exit 0 when nothing changed, 2 when changes were (or would be) made, 1 on any error (usage errors too)')
    .addHelpText(
      'after',
      [
        '',
        'Exit codes: 0 ok, 1 error, 2 usage error, 4 not signed in.',
        'With --detailed-exitcode (as terraform plan): 0 nothing changed, 2 changes were made',
        '(or, with --dry-run, would be), 1 any error, a usage error included (4 still means not',
        'signed in).',
        '',
        'Examples:',
        '  $ parley apply -f parley.yaml --dry-run',
        '  $ parley apply -f parley.yaml --prune --detailed-exitcode',
        '  $ envsubst < parley.tmpl.yaml | parley apply -f -',
        '',
      ].join('\n'),
    )
    .action((opts: Opts, cmd: Command) => ctx.begin(cmd).finish(run(opts, ctx)));
}
