import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { passwordCheckBody, passwordCheckResponse, passwordPolicy } from './schema.ts';
import { passwordPolicySettings } from './commands.ts';
import { readPolicy } from './store.ts';

const tags = ['passwords'];
const params = z.object({ domain: z.string() });

export function passwordRoutes(router: Router, { db, passwords }: Deps): void {
  router.get('/api/v1/domains/:domain/password-policy', {
    config: { access: { authenticated: true, token: 'profile:read' } },
    schema: { tags, summary: "The domain's password policy", params, response: { 200: passwordPolicy } },
    handler: (request) => readPolicy(db, domainOf(request).id),
  });

  router.put('/api/v1/domains/:domain/password-policy', {
    config: { access: { permission: 'security-settings:update' } },
    schema: {
      tags,
      summary: 'Replace the password policy (absent fields take their defaults)',
      params,
      body: passwordPolicy,
      response: { 200: passwordPolicy },
    },
    handler: async (request) => passwordPolicySettings.replace(db, actorOf(request), domainOf(request), request.body),
  });

  router.post('/api/v1/domains/:domain/password-policy/check', {
    config: { access: { authenticated: true, token: 'profile:read' } },
    schema: {
      tags,
      summary: 'Judge a password against the policy, every failed rule at once (for forms, as the user types)',
      params,
      body: passwordCheckBody,
      response: { 200: passwordCheckResponse },
    },
    handler: async (request) => {
      const { password, ...identity } = request.body;
      const { strength, problems } = await passwords.check(domainOf(request).id, password, identity);
      return { acceptable: problems.length === 0, strength, problems };
    },
  });
}
