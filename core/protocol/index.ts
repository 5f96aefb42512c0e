// The contract between the server and every client: REST bodies and domain shapes.
// One schema gives both the runtime validation (Fastify, through JSON Schema) and the TS type.
import { Type, type Static } from 'typebox';
import { MAX_EMAIL, MAX_NAME, WIDGET_GREETING_MAX } from './constants.js';
import { UpdateRoutingBody } from './groups.js';

export * from './constants.js';
export * from './dialogs.js';
export * from './groups.js';
export * from './journal.js';
export * from './telegram.js';

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});
export type ErrorBody = Static<typeof ErrorBody>;

// ---- shared fields -------------------------------------------------------

export const Email = Type.String({ minLength: 3, maxLength: MAX_EMAIL });
export const PersonName = Type.String({ minLength: 1, maxLength: MAX_NAME });
export const Password = Type.String({ minLength: 1, maxLength: 1024 });
export const Access = Type.Union([Type.Literal('admin'), Type.Literal('settings'), Type.Null()]);
export const ProjectId = Type.Integer({ minimum: 1 });

// ---- domain shapes (responses) -------------------------------------------

export const User = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  firstName: Type.String(),
  lastName: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
  serverAdmin: Type.Boolean(),
  mustChangePassword: Type.Boolean(),
});
export type User = Static<typeof User>;

/** An account as `parley admin disable|enable` leaves it. */
export const AccountState = Type.Object({
  email: Type.String(),
  disabled: Type.Boolean(),
  disabledAt: Type.Union([Type.String(), Type.Null()]),
});
export type AccountState = Static<typeof AccountState>;

export const Project = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  widgetKey: Type.String(),
  allowedOrigins: Type.Array(Type.String()),
  timezone: Type.String(),
  language: Type.String(),
  /** How the widget looks: accent colour and greeting (null: the defaults). */
  widget: Type.Object({ color: Type.Union([Type.String(), Type.Null()]), greeting: Type.Union([Type.String(), Type.Null()]) }),
  /** The widget script's address at the server's public URL (PARLEY_PUBLIC_URL), for the embed snippet. */
  widgetScriptUrl: Type.String(),
  /**
   * What a site's own Content-Security-Policy must allow for the widget, by directive: its script,
   * its uploads and WebSocket, avatars and images from the server, and its stylesheet by its SHA-256.
   */
  widgetCsp: Type.Object({
    'script-src': Type.Array(Type.String()),
    'connect-src': Type.Array(Type.String()),
    'img-src': Type.Array(Type.String()),
    'style-src': Type.Array(Type.String()),
  }),
  createdAt: Type.String(),
  access: Access,
  operator: Type.Boolean(),
});
export type Project = Static<typeof Project>;

export const Member = Type.Object({
  userId: Type.Integer(),
  email: Type.String(),
  firstName: Type.String(),
  lastName: Type.String(),
  phone: Type.Union([Type.String(), Type.Null()]),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
  operator: Type.Boolean(),
  access: Access,
  createdAt: Type.String(),
  /** The account is in another project too: its names are its owner's to change (and its phone is not shown). */
  inOtherProjects: Type.Boolean(),
});
export type Member = Static<typeof Member>;

export const ApiToken = Type.Object({
  name: Type.String(),
  createdAt: Type.String(),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  /** When it ends if it is not used again (the idle limit), or null without one. */
  idleExpiresAt: Type.Union([Type.String(), Type.Null()]),
  /** `expired`: past expiresAt; `idle-expired`: unused until idleExpiresAt. Either is refused (401). */
  state: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('idle-expired')]),
  /** The one project it works in (made with a projectId), or null: all its owner's projects. */
  project: Type.Union([Type.Object({ id: Type.Integer(), name: Type.String() }), Type.Null()]),
});
export type ApiToken = Static<typeof ApiToken>;

export const Me = Type.Object({
  /** Of a token limited to a project, `serverAdmin` is false: what this token may do (see `token`). */
  user: User,
  projects: Type.Array(Project),
  /** What the request was made with, so a script can tell what it runs with. */
  token: Type.Object({
    /** `session`: signed in with the password (parley login); `api`: an API token. */
    kind: Type.Union([Type.Literal('session'), Type.Literal('api')]),
    /** The one project an API token works in (`projects` is that one alone), or null: all of the user's projects. */
    project: ApiToken.properties.project,
    /** The user is a server administrator, which a token limited to a project does not carry (`user.serverAdmin` is false). */
    serverAdminWithheld: Type.Boolean(),
  }),
});
export type Me = Static<typeof Me>;

// ---- requests ---------------------------------------------------------------

export const LoginBody = Type.Object(
  { email: Email, password: Password },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const LoginReply = Type.Object({
  token: Type.String(),
  mustChangePassword: Type.Boolean(),
  user: User,
});
export type LoginReply = Static<typeof LoginReply>;

export const ChangePasswordBody = Type.Object(
  { currentPassword: Password, newPassword: Password },
  { additionalProperties: false },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

export const ForgotPasswordBody = Type.Object({ email: Email }, { additionalProperties: false });
export type ForgotPasswordBody = Static<typeof ForgotPasswordBody>;

export const ResetPasswordBody = Type.Object(
  { email: Email, code: Type.String({ minLength: 1, maxLength: 64 }), newPassword: Password },
  { additionalProperties: false },
);
export type ResetPasswordBody = Static<typeof ResetPasswordBody>;

/** An API token that still works after a password reset; `new`: created in the 24 hours before it. */
export const RemainingApiToken = Type.Object({
  name: ApiToken.properties.name,
  createdAt: ApiToken.properties.createdAt,
  lastUsedAt: ApiToken.properties.lastUsedAt,
  expiresAt: ApiToken.properties.expiresAt,
  /** The name of the one project it works in, or null: all the account's projects. */
  project: Type.Union([Type.String(), Type.Null()]),
  new: Type.Boolean(),
});
export type RemainingApiToken = Static<typeof RemainingApiToken>;

export const ResetPasswordReply = Type.Object({
  status: Type.Literal('ok'),
  message: Type.String(),
  /** The API tokens the reset did not end (it ends sessions only). */
  apiTokens: Type.Array(RemainingApiToken),
  /** The commands that end them all (sign in, then revoke); null when there are none. */
  revokeCommand: Type.Union([Type.String(), Type.Null()]),
});
export type ResetPasswordReply = Static<typeof ResetPasswordReply>;

export const UpdateProfileBody = Type.Object(
  {
    firstName: Type.Optional(PersonName),
    lastName: Type.Optional(PersonName),
    phone: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type UpdateProfileBody = Static<typeof UpdateProfileBody>;

export const UpdateProjectBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_NAME })),
    allowedOrigins: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 50 })),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    language: Type.Optional(Type.Union([Type.Literal('en'), Type.Literal('ru')])),
    widget: Type.Optional(
      Type.Object(
        {
          // Null first: Fastify's validator coerces types, and tried first a string branch turns null into "".
          /** `#rrggbb`, or null for the default blue. */
          color: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 7 })])),
          /** Shown to a visitor above the conversation; null or "" for none. */
          greeting: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: WIDGET_GREETING_MAX })])),
        },
        { additionalProperties: false },
      ),
    ),
    /** Routing too (as PUT .../routing takes it), in the same transaction: all or nothing. */
    routing: Type.Optional(UpdateRoutingBody),
  },
  { additionalProperties: false },
);
export type UpdateProjectBody = Static<typeof UpdateProjectBody>;

export const CreateProjectBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: MAX_NAME }) },
  { additionalProperties: false },
);
export type CreateProjectBody = Static<typeof CreateProjectBody>;

export const AddMemberBody = Type.Object(
  {
    email: Email,
    firstName: PersonName,
    lastName: PersonName,
    operator: Type.Optional(Type.Boolean()),
    access: Type.Optional(Access),
  },
  { additionalProperties: false },
);
export type AddMemberBody = Static<typeof AddMemberBody>;

export const AddMemberReply = Type.Object({
  member: Member,
  /** True when the user was created by this call (and received a welcome mail with a password). */
  newUser: Type.Boolean(),
  /**
   * True when a one-time password was mailed: to a new user, and to an account that never chose
   * its own password (the new one replaces the earlier one).
   */
  passwordMailed: Type.Boolean(),
});
export type AddMemberReply = Static<typeof AddMemberReply>;

/** What removing a member did to their open dialogs (they went back to their groups). */
export const RemoveMemberReply = Type.Object({
  /** Left unassigned, waiting in their group's Mine. */
  dialogsUnassigned: Type.Integer(),
  /** Given by round-robin to the next online operator. */
  dialogsReassigned: Type.Integer(),
});
export type RemoveMemberReply = Static<typeof RemoveMemberReply>;

export const UpdateMemberBody = Type.Object(
  {
    firstName: Type.Optional(PersonName),
    lastName: Type.Optional(PersonName),
    operator: Type.Optional(Type.Boolean()),
    access: Type.Optional(Access),
  },
  { additionalProperties: false },
);
export type UpdateMemberBody = Static<typeof UpdateMemberBody>;

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    /** Limits the token to this project (the creator's): no other project, no server administration. */
    projectId: Type.Optional(ProjectId),
  },
  { additionalProperties: false },
);
export type CreateTokenBody = Static<typeof CreateTokenBody>;

export const CreateTokenReply = Type.Object({ token: Type.String(), apiToken: ApiToken });
export type CreateTokenReply = Static<typeof CreateTokenReply>;

/** DELETE /tokens: the names revoked, and the token the request was made with (kept), if any. */
export const RevokeTokensReply = Type.Object({ revoked: Type.Array(Type.String()), kept: Type.Union([Type.String(), Type.Null()]) });
export type RevokeTokensReply = Static<typeof RevokeTokensReply>;

export const ProjectParams = Type.Object({ projectId: ProjectId });
export const MemberParams = Type.Object({ projectId: ProjectId, email: Email });
export const TokenParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });
