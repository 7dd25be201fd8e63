import type { FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from './problem.ts';

export const etagOf = (version: number) => `"${version}"`;

export function sendEtag(reply: FastifyReply, version: number): void {
  reply.header('etag', etagOf(version));
}

/**
 * The version the client last saw, from `If-Match`; undefined when the client sent none.
 * A value that is no ETag of ours can never match, so it is refused like a stale one.
 */
export function expectedVersion(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(header);
  if (!match) throw stale();
  return Number(match[1]);
}

export const stale = () => new Problem(412, 'resource.stale_version', 'Someone changed this since you read it; read it again and reapply your change');
