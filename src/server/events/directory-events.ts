import type { FastifyInstance } from 'fastify';
import type { DirectoryCache } from '../directory-cache.ts';
import type { PresenceEngine } from '../presence/engine.ts';
import type { FeedTail } from '../changes/tail.ts';

/**
 * The change feed as heard by this process: each entry becomes a `directory` event on the domain's
 * event stream (with its `change` number, so a client resumes from the feed itself), and evicts
 * what it touched from this process's read cache, whichever process made the change. A write answered here reads the
 * feed at once.
 */
export function publishDirectoryChanges(app: FastifyInstance, feed: FeedTail, presence: PresenceEngine, cache: DirectoryCache): void {
  feed.subscribe((domainId, changes) => {
    for (const change of changes) cache.invalidateFor(change.resource);
    const seq = presence.store.events.lastSeq(domainId);
    for (const change of changes) {
      presence.store.events.deliver(domainId, {
        type: 'directory',
        seq,
        change: change.seq,
        userId: change.resource.type === 'user' ? change.resource.id : null,
        data: change,
      });
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 400) await feed.nudge();
  });
}
