import { z } from 'zod';
import { findDomain } from '../tenancy/domain-record.ts';
import { actorOf } from '../http/access.ts';
import { expectedVersion, sendEtag } from '../http/etag.ts';
import { Problem } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { readUser } from '../users/commands.ts';
import { profileUpdate, userResponse } from '../users/schema.ts';
import { SESSION_COOKIE, setSessionCookie } from './guard.ts';
import { changeOwnProfile, signOut } from './commands.ts';
import { authenticate, openSignedInSession } from './sign-in-commands.ts';
import { loginBody, loginResponse, meResponse } from './schema.ts';

const tags = ['authentication'];

export function authRoutes(router: Router, { db, config, passwords, cipher }: Deps): void {
  router.post('/api/v1/auth/login', {
    // Each attempt costs an argon2 hash: a flood from one address is cut off before it costs that.
    config: { access: { public: true }, rateLimit: { max: config.loginRateLimit, timeWindow: 60_000 } },
    schema: { tags, summary: 'Sign in', body: loginBody, response: { 200: loginResponse } },
    handler: async (request, reply) => {
      const { domain, account } = await authenticate(db, cipher, { ...request.body, address: request.ip });
      const session = await openSignedInSession(db, domain, account, config.sessionTtlSeconds, {
        userAgent: request.headers['user-agent'],
        address: request.ip,
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
      await signOut(db, actorOf(request));
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
      const user = await changeOwnProfile(db, actor, domain, request.body, () => expectedVersion(request), { passwords, cipher });
      sendEtag(reply, user.version);
      return user;
    },
  });
}
