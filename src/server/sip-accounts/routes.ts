import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { sipSettingsDocument } from './commands.ts';
import { sipSettings } from './schema.ts';
import { lowestFreeExtensions, sipSettingsOf } from './store.ts';

const tags = ['sip'];
const domainParams = z.object({ domain: z.string() });

/** The domain's SIP settings and its free extensions (the accounts themselves are written with their user). */
export function sipSettingsRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/domains/:domain/extensions/free', {
    config: { access: { permission: 'users:read' } },
    schema: {
      tags,
      summary: "The lowest free extensions of the domain's range",
      params: domainParams,
      querystring: z.strictObject({ count: z.coerce.number().int().min(1).max(100).default(10) }),
      response: { 200: z.object({ range: z.object({ from: z.string(), to: z.string() }), extensions: z.array(z.string()) }) },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      const range = sipSettingsOf(domain).extensionRange;
      return { range, extensions: await lowestFreeExtensions(db, domain.id, range, request.query.count) };
    },
  });

  router.get('/api/v1/domains/:domain/sip-settings', {
    config: { access: { permission: 'users:read' } },
    schema: { tags, summary: "The domain's SIP settings", params: domainParams, response: { 200: sipSettings } },
    handler: async (request) => sipSettingsOf(domainOf(request)),
  });

  router.put('/api/v1/domains/:domain/sip-settings', {
    config: { access: { permission: 'telephony:manage' } },
    schema: {
      tags,
      summary: "Replace the domain's SIP settings (absent fields take their defaults)",
      params: domainParams,
      body: sipSettings,
      response: { 200: sipSettings },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      return sipSettingsDocument.replace(db, actorOf(request), domain, request.body);
    },
  });
}
