// Reply templates: project-wide, visible to every member.
//
// Who writes: an operator may create templates (the TUI saves the composer as one) and edit or
// delete the ones they created; members with the "admin" or "settings" access level edit and
// delete any, and only they import (an import may overwrite or, with replace, delete everyone's).
// The rules of a template (name, text, placeholders) are core/templates.ts, shared with the CLI.
import type { CreateTemplateBody, ImportPlan, ImportTemplatesBody, Template, UpdateTemplateBody } from '../../core/protocol/index.js';
import { normalizeTemplateName, normalizeTemplateText, templateKey, templateProblem } from '../../core/templates.js';
import type { Membership } from '../db/projects.js';
import type { Tx } from '../db/sqlite.js';
import { type TemplateRow, templatesRepo } from '../db/templates.js';
import { badRequest, conflict, forbidden, notFound } from '../errors.js';
import type { Auth } from './accounts.js';
import type { ServiceDeps } from './context.js';
import { iso } from './present.js';
import type { ProjectsService } from './projects.js';

export function presentTemplate(t: TemplateRow): Template {
  return { id: t.id, name: t.name, text: t.text, createdBy: t.created_by, createdAt: iso(t.created_at), updatedAt: iso(t.updated_at) };
}

const isManager = (m: Membership) => m.access === 'admin' || m.access === 'settings';

/** A template as it will be stored, or a 400 naming what is wrong. */
function checked(t: { name?: unknown; text?: unknown }, where = '') {
  const problem = templateProblem(t);
  if (problem) throw badRequest(`${where}${problem}`);
  const name = normalizeTemplateName(t.name as string);
  return { name, key: templateKey(name), text: normalizeTemplateText(t.text as string) };
}

export type TemplatesService = ReturnType<typeof templatesService>;

export function templatesService(deps: Pick<ServiceDeps, 'db' | 'clock'>, projects: ProjectsService) {
  const { db, clock } = deps;
  const repo = templatesRepo(db);

  async function existing(projectId: number, templateId: number, q?: Tx) {
    const t = await repo.byId(projectId, templateId, q);
    if (!t) throw notFound(`no template with id ${templateId}`);
    return t;
  }

  /**
   * The template a member may change: admins and settings any, an operator what they created.
   * Membership is checked before the template is looked up, so to anyone else a template id of
   * this project answers exactly as an id that does not exist.
   */
  async function writable(auth: Auth, projectId: number, templateId: number, what: string): Promise<TemplateRow> {
    const m = await projects.membership(auth, projectId);
    const t = await existing(projectId, templateId);
    if (isManager(m) || (m.operator && t.created_by === auth.user.id)) return t;
    throw forbidden(`${what} a template someone else created needs the "admin" or "settings" access level in this project`);
  }

  async function assertNameFree(tx: Tx, projectId: number, key: string, exceptId?: number) {
    const other = await repo.byKey(projectId, key, tx);
    if (other && other.id !== exceptId) throw conflict(`a template named "${other.name}" already exists`);
  }

  return {
    async list(auth: Auth, projectId: number) {
      await projects.membership(auth, projectId);
      return (await repo.list(projectId)).map(presentTemplate);
    },

    async get(auth: Auth, projectId: number, templateId: number) {
      await projects.membership(auth, projectId);
      return presentTemplate(await existing(projectId, templateId));
    },

    async create(auth: Auth, projectId: number, body: CreateTemplateBody) {
      const m = await projects.membership(auth, projectId);
      if (!m.operator && !isManager(m)) throw forbidden('only operators and project admins create templates');
      const t = checked(body);
      const now = clock.now();
      const row = await db.write(async (tx) => {
        await assertNameFree(tx, projectId, t.key);
        const id = await repo.insert(tx, { projectId, ...t, createdBy: auth.user.id }, now);
        return (await repo.byId(projectId, id, tx))!;
      });
      return presentTemplate(row);
    },

    async update(auth: Auth, projectId: number, templateId: number, body: UpdateTemplateBody) {
      const current = await writable(auth, projectId, templateId, 'editing');
      if (body.name === undefined && body.text === undefined) throw badRequest('nothing to change: give a name or a text');
      const t = checked({ name: body.name ?? current.name, text: body.text ?? current.text });
      if (t.name === current.name && t.text === current.text) return presentTemplate(current);
      const now = clock.now();
      const row = await db.write(async (tx) => {
        await existing(projectId, templateId, tx);
        await assertNameFree(tx, projectId, t.key, templateId);
        await repo.update(tx, templateId, t, now);
        return (await repo.byId(projectId, templateId, tx))!;
      });
      return presentTemplate(row);
    },

    async remove(auth: Auth, projectId: number, templateId: number) {
      await writable(auth, projectId, templateId, 'deleting');
      await db.write((tx) => repo.remove(tx, templateId));
    },

    /**
     * Upserts by name, in one transaction: every row is checked first, and any bad row (no name,
     * empty text, an unknown placeholder, a name twice) fails the whole import, naming its line.
     * With `replace`, templates the list does not name are deleted. With `dryRun`, only the plan.
     */
    async import(auth: Auth, projectId: number, body: ImportTemplatesBody): Promise<ImportPlan> {
      await projects.requireAccess(auth, projectId, ['admin', 'settings'], 'importing templates');
      const rows: Array<ReturnType<typeof checked>> = [];
      const problems: string[] = [];
      const seen = new Map<string, number | undefined>();
      body.templates.forEach((raw, i) => {
        const where = raw.line !== undefined ? `line ${raw.line}: ` : `template ${i + 1}: `;
        try {
          const t = checked({ name: raw.name ?? undefined, text: raw.text ?? undefined }, where);
          if (seen.has(t.key)) {
            const first = seen.get(t.key);
            throw badRequest(`${where}the name "${t.name}" is already used${first !== undefined ? ` on line ${first}` : ''} in this import`);
          }
          seen.set(t.key, raw.line);
          rows.push(t);
        } catch (err) {
          problems.push((err as Error).message);
        }
      });
      if (problems.length) {
        const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
        throw badRequest(`nothing was imported: ${problems.slice(0, 5).join('; ')}${more}`);
      }

      const now = clock.now();
      const plan = async (tx?: Tx): Promise<ImportPlan & { apply: (tx: Tx) => Promise<void> }> => {
        const current = await repo.list(projectId, tx);
        const byKey = new Map(current.map((t) => [t.name_key, t]));
        const out: ImportPlan = { dryRun: Boolean(body.dryRun), create: [], update: [], delete: [], unchanged: [] };
        const steps: Array<(tx: Tx) => Promise<unknown>> = [];
        for (const t of rows) {
          const old = byKey.get(t.key);
          if (!old) {
            out.create.push(t.name);
            steps.push((w) => repo.insert(w, { projectId, ...t, createdBy: auth.user.id }, now));
          } else if (old.name !== t.name || old.text !== t.text) {
            out.update.push(t.name);
            steps.push((w) => repo.update(w, old.id, t, now));
          } else {
            out.unchanged.push(t.name);
          }
        }
        if (body.replace) {
          for (const old of current) {
            if (seen.has(old.name_key)) continue;
            out.delete.push(old.name);
            steps.push((w) => repo.remove(w, old.id));
          }
        }
        return {
          ...out,
          apply: async (w) => {
            for (const step of steps) await step(w);
          },
        };
      };

      if (body.dryRun) {
        const { apply: _, ...out } = await plan();
        return out;
      }
      // Planned and applied inside the same transaction: no other write slips in between.
      return db.write(async (tx) => {
        const { apply, ...out } = await plan(tx);
        await apply(tx);
        return out;
      });
    },
  };
}
