import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import { findDomain } from '../tenancy/domain-record.ts';
import { actorOf } from '../http/access.ts';
import { expectedVersion, sendEtag } from '../http/etag.ts';
import { invalid, Problem } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { changeUser, readUser } from '../users/commands.ts';
import { profileUpdate, userResponse } from '../users/schema.ts';
import { SESSION_COOKIE, sessionRequired } from './guard.ts';
import { revokeToken } from '../tokens/store.ts';
import { verifyPassword } from '../passwords/hashing.ts';
import { authenticate } from './sign-in.ts';
import { loginBody, loginResponse, meResponse } from './schema.ts';
import { admitSession, closeSession, openSession } from '../sessions/store.ts';

const tags = ['authentication'];

export function authRoutes(router: Router, { db, config, passwords, cipher }: Deps): void {
  router.post('/api/v1/auth/login', {
    // Each attempt costs an argon2 hash: a flood from one address is cut off before it costs that.
    config: { access: { public: true }, rateLimit: { max: config.loginRateLimit, timeWindow: 60_000 } },
    schema: { tags, summary: 'Sign in', body: loginBody, response: { 200: loginResponse } },
    handler: async (request, reply) => {
      const { domain, account } = await authenticate(db, cipher, { ...request.body, address: request.ip });

      const session = await db.transaction().execute(async (trx) => {
        await admitSession(trx, account);
        const opened = await openSession(trx, account.id, account.session_max_age ?? config.sessionTtlSeconds, {
          userAgent: request.headers['user-agent'],
          address: request.ip,
        });
        await recordAudit(trx, {
          domainId: domain.id,
          actor: { id: account.id, login: account.login },
          action: 'session.opened',
          target: { type: 'session', id: account.id, name: account.login },
          changes: { address: { from: null, to: request.ip } },
        });
        return opened;
      });
      setSessionCookie(reply, session.token, session.expiresAt, request.protocol === 'https');
      return { ...session, user: await readUser(db, domain, account.id) };
    },
  });

  router.post('/api/v1/auth/logout', {
    config: { access: { authenticated: true, duringSetup: true, token: 'any' } },
    schema: {
      tags,
      summary: 'Sign out: ends this session, or revokes the API token sent',
      description: 'With an API token in place of a session, the token is revoked: it stops working at once, as an ended session does.',
      response: { 204: z.null() },
    },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      if (actor.apiTokenId !== null) await revokeToken(db, actor.id, actor.apiTokenId);
      else await closeSession(db, actor.sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  });

  router.get('/api/v1/me', {
    config: { access: { authenticated: true, duringSetup: true, token: 'profile:read' } },
    schema: { tags, summary: 'The signed-in user and their effective permissions', response: { 200: meResponse } },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      const domain = await findDomain(db, actor.domainName);
      if (!domain) throw new Problem(401, 'auth.not_authenticated', 'Sign in first');
      const user = await readUser(db, domain, actor.id);
      sendEtag(reply, user.version);
      return { user, permissions: [...actor.permissions].sort() };
    },
  });

  router.patch('/api/v1/me', {
    config: { access: { permission: 'profile:update', duringSetup: true } },
    schema: { tags, summary: 'Change your own profile', body: profileUpdate, response: { 200: userResponse } },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      const domain = await findDomain(db, actor.domainName);
      if (!domain) throw new Problem(401, 'auth.not_authenticated', 'Sign in first');
      const { currentPassword, ...change } = request.body;
      if (actor.apiTokenId !== null && (change.password !== undefined || change.email !== undefined)) throw sessionRequired();
      if (currentPassword !== undefined) {
        const stored = await db.selectFrom('users').select('password_hash').where('id', '=', actor.id).executeTakeFirst();
        if (!(await verifyPassword(stored?.password_hash ?? null, currentPassword))) {
          throw invalid([{ path: 'currentPassword', code: 'password.current_wrong', message: 'Not your current password' }]);
        }
      }
      // Setting one's own password fulfils a forced change.
      const withFlag = change.password === undefined ? change : { ...change, passwordChangeRequired: false };
      const user = await changeUser(db, actor, domain, actor.id, withFlag, expectedVersion(request), { passwords, cipher });
      sendEtag(reply, user.version);
      return user;
    },
  });
}

function setSessionCookie(reply: FastifyReply, token: string, expiresAt: string, secure: boolean) {
  reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure, expires: new Date(expiresAt) });
}
