import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import type { Deps, Router } from '../deps.ts';
import { password } from '../users/schema.ts';
import { issueResetToken, redeemResetToken } from './commands.ts';

const tags = ['password reset'];

export function passwordResetRoutes(router: Router, { db, config, passwords, cipher }: Deps): void {
  router.post('/api/v1/domains/:domain/users/:id/password-reset', {
    config: { access: { permission: 'users:update' } },
    schema: {
      tags,
      summary: 'Issue a one-time password reset token for the user (shown once; earlier ones stop working)',
      params: z.object({ domain: z.string(), id: z.string() }),
      body: z
        .strictObject({
          expiresIn: z
            .number()
            .int()
            .min(300)
            .max(7 * 86_400)
            .default(86_400)
            .describe('Seconds'),
        })
        .default({ expiresIn: 86_400 }),
      response: { 201: z.object({ token: z.string(), expiresAt: z.string() }) },
    },
    handler: async (request, reply) => {
      const issued = await issueResetToken(db, actorOf(request), domainOf(request), request.params.id, request.body.expiresIn);
      return reply.code(201).send(issued);
    },
  });

  router.post('/api/v1/auth/password-reset', {
    config: { access: { public: true }, rateLimit: { max: config.loginRateLimit, timeWindow: 60_000 } },
    schema: {
      tags,
      summary: 'Set a new password with a reset token; ends every session of the account',
      body: z.strictObject({ domain: z.string().max(253), token: z.string().max(200), password }),
      response: { 204: z.null() },
    },
    handler: async (request, reply) => {
      await redeemResetToken(db, { passwords, cipher }, request.body);
      return reply.code(204).send(null);
    },
  });
}
