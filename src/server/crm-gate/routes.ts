import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { configureGate, gateView, removeGate, testGate } from './commands.ts';
import { crmGateInput, crmGateTestResult, crmGateView } from './schema.ts';
import { readGate } from './store.ts';

const tags = ['crm-gate'];
const params = z.object({ domain: z.string() });
const access = { access: { permission: 'crm-gate:manage' as const } };
const base = '/api/v1/domains/:domain/crm-gate';

/** The domain's CRM gate: asked before users are made or given a SIP account (docs/crm.md). */
export function crmGateRoutes(router: Router, { db, cipher, config, crm }: Deps): void {
  router.get(base, {
    config: access,
    schema: { tags, summary: "The domain's CRM gate", params, response: { 200: crmGateView } },
    handler: async (request) => gateView(await readGate(db, domainOf(request).id)),
  });

  router.put(base, {
    config: access,
    schema: {
      tags,
      summary: 'Configure the CRM gate',
      description:
        'While enabled, every creation of users (one, a range, an import chunk, SCIM) and every new SIP account first asks the CRM at `url`, signed as webhooks are; see docs/crm.md for what it receives and answers. The secret is write-only.',
      params,
      body: crmGateInput,
      response: { 200: crmGateView },
    },
    handler: async (request) => configureGate(db, { cipher, settings: config.webhooks }, actorOf(request), domainOf(request), request.body),
  });

  router.delete(base, {
    config: access,
    schema: { tags, summary: 'Remove the CRM gate (users are made without asking the CRM)', params, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await removeGate(db, actorOf(request), domainOf(request));
      return reply.code(204).send(null);
    },
  });

  router.post(`${base}/test`, {
    config: access,
    schema: {
      tags,
      summary: 'Test the connection',
      description: 'Sends the CRM a signed request of type `users.admission.test` with no users and says what it answered; nothing is written.',
      params,
      response: { 200: crmGateTestResult },
    },
    handler: async (request) => testGate(db, crm, domainOf(request)),
  });
}
