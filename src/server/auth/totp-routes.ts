import { accountInCharge } from '../users/commands.ts';
import { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { conflict, invalid } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { acceptedStep, newEnrolment, newRecoveryCodes } from '../totp/rules.ts';
import { clearTwoFactor, enableTwoFactor, readTotp, savePendingSecret } from '../totp/store.ts';

const tags = ['two-factor authentication'];

export function totpRoutes(router: Router, { db, cipher }: Deps): void {
  router.post('/api/v1/me/totp', {
    config: { access: { authenticated: true, duringSetup: true } },
    schema: {
      tags,
      summary: 'Start enrolling an authenticator app: a new secret and its otpauth:// URI (confirm with a first code)',
      response: { 200: z.object({ secret: z.string(), uri: z.string() }) },
    },
    handler: async (request) => {
      const actor = actorOf(request);
      if ((await readTotp(db, actor.id))?.two_factor === 'totp')
        throw conflict('totp.already_enabled', 'Two-factor authentication is already on; an administrator can reset it');
      const enrolment = newEnrolment(`${actor.login}@${actor.domainName}`);
      await savePendingSecret(db, actor.id, cipher.seal(enrolment.secret));
      return enrolment;
    },
  });

  router.post('/api/v1/me/totp/confirm', {
    config: { access: { authenticated: true, duringSetup: true } },
    schema: {
      tags,
      summary: 'Finish enrolling with a first code; answers ten single-use recovery codes, shown only now',
      body: z.strictObject({ code: z.string().max(10) }),
      response: { 200: z.object({ recoveryCodes: z.array(z.string()) }) },
    },
    handler: async (request) => {
      const actor = actorOf(request);
      const stored = await readTotp(db, actor.id);
      if (!stored?.totp_pending_secret) throw conflict('totp.not_started', 'Start with POST /api/v1/me/totp');
      const step = acceptedStep(cipher.open(stored.totp_pending_secret), request.body.code, null);
      if (step === null) throw invalid([{ path: 'code', code: 'totp.invalid_code', message: 'Not the code the authenticator shows now' }]);
      const recovery = newRecoveryCodes();
      await db.transaction().execute(async (trx) => {
        await enableTwoFactor(trx, actor.id, stored.totp_pending_secret as string, step, recovery.hashes);
        await recordAudit(trx, {
          domainId: actor.domainId,
          actor,
          action: 'user.two_factor_enabled',
          target: { type: 'user', id: actor.id, name: actor.login },
          changes: { twoFactor: { from: 'none', to: 'totp' } },
        });
      });
      return { recoveryCodes: recovery.codes };
    },
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
      const domain = domainOf(request);
      const user = await accountInCharge(db, actorOf(request), domain.id, request.params.id);
      await db.transaction().execute(async (trx) => {
        await clearTwoFactor(trx, user.id);
        await recordAudit(trx, {
          domainId: domain.id,
          actor: actorOf(request),
          action: 'user.two_factor_reset',
          target: { type: 'user', id: user.id, name: user.login },
          changes: { twoFactor: { from: user.two_factor, to: 'none' } },
        });
      });
      return reply.code(204).send(null);
    },
  });
}
