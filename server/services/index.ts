import { accountsService } from './accounts.js';
import { adminService } from './admin.js';
import { attachmentsService } from './attachments.js';
import type { ServiceDeps } from './context.js';
import { dialogsService } from './dialogs.js';
import { groupsService } from './groups.js';
import { presenceService } from './presence.js';
import { profileService } from './profile.js';
import { projectsService } from './projects.js';
import { teamService } from './team.js';
import { templatesService } from './templates.js';

export type Services = ReturnType<typeof createServices>;

export function createServices(deps: ServiceDeps) {
  // Presence reads memberships through projects, and a project's new timezone moves presence.
  const projects = projectsService(deps, { timezoneChanged: (projectId) => presence.timezoneChanged(projectId) });
  const attachments = attachmentsService(deps);
  const dialogs = dialogsService(deps, projects, attachments);
  // Someone who stops answering (removed, role taken away, disabled) goes offline and gives
  // their open dialogs back: presence does it for team and accounts.
  const presence = presenceService(deps, projects, dialogs);
  return {
    accounts: accountsService(deps, presence),
    projects,
    team: teamService(deps, projects, presence),
    profile: profileService(deps),
    admin: adminService(deps),
    attachments,
    dialogs,
    presence,
    groups: groupsService(deps, projects, { routingChanged: (projectId) => dialogs.assignWaiting(projectId) }),
    templates: templatesService(deps, projects),
  };
}
