// The files the server hands out whole (/widget.js, /parley.tgz): held in memory and read again
// when the build rewrites them, and sent with conditional GETs (an ETag from the bytes, and a 304
// when the client already holds them).
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What a file held in memory makes of its bytes, now. */
export interface FollowedFile<T> {
  /** What `read` made of the file on disk now; null when there is none (not built). */
  current(): T | null;
}

/** A version of a file on disk: another file renamed into place, or the same one written since, has another. */
const versionOf = (s: { ino: number; size: number; mtimeMs: number }) => `${s.ino}:${s.size}:${s.mtimeMs}`;

/**
 * The file at `path` as `read` makes it from an open descriptor, made again when the file changes
 * on disk: a rebuild in place (`npm run build` while the server runs) is served at once, without a
 * restart. Synchronous, because some of what is made of it is part of plain presenters (the
 * widget's CSP hash): a call costs one stat, and the file is read only when it is another file or
 * was written since.
 */
export function followFile<T>(path: string, read: (fd: number) => T): FollowedFile<T> {
  let held: { version: string; made: T } | null = null;

  function load(): { version: string; made: T } | null {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return null;
    }
    try {
      // The version of the file read, not of the path stat'ed before: a build may rename another
      // file into place between the two.
      return { version: versionOf(fstatSync(fd)), made: read(fd) };
    } finally {
      closeSync(fd);
    }
  }

  return {
    current() {
      const now = statSync(path, { throwIfNoEntry: false });
      if (!now) {
        held = null;
        return null;
      }
      if (held?.version !== versionOf(now)) held = load();
      return held?.made ?? null;
    },
  };
}

/** A strong ETag of these bytes: the same bytes get the same tag, across restarts and servers. */
export const etagOf = (body: Uint8Array, suffix = '') =>
  `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}${suffix}"`;

/**
 * Whether the client's copy is this one: If-None-Match holds its tag (a list, compared weakly as
 * RFC 9110 13.1.2 says, so a `W/` a proxy added still matches) or `*`.
 */
function holdsCurrent(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/** Sends `body` under its ETag, or a 304 without it when the client already holds it. */
export function sendCacheable(request: FastifyRequest, reply: FastifyReply, file: { body: Buffer; etag: string }) {
  reply.header('etag', file.etag);
  if (holdsCurrent(request, file.etag)) return reply.code(304).send();
  return reply.send(file.body);
}
