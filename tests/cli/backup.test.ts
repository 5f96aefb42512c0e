// `parley backup` and `parley restore` with the real binary: a backup taken while visitors and
// operators keep writing restores into a directory a second `parley server` runs on, with every
// message confirmed before the backup began, every file byte for byte, and seq going on from
// where it was. And the refusals: not an administrator, an existing FILE, a non-empty
// directory, a damaged archive.
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, ParleyClient } from '../../core/client/api.js';
import type { Message } from '../../core/protocol/index.js';
import { expectFailure, type Shell, shell } from '../helpers/cli-extra.js';
import { passwordFrom, watchOutbox } from '../helpers/mail.js';
import { killAllParley, spawnParley } from '../helpers/process.js';
import { connectOperator, type Peer, visitorHello } from '../helpers/realtime.js';
import { NEW_PASSWORD, signedInAdmin, signIn, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const ORIGIN = 'https://shop.example.com';
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Messages of one old dialog written straight through the repository, so the database is big
 * enough (about 8 MB) that its copy takes many turns of the event loop while writes go on. */
const HISTORY = 20_000;

let server: TestServer;
let operator: ParleyClient;
let project: { id: number; widgetKey: string };
let admin: Shell;
let work: string;
const peers: Peer[] = [];

interface Confirmed {
  /** Filled in after the load for visitors' messages (see dialogOf). */
  dialogId: number | null;
  id: number;
  seq: number;
  clientId: string;
  body: string;
  /** Confirmed before `parley backup` started, while it ran, or after. */
  phase: 'before' | 'during' | 'after';
}

/** What the widget is told of its messages carries no dialog id; the first server's database knows it. */
async function dialogOf(messageId: number): Promise<number> {
  return (await server.app.db.get<{ dialog_id: number }>('SELECT dialog_id FROM messages WHERE id = ?', [messageId]))!.dialog_id;
}

/** A visitor who wrote once: its token (to come back), its dialog and that message. */
async function newVisitor(): Promise<{ token: string; dialogId: number; message: Message }> {
  const { peer, welcome } = await visitorHello(server.url, project.widgetKey, ORIGIN);
  peers.push(peer);
  const clientId = randomUUID();
  peer.send({ type: 'message.send', clientId, body: `hello from ${welcome.visitor.name}` });
  const { message } = await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId);
  const dialogId = await dialogOf(message.id);
  return { token: welcome.token, dialogId, message: { ...message, dialogId } };
}

/** A file uploaded by a visitor (`token`) through the widget, or by the operator into `dialogId`. */
async function upload(by: { token: string } | { dialogId: number }, bytes: Buffer, name: string): Promise<{ id: number; url: string }> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  const res =
    'token' in by
      ? await fetch(`${server.url}/widget/uploads?key=${project.widgetKey}`, {
          method: 'POST',
          headers: { origin: ORIGIN, 'x-parley-visitor': by.token },
          body: form,
        })
      : await fetch(`${server.url}/api/v1/projects/${project.id}/dialogs/${by.dialogId}/attachments`, {
          method: 'POST',
          headers: { authorization: `Bearer ${operator.token}` },
          body: form,
        });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number; url: string };
}

beforeAll(async () => {
  work = await tempDir('parley-backup-cli-');
  server = await startTestServer({ rateLimits: { login: 1000 } });
  const { client } = await signedInAdmin(server);
  const p = await client.createProject('Shop');
  await client.updateProject(p.id, { allowedOrigins: [ORIGIN] });
  project = { id: p.id, widgetKey: p.widgetKey };
  const outbox = await watchOutbox(server.dataDir);
  await client.addMember(p.id, { email: 'oli@example.com', firstName: 'Oli', lastName: 'Op', operator: true });
  operator = await signIn(server.url, 'oli@example.com', passwordFrom(await outbox.waitFor((m) => m.to === 'oli@example.com')), NEW_PASSWORD);
  outbox.close();
  admin = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: client.token! });
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await killAllParley();
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('parley backup and parley restore', () => {
  // Three `parley` processes and a steady load on two shared cores may take more than 30 s.
  it('under write load: the restored server has every confirmed message and file, and seq goes on', async () => {
    // Some history, files and an avatar before the load starts.
    const old = await newVisitor();
    const now = Date.now();
    await server.app.db.write(async (tx) => {
      for (let i = 0; i < HISTORY; i++) {
        await server.app.repos.dialogs.appendMessage(
          tx,
          { dialogId: old.dialogId, author: 'visitor', operatorId: null, body: `old message ${i} ${'x'.repeat(300)}`, attachments: null, clientId: `old-${i}` },
          now,
        );
      }
    });
    const avatar = Buffer.concat([PNG_MAGIC, randomBytes(2000)]);
    await operator.setAvatar(avatar);
    const targets = [await newVisitor(), await newVisitor(), await newVisitor()];
    const files = new Map<string, Buffer>();

    const confirmed: Confirmed[] = [];
    let phase: Confirmed['phase'] = 'before';
    let stop = false;
    const waiters: Array<{ n: number; resolve: () => void }> = [];
    const record = (m: Pick<Message, 'id' | 'seq' | 'clientId' | 'body'> & { dialogId?: number }) => {
      confirmed.push({ dialogId: m.dialogId ?? null, id: m.id, seq: m.seq, clientId: m.clientId, body: m.body, phase });
      for (const w of [...waiters]) if (confirmed.length >= w.n) waiters.splice(waiters.indexOf(w), 1) && w.resolve();
    };
    const confirmedAtLeast = (n: number) =>
      new Promise<void>((resolve) => (confirmed.length >= n ? resolve() : waiters.push({ n, resolve })));
    for (const t of targets) record(t.message);

    // Visitors keep arriving and writing (8 messages each, under the widget's rate limit);
    // every fourth message carries a file uploaded just before it, while the widget's upload
    // limit (30 a minute) allows.
    let widgetUploadsLeft = 20;
    const visitors = async (name: string) => {
      for (let v = 0; !stop; v++) {
        const { peer, welcome } = await visitorHello(server.url, project.widgetKey, ORIGIN);
        for (let i = 0; i < 8 && !stop; i++) {
          const clientId = `${name}-${v}-${i}`;
          let attachmentIds: number[] | undefined;
          if (i % 4 === 3 && widgetUploadsLeft-- > 0) {
            const bytes = randomBytes(5000 + i * 1000);
            const file = await upload({ token: welcome.token }, bytes, `${clientId}.bin`);
            files.set(file.url, bytes);
            attachmentIds = [file.id];
          }
          peer.send({ type: 'message.send', clientId, body: `visitor says ${clientId}`, attachmentIds });
          record((await peer.next((f) => f.type === 'message.stored' && f.clientId === clientId, 20_000)).message);
        }
        await peer.close();
      }
    };
    // The operator answers over the WebSocket and over the API, in turn into each target dialog.
    const operatorSocket = async () => {
      const op = await connectOperator(server.url, operator.token!, project.id);
      await op.next((f) => f.type === 'ready');
      for (let i = 0; !stop; i++) {
        const clientId = `ws-${i}`;
        op.send({ type: 'message.send', dialogId: targets[i % targets.length].dialogId, clientId, body: `operator socket ${i}` });
        record((await op.next((f) => f.type === 'message.stored' && f.message.clientId === clientId, 20_000)).message as Message);
      }
      await op.close();
    };
    // Every fifth API message carries a file the operator uploads just before it.
    const operatorApi = async () => {
      for (let i = 0; !stop; i++) {
        const dialogId = targets[i % targets.length].dialogId;
        const clientId = `api-${i}`;
        let attachmentIds: number[] | undefined;
        if (i % 5 === 4) {
          const bytes = randomBytes(20_000);
          const file = await upload({ dialogId }, bytes, `${clientId}.bin`);
          files.set(file.url, bytes);
          attachmentIds = [file.id];
        }
        const path = `/api/v1/projects/${project.id}/dialogs/${dialogId}/messages`;
        record(await operator.request<Message>('POST', path, { clientId, body: `operator api ${i}`, attachmentIds }));
      }
    };
    const load = Promise.all([visitors('a'), visitors('b'), operatorSocket(), operatorApi()]);

    await confirmedAtLeast(60);
    phase = 'during';
    const file = join(work, 'under-load.tar');
    const backup = await admin.run(['backup', file]);
    phase = 'after';
    // The load went on while the backup ran, and afterwards.
    const during = confirmed.filter((c) => c.phase === 'during').length;
    await confirmedAtLeast(confirmed.length + 10);
    stop = true;
    await load;
    for (const c of confirmed) c.dialogId ??= await dialogOf(c.id);

    expect(backup, backup.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(backup.stdout).toMatch(/^Backup written to .*under-load\.tar: \d+(\.\d)? MB, \d+ messages in \d+ dialogs, \d+ files \(Parley /);
    expect(during).toBeGreaterThan(0);
    const before = confirmed.filter((c) => c.phase === 'before');
    expect(before.length).toBeGreaterThanOrEqual(60);

    const restoredDir = join(await tempDir('parley-restored-'), 'data');
    const restore = await admin.run(['restore', file, '--data-dir', restoredDir]);
    expect(restore, restore.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(restore.stdout).toContain(`Start the server on it:\n  parley server --data-dir ${restoredDir}\n`);

    // The command the restore printed starts a server on the directory.
    const second = spawnParley(['server', '--port', '0', '--data-dir', restoredDir]);
    const [, url] = await second.waitForStdout(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
    // The operator's session is part of the backup too.
    const restored = new ParleyClient({ url, token: operator.token });

    // Every message confirmed before the backup began is there, as it was; in every dialog the
    // seqs run 1..n without a gap (the copy is one consistent moment).
    const byDialog = new Map<number, Message[]>();
    for (const dialogId of new Set(confirmed.map((c) => c.dialogId!))) {
      const all: Message[] = [];
      const first = await restored.listMessages(project.id, dialogId, { afterSeq: 0, limit: 500 }).catch((err: ApiError) => err);
      if (first instanceof ApiError) {
        // A dialog that began after the snapshot is not in it.
        expect(first.status).toBe(404);
        expect(before.filter((c) => c.dialogId === dialogId)).toEqual([]);
        continue;
      }
      for (let page = first; page.length > 0; ) {
        all.push(...page);
        page = await restored.listMessages(project.id, dialogId, { afterSeq: all[all.length - 1].seq, limit: 500 });
      }
      byDialog.set(dialogId, all);
      expect(all.map((m) => m.seq), `dialog ${dialogId}`).toEqual(all.map((_, i) => i + 1));
    }
    for (const c of before) {
      const found = byDialog.get(c.dialogId!)?.find((m) => m.clientId === c.clientId);
      expect(found, `message ${c.clientId}`).toMatchObject({ id: c.id, seq: c.seq, body: c.body });
    }
    // The old dialog's history is whole.
    const [last] = await restored.listMessages(project.id, old.dialogId, { beforeSeq: HISTORY + 2, limit: 1 });
    expect(last).toMatchObject({ seq: HISTORY + 1, clientId: `old-${HISTORY - 1}` });

    // Every file sent in a message before the backup began is byte for byte the same.
    const beforeFiles = [...files].filter(([url]) => before.some((c) => url.endsWith(`/${c.clientId}.bin`)));
    expect(beforeFiles.filter(([url]) => /\/[ab]-\d+-\d+\.bin$/.test(url)).length).toBeGreaterThan(0);
    expect(beforeFiles.filter(([url]) => url.includes('/api-')).length).toBeGreaterThan(0);
    for (const [path, bytes] of beforeFiles) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBe(200);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
    }
    const me = await restored.me();
    const avatarRes = await fetch(`${url}/avatars/${me.user.id}`);
    expect(Buffer.from(await avatarRes.arrayBuffer())).toEqual(avatar);

    // A new message in an existing dialog gets the next seq, from the operator and from the
    // visitor coming back with their token: no gap, no repeat.
    const target = targets[0];
    const lastSeq = byDialog.get(target.dialogId)!.at(-1)!.seq;
    const reply = await restored.sendMessage(project.id, target.dialogId, randomUUID(), 'after the restore');
    expect(reply).toMatchObject({ isNew: true, message: { seq: lastSeq + 1 } });
    const back = await visitorHello(url, project.widgetKey, ORIGIN, { token: target.token });
    peers.push(back.peer);
    expect(back.welcome.dialog).toMatchObject({ id: target.dialogId });
    back.peer.send({ type: 'message.send', clientId: 'back-1', body: 'still there?' });
    const stored = await back.peer.next((f) => f.type === 'message.stored' && f.clientId === 'back-1');
    expect(stored.message).toMatchObject({ seq: lastSeq + 2, body: 'still there?' });

    expect((await second.stop()).code).toBe(0);
  }, 120_000);

  it('refuses anyone but a server administrator, and leaves no file', async () => {
    const op = await shell({ PARLEY_URL: server.url, PARLEY_TOKEN: operator.token! });
    const dir = await tempDir('parley-backup-refused-');
    expectFailure(await op.run(['backup', join(dir, 'b.tar')]), 1, /only server administrators take backups/);
    const nobody = await shell({ PARLEY_URL: server.url });
    expectFailure(await nobody.run(['backup', join(dir, 'b.tar')]), 4, /not signed in/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses to replace an existing FILE unless --force; --json describes what was written', async () => {
    const file = join(work, 'existing.tar');
    await writeFile(file, 'keep me');
    expectFailure(await admin.run(['backup', file]), 1, /existing\.tar exists: pass --force to replace it/);
    expect(await readFile(file, 'utf8')).toBe('keep me');
    // A directory is never replaced, --force or not, and nothing is downloaded for it.
    const dir = await tempDir('parley-backup-dir-');
    expectFailure(await admin.run(['backup', dir, '--force']), 1, /is a directory: give the backup's file name/);
    expect(await readdir(dir)).toEqual([]);
    expect((await readdir(join(dir, '..'))).filter((n) => n.startsWith(`.${basename(dir)}`))).toEqual([]);
    const nowhere = await admin.run(['backup', join(dir, 'nodir', 'b.tar')]);
    expectFailure(nowhere, 1);
    expect(nowhere.stderr).toBe(`parley: no such directory: ${join(dir, 'nodir')}\n`);

    const written = await admin.json<{ file: string; bytes: number; format: number; counts: { messages: number }; files: unknown[] }>([
      'backup',
      file,
      '--force',
    ]);
    expect(written).toMatchObject({ file, format: 1, counts: { messages: expect.any(Number) } });
    const bytes = await readFile(file);
    expect(written.bytes).toBe(bytes.length);
    expect(bytes.subarray(0, 18).toString()).toBe('parley-backup.json');
    // Nothing half-written is left beside it.
    expect((await readdir(work)).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it('restore refuses a non-empty directory, a missing --data-dir and a damaged archive, leaving nothing behind', async () => {
    const file = join(work, 'for-restore.tar');
    expect((await admin.run(['backup', file])).code).toBe(0);

    const full = await tempDir('parley-full-');
    await writeFile(join(full, 'precious.txt'), 'do not touch');
    expectFailure(await admin.run(['restore', file, '--data-dir', full]), 1, /is not empty: restore into a new or empty directory/);
    expect(await readdir(full)).toEqual(['precious.txt']);

    expectFailure(await admin.run(['restore', file]), 2, /--data-dir/);

    const bytes = await readFile(file);
    const dbHeader = bytes.indexOf(Buffer.from('parley.db\0'));
    bytes[dbHeader + 512 + 8192] ^= 0x01;
    const damaged = join(work, 'damaged.tar');
    await writeFile(damaged, bytes);
    const parent = await tempDir('parley-restore-');
    expectFailure(
      await admin.run(['restore', damaged, '--data-dir', join(parent, 'data')]),
      1,
      /^parley: damaged\.tar is damaged or not a Parley backup: parley\.db does not match its checksum\n$/,
    );
    expect(await readdir(parent)).toEqual([]);

    // The archive named plainly: a directory is not one (not Node's EISDIR), a missing one is missing.
    const [folder, missing] = await Promise.all([
      admin.run(['restore', work, '--data-dir', join(parent, 'data')]),
      admin.run(['restore', join(work, 'nope.tar'), '--data-dir', join(parent, 'data')]),
    ]);
    expectFailure(folder, 1);
    expect(folder.stderr).toBe(`parley: ${work} is a directory, not a file\n`);
    expectFailure(missing, 1);
    expect(missing.stderr).toBe(`parley: no such file: ${join(work, 'nope.tar')}\n`);
    expect(await readdir(parent)).toEqual([]);
  });

  it('restore --json gives what it restored, the manifest, and the command to start a server on it', async () => {
    const file = join(work, 'for-json.tar');
    const backup = await admin.json<Record<string, unknown>>(['backup', file]);
    const dataDir = join(await tempDir('parley-restore-'), "ann's data");
    const restored = await admin.json<Record<string, unknown>>(['restore', file, '--data-dir', dataDir]);
    expect(Object.keys(restored).sort()).toEqual(
      ['dataDir', 'bytes', 'start', 'format', 'parleyVersion', 'createdAt', 'schemaVersion', 'counts', 'files', 'missing'].sort(),
    );
    const { file: _file, ...manifest } = backup;
    expect(restored).toEqual({ ...manifest, dataDir, start: `parley server --data-dir '${dataDir.replace("'", "'\\''")}'` });
  });
});
