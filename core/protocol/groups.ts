// Operator groups, the URL rules that route new dialogs to them, and the assignment policy.
import { Type, type Static } from 'typebox';
import { MAX_NAME_WRITTEN } from '../name-length.js';

export const ASSIGNMENT_POLICIES = ['manual', 'round-robin'] as const;
export const AssignmentPolicy = Type.Union([Type.Literal('manual'), Type.Literal('round-robin')]);
export type AssignmentPolicy = Static<typeof AssignmentPolicy>;

/**
 * A group name as written, which the server squeezes before it measures it (core/name-length.ts):
 * the cap here only stops absurd input (which the CLI refuses first, in the service's words), so
 * that any name that fits once squeezed reaches the service and its real check.
 */
export const GroupName = Type.String({ minLength: 1, maxLength: MAX_NAME_WRITTEN });

export const GroupMember = Type.Object({
  userId: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  /** Online now in this project (round-robin assigns only to online operators). */
  online: Type.Boolean(),
});
export type GroupMember = Static<typeof GroupMember>;

export const Group = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  members: Type.Array(GroupMember),
  createdAt: Type.String(),
});
export type Group = Static<typeof Group>;

export const GroupParams = Type.Object({ projectId: Type.Integer({ minimum: 1 }), name: GroupName });

export const CreateGroupBody = Type.Object({ name: GroupName }, { additionalProperties: false });
export type CreateGroupBody = Static<typeof CreateGroupBody>;

const Emails = Type.Array(Type.String({ minLength: 1, maxLength: 254 }), { maxItems: 500 });
/** Adds and removes operators in one step: all of it is saved, or (on an error) none. */
export const UpdateGroupBody = Type.Object(
  { add: Type.Optional(Emails), remove: Type.Optional(Emails) },
  { additionalProperties: false },
);
export type UpdateGroupBody = Static<typeof UpdateGroupBody>;

export const DeleteGroupReply = Type.Object({
  name: Type.String(),
  /** Open dialogs of the group that now have no group. */
  dialogsUngrouped: Type.Integer(),
  /** URL rules that routed to the group, removed with it. */
  rulesRemoved: Type.Integer(),
});
export type DeleteGroupReply = Static<typeof DeleteGroupReply>;

/** A page URL pattern (`*` matches any characters) and the group its new dialogs go to. */
export const RouteRule = Type.Object(
  { pattern: Type.String({ minLength: 1, maxLength: 500 }), group: GroupName },
  { additionalProperties: false },
);
export type RouteRule = Static<typeof RouteRule>;

export const Routing = Type.Object({
  assignment: AssignmentPolicy,
  /** Tried in order; the first rule matching the page of a new dialog gives its group. */
  rules: Type.Array(RouteRule),
});
export type Routing = Static<typeof Routing>;

export const UpdateRoutingBody = Type.Object(
  {
    assignment: Type.Optional(AssignmentPolicy),
    /** Replaces every rule, in this order. */
    rules: Type.Optional(Type.Array(RouteRule, { maxItems: 200 })),
  },
  { additionalProperties: false },
);
export type UpdateRoutingBody = Static<typeof UpdateRoutingBody>;
