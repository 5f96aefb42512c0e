// Shared by the `parley schedule` commands: the reply shapes and the week grid.
import type { ParleyClient } from '../../../core/client/api.js';
import { API_PREFIX } from '../../../core/protocol/constants.js';

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export interface ScheduleView {
  email: string;
  userId: number;
  timezone: string;
  weekly: Record<(typeof DAYS)[number], Array<{ from: string; to: string }>>;
  exceptions: Array<{ date: string; off: boolean; intervals: Array<{ from: string; to: string }> }>;
}

export const schedulesPath = (projectId: number) => `${API_PREFIX}/projects/${projectId}/schedules`;

export async function callSchedules(client: ParleyClient, method: 'PUT' | 'POST', path: string, body: unknown) {
  return (await client.request<{ schedules: ScheduleView[] }>(method, path, body)).schedules;
}

const spans = (list: Array<{ from: string; to: string }>) => list.map((i) => `${i.from}-${i.to}`).join(', ');

/** One block per operator: a line per weekday, then the exceptions. */
export function weekGrid(views: ScheduleView[]): string {
  if (!views.length) return 'No operators in this project.';
  return views
    .map((v) => {
      const lines = [`${v.email} (${v.timezone})`];
      const any = DAYS.some((d) => v.weekly[d].length) || v.exceptions.length;
      if (!any) return `${lines[0]}\n  no schedule: the manual switch decides (parley status online|offline)`;
      for (const d of DAYS) lines.push(`  ${d[0].toUpperCase()}${d.slice(1)}  ${v.weekly[d].length ? spans(v.weekly[d]) : '-'}`);
      for (const e of v.exceptions) lines.push(`  ${e.date}  ${e.off ? 'day off' : spans(e.intervals)}`);
      return lines.join('\n');
    })
    .join('\n\n');
}
