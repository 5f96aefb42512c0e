// `parley team add` for someone who already has an account (from another project): the account
// is theirs, so it keeps its password and its names. Names other than the ones given are said,
// with who may change them, instead of being dropped without a word: while the account is in no
// other project, `team update` here; else the person, or a server administrator (whom `team
// update` then needs).
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Member } from '../../core/protocol/index.js';
import { adminShell, expectFailure, type Shell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { signIn, startTestServer, type TestServer } from '../helpers/server.js';

const ADMIN = { email: 'root@example.com', firstName: 'Root', lastName: 'Admin' };

let server: TestServer;
let admin: Shell;

const add = (project: string, email: string, first: string, last: string, json = false) =>
  admin.run(['team', 'add', '-p', project, '--email', email, '--first-name', first, '--last-name', last, '--operator', ...(json ? ['--json'] : [])]);

beforeAll(async () => {
  server = await startTestServer();
  admin = await adminShell(server, ADMIN);
  for (const name of ['Alpha', 'Beta', 'Gamma', 'Delta']) await admin.json(['project', 'create', name]);
  const outbox = await watchOutbox(server.dataDir);
  for (const [email, first] of [['oscar@example.com', 'Oscar'], ['ann@example.com', 'Ann']]) {
    const r = await add('Alpha', email, first, 'Operator');
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    // They chose their own password (someone who never did gets a new one-time one instead).
    await signIn(server.url, email, passwordFrom(await outbox.waitFor((m) => m.to === email)));
  }
  outbox.close();
});

afterAll(async () => {
  await server?.close();
});

describe('team add for someone who already has an account', () => {
  it('says that their names are kept, and how to change them', async () => {
    const r = await add('Beta', 'OSCAR@example.com', 'Otto', 'Operator');
    expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const beta = await admin.json<{ id: number }>(['project', 'show', 'Beta']);
    expect(r.stdout).toBe(
      'Added oscar@example.com to "Beta" as operator. They already had an account as "Oscar Operator": they sign in with their ' +
        'password, and their names are kept: their account is also in another project, so they change them in their profile (or a ' +
        `server administrator does: parley team update -p ${beta.id} oscar@example.com --first-name Otto --last-name Operator).\n`,
    );
    const [inAlpha, inBeta] = await Promise.all(
      ['Alpha', 'Beta'].map((p) => admin.json<Member>(['team', 'show', 'oscar@example.com', '-p', p])),
    );
    expect([inAlpha.firstName, inBeta.firstName]).toEqual(['Oscar', 'Oscar']);
  });

  it('quotes names the command line would split, and the command it gives does rename them', async () => {
    const r = await add('Gamma', 'ann@example.com', ' Anne Marie ', "O'Neil");
    const command = /server administrator does: (parley team update .*)\)\.\n$/.exec(r.stdout)?.[1];
    const gamma = await admin.json<{ id: number }>(['project', 'show', 'Gamma']);
    expect(command, r.stdout).toBe(`parley team update -p ${gamma.id} ann@example.com --first-name 'Anne Marie' --last-name 'O'\\''Neil'`);
    // A shell reads it back as the words meant, and it works with no default project (it names its own).
    const words = execFileSync('sh', ['-c', `printf '%s\\n' ${command}`], { encoding: 'utf8' }).trimEnd().split('\n');
    expect(words).toEqual(['parley', 'team', 'update', '-p', String(gamma.id), 'ann@example.com', '--first-name', 'Anne Marie', '--last-name', "O'Neil"]);
    const renamed = await admin.json<Member>(words.slice(1));
    expect(renamed).toMatchObject({ firstName: 'Anne Marie', lastName: "O'Neil" });
    expect(await admin.json<Member>(['team', 'show', 'ann@example.com', '-p', 'Alpha'])).toMatchObject({ firstName: 'Anne Marie' });
  });

  it('says nothing about names when they are the ones given; --json has the names kept', async () => {
    const same = await add('Delta', 'oscar@example.com', 'Oscar', 'Operator');
    expect(same.stdout).toBe('Added oscar@example.com to "Delta" as operator. They already had an account: they sign in with their password.\n');
    await admin.json(['team', 'remove', 'oscar@example.com', '-p', 'Delta']);
    const json = await add('Delta', 'oscar@example.com', 'Otto', 'Other', true);
    expect(json, json.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(json.stdout)).toMatchObject({ email: 'oscar@example.com', firstName: 'Oscar', lastName: 'Operator', newUser: false });
  });
});

describe('who renames an account, from the command line', () => {
  it('an account in no other project: the hint is team update here', async () => {
    const outbox = await watchOutbox(server.dataDir);
    await add('Alpha', 'nell@example.com', 'Nell', 'Once');
    await signIn(server.url, 'nell@example.com', passwordFrom(await outbox.waitFor((m) => m.to === 'nell@example.com')));
    outbox.close();
    await admin.json(['team', 'remove', 'nell@example.com', '-p', 'Alpha']);
    const r = await add('Beta', 'nell@example.com', 'Nelly', 'Twice');
    const beta = await admin.json<{ id: number }>(['project', 'show', 'Beta']);
    expect(r.stdout).toBe(
      'Added nell@example.com to "Beta" as operator. They already had an account as "Nell Once": they sign in with their password, ' +
        `and their names are kept (parley team update -p ${beta.id} nell@example.com --first-name Nelly --last-name Twice renames them, ` +
        'or they change them in their profile).\n',
    );
  });

  it('a manager who is not a server administrator is refused renaming someone of another project, in one line', async () => {
    const outbox = await watchOutbox(server.dataDir);
    await admin.json(['team', 'add', '-p', 'Gamma', '--email', 'sam@example.com', '--first-name', 'Sam', '--last-name', 'Settings', '--access', 'settings']);
    const client = await signIn(server.url, 'sam@example.com', passwordFrom(await outbox.waitFor((m) => m.to === 'sam@example.com')));
    outbox.close();
    const sam = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: client.token! });
    // Oscar is in Alpha and Beta; Sam adds him to Gamma and is told who may change his names.
    const added = await sam.run(['team', 'add', '-p', 'Gamma', '--email', 'oscar@example.com', '--first-name', 'Otto', '--last-name', 'Other', '--operator', '--json']);
    expect(added, added.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(added.stdout)).toMatchObject({ firstName: 'Oscar', phone: null, inOtherProjects: true, newUser: false });
    expectFailure(
      await sam.run(['team', 'update', '-p', 'Gamma', 'oscar@example.com', '--first-name', 'Otto']),
      1,
      /^parley: the names of oscar@example\.com are their account's, which is also in another project: they change them themselves \("parley profile set"\), or a server administrator does\n$/,
    );
    expect(await admin.json<Member>(['team', 'show', 'oscar@example.com', '-p', 'Alpha'])).toMatchObject({ firstName: 'Oscar' });
  });
});
