// Human renderings shared by several commands.
import type { Member, Project } from '../core/protocol/index.js';
import { table } from './io.js';

export const roleOf = (m: { access: string | null; operator: boolean }) =>
  [m.access, m.operator ? 'operator' : null].filter(Boolean).join(', ') || '-';

export function membersTable(members: Member[]): string {
  if (members.length === 0) return 'No members.';
  return table(
    ['EMAIL', 'NAME', 'ROLE'],
    members.map((m) => [m.email, `${m.firstName} ${m.lastName}`, roleOf(m)]),
  );
}

export function projectsTable(projects: Project[], defaultId?: number): string {
  if (projects.length === 0) return 'No projects.';
  return table(
    ['', 'ID', 'NAME', 'ROLE', 'WIDGET KEY'],
    projects.map((p) => [p.id === defaultId ? '*' : '', p.id, p.name, roleOf(p), p.widgetKey]),
  );
}
