// The scene most TUI tests start from: a project "Shop" that allows `origin`, its admin, and
// Oli Op, an operator of it, signed in (their one-time password replaced by NEW_PASSWORD).
import type { ParleyClient } from '../../core/client/api.js';
import { passwordFrom, watchOutbox } from './mail.js';
import { NEW_PASSWORD, signedInAdmin, signIn, type TestServer } from './server.js';

export const OLI = 'oli@example.com';

export async function shopWithOli(server: TestServer, origin: string) {
  const { client: admin } = await signedInAdmin(server);
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [origin] });
  const project = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  await admin.addMember(project.id, { email: OLI, firstName: 'Oli', lastName: 'Op', operator: true });
  const mail = await outbox.waitFor((m) => m.to === OLI);
  outbox.close();
  const oli: ParleyClient = await signIn(server.url, OLI, passwordFrom(mail), NEW_PASSWORD);
  return { admin, oli, project };
}
