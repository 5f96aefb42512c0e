// Conditional GETs of the files the server hands out whole (/widget.js, /parley.tgz): an ETag from
// the bytes, and a 304 when the client already holds them.
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

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
