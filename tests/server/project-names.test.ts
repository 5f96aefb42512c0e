// Project names are unique on a server: `parley export` files, `apply` and `-p NAME` find a
// project by its name. Compared as the server keeps names (NFC, trimmed), whatever their case;
// creating or renaming to a taken name is a 409, and a database from before the rule, with
// duplicates in it, keeps working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { expectApiError, raw } from '../helpers/accounts-extra.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let root: ParleyClient;

beforeAll(async () => {
  server = await startTestServer();
  root = (await signedInAdmin(server)).client;
});

afterAll(async () => {
  await server?.close();
});

const names = async () => (await root.listProjects()).map((p) => p.name);

describe('creating a project', () => {
  it('refuses a name another project has, in any case, with spaces around it or in another Unicode form', async () => {
    await root.createProject('Acme shop');
    await root.createProject('Café');
    for (const taken of ['Acme shop', '  ACME SHOP ', 'acme shop']) {
      const err = await expectApiError(root.createProject(taken), 409, 'conflict');
      expect(err.message).toBe('a project named "Acme shop" already exists: pick another name');
    }
    // "e" and a combining accent is the same name as "é".
    const err = await expectApiError(root.createProject('Cafe\u0301'), 409, 'conflict');
    expect(err.message).toMatch(/a project named "Café" already exists/);
    expect(await names()).toEqual(['Acme shop', 'Café']);
  });

  it('answers {error:{code:"conflict",message}} over HTTP', async () => {
    const reply = await raw(server.url, 'POST', '/api/v1/projects', {
      token: root.token,
      contentType: 'application/json',
      body: JSON.stringify({ name: 'acme SHOP' }),
    });
    expect(reply.status).toBe(409);
    expect(reply.json).toEqual({ error: { code: 'conflict', message: 'a project named "Acme shop" already exists: pick another name' } });
  });
});

describe('renaming a project', () => {
  it('refuses a name another project has, and changes none of the other settings sent with it', async () => {
    const blog = await root.createProject('Blog');
    const err = await expectApiError(root.updateProject(blog.id, { name: 'ACME shop', timezone: 'Asia/Tokyo' }), 409, 'conflict');
    expect(err.message).toBe('a project named "Acme shop" already exists: pick another name');
    expect(await root.getProject(blog.id)).toMatchObject({ name: 'Blog', timezone: blog.timezone });
  });

  it('lets a project take its own name in another case', async () => {
    const blog = (await root.listProjects()).find((p) => p.name === 'Blog')!;
    expect(await root.updateProject(blog.id, { name: ' BLOG ' })).toMatchObject({ name: 'BLOG' });
  });
});

describe('a database from before the rule', () => {
  it('keeps its duplicates working: their settings change, a rename to the other name is refused', async () => {
    // As an older server left them: two projects of one name.
    const now = Date.now();
    for (const key of ['legacy-key-1', 'legacy-key-2']) {
      await server.app.db.write((tx) =>
        tx.run(
          "INSERT INTO projects (name, widget_key, allowed_origins, timezone, language, created_at, updated_at) VALUES ('Old shop', ?, '[]', 'UTC', 'en', ?, ?)",
          [key, now, now],
        ),
      );
    }
    const rows = await server.app.db.all<{ id: number }>("SELECT id FROM projects WHERE name = 'Old shop' ORDER BY id");
    const ids = rows.map((r) => r.id);
    const me = await root.me();
    for (const id of ids) {
      await server.app.db.write((tx) =>
        tx.run("INSERT INTO memberships (project_id, user_id, access, operator, created_at) VALUES (?, ?, 'admin', 0, ?)", [id, me.user.id, now]),
      );
    }
    expect(await root.updateProject(ids[1], { timezone: 'Asia/Tokyo' })).toMatchObject({ name: 'Old shop', timezone: 'Asia/Tokyo' });
    await expectApiError(root.updateProject(ids[1], { name: 'old shop' }), 409, 'conflict');
    expect(await root.updateProject(ids[1], { name: 'Old shop 2' })).toMatchObject({ name: 'Old shop 2' });
  });
});

describe('the demo project', () => {
  it('takes a number when a project of its name exists, so its name stays unique', async () => {
    await root.createProject('demo SHOP');
    const demo = await server.app.services.admin.ensureDemo();
    expect(demo.projectName).toBe('Demo shop 2');
    // Later runs find the same one.
    expect((await server.app.services.admin.ensureDemo()).projectId).toBe(demo.projectId);
  });
});
