// What a review of the day's changes found about databases from before them: a client card that
// holds a character today's rules refuse stays editable; open dialogs left with someone who no
// longer answers (removed, role taken, disabled, by an earlier version) go back at start.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { expectApiError } from '../helpers/accounts-extra.js';
import { type Peer, visitorWrites } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const ROOT = 'root@example.com';

let dataDir: string;
let server: TestServer;
let admin: ParleyClient;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];

beforeEach(async () => {
  dataDir = await tempDir();
  server = await startTestServer({ dataDir });
  ({ client: admin } = await signedInAdmin(server));
  const p = await admin.createProject('Shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  await admin.updateMember(p.id, ROOT, { operator: true });
  project = { id: p.id, widgetKey: p.widgetKey };
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server.close();
});

const site = () => ({ url: server.url, widgetKey: project.widgetKey, origin: ORIGIN, projectId: project.id, admin, peers });
const sql = (statement: string, params: Array<string | number | null>) => server.app.db.write((tx) => tx.run(statement, params));

describe('a client card saved before the rules on names', () => {
  it('takes its stored values back as they are, and refuses the same character in a new value', async () => {
    const { dialogId } = await visitorWrites(site(), 'Hello');
    await admin.updateCard(project.id, dialogId, { realName: 'Anna Berg', notes: 'old' });
    const { visitor_id: visitorId } = (await server.app.db.get<{ visitor_id: number }>('SELECT visitor_id FROM dialogs WHERE id = ?', [dialogId]))!;
    await sql('UPDATE visitors SET real_name = ?, notes = ? WHERE id = ?', ['Anna\tBerg', 'pasted\fnotes', visitorId]);

    // What the TUI's card form sends: every field, the untouched ones as they were.
    const saved = await admin.updateCard(project.id, dialogId, { realName: 'Anna\tBerg', phone: '+46 70 123 45 67', email: null, notes: 'pasted\fnotes' });
    expect(saved.card).toMatchObject({ realName: 'Anna\tBerg', phone: '+46 70 123 45 67', notes: 'pasted\fnotes' });

    const err = await expectApiError(admin.updateCard(project.id, dialogId, { realName: 'Anna\tLind' }), 400, 'validation');
    expect(err.message).toBe('the real name "Anna\\tLind" has a line break or control character');
    await expectApiError(admin.updateCard(project.id, dialogId, { notes: 'new\fnotes' }), 400, 'validation');
  });
});

describe('open dialogs of someone who no longer answers, left by an earlier version', () => {
  it('go back unassigned when the server starts; those of an operator on duty stay', async () => {
    const gone = await visitorWrites(site(), 'Is anyone there?');
    const disabled = await visitorWrites(site(), 'Hello?');
    const kept = await visitorWrites(site(), 'Hi');
    const closed = await visitorWrites(site(), 'Bye');
    await admin.takeDialog(project.id, kept.dialogId);
    await admin.request('POST', `/api/v1/projects/${project.id}/dialogs/${closed.dialogId}/close`);

    // Two accounts the way an earlier version left them: one no longer an operator, one
    // disabled, both still holding open dialogs (and a closed one, which stays as it is).
    const userId = async (email: string) => (await server.app.db.get<{ id: number }>('SELECT id FROM users WHERE email = ?', [email]))!.id;
    await server.app.services.admin.createServerAdmin({ email: 'bea@example.com', firstName: 'Bea', lastName: 'Op' });
    await server.app.services.admin.createServerAdmin({ email: 'cyd@example.com', firstName: 'Cyd', lastName: 'Op' });
    const bea = await userId('bea@example.com');
    const cyd = await userId('cyd@example.com');
    const member = 'INSERT INTO memberships (project_id, user_id, operator, online, created_at) VALUES (?, ?, ?, 1, 0)';
    await sql(member, [project.id, bea, 0]);
    await sql(member, [project.id, cyd, 1]);
    await sql('UPDATE users SET disabled_at = 1 WHERE id = ?', [cyd]);
    await sql('UPDATE dialogs SET assignee_id = ? WHERE id IN (?, ?)', [bea, gone.dialogId, closed.dialogId]);
    await sql('UPDATE dialogs SET assignee_id = ? WHERE id = ?', [cyd, disabled.dialogId]);

    await Promise.all(peers.splice(0).map((p) => p.close()));
    await server.close();
    server = await startTestServer({ dataDir });
    admin = await signIn(server.url, ROOT, NEW_PASSWORD);

    const assignee = async (dialogId: number) => (await admin.getDialog(project.id, dialogId)).dialog.assignee?.name ?? null;
    expect(await assignee(gone.dialogId)).toBeNull();
    expect(await assignee(disabled.dialogId)).toBeNull();
    expect(await assignee(kept.dialogId)).toBe('Root Admin');
    expect(await assignee(closed.dialogId)).toBe('Bea Op');
  });
});
