import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../db/schema.ts';
import { findDomain } from '../tenancy/domain-record.ts';
import { can, type Access } from '../http/access.ts';
import { forbidden, notFound, Problem } from '../http/problem.ts';
import type { DirectoryCache } from '../directory-cache.ts';
import { actorForApiToken, TOKEN_PREFIX } from '../tokens/store.ts';
import { addressAllowed } from '../networks/networks.ts';
import { actorForToken } from '../sessions/store.ts';

export const SESSION_COOKIE = 'switchboard_session';

/**
 * Enforces each route's declared access before its body is even read:
 * who is calling, whether they may reach the domain in the path, and the permission.
 */
export function installGuard(app: FastifyInstance, db: Db, cache: DirectoryCache): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('domain', null);
  // Whatever a write changed (a role, an account, a session), nobody is let in on the old state.
  // A refused write wrote nothing the cache holds, so a flood of bad sign-ins does not empty it.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 400) {
      const userId = userWrittenAlone(request);
      if (userId) cache.invalidateUser(userId);
      else cache.invalidateAll();
    }
    done(null, payload);
  });
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (!access) {
      // Unknown URLs have no route options; the 404 handler answers them.
      if (request.is404) return;
      throw new Error(`route ${request.routeOptions.url} declares no access`);
    }
    const credential = credentialOf(request);
    if (credential?.via === 'cookie' && isWebSocketUpgrade(request) && fromAnotherSite(request)) {
      throw new Problem(
        403,
        'auth.cross_site_request',
        'A WebSocket carrying the session cookie must be opened by a page of this site; elsewhere use a bearer token (events) or SIP digest (/sip)',
      );
    }
    if ('public' in access) return;
    if (credential?.via === 'cookie' && isWrite(request) && fromAnotherSite(request)) {
      throw new Problem(403, 'auth.cross_site_request', 'A write authenticated by the session cookie must come from this site; use the bearer token elsewhere');
    }
    const token = credential?.token;
    const signedIn = token
      ? await cache.sessions.get(token, () => (token.startsWith(TOKEN_PREFIX) ? actorForApiToken(db, token) : actorForToken(db, token)))
      : null;
    if (!signedIn) throw new Problem(401, 'auth.not_authenticated', 'Sign in first: the session is missing, expired or ended');
    const { actor } = signedIn;
    if (signedIn.allowedNetworks && !addressAllowed(request.ip, signedIn.allowedNetworks)) {
      throw new Problem(403, 'auth.ip_not_allowed', `This token's owner may not be reached from ${request.ip}`);
    }
    request.actor = actor;
    if (actor.restriction && !access.duringSetup) {
      const what =
        actor.restriction === 'password_change' ? 'set a new password (PATCH /api/v1/me)' : 'enrol in two-factor authentication (POST /api/v1/me/totp)';
      throw new Problem(403, `auth.${actor.restriction}_required`, `First ${what}`);
    }

    const params = request.params as Record<string, string | undefined>;
    if (params.domain !== undefined) {
      const domain = params.domain === actor.domainName ? signedIn.domain : await findDomain(db, params.domain);
      // Another tenant's domain answers as if it did not exist.
      if (!domain || (!actor.platformAdmin && domain.id !== actor.domainId)) throw notFound(`Domain ${JSON.stringify(params.domain)}`);
      request.domain = domain;
    }
    if (!allows(access, request, params.id)) {
      if (actor.apiTokenId !== null && 'authenticated' in access) throw sessionRequired();
      throw forbidden();
    }
  });
}

export const sessionRequired = () =>
  new Problem(403, 'auth.session_required', "API tokens do not manage their owner's credentials, sessions or tokens; sign in to do this");

function allows(access: Access, request: FastifyRequest, targetId: string | undefined): boolean {
  const actor = request.actor;
  if (!actor || 'public' in access) return true;
  if ('authenticated' in access) return actor.apiTokenId === null || access.token === 'any' || (access.token !== undefined && can(actor, access.token));
  if (can(actor, access.permission)) return true;
  return access.self !== undefined && targetId === actor.id && can(actor, access.self);
}

function credentialOf(request: FastifyRequest): { token: string; via: 'bearer' | 'cookie' } | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) {
    const token = header.slice('Bearer '.length).trim();
    return token ? { token, via: 'bearer' } : undefined;
  }
  const cookie = request.cookies[SESSION_COOKIE];
  return cookie ? { token: cookie, via: 'cookie' } : undefined;
}

/**
 * CSRF defence for cookie sessions, beside the SameSite=Strict cookie: a browser names where a
 * request comes from (Sec-Fetch-Site, Origin); a write or a WebSocket from another site is
 * refused. A client that names nothing is no browser, so no other site can be riding its cookie.
 */
function fromAnotherSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.origin;
  if (typeof origin !== 'string') return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

const isWrite = (request: FastifyRequest) => request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS';
const isWebSocketUpgrade = (request: FastifyRequest) => request.headers.upgrade?.toLowerCase() === 'websocket';

/** The session as an HttpOnly cookie, for the console; strict, so no other site's page sends it. */
export function setSessionCookie(reply: FastifyReply, token: string, expiresAt: string, secure: boolean) {
  reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure, expires: new Date(expiresAt) });
}

const USER_ROUTE = '/api/v1/domains/:domain/users/:id';

/**
 * The user a write changed when it can have changed no one else's cached state: a route of one
 * user's own (its record, status, sessions, tokens, licenses). Its SIP routes are left out: a
 * hot desk signed into takes the extension from whoever held it.
 */
function userWrittenAlone(request: FastifyRequest): string | null {
  const url = request.routeOptions.url ?? '';
  if (url !== USER_ROUTE && !url.startsWith(`${USER_ROUTE}/`)) return null;
  if (url.startsWith(`${USER_ROUTE}/sip`)) return null;
  return (request.params as { id?: string }).id ?? null;
}
