// Reply templates over real HTTP: the API shape the TUI builds on, who may write, placeholders
// (known ones filled, unknown ones refused, template text never evaluated), the bulk import in
// one transaction, and project isolation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import type { Template } from '../../core/protocol/index.js';
import { fillTemplate, placeholderValues, PLACEHOLDERS, unknownPlaceholders } from '../../core/templates.js';
import { addMember, expectApiError, expectErrorBody, raw } from '../helpers/accounts-extra.js';
import { watchOutbox } from '../helpers/mail.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
let root: ParleyClient;
/** Operators of Shop. */
let ann: ParleyClient;
let bob: ParleyClient;
/** "settings" access in Shop, not an operator. */
let sam: ParleyClient;
/** An operator of Blog only. */
let eve: ParleyClient;
let shop: number;
let blog: number;

beforeAll(async () => {
  server = await startTestServer({ rateLimits: { login: 1000, forgot: 1000 } });
  outbox = await watchOutbox(server.dataDir);
  root = (await signedInAdmin(server)).client;
  shop = (await root.createProject('Shop')).id;
  blog = (await root.createProject('Blog')).id;
  const member = async (projectId: number, email: string, role: { operator?: boolean; access?: 'admin' | 'settings' | null }) =>
    (await addMember(server, root, projectId, { email, firstName: email.split('@')[0], lastName: 'Tester', ...role }, outbox)).signIn();
  [ann, bob, sam, eve] = await Promise.all([
    member(shop, 'ann@example.com', { operator: true }),
    member(shop, 'bob@example.com', { operator: true }),
    member(shop, 'sam@example.com', { access: 'settings' }),
    member(blog, 'eve@example.com', { operator: true }),
  ]);
});

afterAll(async () => {
  outbox?.close();
  await server?.close();
});

const names = async (client: ParleyClient, projectId: number) => (await client.templates(projectId)).templates.map((t) => t.name);

describe('the API', () => {
  it('creates (201), lists sorted by name, reads, edits and deletes; the shape is {id, name, text, createdBy, createdAt, updatedAt}', async () => {
    const greeting = await ann.createTemplate(shop, { name: 'greeting', text: 'Hello, {visitor.name}!' });
    expect(Object.keys(greeting).sort()).toEqual(['createdAt', 'createdBy', 'id', 'name', 'text', 'updatedAt']);
    expect(greeting.createdBy).toBe((await ann.me()).user.id);
    expect(greeting).toMatchObject({ name: 'greeting', text: 'Hello, {visitor.name}!' });
    expect(greeting.createdAt).toBe(greeting.updatedAt);
    await ann.createTemplate(shop, { name: 'Address', text: 'We are at 1 Main St.' });
    await ann.createTemplate(shop, { name: 'Zebra', text: 'z' });
    await ann.createTemplate(shop, { name: 'bye', text: 'Bye!' });

    // Every member reads them: operators, settings, admins; sorted by name regardless of case.
    for (const client of [ann, bob, sam, root]) expect(await names(client, shop)).toEqual(['Address', 'bye', 'greeting', 'Zebra']);
    const reply = await raw(server.url, 'POST', `/api/v1/projects/${shop}/templates`, {
      token: ann.token,
      contentType: 'application/json',
      body: JSON.stringify({ name: 'Hours', text: 'Open 9 to 5.' }),
    });
    expect(reply.status).toBe(201);

    expect(await bob.getTemplate(shop, greeting.id)).toEqual(greeting);
    const edited = await ann.updateTemplate(shop, greeting.id, { name: 'Greeting', text: 'Hi, {visitor.name}.' });
    expect(edited).toMatchObject({ id: greeting.id, name: 'Greeting', text: 'Hi, {visitor.name}.', createdAt: greeting.createdAt });
    expect(await ann.updateTemplate(shop, greeting.id, { text: 'Hi, {visitor.name}.' })).toEqual(edited);

    await ann.deleteTemplate(shop, greeting.id);
    await expectApiError(ann.getTemplate(shop, greeting.id), 404, 'not_found');
    expect(await names(ann, shop)).toEqual(['Address', 'bye', 'Hours', 'Zebra']);
  });

  it('names are unique regardless of case, in any script (409); names and texts are checked (400)', async () => {
    await ann.createTemplate(shop, { name: 'Доставка', text: 'Доставка за 2 дня.' });
    await expectApiError(ann.createTemplate(shop, { name: 'ДОСТАВКА', text: 'x' }), 409, 'conflict');
    await expectApiError(ann.createTemplate(shop, { name: '  address ', text: 'x' }), 409, 'conflict');
    const other = await ann.createTemplate(shop, { name: 'Other', text: 'x' });
    await expectApiError(ann.updateTemplate(shop, other.id, { name: 'доставка' }), 409, 'conflict');

    await expectApiError(ann.createTemplate(shop, { name: '', text: 'x' }), 400, 'validation');
    await expectApiError(ann.createTemplate(shop, { name: '   ', text: 'x' }), 400, 'validation');
    await expectApiError(ann.createTemplate(shop, { name: 'Empty', text: '  \n ' }), 400, 'validation');
    await expectApiError(ann.createTemplate(shop, { name: 'two\nlines', text: 'x' }), 400, 'validation');
    await expectApiError(ann.createTemplate(shop, { name: 'Long', text: 'x'.repeat(10_001) }), 400, 'validation');
    await expectApiError(ann.updateTemplate(shop, other.id, {}), 400, 'validation');
    const missing = await raw(server.url, 'POST', `/api/v1/projects/${shop}/templates`, {
      token: ann.token,
      contentType: 'application/json',
      body: JSON.stringify({ name: 'No text' }),
    });
    expectErrorBody(missing, 400, 'validation');
    // Line breaks from Windows files are kept as \n.
    expect((await ann.createTemplate(shop, { name: 'CRLF', text: 'one\r\ntwo' })).text).toBe('one\ntwo');
  });
});

describe('who may write', () => {
  let anns: Template;

  beforeAll(async () => {
    anns = await ann.createTemplate(shop, { name: "Ann's", text: 'mine' });
  });

  it("operators create, and edit or delete their own; another operator's is 403", async () => {
    const bobs = await bob.createTemplate(shop, { name: "Bob's", text: 'his' });
    await expectApiError(bob.updateTemplate(shop, anns.id, { text: 'taken over' }), 403, 'forbidden');
    await expectApiError(bob.deleteTemplate(shop, anns.id), 403, 'forbidden');
    expect((await ann.getTemplate(shop, anns.id)).text).toBe('mine');
    await bob.deleteTemplate(shop, bobs.id);
  });

  it('"settings" and "admin" members edit and delete anyone\'s; import needs them too', async () => {
    expect((await sam.updateTemplate(shop, anns.id, { text: 'edited by settings' })).text).toBe('edited by settings');
    const byRoot = await root.createTemplate(shop, { name: 'By root', text: 'x' });
    await sam.deleteTemplate(shop, byRoot.id);
    const samOwn = await sam.createTemplate(shop, { name: 'By sam', text: 'x' });
    await root.deleteTemplate(shop, samOwn.id);
    await expectApiError(ann.importTemplates(shop, { templates: [{ name: 'X', text: 'y' }] }), 403, 'forbidden');
  });

  it("another project's templates are not found (404) and cannot be touched through a project one belongs to", async () => {
    await expectApiError(eve.templates(shop), 404, 'not_found');
    await expectApiError(eve.getTemplate(shop, anns.id), 404, 'not_found');
    await expectApiError(eve.createTemplate(shop, { name: 'Intruder', text: 'x' }), 404, 'not_found');
    // Shop's template id through Blog's path, by an admin of both.
    await expectApiError(root.getTemplate(blog, anns.id), 404, 'not_found');
    await expectApiError(root.updateTemplate(blog, anns.id, { text: 'x' }), 404, 'not_found');
    await expectApiError(root.deleteTemplate(blog, anns.id), 404, 'not_found');
    await expectApiError(eve.importTemplates(shop, { templates: [] }), 404, 'not_found');
    expect((await ann.getTemplate(shop, anns.id)).text).toBe('edited by settings');
    expect(await names(eve, blog)).toEqual([]);
  });

  it('without a token: 401', async () => {
    const reply = await raw(server.url, 'GET', `/api/v1/projects/${shop}/templates`);
    expectErrorBody(reply, 401, 'unauthenticated');
  });
});

describe('placeholders', () => {
  it('the four known ones are accepted; an unknown one is refused on save and on edit, naming it', async () => {
    const all = PLACEHOLDERS.map((p) => `{${p}}`).join(' ');
    const t = await ann.createTemplate(shop, { name: 'All placeholders', text: all });
    expect(t.text).toBe('{visitor.name} {operator.first_name} {operator.last_name} {project.name}');
    const err = await expectApiError(ann.createTemplate(shop, { name: 'Phone', text: 'Call {visitor.phone}, {Visitor.Name}' }), 400, 'validation');
    expect(err.message).toContain('{visitor.phone}');
    expect(err.message).toContain('{Visitor.Name}');
    await expectApiError(ann.updateTemplate(shop, t.id, { text: 'Hi {operator.email}' }), 400, 'validation');
    expect((await ann.getTemplate(shop, t.id)).text).toBe(t.text);
  });

  it('template text is data: ${7*7}, {{constructor...}} and HTML are stored and returned as typed', async () => {
    const texts = ['Total: ${7*7}', "{{constructor.constructor('x')()}}", '<img src=x onerror=alert(1)> {"a": 1} { visitor.name }'];
    for (const [i, text] of texts.entries()) {
      const t = await ann.createTemplate(shop, { name: `Literal ${i}`, text });
      expect((await bob.getTemplate(shop, t.id)).text).toBe(text);
      expect(fillTemplate(text, { 'visitor.name': 'Ann' })).toBe(text);
    }
  });

  it('fillTemplate fills in one pass, leaves unknown and value-less placeholders, evaluates nothing', () => {
    const values = placeholderValues({
      visitor: { name: 'Blue Fox', realName: 'Maria' },
      operator: { firstName: 'Olga', lastName: '-' },
      project: { name: 'Shop' },
    });
    expect(values).toEqual({ 'visitor.name': 'Maria', 'operator.first_name': 'Olga', 'operator.last_name': '', 'project.name': 'Shop' });
    expect(fillTemplate('Hello, {visitor.name}! {operator.first_name} {operator.last_name}of {project.name}. ${7*7}', values)).toBe(
      'Hello, Maria! Olga of Shop. ${7*7}',
    );
    // A value that looks like a placeholder is not filled again; unknown ones stay.
    expect(fillTemplate('{visitor.name} / {project.name} / {visitor.phone}', { 'visitor.name': '{project.name}', 'project.name': 'P' })).toBe(
      '{project.name} / P / {visitor.phone}',
    );
    // Without a value the placeholder stays visible for the operator to fill by hand.
    expect(fillTemplate('Hi {visitor.name}, {operator.first_name}', { 'visitor.name': 'Blue Fox' })).toBe('Hi Blue Fox, {operator.first_name}');
    expect(placeholderValues({ visitor: { name: 'Blue Fox', realName: null } })).toEqual({ 'visitor.name': 'Blue Fox' });
    // `$&` and friends in a value are not replacement patterns.
    expect(fillTemplate('{visitor.name}', { 'visitor.name': "$& $' $1" })).toBe("$& $' $1");
    expect(unknownPlaceholders('{a} {visitor.name} {a} ${b} {{c}}')).toEqual(['{a}', '{b}', '{c}']);
  });
});

describe('import (one transaction)', () => {
  let project: number;

  beforeAll(async () => {
    project = (await root.createProject('Import')).id;
    await root.createTemplate(project, { name: 'Keep', text: 'same' });
    await root.createTemplate(project, { name: 'Change', text: 'old' });
    await root.createTemplate(project, { name: 'Drop', text: 'gone soon' });
  });

  const snapshot = async () => (await root.templates(project)).templates.map((t) => [t.name, t.text, t.updatedAt]);

  it('a dry run answers the plan and changes nothing', async () => {
    const before = await snapshot();
    const plan = await root.importTemplates(project, {
      templates: [
        { name: 'keep', text: 'same', line: 2 },
        { name: 'Change', text: 'new', line: 3 },
        { name: 'Fresh', text: 'hello', line: 4 },
      ],
      replace: true,
      dryRun: true,
    });
    expect(plan).toEqual({ dryRun: true, create: ['Fresh'], update: ['keep', 'Change'], delete: ['Drop'], unchanged: [] });
    expect(await snapshot()).toEqual(before);
  });

  it('upserts by name; replace deletes the rest', async () => {
    const plan = await root.importTemplates(project, {
      templates: [
        { name: 'Keep', text: 'same' },
        { name: 'change', text: 'new' },
        { name: 'Fresh', text: 'hello {project.name}' },
      ],
    });
    expect(plan).toEqual({ dryRun: false, create: ['Fresh'], update: ['change'], delete: [], unchanged: ['Keep'] });
    expect((await root.templates(project)).templates.map((t) => [t.name, t.text])).toEqual([
      ['change', 'new'],
      ['Drop', 'gone soon'],
      ['Fresh', 'hello {project.name}'],
      ['Keep', 'same'],
    ]);
    const replaced = await root.importTemplates(project, { templates: [{ name: 'Keep', text: 'same' }, { name: 'Fresh', text: 'hello {project.name}' }], replace: true });
    expect(replaced).toEqual({ dryRun: false, create: [], update: [], delete: ['change', 'Drop'], unchanged: ['Keep', 'Fresh'] });
    expect(await names(root, project)).toEqual(['Fresh', 'Keep']);
  });

  it('any bad row fails the whole import with its line, and nothing changes', async () => {
    const before = await snapshot();
    const err = await expectApiError(
      root.importTemplates(project, {
        templates: [
          { name: 'New one', text: 'fine', line: 2 },
          { name: '', text: 'no name', line: 3 },
          { name: 'Empty', text: '   ', line: 5 },
          { name: 'new ONE', text: 'twice', line: 6 },
          { name: 'Bad', text: 'Hi {visitor.age}', line: 9 },
          { text: 'nameless', line: 11 },
        ],
        replace: true,
      }),
      400,
      'validation',
    );
    expect(err.message).toMatch(/^nothing was imported: line 3: .*no name.*; line 5: .*empty.*; line 6: .*"new ONE".*line 2.*; line 9: .*\{visitor\.age\}.*; line 11: .*no name/);
    // Rows without a line are counted from 1.
    const counted = await expectApiError(root.importTemplates(project, { templates: [{ name: 'A', text: 'a' }, { name: 'B', text: '' }] }), 400);
    expect(counted.message).toMatch(/template 2: the text of "B" is empty/);
    expect(await snapshot()).toEqual(before);
  });

  it('a large import (over the usual 1 MB body limit) is one request and one transaction', async () => {
    const templates = Array.from({ length: 3000 }, (_, i) => ({ name: `T${String(i).padStart(4, '0')}`, text: `Text ${i}, {visitor.name}\n${'x'.repeat(400)}` }));
    const plan = await root.importTemplates(project, { templates, replace: true });
    expect(plan.create).toHaveLength(3000);
    expect(plan.delete).toEqual(['Fresh', 'Keep']);
    const list = (await root.templates(project)).templates;
    expect(list).toHaveLength(3000);
    expect(list[0].name).toBe('T0000');
  });
});
