// One rule for every name the server takes (core/names.ts): a line break or another control
// character is a 400 `validation` with the same words, whether the name is a project's, a
// person's (profile or team), a group's, a template's, a lead class's or the client card's. The
// card's notes keep line breaks and tabs and nothing else of the kind; the page a visitor writes
// from is metadata, kept without control characters and never a reason to refuse the message.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClassName } from '../../cli/commands/leads/classes/common.js';
import { parseTemplateName } from '../../cli/commands/templates/common.js';
import type { ParleyClient } from '../../core/client/api.js';
import { expectApiError } from '../helpers/accounts-extra.js';
import { type Peer, visitorHello } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const ADMIN = 'root@example.com';

let server: TestServer;
let admin: ParleyClient;
let project: { id: number; widgetKey: string };
const peers: Peer[] = [];

beforeAll(async () => {
  server = await startTestServer();
  admin = (await signedInAdmin(server)).client;
  const p = await admin.createProject('Names shop');
  await admin.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  // The admin answers dialogs too: the client card is an operator's.
  await admin.updateMember(p.id, ADMIN, { operator: true });
  project = { id: p.id, widgetKey: p.widgetKey };
});

afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  await server?.close();
});

/** The message every refused name gets: the field, the value quoted as JSON, and why. */
const refused = (what: string, quoted: string) => `${what} ${quoted} has a line break or control character`;

async function expectRefused(call: Promise<unknown>, message: string) {
  const err = await expectApiError(call, 400, 'validation');
  expect(err.message).toBe(message);
}

/** A visitor who wrote once, with `page` as their widget describes it; the dialog's id. */
async function visitorWrote(page?: Record<string, string>): Promise<number> {
  const { peer } = await visitorHello(server.url, project.widgetKey, ORIGIN);
  peers.push(peer);
  const clientId = randomUUID();
  const body = `Hello from ${clientId}`;
  peer.send({ type: 'message.send', clientId, body, ...(page ? { page } : {}) });
  const answer = await peer.next((f) => (f.type === 'message.stored' && f.clientId === clientId) || f.type === 'error');
  expect(answer.type).toBe('message.stored');
  const pages = await Promise.all((['mine', 'shared'] as const).map((view) => admin.listDialogs(project.id, { view })));
  return pages.flatMap((p) => p.dialogs).find((d) => d.lastMessage?.body === body)!.id;
}

describe('a name with a control character', () => {
  it('is refused for a project, created or renamed, and the project keeps its name', async () => {
    await expectRefused(admin.updateProject(project.id, { name: 'Fu\u0000zz' }), refused('the project name', '"Fu\\u0000zz"'));
    await expectRefused(admin.updateProject(project.id, { name: 'Acme\r\nShop' }), refused('the project name', '"Acme\\r\\nShop"'));
    await expectRefused(admin.createProject('New\tshop'), refused('the project name', '"New\\tshop"'));
    // Unicode's own line breaks too (a CLI table split its row on them), quoted escaped.
    await expectRefused(admin.createProject('New\u2028shop'), refused('the project name', '"New\\u2028shop"'));
    await expectRefused(admin.updateProject(project.id, { name: 'Acme\u0085Shop' }), refused('the project name', '"Acme\\u0085Shop"'));
    await expectRefused(admin.createGroup(project.id, 'Night\u2029shift'), refused('the group name', '"Night\\u2029shift"'));
    expect((await admin.getProject(project.id)).name).toBe('Names shop');
    expect((await admin.listProjects()).map((p) => p.name)).toEqual(['Names shop']);
  });

  it('is refused in one\'s own profile (names and phone), and the profile stays as it was', async () => {
    const before = (await admin.me()).user;
    await expectRefused(admin.updateProfile({ firstName: 'A\u0000da' }), refused('the first name', '"A\\u0000da"'));
    await expectRefused(admin.updateProfile({ lastName: 'Love\nlace' }), refused('the last name', '"Love\\nlace"'));
    await expectRefused(admin.updateProfile({ phone: '+1 555\n0100' }), refused('the phone number', '"+1 555\\n0100"'));
    expect((await admin.me()).user).toMatchObject({ firstName: before.firstName, lastName: before.lastName, phone: before.phone });
  });

  it('is refused for the first server administrator (`parley admin create`), who is not created', async () => {
    const create = server.app.services.admin.createServerAdmin({ email: 'boss@example.com', firstName: 'Bo\nss', lastName: '-' });
    await expect(create).rejects.toMatchObject({ status: 400, code: 'validation', message: refused('the first name', '"Bo\\nss"') });
    expect(await server.app.repos.users.byEmail('boss@example.com')).toBeUndefined();
  });

  it('is refused for a team member, added or updated, with the same words', async () => {
    await expectRefused(
      admin.addMember(project.id, { email: 'ada@example.com', firstName: 'A\u0000da', lastName: '-', operator: true }),
      refused('the first name', '"A\\u0000da"'),
    );
    await expectRefused(admin.updateMember(project.id, ADMIN, { lastName: 'Ad\u001bmin' }), refused('the last name', '"Ad\\u001bmin"'));
    expect((await admin.listMembers(project.id)).map((m) => m.email)).toEqual([ADMIN]);
  });

  it('is refused for a group, a template and a lead class, a line break as much as any other', async () => {
    await expectRefused(admin.createGroup(project.id, 'bell\u0007'), refused('the group name', '"bell\\u0007"'));
    // A line break was squeezed into a space here once, while a person's name refused it.
    await expectRefused(admin.createGroup(project.id, 'Sales\nEU'), refused('the group name', '"Sales\\nEU"'));
    await expectRefused(admin.createTemplate(project.id, { name: 'two\nlines', text: 'x' }), refused('the name', '"two\\nlines"'));
    await expectRefused(admin.addLeadClass(project.id, 'hot\tlead'), refused('the lead class name', '"hot\\tlead"'));
    expect(await admin.listGroups(project.id)).toEqual([]);
    expect((await admin.templates(project.id)).templates).toEqual([]);
    expect((await admin.leadClasses(project.id)).classes.map((c) => c.name)).not.toContain('hot lead');
  });
});

describe('the CLI, checking a name before sending', () => {
  it('refuses it by the same rule, in the server\'s words', async () => {
    const name = 'hot\tlead';
    const refusal = await expectApiError(admin.addLeadClass(project.id, name), 400, 'validation');
    expect(() => parseClassName(name)).toThrow(refusal.message);
    expect(() => parseTemplateName('two\nlines')).toThrow(refused('the name', '"two\\nlines"'));
    expect(parseClassName('  Hot   lead ')).toBe('  Hot   lead ');
  });
});

describe('the client card', () => {
  it('refuses a control character in the real name, phone and email, and keeps the card', async () => {
    const dialogId = await visitorWrote();
    await admin.updateCard(project.id, dialogId, { realName: 'Ann Lee', phone: '+1 555 0100', email: 'ann@example.com' });
    await expectRefused(admin.updateCard(project.id, dialogId, { realName: 'a\u0000b' }), refused('the real name', '"a\\u0000b"'));
    await expectRefused(admin.updateCard(project.id, dialogId, { phone: '+1\r555' }), refused('the phone', '"+1\\r555"'));
    await expectRefused(admin.updateCard(project.id, dialogId, { email: 'a\u0000b@example.com' }), refused('the email', '"a\\u0000b@example.com"'));
    const { visitor } = await admin.getDialog(project.id, dialogId);
    expect(visitor.card).toMatchObject({ realName: 'Ann Lee', phone: '+1 555 0100', email: 'ann@example.com' });
  });

  it('keeps line breaks (CRLF as LF) and tabs in the notes, and refuses NUL and other control characters there', async () => {
    const dialogId = await visitorWrote();
    const saved = await admin.updateCard(project.id, dialogId, { notes: 'Runs trails\r\n\tsize 42\nlikes blue' });
    expect(saved.card.notes).toBe('Runs trails\n\tsize 42\nlikes blue');
    for (const notes of ['a\u0000b', 'ring\u0007', 'esc \u001b[31m', 'form\ffeed', 'del\u007f']) {
      const err = await expectApiError(admin.updateCard(project.id, dialogId, { notes }), 400, 'validation');
      expect(err.message).toBe('the notes have a control character: only line breaks and tabs are allowed');
    }
    expect((await admin.getDialog(project.id, dialogId)).visitor.card.notes).toBe('Runs trails\n\tsize 42\nlikes blue');
  });
});

describe('the page a visitor writes from', () => {
  it('is kept without control characters, and the message is taken', async () => {
    const dialogId = await visitorWrote({
      url: 'https://shop.example.com/boots\u0000?utm_source=ne\u0007ws',
      title: 'Trail\r\n boots\u0000 – Shop',
      referrer: 'https://search.example/\u001b',
    });
    const { visitor, messages } = await admin.getDialog(project.id, dialogId);
    expect(messages.map((m) => m.body)).toEqual([expect.stringMatching(/^Hello from /)]);
    expect(visitor.page).toEqual({
      url: 'https://shop.example.com/boots?utm_source=news',
      title: 'Trail boots – Shop',
      referrer: 'https://search.example/',
    });
    expect(visitor.utm).toEqual({ source: 'news' });
  });
});
