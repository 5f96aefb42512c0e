// Helpers for the account, team and profile tests: raw HTTP calls, error assertions, team
// members with a known password, and tiny image files.
import { expect } from 'vitest';
import { ApiError, ParleyClient } from '../../core/client/api.js';
import type { AddMemberBody } from '../../core/protocol/index.js';
import { passwordFrom, type ReceivedMail } from './mail.js';
import { NEW_PASSWORD, signIn, type TestServer } from './server.js';

export interface RawReply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: any;
  bytes: Buffer;
}

/** One HTTP request with nothing added: for bodies and headers the client would never send. */
export async function raw(
  url: string,
  method: string,
  path: string,
  opts: { token?: string | null; body?: string | Buffer; contentType?: string; headers?: Record<string, string> } = {},
): Promise<RawReply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.contentType) headers['content-type'] = opts.contentType;
  const res = await fetch(`${url}${path}`, { method, headers, body: opts.body });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, bytes };
}

/** Awaits a call that must fail and checks its status (and code); returns the ApiError. */
export async function expectApiError(call: Promise<unknown>, status: number, code?: string): Promise<ApiError> {
  const err = await call.then(
    () => {
      throw new Error(`expected the call to fail with ${status}${code ? ` ${code}` : ''}, but it succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  const api = err as ApiError;
  expect({ status: api.status, code: code ?? api.code }).toEqual({ status, code: code ?? api.code });
  expect(api.message.length).toBeGreaterThan(0);
  return api;
}

/** The error body shape every failure uses. */
export function expectErrorBody(reply: RawReply, status: number, code?: string): void {
  expect(reply.status).toBe(status);
  expect(reply.json).toEqual({ error: { code: code ?? expect.any(String), message: expect.any(String) } });
}

type Mailbox = { waitFor(match: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail> };

/** The welcome mail of a new user (the one with a password). */
export function welcomeMailFor(outbox: Mailbox, email: string): Promise<ReceivedMail> {
  const to = email.toLowerCase();
  return outbox.waitFor((m) => m.to === to && /^Password:/m.test(m.text));
}

/**
 * Adds a new member through the API and returns their one-time password from the welcome
 * mail; with `signIn: true` also replaces it with NEW_PASSWORD and returns a signed-in client.
 */
export async function addMember(
  server: TestServer,
  admin: ParleyClient,
  projectId: number,
  body: AddMemberBody,
  outbox: Mailbox,
): Promise<{ oneTime: string; signIn: () => Promise<ParleyClient> }> {
  const reply = await admin.addMember(projectId, body);
  expect(reply.newUser).toBe(true);
  const oneTime = passwordFrom(await welcomeMailFor(outbox, body.email));
  return { oneTime, signIn: () => signIn(server.url, body.email, oneTime, NEW_PASSWORD) };
}

/** A client for `url` signed in with a known password (no password change). */
export async function loginClient(url: string, email: string, password: string): Promise<ParleyClient> {
  const client = new ParleyClient({ url });
  const reply = await client.login(email, password);
  client.token = reply.token;
  return client;
}

/** A PNG as far as magic bytes go: signature plus a minimal IHDR chunk, padded to `size`. */
export function pngBytes(size = 64): Buffer {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0); // chunk length
  ihdr.write('IHDR', 4, 'ascii');
  ihdr.writeUInt32BE(1, 8); // width
  ihdr.writeUInt32BE(1, 12); // height
  ihdr[16] = 8; // bit depth
  ihdr[17] = 6; // colour type RGBA
  const head = Buffer.concat([signature, ihdr]);
  if (size <= head.length) return head;
  const pad = Buffer.alloc(size - head.length);
  for (let i = 0; i < pad.length; i++) pad[i] = (i * 31 + 7) & 0xff;
  return Buffer.concat([head, pad]);
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
