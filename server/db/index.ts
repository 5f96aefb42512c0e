import { credentialsRepo } from './credentials.js';
import { dialogsRepo } from './dialogs.js';
import { groupsRepo } from './groups.js';
import { mailRepo, serverSettingsRepo } from './mail.js';
import { loginFailuresRepo, passwordResetsRepo } from './passwordResets.js';
import { projectsRepo } from './projects.js';
import type { Db } from './sqlite.js';
import { usersRepo } from './users.js';

export type Repos = ReturnType<typeof createRepos>;

export function createRepos(db: Db) {
  return {
    users: usersRepo(db),
    projects: projectsRepo(db),
    credentials: credentialsRepo(db),
    passwordResets: passwordResetsRepo(db),
    loginFailures: loginFailuresRepo(db),
    mail: mailRepo(db),
    dialogs: dialogsRepo(db),
    groups: groupsRepo(db),
    settings: serverSettingsRepo(db),
  };
}
