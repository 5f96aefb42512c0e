// Lead classes of a project, and the lead journal: every dialog with what marketers ask about it
// (times, class, operator, group, the visitor's card, landing page, referrer, UTM tags).
import type { VisitorRow } from './dialogs.js';
import type { Db, Queryable, Tx } from './sqlite.js';

export interface LeadClassRow {
  id: number;
  project_id: number;
  name: string;
  name_key: string;
  position: number;
}

/** A dialog as a lead, with its visitor's card and landing page. */
export interface LeadRow
  extends Pick<VisitorRow, 'real_name' | 'phone' | 'email' | 'notes' | 'card_by_operator' | 'page_url' | 'page_title' | 'referrer' | 'utm'> {
  id: number;
  status: 'open' | 'closed';
  created_at: number;
  first_response_at: number | null;
  closed_at: number | null;
  lead_class: string | null;
  group_name: string | null;
  assignee_id: number | null;
  assignee_email: string | null;
  assignee_first_name: string | null;
  assignee_last_name: string | null;
  visitor_name: string;
}

/** What the report counts of a lead. */
export interface ReportRow
  extends Pick<LeadRow, 'id' | 'created_at' | 'first_response_at' | 'lead_class' | 'assignee_id' | 'assignee_email' | 'assignee_first_name' | 'assignee_last_name' | 'referrer' | 'page_url' | 'utm'> {}

/** A place in the leads' (created_at, id) order. */
export interface ReportCursor {
  createdAt: number;
  id: number;
}

export interface LeadFilter {
  since: number | null;
  /** Exclusive. */
  until: number | null;
  /**
   * The class as dialogs spell it: every spelling of its name they carry ("spam", "Spam": one
   * class, see services/leads.ts), [] when none does; null for any class.
   */
  classNames: string[] | null;
  /** Only dialogs without a class. */
  unclassified: boolean;
}

const LEAD_SELECT = `
  SELECT d.id, d.status, d.created_at, d.first_response_at, d.closed_at, d.lead_class, d.group_name, d.assignee_id,
         u.email AS assignee_email, u.first_name AS assignee_first_name, u.last_name AS assignee_last_name,
         v.name AS visitor_name, v.real_name, v.phone, v.email, v.notes, v.card_by_operator, v.page_url, v.page_title, v.referrer, v.utm
  FROM dialogs d
  JOIN visitors v ON v.id = d.visitor_id
  LEFT JOIN users u ON u.id = d.assignee_id`;

// ?1 project, ?2 since, ?3 until, ?4 class spellings (a JSON array) or null, ?5 1 = unclassified only.
const LEAD_WHERE = `
  d.project_id = ?1
  AND (?2 IS NULL OR d.created_at >= ?2)
  AND (?3 IS NULL OR d.created_at < ?3)
  AND (?4 IS NULL OR d.lead_class IN (SELECT value FROM json_each(?4)))
  AND (?5 = 0 OR d.lead_class IS NULL)`;

const filterParams = (projectId: number, f: LeadFilter) => [
  projectId,
  f.since,
  f.until,
  f.classNames === null ? null : JSON.stringify(f.classNames),
  f.unclassified ? 1 : 0,
];

export type LeadsRepo = ReturnType<typeof leadsRepo>;

export function leadsRepo(db: Db) {
  return {
    // ---- classes ----
    classes: (projectId: number, q: Queryable = db) =>
      q.all<LeadClassRow>('SELECT * FROM lead_classes WHERE project_id = ? ORDER BY position, id', [projectId]),
    classByKey: (projectId: number, key: string, q: Queryable = db) =>
      q.get<LeadClassRow>('SELECT * FROM lead_classes WHERE project_id = ? AND name_key = ?', [projectId, key]),

    async addClass(tx: Tx, projectId: number, name: string, key: string) {
      const { lastID } = await tx.run(
        `INSERT INTO lead_classes (project_id, name, name_key, position)
         SELECT ?1, ?2, ?3, coalesce(max(position), 0) + 1 FROM lead_classes WHERE project_id = ?1`,
        [projectId, name, key],
      );
      return lastID;
    },

    /** Positions 1..n in the order of `ids` (the project's every class). */
    async setClassOrder(tx: Tx, ids: number[]) {
      await tx.run(
        'UPDATE lead_classes SET position = o.key + 1 FROM (SELECT key, value FROM json_each(?)) AS o WHERE lead_classes.id = o.value',
        [JSON.stringify(ids)],
      );
    },

    async removeClass(tx: Tx, id: number) {
      await tx.run('DELETE FROM lead_classes WHERE id = ?', [id]);
    },

    async renameClass(tx: Tx, id: number, to: { name: string; key: string }) {
      await tx.run('UPDATE lead_classes SET name = ?, name_key = ? WHERE id = ?', [to.name, to.key, id]);
    },

    /**
     * Every spelling of a class name the project's dialogs carry, however many dialogs there are:
     * a walk from one distinct value to the next on dialogs_by_lead_class (SQLite's "loose index
     * scan"), a lookup per spelling rather than a read of every dialog.
     */
    classSpellings: async (projectId: number, q: Queryable = db) =>
      (
        await q.all<{ name: string }>(
          `WITH RECURSIVE spelling(name) AS (
             SELECT min(lead_class) FROM dialogs WHERE project_id = ?1
             UNION ALL
             SELECT (SELECT min(lead_class) FROM dialogs WHERE project_id = ?1 AND lead_class > spelling.name)
             FROM spelling WHERE spelling.name IS NOT NULL
           )
           SELECT name FROM spelling WHERE name IS NOT NULL`,
          [projectId],
        )
      ).map((r) => r.name),

    /** Gives the dialogs that have any of the classes `from` the class `to`; how many they were. */
    async setDialogsClass(tx: Tx, projectId: number, from: string[], to: string) {
      if (!from.length) return 0;
      const { changes } = await tx.run(
        'UPDATE dialogs SET lead_class = ?1 WHERE project_id = ?2 AND lead_class IN (SELECT value FROM json_each(?3))',
        [to, projectId, JSON.stringify(from)],
      );
      return changes;
    },

    dialogsWithClass: async (projectId: number, names: string[], q: Queryable = db) =>
      (
        await q.get<{ n: number }>(
          'SELECT count(*) AS n FROM dialogs WHERE project_id = ? AND lead_class IN (SELECT value FROM json_each(?))',
          [projectId, JSON.stringify(names)],
        )
      )?.n ?? 0,

    // ---- the journal ----
    /** One page of leads, oldest first, after dialog id `afterId`. */
    page: (projectId: number, f: LeadFilter, afterId: number, limit: number, q: Queryable = db) =>
      q.all<LeadRow>(`${LEAD_SELECT} WHERE ${LEAD_WHERE} AND d.id > ?6 ORDER BY d.id LIMIT ?7`, [...filterParams(projectId, f), afterId, limit]),

    /**
     * The report's next `limit` leads in the filter after `after`, oldest first: a page at a time
     * (dialogs_by_created), only the columns it counts.
     */
    reportPage: (projectId: number, f: LeadFilter, after: ReportCursor, limit: number, q: Queryable = db) =>
      q.all<ReportRow>(
        `SELECT d.id, d.created_at, d.first_response_at, d.lead_class, d.assignee_id,
                u.email AS assignee_email, u.first_name AS assignee_first_name, u.last_name AS assignee_last_name,
                v.referrer, v.page_url, v.utm
         FROM dialogs d
         JOIN visitors v ON v.id = d.visitor_id
         LEFT JOIN users u ON u.id = d.assignee_id
         WHERE ${LEAD_WHERE} AND d.created_at >= ?6 AND (d.created_at > ?6 OR d.id > ?7)
         ORDER BY d.created_at, d.id LIMIT ?8`,
        [...filterParams(projectId, f), after.createdAt, after.id, limit],
      ),
  };
}
