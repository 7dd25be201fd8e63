import { identifierKey } from '../identifiers/normal-form.ts';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import type { Db } from '../db/schema.ts';
import { findDomain } from '../tenancy/domain-record.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { Problem } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { accountInCharge, accountItself, changeUser } from '../users/commands.ts';
import { password } from '../users/schema.ts';
import { findUserRow } from '../users/store.ts';

const tags = ['password reset'];
const tokenId = (token: string) => createHash('sha256').update(token).digest('base64url');
const invalidToken = () => new Problem(400, 'password.reset_token_invalid', 'The reset link is wrong, used or expired; ask an administrator for a new one');

/** Whose a live reset token is, if it is one. */
async function tokenOwner(db: Db, token: string): Promise<string | undefined> {
  const row = await db.selectFrom('password_reset_tokens').select(['user_id', 'expires_at']).where('id', '=', tokenId(token)).executeTakeFirst();
  return row && Date.parse(row.expires_at) > Date.now() ? row.user_id : undefined;
}

/** Spends a token; answers false when another request spent it first. */
async function spendToken(db: Db, token: string): Promise<boolean> {
  const deleted = await db.deleteFrom('password_reset_tokens').where('id', '=', tokenId(token)).executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1;
}

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
      const domain = domainOf(request);
      const user = await accountInCharge(db, actorOf(request), domain.id, request.params.id);
      const token = randomBytes(32).toString('base64url');
      const now = new Date();
      const expiresAt = new Date(now.getTime() + request.body.expiresIn * 1000).toISOString();
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('password_reset_tokens').where('user_id', '=', user.id).execute();
        await trx
          .insertInto('password_reset_tokens')
          .values({ id: tokenId(token), user_id: user.id, created_at: now.toISOString(), expires_at: expiresAt })
          .execute();
        await recordAudit(trx, {
          domainId: domain.id,
          actor: actorOf(request),
          action: 'user.password_reset_issued',
          target: { type: 'user', id: user.id, name: user.login },
          changes: { expiresAt: { from: null, to: expiresAt } },
        });
      });
      return reply.code(201).send({ token, expiresAt });
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
      const domainKey = identifierKey(request.body.domain);
      const domain = domainKey === null ? undefined : await findDomain(db, domainKey);
      const userId = domain ? await tokenOwner(db, request.body.token) : undefined;
      const user = domain && userId ? await findUserRow(db, domain.id, userId) : undefined;
      if (!domain || !user || user.deleted_at) throw invalidToken();
      // A password the policy refuses leaves the token usable for a better one.
      await passwords.assertAcceptable(
        domain.id,
        request.body.password,
        { login: user.login, email: user.email, firstName: user.first_name, lastName: user.last_name },
        user.id,
      );
      if (!(await spendToken(db, request.body.token))) throw invalidToken();
      await changeUser(
        db,
        await accountItself(db, domain.id, user),
        domain,
        user.id,
        { password: request.body.password, passwordChangeRequired: false },
        undefined,
        { passwords, cipher },
      );
      return reply.code(204).send(null);
    },
  });
}
