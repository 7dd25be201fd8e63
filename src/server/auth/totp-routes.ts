import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { confirmEnrolment, startEnrolment } from '../totp/commands.ts';
import { resetUserTwoFactor } from './commands.ts';

const tags = ['two-factor authentication'];

export function totpRoutes(router: Router, { db, cipher }: Deps): void {
  router.post('/api/v1/me/totp', {
    config: { access: { authenticated: true, duringSetup: true } },
    schema: {
      tags,
      summary: 'Start enrolling an authenticator app: a new secret and its otpauth:// URI (confirm with a first code)',
      response: { 200: z.object({ secret: z.string(), uri: z.string() }) },
    },
    handler: async (request) => startEnrolment(db, cipher, actorOf(request)),
  });

  router.post('/api/v1/me/totp/confirm', {
    config: { access: { authenticated: true, duringSetup: true } },
    schema: {
      tags,
      summary: 'Finish enrolling with a first code; answers ten single-use recovery codes, shown only now',
      body: z.strictObject({ code: z.string().max(10) }),
      response: { 200: z.object({ recoveryCodes: z.array(z.string()) }) },
    },
    handler: async (request) => ({ recoveryCodes: await confirmEnrolment(db, cipher, actorOf(request), request.body.code) }),
  });

  router.delete('/api/v1/domains/:domain/users/:id/totp', {
    config: { access: { permission: 'users:update' } },
    schema: {
      tags,
      summary: "Reset a user's two-factor authentication (a lost phone)",
      params: z.object({ domain: z.string(), id: z.string() }),
      response: { 204: z.null() },
    },
    handler: async (request, reply) => {
      await resetUserTwoFactor(db, actorOf(request), domainOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  });
}
