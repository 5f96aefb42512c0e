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
  extends Pick<VisitorRow, 'real_name' | 'phone' | 'email' | 'notes' | 'page_url' | 'page_title' | 'referrer' | 'utm'> {
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
  /** A class name as stored on dialogs; '' for dialogs without a class; null for any. */
  className: string | null;
}

const LEAD_SELECT = `
  SELECT d.id, d.status, d.created_at, d.first_response_at, d.closed_at, d.lead_class, d.group_name, d.assignee_id,
         u.email AS assignee_email, u.first_name AS assignee_first_name, u.last_name AS assignee_last_name,
         v.name AS visitor_name, v.real_name, v.phone, v.email, v.notes, v.page_url, v.page_title, v.referrer, v.utm
  FROM dialogs d
  JOIN visitors v ON v.id = d.visitor_id
  LEFT JOIN users u ON u.id = d.assignee_id`;

// ?1 project, ?2 since, ?3 until, ?4 class name ('' = no class).
const LEAD_WHERE = `
  d.project_id = ?1
  AND (?2 IS NULL OR d.created_at >= ?2)
  AND (?3 IS NULL OR d.created_at < ?3)
  AND (?4 IS NULL OR (?4 = '' AND d.lead_class IS NULL) OR d.lead_class = ?4)`;

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

    async removeClass(tx: Tx, id: number) {
      await tx.run('DELETE FROM lead_classes WHERE id = ?', [id]);
    },

    /** Renames the class and every dialog that has it (in the caller's transaction). */
    async renameClass(tx: Tx, projectId: number, id: number, from: string, to: { name: string; key: string }) {
      await tx.run('UPDATE lead_classes SET name = ?, name_key = ? WHERE id = ?', [to.name, to.key, id]);
      const { changes } = await tx.run('UPDATE dialogs SET lead_class = ? WHERE project_id = ? AND lead_class = ?', [
        to.name,
        projectId,
        from,
      ]);
      return changes;
    },

    dialogsWithClass: async (projectId: number, name: string, q: Queryable = db) =>
      (await q.get<{ n: number }>('SELECT count(*) AS n FROM dialogs WHERE project_id = ? AND lead_class = ?', [projectId, name]))
        ?.n ?? 0,

    // ---- the journal ----
    /** One page of leads, oldest first, after dialog id `afterId`. */
    page: (projectId: number, f: LeadFilter, afterId: number, limit: number, q: Queryable = db) =>
      q.all<LeadRow>(`${LEAD_SELECT} WHERE ${LEAD_WHERE} AND d.id > ?5 ORDER BY d.id LIMIT ?6`, [
        projectId,
        f.since,
        f.until,
        f.className,
        afterId,
        limit,
      ]),

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
         WHERE ${LEAD_WHERE} AND d.created_at >= ?5 AND (d.created_at > ?5 OR d.id > ?6)
         ORDER BY d.created_at, d.id LIMIT ?7`,
        [projectId, f.since, f.until, f.className, after.createdAt, after.id, limit],
      ),
  };
}
