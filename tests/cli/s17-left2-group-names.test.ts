// A group's name is measured as the server stores it: trimmed, runs of spaces squeezed to one, at
// most 50 characters. The HTTP schemas used to cap the name as written at 100, so a name that fits
// once squeezed but was written with more spaces got a schema 400 ("body/name must NOT have more
// than 100 characters") from the routes, and from `parley group create`. Now the routes let any
// such name through to the service's check (capping the name as written only at 1,000), whose
// refusal says "even with runs of spaces counted as one" as `parley apply` does; the CLI gives the
// same words before sending. The real binary and plain HTTP against a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Group, Routing } from '../../core/protocol/index.js';
import { adminShell, expectFailure, type Shell } from '../helpers/cli-extra.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let admin: Shell;
let token: string;
let projectId: number;

/** "Night" and "shift" with `spaces` spaces between: "Night shift" once squeezed. */
const spaced = (first: string, spaces: number, last: string) => `${first}${' '.repeat(spaces)}${last}`;

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminShell(server, { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' });
  projectId = (await admin.json<{ id: number }>(['project', 'create', 'Alpha'])).id;
  await admin.run(['project', 'use', 'Alpha']);
  token = (await admin.run(['token', 'create', '--name', 'http'])).stdout.trim();
});

afterAll(async () => {
  await server?.close();
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}/api/v1/projects/${projectId}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
const groupPath = (name: string) => `/groups/${encodeURIComponent(name)}`;

describe('the HTTP routes', () => {
  it('take a name over 100 characters as written that fits once squeezed, in the body, the URL and a route rule', async () => {
    const name = spaced('Night', 120, 'shift');
    expect([...name].length).toBe(130);
    const created = await api('POST', '/groups', { name });
    expect(created).toMatchObject({ status: 201, body: { name: 'Night shift' } });

    expect(await api('GET', groupPath(name))).toMatchObject({ status: 200, body: { name: 'Night shift' } });
    const routed = await api('PUT', '/routing', { rules: [{ pattern: '*', group: spaced('night', 200, 'SHIFT') }] });
    expect(routed).toMatchObject({ status: 200, body: { rules: [{ pattern: '*', group: 'Night shift' }] } });
    expect(await api('DELETE', groupPath(name))).toMatchObject({ status: 200, body: { name: 'Night shift', rulesRemoved: 1 } });
  });

  it('refuse a name over 50 characters once squeezed with the service\'s words, saying when spaces were counted as one', async () => {
    const squeezedTooLong = spaced('x'.repeat(30), 150, 'y'.repeat(30));
    expect(await api('POST', '/groups', { name: squeezedTooLong })).toEqual({
      status: 400,
      body: { error: { code: 'validation', message: 'a group name has at most 50 characters, even with runs of spaces counted as one' } },
    });
    expect(await api('POST', '/groups', { name: 'x'.repeat(51) })).toEqual({
      status: 400,
      body: { error: { code: 'validation', message: 'a group name has at most 50 characters' } },
    });
    // Absurd input as written is still capped by the schema, before the service.
    const absurd = await api('POST', '/groups', { name: spaced('a', 1000, 'b') });
    expect(absurd).toMatchObject({ status: 400, body: { error: { code: 'validation', message: expect.stringContaining('1000') } } });
    expect(await api('GET', '/groups')).toEqual({ status: 200, body: [] });
  });
});

describe('parley group and project set --route', () => {
  it('group create and delete, and project set --route, take a name that fits once squeezed, however many spaces it was written with', async () => {
    const name = spaced('Late', 150, 'desk');
    const created = await admin.run(['group', 'create', name]);
    expect(created, created.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(/^Created the group "Late desk" in "Alpha"\./);
    expect((await admin.json<Group[]>(['group', 'list'])).map((g) => g.name)).toEqual(['Late desk']);

    const route = await admin.run(['project', 'set', '--route', `*=${spaced('late', 300, 'desk')}`]);
    expect(route, route.stderr).toMatchObject({ code: 0, stderr: '' });
    expect((await admin.json<{ routing: Routing }>(['project', 'show'])).routing.rules).toEqual([{ pattern: '*', group: 'Late desk' }]);

    const deleted = await admin.run(['group', 'delete', spaced('LATE', 900, 'DESK')]);
    expect(deleted, deleted.stderr).toMatchObject({ code: 0, stdout: 'Deleted the group "Late desk". 1 URL rule routing to it removed.\n', stderr: '' });
  });

  it('refuse too long a name before sending, in the server\'s words', async () => {
    const before = await admin.json<Group[]>(['group', 'list']);
    expectFailure(
      await admin.run(['group', 'create', spaced('x'.repeat(30), 150, 'y'.repeat(30))]),
      2,
      /argument 'name'\. a group name has at most 50 characters, even with runs of spaces counted as one/,
    );
    expectFailure(await admin.run(['group', 'create', spaced('a', 1000, 'b')]), 2, /a group name has at most 1000 characters as written, spaces included/);
    expectFailure(await admin.run(['project', 'set', '--route', `*=${spaced('a', 1000, 'b')}`]), 2, /a group name has at most 1000 characters as written/);
    expectFailure(await admin.run(['project', 'set', '--route', `*=${'x'.repeat(51)}`]), 2, /a group name has at most 50 characters/);
    expect(await admin.json<Group[]>(['group', 'list'])).toEqual(before);
  });
});
