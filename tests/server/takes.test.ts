// Taking a dialog over real HTTP: two operators pressing Take on the same new dialog at once must
// not both be told it is theirs. A take that says whose the caller saw the dialog to be ({from})
// is refused with who has it when someone else took it since; taking it over on purpose is a take
// that names them. A take without a body stays unconditional (scripts, older clients).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { addMember, expectApiError, expectErrorBody, raw } from '../helpers/accounts-extra.js';
import { watchOutbox } from '../helpers/mail.js';
import { type Peer, visitorWrites } from '../helpers/realtime.js';
import { signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
let server: TestServer;
let root: ParleyClient;
let ann: ParleyClient;
let bob: ParleyClient;
let cat: ParleyClient;
let annId: number;
let bobId: number;
let shop: { id: number; widgetKey: string };
const peers: Peer[] = [];

beforeAll(async () => {
  server = await startTestServer({ rateLimits: { login: 1000, forgot: 1000 } });
  const outbox = await watchOutbox(server.dataDir);
  root = (await signedInAdmin(server)).client;
  shop = await root.createProject('Shop');
  await root.updateProject(shop.id, { allowedOrigins: [ORIGIN] });
  const op = async (email: string, firstName: string) =>
    (await addMember(server, root, shop.id, { email, firstName, lastName: 'Op', operator: true }, outbox)).signIn();
  ann = await op('ann@example.com', 'Ann');
  bob = await op('bob@example.com', 'Bob');
  cat = await op('cat@example.com', 'Cat');
  outbox.close();
  annId = (await ann.me()).user.id;
  bobId = (await bob.me()).user.id;
});

afterAll(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await server?.close();
});

const newDialog = async (body: string) =>
  (await visitorWrites({ url: server.url, widgetKey: shop.widgetKey, origin: ORIGIN, projectId: shop.id, admin: root, peers }, body)).dialogId;
const assigneeOf = async (dialogId: number) => (await root.getDialog(shop.id, dialogId)).dialog.assignee?.id ?? null;

describe('take', () => {
  it('two takes of a new dialog at once: one is told it is theirs, the other who took it, and it stays with the first', async () => {
    const id = await newDialog('Hello?');
    expect(await assigneeOf(id)).toBeNull();
    const [a, b] = await Promise.allSettled([ann.takeDialog(shop.id, id, null), bob.takeDialog(shop.id, id, null)]);
    const won = [a, b].filter((r) => r.status === 'fulfilled');
    const lost = [a, b].filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const winner = a.status === 'fulfilled' ? annId : bobId;
    const winnerName = winner === annId ? 'Ann Op' : 'Bob Op';
    expect(lost[0].reason).toMatchObject({ status: 409, code: 'conflict' });
    expect((lost[0].reason as Error).message).toBe(`${winnerName} took this dialog meanwhile: take it again to take it over`);
    expect(await assigneeOf(id)).toBe(winner);
  });

  it("taking it over on purpose names whose it was seen to be; a take of one's own dialog is fine", async () => {
    const id = await newDialog('Anyone there?');
    await ann.takeDialog(shop.id, id, null);
    // Bob saw it as Ann's and takes it over.
    const taken = await bob.takeDialog(shop.id, id, annId);
    expect(taken.assignee?.id).toBe(bobId);
    expect(taken.view).toBe('mine');
    // Bob again, having seen it as nobody's before the first take: it is his already.
    expect((await bob.takeDialog(shop.id, id, null)).assignee?.id).toBe(bobId);
    // Ann still believes it hers: refused, it stays Bob's.
    const err = await expectApiError(ann.takeDialog(shop.id, id, annId), 409, 'conflict');
    expect(err.message).toContain('Bob Op took this dialog meanwhile');
    expect(await assigneeOf(id)).toBe(bobId);
  });

  it("a dialog released since it was seen as someone's is taken", async () => {
    const id = await newDialog('Still there?');
    const catId = (await cat.takeDialog(shop.id, id, null)).assignee!.id;
    await root.removeMember(shop.id, 'cat@example.com');
    expect(await assigneeOf(id)).toBeNull();
    expect((await bob.takeDialog(shop.id, id, catId)).assignee?.id).toBe(bobId);
  });

  it('without a body it is unconditional, as before; a bad body is refused and changes nothing', async () => {
    const id = await newDialog('Hi');
    await ann.takeDialog(shop.id, id);
    expect((await bob.takeDialog(shop.id, id)).assignee?.id).toBe(bobId);
    const path = `/api/v1/projects/${shop.id}/dialogs/${id}/take`;
    for (const body of ['{"from":"ann"}', '{"from":0}', '{"form":null}', '[]']) {
      const reply = await raw(server.url, 'POST', path, { token: ann.token, body, contentType: 'application/json' });
      expectErrorBody(reply, 400, 'validation');
    }
    expect(await assigneeOf(id)).toBe(bobId);
    // Through another project (one Bob answers in too) the dialog is unknown (404), condition or not.
    const other = await root.createProject('Other');
    await root.addMember(other.id, { email: 'bob@example.com', firstName: 'Bob', lastName: 'Op', operator: true });
    const path2 = `/api/v1/projects/${other.id}/dialogs/${id}/take`;
    expectErrorBody(await raw(server.url, 'POST', path2, { token: bob.token, body: `{"from":${bobId}}`, contentType: 'application/json' }), 404);
  });
});
