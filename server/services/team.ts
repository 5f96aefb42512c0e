// The team of a project: adding people (with a generated password and a welcome mail),
// changing their access, removing them. Managed by the `admin` and `settings` levels;
// only admins touch admin access, and a project always keeps at least one admin.
//
// A person has one account across projects, and its names are theirs: a project's managers
// rename a member only while the account is in no other project (else a manager of one project
// would rename someone everywhere: in the other projects, their widgets and the person's mail).
// Past that, only the person (PATCH /me) or a server administrator changes them.
import {
  type AccessLevel,
  type AddMemberBody,
  normalizeEmail,
  type UpdateMemberBody,
} from '../../core/protocol/index.js';
import { nameProblem } from '../../core/names.js';
import { ACCOUNT_RULES } from '../config.js';
import type { Membership, MemberRow } from '../db/projects.js';
import { schedulesRepo } from '../db/schedules.js';
import type { Tx } from '../db/sqlite.js';
import { badRequest, conflict, forbidden, notFound } from '../errors.js';
import { generatePassword, hashPassword } from '../secrets.js';
import type { Auth } from './accounts.js';
import type { ServiceDeps } from './context.js';
import { addedToProjectMail, welcomeMail } from './mails.js';
import { type PresenceService, releasedCounts } from './presence.js';
import type { ProjectsService } from './projects.js';

const MANAGERS: AccessLevel[] = ['admin', 'settings'];

function cleanName(raw: string, what: string): string {
  const name = raw.trim();
  if (!name) throw badRequest(`${what} must not be empty (use "-" when someone prefers not to give one)`);
  const problem = nameProblem(what, name);
  if (problem) throw badRequest(problem);
  return name;
}

/** A member and whether their account is also in another project (then its names are not the project's to change). */
export type TeamMember = MemberRow & { inOtherProjects: boolean };

export type TeamService = ReturnType<typeof teamService>;

export function teamService(
  deps: ServiceDeps,
  projects: ProjectsService,
  presence: Pick<PresenceService, 'endDuty' | 'announceEndOfDuty'>,
) {
  const { db, repos, clock, bus, mailer, config } = deps;

  const requireManager = (auth: Auth, projectId: number) =>
    projects.requireAccess(auth, projectId, MANAGERS, 'managing the team');

  async function findMember(projectId: number, rawEmail: string): Promise<MemberRow> {
    const email = normalizeEmail(rawEmail);
    const member = email ? await repos.projects.member(projectId, email) : undefined;
    if (!member) throw notFound(`${rawEmail} is not a member of this project`);
    return member;
  }

  /**
   * A member as the team shows it to `auth`. Whether the account is also in another project says
   * whose its names are; its phone is shown only while it is in no other project (or to the
   * person): else a manager could read anyone's number by adding their email.
   */
  async function shown(auth: Auth, member: MemberRow): Promise<TeamMember> {
    const inOtherProjects = (await repos.projects.membershipCount(member.id)) > 1;
    const phone = inOtherProjects && member.id !== auth.user.id ? null : member.phone;
    return { ...member, phone, inOtherProjects };
  }

  /** The rule above; checked in the write, so an account joining another project meanwhile counts. */
  async function checkRename(auth: Auth, target: MemberRow, tx: Tx): Promise<void> {
    if (auth.user.id === target.id || auth.user.server_admin) return;
    if ((await repos.projects.membershipCount(target.id, tx)) <= 1) return;
    throw forbidden(
      `the names of ${target.email} are their account's, which is also in another project: they change them themselves ` +
        '("parley profile set"), or a server administrator does',
    );
  }

  /** Settings-level managers may not touch admins or hand out admin access. */
  function checkAdminRule(actor: Membership, target: { access: AccessLevel | null } | null, granted?: AccessLevel | null) {
    if (actor.access === 'admin') return;
    if (target?.access === 'admin') throw forbidden('only admins can change or remove an admin');
    if (granted === 'admin') throw forbidden('only admins can grant admin access');
  }

  return {
    async list(auth: Auth, projectId: number): Promise<TeamMember[]> {
      await projects.membership(auth, projectId);
      return Promise.all((await repos.projects.members(projectId)).map((m) => shown(auth, m)));
    },

    async get(auth: Auth, projectId: number, email: string): Promise<TeamMember> {
      await projects.membership(auth, projectId);
      return shown(auth, await findMember(projectId, email));
    },

    async add(
      auth: Auth,
      projectId: number,
      body: AddMemberBody,
    ): Promise<{ member: TeamMember; newUser: boolean; passwordMailed: boolean }> {
      const actor = await requireManager(auth, projectId);
      const email = normalizeEmail(body.email);
      if (!email) throw badRequest(`not a valid email address: "${body.email}"`);
      const firstName = cleanName(body.firstName, 'the first name');
      const lastName = cleanName(body.lastName, 'the last name');
      const access = body.access ?? null;
      const operator = body.operator ?? false;
      if (!access && !operator) {
        throw badRequest('give the member the operator role, an access level (admin or settings), or both');
      }
      checkAdminRule(actor, null, access);

      const project = (await repos.projects.byId(projectId))!;
      const existing = await repos.users.byEmail(email);
      // Someone who never chose their own password (the one-time one unused, or expired) has no
      // password to sign in with: they get a new one-time password, as a new user does.
      const neverSignedIn = (u: { must_change_password: number } | undefined) => u?.must_change_password === 1;
      // Hashing is slow on purpose: do it before entering the write transaction.
      const password = !existing || neverSignedIn(existing) ? generatePassword() : null;
      const passwordHash = password ? await hashPassword(password, config.scryptN) : null;
      const now = clock.now();
      const expiresAt = now + ACCOUNT_RULES.initialPasswordTtlMs;

      const { userId, passwordMailed } = await db.write(async (tx) => {
        let user = await repos.users.byEmail(email, tx);
        if (user && (await repos.projects.membership(projectId, user.id, tx))) {
          throw conflict(`${email} is already a member of this project`);
        }
        if (!user) {
          if (!passwordHash || !password) throw conflict(`${email} changed while being added; try again`);
          const id = await repos.users.insert(
            tx,
            { email, firstName, lastName, passwordHash, initialPasswordExpiresAt: expiresAt },
            now,
          );
          user = (await repos.users.byId(id, tx))!;
          await repos.mail.enqueue(
            tx,
            welcomeMail({ to: email, firstName, projectName: project.name, password, expiresAt, publicUrl: config.publicUrl }),
            now,
          );
        } else if (neverSignedIn(user)) {
          if (!passwordHash || !password) throw conflict(`${email} changed while being added; try again`);
          await repos.users.setInitialPassword(tx, user.id, passwordHash, expiresAt, now);
          await repos.mail.enqueue(
            tx,
            welcomeMail({
              to: email,
              firstName: user.first_name,
              projectName: project.name,
              password,
              expiresAt,
              publicUrl: config.publicUrl,
              replacesEarlier: true,
            }),
            now,
          );
        } else {
          await repos.mail.enqueue(
            tx,
            addedToProjectMail({ to: email, firstName: user.first_name, projectName: project.name, publicUrl: config.publicUrl }),
            now,
          );
        }
        await repos.projects.addMember(tx, { projectId, userId: user.id, access, operator }, now);
        return { userId: user.id, passwordMailed: !existing || neverSignedIn(user) };
      });
      mailer.kick();
      bus.publish({ type: 'member.added', projectId, userId });
      return { member: await shown(auth, (await repos.projects.member(projectId, email))!), newUser: !existing, passwordMailed };
    },

    async update(auth: Auth, projectId: number, rawEmail: string, body: UpdateMemberBody): Promise<TeamMember> {
      const actor = await requireManager(auth, projectId);
      const target = await findMember(projectId, rawEmail);
      checkAdminRule(actor, target, body.access);
      const access = body.access === undefined ? target.access : body.access;
      const operator = body.operator ?? target.operator === 1;
      if (!access && !operator) {
        throw badRequest('a member needs the operator role or an access level; use "team remove" to remove them');
      }
      // Only a name that differs is a change: a file applied again sends the names as they are.
      const changedName = (raw: string | undefined, have: string, what: string) => {
        const name = raw === undefined ? undefined : cleanName(raw, what);
        return name === have ? undefined : name;
      };
      const fields = {
        firstName: changedName(body.firstName, target.first_name, 'the first name'),
        lastName: changedName(body.lastName, target.last_name, 'the last name'),
      };
      const now = clock.now();
      const { leftGroups, ended } = await db.write(async (tx) => {
        if (target.access === 'admin' && access !== 'admin' && (await repos.projects.adminCount(projectId, tx)) <= 1) {
          throw conflict('this is the last admin of the project: make someone else admin first');
        }
        if (fields.firstName !== undefined || fields.lastName !== undefined) {
          await checkRename(auth, target, tx);
          await repos.users.updateProfile(tx, target.id, fields, now);
        }
        await repos.projects.updateMember(tx, projectId, target.id, { access, operator });
        if (target.operator !== 1 || operator) return { leftGroups: 0, ended: null };
        // Groups, working hours and the online switch are an operator's: without the role they
        // would stay, unseen (an export leaves them out), and come back with it. Their open
        // dialogs go back to their groups (presence.endDuty).
        await schedulesRepo(db).clear(tx, projectId, target.id);
        const leftGroups = await repos.groups.leaveAll(tx, projectId, target.id);
        return { leftGroups, ended: await presence.endDuty(tx, projectId, target.id) };
      });
      bus.publish({ type: 'member.updated', projectId, userId: target.id });
      if (leftGroups > 0) bus.publish({ type: 'groups.changed', projectId });
      if (ended) await presence.announceEndOfDuty([ended]);
      return shown(auth, (await repos.projects.member(projectId, target.email))!);
    },

    /**
     * Removes a member. Their sockets of this project close (member.removed); a user left
     * with no project at all also loses every session and token. They go offline at once and
     * their open dialogs go back to their groups (presence.endDuty): the answer says how many.
     */
    async remove(auth: Auth, projectId: number, rawEmail: string) {
      const actor = await requireManager(auth, projectId);
      const target = await findMember(projectId, rawEmail);
      checkAdminRule(actor, target);
      const now = clock.now();
      const { revoked, ended } = await db.write(async (tx) => {
        if (target.access === 'admin' && (await repos.projects.adminCount(projectId, tx)) <= 1) {
          throw conflict('this is the last admin of the project: make someone else admin first');
        }
        const ended = await presence.endDuty(tx, projectId, target.id);
        await repos.projects.removeMember(tx, projectId, target.id);
        const remaining = await repos.projects.membershipCount(target.id, tx);
        const revoked =
          remaining === 0 && !target.server_admin ? await repos.credentials.revokeAllForUser(tx, target.id, now) : [];
        return { revoked, ended };
      });
      bus.publish({ type: 'member.removed', projectId, userId: target.id });
      if (revoked.length > 0) bus.publish({ type: 'user.credentials_revoked', userId: target.id, credentialIds: revoked });
      await presence.announceEndOfDuty([ended]);
      return releasedCounts([ended]);
    },
  };
}
