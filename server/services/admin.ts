// Server-level bootstrap: the first administrator, who else is one, and the demo data of
// `parley server --demo`.
import { nameProblem } from '../../core/names.js';
import { normalizeEmail } from '../../core/protocol/index.js';
import { ACCOUNT_RULES } from '../config.js';
import type { Tx } from '../db/sqlite.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { generatePassword, generateWidgetKey, hashPassword } from '../secrets.js';
import type { ServiceDeps } from './context.js';
import { defaultTimezone, takenProjectName } from './projects.js';

export interface OneTimeLogin {
  email: string;
  /** The new one-time password, or null when the user already chose their own. */
  password: string | null;
}

export interface DemoInfo {
  projectId: number;
  projectName: string;
  widgetKey: string;
  admin: OneTimeLogin;
  operator: OneTimeLogin;
}

const DEMO = {
  settingsKey: 'demo.project_id',
  projectName: 'Demo shop',
  admin: { email: 'admin@example.com', firstName: 'Ada', lastName: 'Admin' },
  operator: { email: 'operator@example.com', firstName: 'Oscar', lastName: 'Operator' },
};

export type AdminService = ReturnType<typeof adminService>;

export function adminService(deps: ServiceDeps) {
  const { db, repos, clock, config } = deps;

  async function insertUser(
    tx: Tx,
    u: { email: string; firstName: string; lastName: string; serverAdmin?: boolean },
    hash: string,
    now: number,
  ) {
    return repos.users.insert(
      tx,
      { ...u, passwordHash: hash, initialPasswordExpiresAt: now + ACCOUNT_RULES.initialPasswordTtlMs },
      now,
    );
  }

  /** Gives a demo user who never signed in a fresh one-time password (the old one was only printed). */
  async function refreshOneTime(email: string): Promise<OneTimeLogin> {
    const user = await repos.users.byEmail(email);
    if (!user || !user.must_change_password) return { email, password: null };
    const password = generatePassword();
    const hash = await hashPassword(password, config.scryptN);
    const now = clock.now();
    await db.write((tx) =>
      repos.users.setInitialPassword(tx, user.id, hash, now + ACCOUNT_RULES.initialPasswordTtlMs, now),
    );
    return { email, password };
  }

  return {
    /** `parley admin create`: a server administrator with a one-time password. */
    async createServerAdmin(input: { email: string; firstName: string; lastName: string }) {
      const email = normalizeEmail(input.email);
      if (!email) throw badRequest(`not a valid email address: "${input.email}"`);
      const firstName = input.firstName.trim();
      const lastName = input.lastName.trim();
      if (!firstName) throw badRequest('the first name must not be empty');
      if (!lastName) throw badRequest('the last name must not be empty (use "-" when someone prefers not to give one)');
      const problem = nameProblem('the first name', firstName) ?? nameProblem('the last name', lastName);
      if (problem) throw badRequest(problem);
      const password = generatePassword();
      const hash = await hashPassword(password, config.scryptN);
      const now = clock.now();
      await db.write(async (tx) => {
        if (await repos.users.byEmail(email, tx)) {
          throw conflict(`a user with the email ${email} already exists: "parley admin promote ${email}" makes it a server administrator`);
        }
        await insertUser(tx, { email, firstName, lastName, serverAdmin: true }, hash, now);
      });
      return { email, password };
    },

    /**
     * `parley admin promote|demote`: makes an existing account a server administrator, or an
     * ordinary account again. Demoting is refused when no other enabled server administrator
     * would be left: nobody could then create projects or take backups over the API.
     * `changed` is false when the account already was what was asked.
     */
    async setServerAdmin(rawEmail: string, serverAdmin: boolean) {
      const email = normalizeEmail(rawEmail);
      if (!email) throw badRequest(`not a valid email address: "${rawEmail}"`);
      return db.write(async (tx) => {
        const user = await repos.users.byEmail(email, tx);
        if (!user) throw notFound(`no user ${email}`);
        if (Boolean(user.server_admin) === serverAdmin) return { email, serverAdmin, changed: false };
        if (!serverAdmin) {
          const others = await tx.get<{ n: number; enabled: number }>(
            'SELECT count(*) AS n, count(*) - count(disabled_at) AS enabled FROM users WHERE server_admin = 1 AND id != ?',
            [user.id],
          );
          if (!others?.n) {
            throw conflict(`${email} is the last server administrator: promote another account first ("parley admin promote EMAIL")`);
          }
          if (!others.enabled) {
            throw conflict(`the other server administrators are disabled: enable one ("parley admin enable EMAIL") or promote another account before demoting ${email}`);
          }
        }
        await tx.run('UPDATE users SET server_admin = ?, updated_at = ? WHERE id = ?', [serverAdmin ? 1 : 0, clock.now(), user.id]);
        return { email, serverAdmin, changed: true };
      });
    },

    /** Creates the demo project and its two users on the first run; later runs reuse them. */
    async ensureDemo(): Promise<DemoInfo> {
      const origin = new URL(config.publicUrl).origin;
      const existing = await repos.settings.get(DEMO.settingsKey);
      let projectId = existing ? Number(existing) : 0;
      const project = projectId ? await repos.projects.byId(projectId) : undefined;

      if (!project) {
        const now = clock.now();
        const [adminHash, operatorHash] = await Promise.all([hashPassword('x', config.scryptN), hashPassword('x', config.scryptN)]);
        projectId = await db.write(async (tx) => {
          // Project names are unique: next to a project of that name, the demo takes a number.
          let name = DEMO.projectName;
          for (let n = 2; (await takenProjectName(tx, name)) !== null; n++) name = `${DEMO.projectName} ${n}`;
          const pid = await repos.projects.insert(
            tx,
            {
              name,
              widgetKey: generateWidgetKey(),
              allowedOrigins: [origin],
              timezone: defaultTimezone(),
              language: 'en',
            },
            now,
          );
          for (const [u, hash, access, operator, serverAdmin] of [
            [DEMO.admin, adminHash, 'admin', false, true],
            [DEMO.operator, operatorHash, null, true, false],
          ] as const) {
            const found = await repos.users.byEmail(u.email, tx);
            const userId = found?.id ?? (await insertUser(tx, { ...u, serverAdmin }, hash, now));
            await repos.projects.addMember(tx, { projectId: pid, userId, access, operator }, now);
          }
          await repos.settings.set(tx, DEMO.settingsKey, String(pid));
          return pid;
        });
      } else {
        const origins = JSON.parse(project.allowed_origins) as string[];
        if (!origins.includes(origin)) {
          // The demo page is served by this server: whatever address it runs on now must be allowed.
          await db.write((tx) =>
            tx.run('UPDATE projects SET allowed_origins = ?, updated_at = ? WHERE id = ?', [
              JSON.stringify([...origins, origin]),
              clock.now(),
              projectId,
            ]),
          );
        }
      }
      const p = (await repos.projects.byId(projectId))!;
      return {
        projectId,
        projectName: p.name,
        widgetKey: p.widget_key,
        admin: await refreshOneTime(DEMO.admin.email),
        operator: await refreshOneTime(DEMO.operator.email),
      };
    },
  };
}
