// Shared by the `parley group` commands (and `parley project set|show` for routing): the group
// name argument and the human renderings.
import { normalizeGroupName } from '../../../core/protocol/constants.js';
import type { Group, Routing } from '../../../core/protocol/index.js';
import { groupNameTooLong } from '../../../core/name-length.js';
import { refuse } from '../../options.js';

/** The NAME argument: not empty, not too long, no "=" (it separates pattern and group in --route). */
export function parseGroupName(this: unknown, value: string): string {
  // Measured as the server stores it: trimmed, spaces squeezed. Sent as written (the server squeezes it).
  if (!normalizeGroupName(value)) throw refuse(this, value, 'a group name must not be empty');
  if (value.includes('=')) throw refuse(this, value, 'a group name must not contain "="');
  const tooLong = groupNameTooLong(value);
  if (tooLong) throw refuse(this, value, tooLong);
  return value;
}

/** A group's operators by email, or a note that it has none. */
export const memberList = (g: Group) => g.members.map((m) => m.email).join(', ') || '(no operators yet)';

/** `wholesale: ann@example.com, bob@example.com` */
export const groupLine = (g: Group) => `${g.name}: ${memberList(g)}`;

/**
 * What `group add` did, from the group before and after: `Added ann.`, and for operators asked
 * for who were there already, that nothing changed for them.
 */
export function membersAdded(asked: string[], before: Group, after: Group): string {
  const there = new Set(before.members.map((m) => m.email.toLowerCase()));
  const once = asked.filter((e, i) => asked.findIndex((f) => f.toLowerCase() === e.toLowerCase()) === i);
  const already = once.filter((e) => there.has(e.toLowerCase()));
  const added = once.filter((e) => !there.has(e.toLowerCase()));
  return [
    ...(added.length ? [`Added ${added.join(', ')}.`] : []),
    ...(already.length ? [`Already in the group: ${already.join(', ')} (no change).`] : []),
    groupLine(after),
  ].join('\n');
}

/** `key: value` rows for the routing of a project. */
export function routingFields(r: Routing): Array<[string, string]> {
  const policy =
    r.assignment === 'round-robin'
      ? 'round-robin (a new dialog goes at once to the next online operator of its group)'
      : 'manual (the first operator to reply becomes responsible)';
  const rules = r.rules.length ? r.rules.map((rule, i) => `${i + 1}. ${rule.pattern} -> ${rule.group}`).join('; ') : '(none)';
  return [
    ['assignment', policy],
    ['URL rules', rules],
  ];
}
