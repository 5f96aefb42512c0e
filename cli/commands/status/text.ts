// The reply of GET/PUT /projects/:id/status and how it reads at a terminal.
import type { OperatorStatusReply } from '../../../core/client/api.js';
import { API_PREFIX } from '../../../core/protocol/constants.js';
import { formatTime } from '../../present.js';

export type StatusReply = OperatorStatusReply;

export const statusPath = (projectId: number) => `${API_PREFIX}/projects/${projectId}/status`;

const operatorsOnline = (n: number) =>
  n === 0
    ? 'No operator is online: the widget hides its chat tab (a visitor already in a conversation keeps it, with a note that nobody is online).'
    : `${n} operator${n === 1 ? '' : 's'} online: the widget shows its chat tab.`;

/**
 * Without a schedule: "You are online in "Alpha" (manual switch) since 10:02 (Europe/Moscow).";
 * with one, the server's explanation: "You are online in "Alpha" by schedule until 18:00
 * (Europe/Moscow)." Times are the project's, as the schedule's are, and say so.
 */
export function statusText(s: StatusReply, projectName: string, who?: string): string {
  const subject = who ?? 'You';
  const verb = who ? 'is' : 'are';
  if (!s.operator) return `${subject} ${verb} not an operator in "${projectName}". ${operatorsOnline(s.operatorsOnline)}`;
  const state = s.online ? 'online' : 'offline';
  let why: string;
  if (!s.hasSchedule) why = `(manual switch)${s.changedAt ? ` since ${formatTime(s.changedAt, new Date(), s.timezone)} (${s.timezone})` : ''}`;
  else why = s.explanation.replace(/^(online|offline) /, '');
  return `${subject} ${verb} ${state} in "${projectName}" ${why}.\n${operatorsOnline(s.operatorsOnline)}`;
}
