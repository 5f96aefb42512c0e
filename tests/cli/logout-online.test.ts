// `parley logout` of an operator who is online by their own switch: signing out does not take them
// offline, so visitors would go on writing to "an operator online" with nobody at the terminal.
// Without --offline it still signs out (exit 0) and says, in one line on stderr, where they stay
// online and which flag goes offline first; with --offline it goes offline there, then signs out.
// Online by a schedule is not by hand (the schedule switches them off). A server that cannot be
// reached still loses the stored login, as before. The real binary against a real server whose
// clock the test holds (Monday 2 March 2026, 10:00 UTC).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyClient } from '../../core/client/api.js';
import { ManualClock } from '../../server/clock.js';
import { expectFailure, loginShell, type Shell, shell } from '../helpers/cli-extra.js';
import { NEW_PASSWORD, signedInAdmin, startTestServer, type TestServer } from '../helpers/server.js';

const NOW = Date.UTC(2026, 2, 2, 10);

let server: TestServer;
let admin: ParleyClient;
let email: string;
/** The operator's terminal, which also sets things up (as the server administrator, they are both). */
let ops: Shell;
const ids: Record<string, number> = {};

const online = async (name: string) => (await admin.getStatus(ids[name])).online;

/** A fresh stored login in `sh`. */
const signIn = (sh: Shell) => loginShell(sh, server.url, email, `${NEW_PASSWORD}\n`);

beforeAll(async () => {
  server = await startTestServer({ clock: new ManualClock(NOW), rateLimits: { login: 1000 } });
  ({ client: admin, email } = await signedInAdmin(server));
  for (const name of ['Alpha', 'Beta', 'Gamma', 'Nights', 'Late']) {
    ids[name] = (await admin.createProject(name)).id;
    await admin.updateMember(ids[name], email, { operator: true });
  }
  ops = await shell({ PARLEY_URL: server.url });
  await signIn(ops);
  const schedule = async (name: string, from: string) => {
    const r = await ops.run(['schedule', 'set', '-p', name, '--operator', email, '--days', 'mon-fri', '--from', from, '--to', '18:00', '--tz', 'UTC']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
  };
  // Nights: online by its schedule now. Late: its schedule starts at 12:00, switched on by hand before.
  await schedule('Nights', '09:00');
  await schedule('Late', '12:00');
  for (const name of ['Alpha', 'Beta', 'Late']) await admin.setStatus(ids[name], true);
  expect((await admin.getStatus(ids.Nights)).source).toBe('schedule');
  expect((await admin.getStatus(ids.Late)).source).toBe('manual');
});

afterAll(async () => {
  await server?.close();
});

describe('parley logout while online by hand', () => {
  it('signs out (exit 0) and warns in one line on stderr, naming the projects and --offline; nobody goes offline', async () => {
    const r = await ops.run(['logout']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Signed out of ${server.url}.\n`);
    expect(r.stderr).toBe(
      'parley: you stay online in "Alpha", "Beta", "Late" (switched on by hand): visitors there see an operator online; ' +
        '"parley logout --offline" goes offline first\n',
    );
    expect(await Promise.all(['Alpha', 'Beta', 'Late', 'Nights'].map(online))).toEqual([true, true, true, true]);
    expectFailure(await ops.run(['whoami']), 4, /not signed in/);
  });

  it('--offline goes offline where online by hand (not where by schedule), then signs out; --json says where', async () => {
    await signIn(ops);
    const out = await ops.json<Record<string, unknown>>(['logout', '--offline']);
    const ref = (name: string) => ({ id: ids[name], name });
    expect(out).toEqual({ signedOut: true, url: server.url, wentOffline: [ref('Alpha'), ref('Beta'), ref('Late')], stillOnline: [] });
    expect(await Promise.all(['Alpha', 'Beta', 'Gamma', 'Late'].map(online))).toEqual([false, false, false, false]);
    expect(await admin.getStatus(ids.Nights)).toMatchObject({ online: true, source: 'schedule' });
    expectFailure(await ops.run(['whoami']), 4, /not signed in/);

    // Online by hand nowhere: nothing to say.
    await signIn(ops);
    expect(await ops.run(['logout'])).toEqual({ code: 0, stdout: `Signed out of ${server.url}.\n`, stderr: '' });
  });

  it('with --token too: goes offline as that token\'s operator only, and the human line says where', async () => {
    const other = { email: 'oda@example.com', firstName: 'Oda', lastName: 'Ops' };
    const { client: oda } = await signedInAdmin(server, other);
    await admin.addMember(ids.Gamma, { ...other, operator: true });
    await oda.setStatus(ids.Gamma, true);
    await admin.setStatus(ids.Gamma, true);
    const r = await ops.run(['logout', '--offline'], { env: { PARLEY_TOKEN: oda.token! } });
    expect(r).toEqual({ code: 0, stdout: `Signed out of ${server.url}: that token no longer works. Went offline in "Gamma" first.\n`, stderr: '' });
    const odaStatus = await admin.request<{ online: boolean }>('GET', `/api/v1/projects/${ids.Gamma}/status?operator=${other.email}`);
    expect(odaStatus.online).toBe(false);
    expect(await online('Gamma')).toBe(true);
    await admin.setStatus(ids.Gamma, false);
  });
});

describe('parley logout when the server cannot be reached', () => {
  it('forgets the stored login as before; with --offline, says in one line that it could not go offline', async () => {
    const gone = await startTestServer();
    const { email: who } = await signedInAdmin(gone, { email: 'gone@example.com', firstName: 'Gus', lastName: 'Gone' });
    const plain = await shell({ PARLEY_URL: gone.url });
    const offline = await shell({ PARLEY_URL: gone.url });
    for (const sh of [plain, offline]) await loginShell(sh, gone.url, who, `${NEW_PASSWORD}\n`);
    await gone.close();

    expect(await plain.run(['logout'])).toEqual({ code: 0, stdout: `Signed out of ${gone.url}.\n`, stderr: '' });
    const r = await offline.run(['logout', '--offline']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Signed out of ${gone.url}.\n`);
    expect(r.stderr).toMatch(/^parley: could not go offline \(cannot reach the Parley server at [^)]+\): visitors may still see you online; sign in again and run "parley status offline"\n$/);
    for (const sh of [plain, offline]) expectFailure(await sh.run(['whoami']), 4, /not signed in/);
  });
});
