// The reply of GET/PUT /projects/:id/status and how it reads at a terminal.
import type { OperatorStatusReply } from '../../../core/client/api.js';
import { API_PREFIX } from '../../../core/protocol/constants.js';
import { type ProjectClock, projectClock } from '../../present.js';

export type StatusReply = OperatorStatusReply;

export const statusPath = (projectId: number) => `${API_PREFIX}/projects/${projectId}/status`;

const operatorsOnline = (n: number) =>
  n === 0
    ? 'No operator is online: the widget hides its chat tab (a visitor already in a conversation keeps it, with a note that nobody is online).'
    : `${n} operator${n === 1 ? '' : 's'} online: the widget shows its chat tab.`;

/**
 * Without a schedule: "You are online in "Alpha" (manual switch) since 10:02."; with one, the
 * server's explanation: "You are online in "Alpha" by schedule until 18:00." Times are the
 * project's, as the schedule's are, and name its zone when this terminal is in another (the CLI's
 * rule, cli/present.ts projectClock): "since 10:02 (Europe/Moscow)".
 */
export function statusText(s: StatusReply, projectName: string, who?: string): string {
  const subject = who ?? 'You';
  const verb = who ? 'is' : 'are';
  if (!s.operator) return `${subject} ${verb} not an operator in "${projectName}". ${operatorsOnline(s.operatorsOnline)}`;
  const state = s.online ? 'online' : 'offline';
  const clock = projectClock(s.timezone);
  let why: string;
  if (!s.hasSchedule) why = `(manual switch)${s.changedAt ? ` since ${clock.zoned(s.changedAt)}` : ''}`;
  else why = scheduleWords(s, clock);
  return `${subject} ${verb} ${state} in "${projectName}" ${why}.\n${operatorsOnline(s.operatorsOnline)}`;
}

/**
 * The server's explanation of a schedule's say, less its state. The server, which cannot know
 * where its reader is, always ends it with the project's zone ("until 18:00 (Europe/Moscow)"):
 * left out here when this terminal is in that zone.
 */
function scheduleWords(s: StatusReply, clock: ProjectClock): string {
  const why = s.explanation.replace(/^(online|offline) /, '');
  const zone = ` (${s.timezone})`;
  return clock.named === null && why.endsWith(zone) ? why.slice(0, -zone.length) : why;
}
