// Signing in and out, sessions and API tokens, passwords (change, forgot, reset).
import { MIN_PASSWORD_LENGTH, normalizeEmail } from '../../core/protocol/index.js';
import { ACCOUNT_RULES } from '../config.js';
import type { CredentialRow, ScopedCredentialRow } from '../db/credentials.js';
import type { Tx } from '../db/sqlite.js';
import type { UserRow } from '../db/users.js';
import { AppError, badRequest, conflict, forbidden, notFound, rateLimited } from '../errors.js';
import {
  dummyPasswordHash,
  generateResetCode,
  generateToken,
  hashPassword,
  normalizeResetCode,
  safeEqualHex,
  sha256,
  verifyPassword,
} from '../secrets.js';
import type { ServiceDeps } from './context.js';
import { passwordResetMail, type RemainingToken, resetCodeMail } from './mails.js';
import type { EndedDuty, PresenceService } from './presence.js';

/** Who is making a request, as established from its bearer token. */
export interface Auth {
  /** Of a token limited to a project, with `server_admin` 0: it has no server-wide powers. */
  user: UserRow;
  credentialId: number;
  kind: 'session' | 'api';
  /**
   * The one project an API token made with --project works in: every other project answers 404
   * (projects.ts membership and list). Absent: every project of the user.
   */
  project?: { id: number; name: string };
  /** A limited token's owner is a server administrator, which the token does not carry (GET /me says so). */
  serverAdminWithheld?: boolean;
}

const TOUCH_EVERY_MS = 60_000;
/**
 * Failed sign-ins an account may have in the failure window from all addresses together (each
 * address has ACCOUNT_RULES.loginFailureLimit of its own).
 */
const ACCOUNT_CEILING = 100;

/** Whether a session or API token still works, and if not, why. */
export type CredentialState = 'active' | 'revoked' | 'expired' | 'idle-expired';

/** When a credential ends if it is not used again, or null when it has no idle limit. */
export const idleExpiry = (c: CredentialRow): number | null =>
  c.idle_ttl_ms === null ? null : (c.last_used_at ?? c.created_at) + c.idle_ttl_ms;

/** Of two limits both past, the one reached first is why it ended. */
export function credentialState(c: CredentialRow, now: number): CredentialState {
  if (c.revoked_at !== null) return 'revoked';
  const idle = idleExpiry(c);
  const idlePast = idle !== null && idle <= now;
  const expiredPast = c.expires_at !== null && c.expires_at <= now;
  if (idlePast && (!expiredPast || idle < c.expires_at!)) return 'idle-expired';
  return expiredPast ? 'expired' : 'active';
}

/** The password rules for passwords people choose. */
export function checkNewPassword(password: string, context: { email: string; current?: string }): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw badRequest(`the new password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.toLowerCase() === context.email.toLowerCase()) {
    throw badRequest('the new password must not be the email address');
  }
  if (context.current !== undefined && password === context.current) {
    throw badRequest('the new password must differ from the current one');
  }
}

/** What an API token is told when it tries to create a token, or to change the password. */
export const CREATE_TOKENS = 'create tokens or change the password';
/** ... when it tries to revoke another token (or all of them). */
export const REVOKE_OTHERS = 'revoke other tokens (only itself, as parley logout does)';

/**
 * Account management (tokens, the password, a Telegram link) takes a session someone signed in
 * to with the password, as on GitHub: an API token that leaks must not mint tokens that outlive
 * its revocation, nor lock its owner out. `what` is what the request does.
 */
export function assertSignedIn(auth: Auth, what: string): void {
  if (auth.kind === 'api') throw forbidden(`an API token cannot ${what}: sign in with parley login`);
}

/**
 * Server administration (creating projects, backups, disabling accounts) is out of reach of a
 * token limited to one project, whoever its owner is: a leaked CI token reaches that project
 * alone. Said before "only server administrators ...", which would send its owner looking for
 * a right they have.
 */
export function assertUnlimited(auth: Auth, what: string): void {
  if (auth.project) {
    throw forbidden(
      `this API token is limited to the project "${auth.project.name}": it cannot ${what} (that takes parley login, or a token made without --project)`,
    );
  }
}

export type AccountsService = ReturnType<typeof accountsService>;

export function accountsService(deps: ServiceDeps, presence: Pick<PresenceService, 'endDuty' | 'announceEndOfDuty' | 'accountEnabled'>) {
  const { db, repos, clock, bus, mailer, config } = deps;
  const invalidCredentials = () => new AppError(401, 'invalid_credentials', 'wrong email or password');

  const usable = (c: CredentialRow, now: number): boolean => credentialState(c, now) === 'active';

  async function createSession(tx: Tx, userId: number, now: number): Promise<string> {
    const token = generateToken('pls');
    await repos.credentials.insert(
      tx,
      {
        userId,
        kind: 'session',
        name: null,
        tokenHash: sha256(token),
        idleTtlMs: ACCOUNT_RULES.sessionIdleMs,
        expiresAt: now + ACCOUNT_RULES.sessionMaxMs,
      },
      now,
    );
    return token;
  }

  function announceRevoked(userId: number, credentialIds: number[]): void {
    if (credentialIds.length > 0) bus.publish({ type: 'user.credentials_revoked', userId, credentialIds });
  }

  async function sendResetCode(email: string): Promise<void> {
    const user = await repos.users.byEmail(email);
    if (!user || user.disabled_at !== null) return;
    const now = clock.now();
    if ((await repos.passwordResets.recentCount(user.id, now - 3600_000)) >= ACCOUNT_RULES.resetMailsPerHour) return;
    const code = generateResetCode();
    await db.write(async (tx) => {
      await repos.passwordResets.insert(
        tx,
        user.id,
        sha256(normalizeResetCode(code)),
        now,
        now + ACCOUNT_RULES.resetCodeTtlMs,
      );
      await repos.mail.enqueue(
        tx,
        resetCodeMail({ to: user.email, firstName: user.first_name, code, publicUrl: config.publicUrl, expiresAt: now + ACCOUNT_RULES.resetCodeTtlMs }),
        now,
      );
    });
    mailer.kick();
  }

  return {
    /** Resolves a bearer token to its user, or null when it is unknown, revoked or expired. */
    async authenticate(token: string): Promise<Auth | null> {
      if (!token.startsWith('pls_') && !token.startsWith('plt_')) return null;
      const cred = await repos.credentials.byHash(sha256(token));
      const now = clock.now();
      if (!cred || !usable(cred, now)) return null;
      const user = await repos.users.byId(cred.user_id);
      if (!user || user.disabled_at !== null) return null;
      if (now - (cred.last_used_at ?? 0) > TOUCH_EVERY_MS) {
        // Idle expiry needs a recent "last used"; writing it at most once a minute keeps reads cheap.
        void db.write((tx) => repos.credentials.touch(tx, cred.id, now)).catch(() => undefined);
      }
      if (cred.project_id === null) return { user, credentialId: cred.id, kind: cred.kind };
      // Limited to one project, it acts as its owner would if they were no server administrator:
      // every check of the flag, here or to come, then refuses it.
      return {
        user: { ...user, server_admin: 0 },
        credentialId: cred.id,
        kind: cred.kind,
        project: { id: cred.project_id, name: cred.project_name ?? '' },
        serverAdminWithheld: user.server_admin === 1,
      };
    },

    /**
     * Signs in. Failures lock out per (account, client address): 10 in 15 minutes and that address
     * waits, while the owner elsewhere still gets in. Across addresses an account has a higher
     * ceiling (ACCOUNT_CEILING); past it, an address that has failed for the account in the window
     * waits too, and one that has not still has its password checked, so the lock never keeps the
     * owner out from a clean address, and each further guess needs a fresh address.
     */
    async login(rawEmail: string, password: string, clientAddress: string) {
      const email = normalizeEmail(rawEmail) ?? rawEmail.trim().toLowerCase();
      const now = clock.now();
      const windowStart = now - ACCOUNT_RULES.loginFailureWindowMs;
      const [fromHere, fromAll] = await Promise.all([
        repos.loginFailures.since(email, clientAddress, windowStart),
        repos.loginFailures.since(email, null, windowStart),
      ]);
      const locked = fromHere.length >= ACCOUNT_RULES.loginFailureLimit || (fromAll.length >= ACCOUNT_CEILING && fromHere.length > 0);
      if (locked) {
        const retryAfter = (fromHere[0].at + ACCOUNT_RULES.loginFailureWindowMs - now) / 1000;
        throw rateLimited('too many failed sign-ins for this account from this address; try again later', retryAfter);
      }
      const user = await repos.users.byEmail(email);
      const ok = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash(config.scryptN)));
      if (!user || !ok) {
        await db.write(async (tx) => {
          await repos.loginFailures.prune(tx, windowStart);
          await repos.loginFailures.record(tx, email, clientAddress, now);
        });
        throw invalidCredentials();
      }
      // Said only to whoever knows the password: "wrong password" would send its owner hunting
      // for a password that is right.
      if (user.disabled_at !== null) {
        throw new AppError(403, 'forbidden', `this account is disabled: a server administrator can enable it again (parley admin enable ${user.email})`);
      }
      if (user.must_change_password && user.password_expires_at !== null && user.password_expires_at <= now) {
        throw new AppError(
          401,
          'password_expired',
          'this one-time password has expired: ask an admin to add you again, or use "parley password forgot"',
        );
      }
      // The owner is in: this address's failures go; the account's stay counted towards the
      // ceiling (someone else may be guessing from elsewhere).
      const token = await db.write(async (tx) => {
        await repos.loginFailures.clearAddress(tx, email, clientAddress);
        return createSession(tx, user.id, now);
      });
      return { token, user };
    },

    async logout(auth: Auth): Promise<void> {
      await db.write((tx) => repos.credentials.revoke(tx, auth.credentialId, clock.now()));
      announceRevoked(auth.user.id, [auth.credentialId]);
    },

    /**
     * Changes one's own password; ends one's other login sessions (API tokens and the Telegram
     * link stay: whoever knows the current password is the owner, unlike a reset's asker).
     */
    async changePassword(auth: Auth, currentPassword: string, newPassword: string): Promise<UserRow> {
      const user = auth.user;
      if (!(await verifyPassword(currentPassword, user.password_hash))) {
        throw badRequest('the current password is wrong', 'invalid_credentials');
      }
      checkNewPassword(newPassword, { email: user.email, current: currentPassword });
      const hash = await hashPassword(newPassword, config.scryptN);
      const now = clock.now();
      const revoked = await db.write(async (tx) => {
        await repos.users.setPassword(tx, user.id, hash, now);
        return repos.credentials.revokeAllForUser(tx, user.id, now, {
          exceptId: auth.credentialId,
          sessionsOnly: true,
        });
      });
      announceRevoked(user.id, revoked);
      return (await repos.users.byId(user.id))!;
    },

    /**
     * Starts a password reset. The answer never depends on whether the email exists: the work
     * (lookup, code, mail) happens after the request has been answered.
     */
    requestPasswordReset(rawEmail: string, onError: (err: unknown) => void): void {
      const email = normalizeEmail(rawEmail);
      if (!email) return;
      setImmediate(() => sendResetCode(email).catch(onError));
    },

    /**
     * Sets a new password with a mailed code: account recovery. Ends all the user's login
     * sessions, their sign-in lock, and their Telegram link (a chat linked with a stolen session
     * would otherwise go on acting as them); answers the chat that was linked, to be told.
     *
     * API tokens stay: scripts and CI run on them, and must not stop without a word. But a
     * stolen session could have minted one, so the answer and a mail name those that still work
     * (marking the ones created in the day before) and how to end them all at once.
     */
    async resetPassword(
      rawEmail: string,
      code: string,
      newPassword: string,
    ): Promise<{ email: string; unlinkedChat: number | null; tokens: Array<RemainingToken & { row: ScopedCredentialRow }> }> {
      const email = normalizeEmail(rawEmail) ?? '';
      checkNewPassword(newPassword, { email });
      const invalidCode = () => badRequest('the code is wrong, expired or already used', 'invalid_code');
      const now = clock.now();
      const user = email ? await repos.users.byEmail(email) : undefined;
      const reset = user ? await repos.passwordResets.latestUsable(user.id, now) : undefined;
      if (!user || !reset || reset.attempts >= ACCOUNT_RULES.resetCodeMaxAttempts) throw invalidCode();
      if (!safeEqualHex(sha256(normalizeResetCode(code)), reset.code_hash)) {
        await db.write((tx) => repos.passwordResets.countAttempt(tx, reset.id));
        throw invalidCode();
      }
      const hash = await hashPassword(newPassword, config.scryptN);
      const { revoked, unlinkedChat, tokens } = await db.write(async (tx) => {
        // The used_at guard makes the code single-use even if two resets race.
        const fresh = await repos.passwordResets.latestUsable(user.id, now, tx);
        if (!fresh || fresh.id !== reset.id) throw invalidCode();
        await repos.passwordResets.markUsed(tx, reset.id, now);
        await repos.users.setPassword(tx, user.id, hash, now);
        await repos.loginFailures.clearAccount(tx, user.email);
        const link = await tx.get<{ chat_id: number }>('SELECT chat_id FROM telegram_links WHERE user_id = ?', [user.id]);
        if (link) await tx.run('DELETE FROM telegram_links WHERE user_id = ?', [user.id]);
        const revoked = await repos.credentials.revokeAllForUser(tx, user.id, now, { sessionsOnly: true });
        const tokens = (await repos.credentials.apiTokens(user.id, tx))
          .filter((t) => usable(t, now))
          .map((row) => ({
            row,
            name: row.name ?? '',
            project: row.project_name,
            createdAt: row.created_at,
            lastUsedAt: row.last_used_at,
            isNew: row.created_at > now - ACCOUNT_RULES.newApiTokenMs,
          }));
        await repos.mail.enqueue(
          tx,
          passwordResetMail({ to: user.email, firstName: user.first_name, publicUrl: config.publicUrl, at: now, telegramUnlinked: Boolean(link), tokens }),
          now,
        );
        return { revoked, unlinkedChat: link?.chat_id ?? null, tokens };
      });
      announceRevoked(user.id, revoked);
      mailer.kick();
      return { email: user.email, unlinkedChat, tokens };
    },

    // ---- API tokens -------------------------------------------------------

    /**
     * One's API tokens. A token limited to a project lists those limited to the same project
     * only: the others would name the owner's other projects.
     */
    async listTokens(auth: Auth) {
      const all = await repos.credentials.apiTokens(auth.user.id);
      return auth.project ? all.filter((t) => t.project_id === auth.project!.id) : all;
    },

    /**
     * A new API token; with `projectId`, limited to that project, of which the owner must be a
     * member (else the 404 of any project they cannot see). The name of one that no longer works
     * (expired, or unused too long) is free again: that one is revoked, so a CI job's token can
     * be renewed under the name its docs use.
     */
    async createToken(auth: Auth, name: string, expiresInDays?: number, projectId?: number) {
      const now = clock.now();
      const token = generateToken('plt');
      const days = expiresInDays ?? ACCOUNT_RULES.apiTokenDefaultDays;
      const { id, replaced } = await db.write(async (tx) => {
        if (projectId !== undefined) {
          const member = await repos.projects.membership(projectId, auth.user.id, tx);
          if (!member) throw notFound(`no project with id ${projectId}`);
        }
        const existing = await repos.credentials.apiTokenByName(auth.user.id, name, tx);
        if (existing && usable(existing, now)) throw conflict(`you already have a token named "${name}"`);
        if (existing) await repos.credentials.revoke(tx, existing.id, now);
        const id = await repos.credentials.insert(
          tx,
          {
            userId: auth.user.id,
            kind: 'api',
            name,
            tokenHash: sha256(token),
            idleTtlMs: ACCOUNT_RULES.apiTokenIdleMs,
            expiresAt: now + days * 24 * 3600_000,
            projectId: projectId ?? null,
          },
          now,
        );
        return { id, replaced: existing?.id };
      });
      if (replaced !== undefined) announceRevoked(auth.user.id, [replaced]);
      const row = (await repos.credentials.apiTokens(auth.user.id)).find((t) => t.id === id)!;
      return { token, row };
    },

    /**
     * Revokes all of one's API tokens at once (after a password reset: those a stolen session
     * may have minted). Only a session may (the route asks for one, and so does this, whoever
     * calls it): an API token may revoke only itself. So every token ends, and `kept` (in the
     * answer for the scripts that read it) is null: a session is no API token to keep.
     */
    async revokeAllTokens(auth: Auth): Promise<{ revoked: string[]; kept: null }> {
      assertSignedIn(auth, REVOKE_OTHERS);
      const now = clock.now();
      const ending = await db.write(async (tx) => {
        const all = await repos.credentials.apiTokens(auth.user.id, tx);
        for (const t of all) await repos.credentials.revoke(tx, t.id, now);
        return all;
      });
      announceRevoked(auth.user.id, ending.map((t) => t.id));
      return { revoked: ending.map((t) => t.name ?? ''), kept: null };
    },

    /**
     * Revokes one of one's API tokens by name. An API token may revoke only itself (as `parley
     * logout` does): a leaked one must not end the owner's other tokens.
     */
    async revokeToken(auth: Auth, name: string): Promise<void> {
      const now = clock.now();
      const id = await db.write(async (tx) => {
        const row = await repos.credentials.apiTokenByName(auth.user.id, name, tx);
        if (auth.kind === 'api' && row?.id !== auth.credentialId) assertSignedIn(auth, REVOKE_OTHERS);
        if (!row) throw notFound(`no token named "${name}"`);
        await repos.credentials.revoke(tx, row.id, now);
        return row.id;
      });
      announceRevoked(auth.user.id, [id]);
    },

    // ---- disabling accounts (server administrators) ----------------------------

    /**
     * Disables an account: it can no longer sign in, every session and API token it has ends,
     * its open sockets close, and in every project it goes offline at once and its open dialogs
     * go back to their groups (presence.endDuty). Enabling it again lets it sign in (tokens stay
     * revoked), offline until its owner switches on or their schedule starts.
     */
    async setDisabled(auth: Auth, rawEmail: string, disabled: boolean): Promise<UserRow> {
      assertUnlimited(auth, 'disable or enable accounts');
      if (!auth.user.server_admin) throw forbidden('only server administrators disable or enable accounts');
      const email = normalizeEmail(rawEmail);
      const user = email ? await repos.users.byEmail(email) : undefined;
      if (!user) throw notFound(`no user ${rawEmail}`);
      if (disabled && user.id === auth.user.id) throw conflict('you cannot disable your own account');
      const now = clock.now();
      const wasDisabled = user.disabled_at !== null;
      const { revoked, ended } = await db.write(async (tx) => {
        // users.disabled_at is checked by login, authenticate and the reset mail already.
        await tx.run('UPDATE users SET disabled_at = ?, updated_at = ? WHERE id = ?', [disabled ? now : null, now, user.id]);
        if (!disabled) return { revoked: [], ended: [] };
        const ended: EndedDuty[] = [];
        for (const p of await repos.projects.forUser(user.id, tx)) ended.push(await presence.endDuty(tx, p.id, user.id));
        return { revoked: await repos.credentials.revokeAllForUser(tx, user.id, now), ended };
      });
      announceRevoked(user.id, revoked);
      await presence.announceEndOfDuty(ended);
      if (!disabled && wasDisabled) await presence.accountEnabled(user.id);
      return (await repos.users.byId(user.id))!;
    },

    assertSignedIn,
    assertUnlimited,

    /** Restricted sessions (a one-time password not yet changed) may only do this much. */
    assertNotRestricted(auth: Auth): void {
      if (auth.user.must_change_password) {
        throw forbidden(
          'choose your own password first: "parley password change" (the emailed password works only once)',
          'password_change_required',
        );
      }
    },

    announceRevoked,
  };
}
