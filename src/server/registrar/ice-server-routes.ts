import { z } from 'zod';
import { findDomain } from '../tenancy/domain-record.ts';
import { actorOf } from '../http/access.ts';
import { Problem } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { readUser } from '../users/commands.ts';
import { sipSettingsOf } from '../sip-accounts/store.ts';
import { turnCredential } from './turn-credentials.ts';

const iceServer = z.object({ urls: z.array(z.string()), username: z.string().optional(), credential: z.string().optional() });

export function iceServerRoutes(router: Router, { db, config }: Deps): void {
  router.get('/api/v1/me/ice-servers', {
    config: { access: { permission: 'profile:read' } },
    schema: {
      tags: ['sip'],
      summary: "STUN and TURN servers for the signed-in user's WebRTC phone",
      description: 'Empty when STUN is off for the user. TURN entries carry time-limited credentials when the server has a TURN secret.',
      response: { 200: z.object({ iceServers: z.array(iceServer), ttl: z.number().int() }) },
    },
    handler: async (request) => {
      const actor = actorOf(request);
      const domain = await findDomain(db, actor.domainName);
      if (!domain) throw new Problem(401, 'auth.not_authenticated', 'Sign in first');
      const user = await readUser(db, domain, actor.id);
      const settings = sipSettingsOf(domain);
      const stun = user.sip?.stun ?? settings.stun;
      if (!stun) return { iceServers: [], ttl: config.turnTtlSeconds };
      const iceServers: z.infer<typeof iceServer>[] = [];
      if (settings.stunServers.length) iceServers.push({ urls: settings.stunServers });
      if (settings.turnServers.length && config.turnSecret) {
        iceServers.push({
          urls: settings.turnServers,
          ...turnCredential(config.turnSecret, `${user.login}@${domain.name}`, Date.now() + config.turnTtlSeconds * 1000),
        });
      }
      return { iceServers, ttl: config.turnTtlSeconds };
    },
  });
}
