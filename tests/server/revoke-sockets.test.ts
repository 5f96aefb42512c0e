// Ending someone's access ends their live connections: disabling the account, removing them
// from a project, revoking a token, changing or resetting the password each close the affected
// operator sockets within a second (a bounded wait for the close event, never a sleep), while
// the sockets the change does not concern stay open and served.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { addMember, expectApiError, loginClient } from '../helpers/accounts-extra.js';
import { codeFrom, watchOutbox } from '../helpers/mail.js';
import { closedWithin, connectOperator, type Peer, stillOpen } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const PROMPTLY_MS = 1000;
const ANN = 'ann@example.com';

let server: TestServer;
let root: ParleyClient;
let shop: number;
let bakery: number;
/** Ann, operator of both projects, signed in. */
let ann: ParleyClient;
/** Ann's API token. */
let annToken: string;
let outbox: Awaited<ReturnType<typeof watchOutbox>>;
const peers: Peer[] = [];

async function operatorSocket(token: string, projectId: number): Promise<Peer> {
  const peer = await connectOperator(server.url, token, projectId);
  peers.push(peer);
  await peer.next((f) => f.type === 'ready');
  return peer;
}

beforeEach(async () => {
  server = await startTestServer({ rateLimits: { login: 1000, forgot: 1000 } });
  outbox = await watchOutbox(server.dataDir);
  ({ client: root } = await signedInAdmin(server));
  shop = (await root.createProject('Shop')).id;
  bakery = (await root.createProject('Bakery')).id;
  const added = await addMember(server, root, shop, { email: ANN, firstName: 'Ann', lastName: 'Lee', operator: true }, outbox);
  ann = await added.signIn();
  await root.addMember(bakery, { email: ANN, firstName: 'Ann', lastName: 'Lee', operator: true });
  annToken = (await ann.createToken('ci')).token;
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  outbox.close();
  await server.close();
});

describe('closing the sockets of ended access within a second', () => {
  it('revoking an API token closes the sockets opened with it; the session keeps its own', async () => {
    const byToken = await operatorSocket(annToken, shop);
    const bySession = await operatorSocket(ann.token!, shop);

    await ann.revokeToken('ci');
    expect((await closedWithin(byToken, PROMPTLY_MS)).code).toBe(4001);
    await stillOpen(bySession);
    await expect(connectOperator(server.url, annToken, shop)).rejects.toThrow(/401/);
  });

  it('a password reset closes every session socket of the user, in every project; API tokens keep theirs', async () => {
    const shopSocket = await operatorSocket(ann.token!, shop);
    const bakerySocket = await operatorSocket(ann.token!, bakery);
    const tokenSocket = await operatorSocket(annToken, shop);

    const before = outbox.mails.length;
    await ann.forgotPassword(ANN);
    const mail = await outbox.waitFor((m) => m.to === ANN && /^Code:/m.test(m.text) && outbox.mails.indexOf(m) >= before);
    await ann.resetPassword(ANN, codeFrom(mail), 'a-new-password-77');

    expect((await closedWithin(shopSocket, PROMPTLY_MS)).code).toBe(4001);
    expect((await closedWithin(bakerySocket, PROMPTLY_MS)).code).toBe(4001);
    await stillOpen(tokenSocket);
  });

  it('a password change closes the sockets of the other sessions, not the current one nor the tokens', async () => {
    const otherSession = await loginClient(server.url, ANN, NEW_PASSWORD);
    const otherSocket = await operatorSocket(otherSession.token!, shop);
    const currentSocket = await operatorSocket(ann.token!, shop);
    const tokenSocket = await operatorSocket(annToken, bakery);

    await ann.changePassword(NEW_PASSWORD, 'a-new-password-77');

    expect((await closedWithin(otherSocket, PROMPTLY_MS)).code).toBe(4001);
    await stillOpen(currentSocket);
    await stillOpen(tokenSocket);
  });

  it("removing a member closes that project's sockets at once, keeps the other project's, and the last removal ends everything", async () => {
    const shopBySession = await operatorSocket(ann.token!, shop);
    const shopByToken = await operatorSocket(annToken, shop);
    const bakerySocket = await operatorSocket(ann.token!, bakery);
    const hub = server.app.hub;
    expect(hub.counts().operators).toBe(3);

    await root.removeMember(shop, ANN);
    // Unsubscribed when the removal answered, before any close handshake finished.
    expect(hub.counts().operators).toBe(1);
    expect((await closedWithin(shopBySession, PROMPTLY_MS)).code).toBe(4003);
    expect((await closedWithin(shopByToken, PROMPTLY_MS)).code).toBe(4003);
    await stillOpen(bakerySocket);
    // Still signed in (another project is left), but the removed project answers 404.
    expect((await ann.me()).user.email).toBe(ANN);
    await expectApiError(ann.listDialogs(shop), 404, 'not_found');

    // Removed from the last project: sessions and tokens end, and with them the last socket.
    await root.removeMember(bakery, ANN);
    expect([4001, 4003]).toContain((await closedWithin(bakerySocket, PROMPTLY_MS)).code);
    expect(hub.counts().operators).toBe(0);
    await expectApiError(ann.me(), 401, 'unauthenticated');
  });

  it('disabling a user closes all their sockets, refuses their token and sign-in; enabling lets them sign in again', async () => {
    const sockets = [
      await operatorSocket(ann.token!, shop),
      await operatorSocket(ann.token!, bakery),
      await operatorSocket(annToken, shop),
    ];
    const rootSocket = await operatorSocket(root.token!, shop);
    const accounts = server.app.services.accounts;
    const rootAuth = (await accounts.authenticate(root.token!))!;
    const annAuth = (await accounts.authenticate(ann.token!))!;

    // Only server administrators disable accounts, and not their own.
    await expect(accounts.setDisabled(annAuth, 'root@example.com', true)).rejects.toMatchObject({ status: 403 });
    await expect(accounts.setDisabled(rootAuth, 'root@example.com', true)).rejects.toMatchObject({ status: 409 });

    const disabled = await accounts.setDisabled(rootAuth, 'Ann@Example.com', true);
    expect(disabled.disabled_at).not.toBeNull();
    for (const peer of sockets) expect((await closedWithin(peer, PROMPTLY_MS)).code).toBe(4001);
    await stillOpen(rootSocket);
    await expect(connectOperator(server.url, annToken, shop)).rejects.toThrow(/401/);
    // The right password hears why it cannot sign in; a wrong one hears no more than for anyone.
    const refused = await expectApiError(loginClient(server.url, ANN, NEW_PASSWORD), 403, 'forbidden');
    expect(refused.message).toMatch(/this account is disabled/);
    await expectApiError(loginClient(server.url, ANN, 'not-the-password'), 401, 'invalid_credentials');

    await accounts.setDisabled(rootAuth, ANN, false);
    const again = await loginClient(server.url, ANN, NEW_PASSWORD);
    await stillOpen(await operatorSocket(again.token!, shop));
  });
});
