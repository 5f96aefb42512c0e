// Reply templates of a project. Names are unique per project by `name_key` (see core/templates.ts).
import type { Db, Queryable, Tx } from './sqlite.js';

export interface TemplateRow {
  id: number;
  project_id: number;
  name: string;
  name_key: string;
  text: string;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

export type TemplatesRepo = ReturnType<typeof templatesRepo>;

export function templatesRepo(db: Db) {
  return {
    /** Sorted by name as people read it (case-insensitive), then by id. */
    list: (projectId: number, q: Queryable = db) =>
      q.all<TemplateRow>('SELECT * FROM templates WHERE project_id = ? ORDER BY name_key, id', [projectId]),
    byId: (projectId: number, id: number, q: Queryable = db) =>
      q.get<TemplateRow>('SELECT * FROM templates WHERE project_id = ? AND id = ?', [projectId, id]),
    byKey: (projectId: number, key: string, q: Queryable = db) =>
      q.get<TemplateRow>('SELECT * FROM templates WHERE project_id = ? AND name_key = ?', [projectId, key]),

    async insert(tx: Tx, t: { projectId: number; name: string; key: string; text: string; createdBy: number | null }, now: number) {
      const { lastID } = await tx.run(
        `INSERT INTO templates (project_id, name, name_key, text, created_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [t.projectId, t.name, t.key, t.text, t.createdBy, now, now],
      );
      return lastID;
    },

    async update(tx: Tx, id: number, t: { name: string; key: string; text: string }, now: number) {
      await tx.run('UPDATE templates SET name = ?, name_key = ?, text = ?, updated_at = ? WHERE id = ?', [t.name, t.key, t.text, now, id]);
    },

    async remove(tx: Tx, id: number) {
      await tx.run('DELETE FROM templates WHERE id = ?', [id]);
    },
  };
}
