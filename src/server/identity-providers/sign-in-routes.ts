import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SESSION_COOKIE, setSessionCookie } from '../auth/guard.ts';
import { signOut } from '../auth/commands.ts';
import { loginResponse } from '../auth/schema.ts';
import type { Deps, Router } from '../deps.ts';
import { actorOf } from '../http/access.ts';
import { Problem } from '../http/problem.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import { findDomain } from '../tenancy/domain-record.ts';
import { readUser } from '../users/commands.ts';
import { CALLBACK_PATH, SIGNED_OUT_PATH, startPath } from './commands.ts';
import { beginSignIn, endSessionUrl, ProviderUnreachable, type PendingSignIn } from './relying-party.ts';
import { signInButton } from './schema.ts';
import { clientOf, completeSecondFactor, completeSignIn, providerFor, SsoRefused, type Client, type SecondFactorTicket } from './sign-in.ts';
import { listProviders, providerOfSession } from './store.ts';
import { originOf } from './routes.ts';

const tags = ['single sign-on'];
const PENDING_COOKIE = 'switchboard_sso';
const TICKET_COOKIE = 'switchboard_sso_step';
const SSO_PATH = '/api/v1/auth/sso';
/** How long the provider's sign-in may take before the pending state is refused. */
const PENDING_TTL_MS = 10 * 60_000;

/** The pending state rides in a sealed cookie: any process can finish what another began. `lax`, so the provider's redirect back brings it. */
function keep(reply: FastifyReply, cipher: SecretCipher, name: string, value: object, secure: boolean) {
  reply.setCookie(name, cipher.seal(JSON.stringify(value)), { path: SSO_PATH, httpOnly: true, sameSite: 'lax', secure, maxAge: PENDING_TTL_MS / 1000 });
}

function takeBack<T>(request: FastifyRequest, reply: FastifyReply, cipher: SecretCipher, name: string): T | undefined {
  const sealed = request.cookies[name];
  reply.clearCookie(name, { path: SSO_PATH });
  if (!sealed) return undefined;
  try {
    return JSON.parse(cipher.open(sealed)) as T;
  } catch {
    return undefined;
  }
}

/** Refusals end on the console's sign-in page, which explains the code. */
const signInPage = (code: string, domain?: string) => `/sign-in?${new URLSearchParams({ sso: code, ...(domain ? { domain } : {}) })}`;
const clientOfRequest = (request: FastifyRequest): Client => ({ address: request.ip, userAgent: request.headers['user-agent'] });
const redirect = z.null().describe('A redirect (302); see the Location header');

export function ssoSignInRoutes(router: Router, { db, config, cipher, passwords }: Deps): void {
  router.get('/api/v1/auth/sso/:domain/providers', {
    config: { access: { public: true } },
    schema: {
      tags,
      summary: "The domain's sign-in buttons: label and where each leads (nothing secret); an unknown domain has none",
      params: z.object({ domain: z.string() }),
      response: { 200: z.object({ items: z.array(signInButton) }) },
    },
    handler: async (request) => {
      const domain = await findDomain(db, request.params.domain.toLowerCase());
      const rows = domain && domain.active === 1 ? await listProviders(db, domain.id) : [];
      return { items: rows.map((row) => ({ label: row.button_label, startUrl: startPath(domain?.name ?? '', row.id) })) };
    },
  });

  router.get('/api/v1/auth/sso/:domain/:id/start', {
    config: { access: { public: true }, rateLimit: { max: config.loginRateLimit, timeWindow: 60_000 } },
    schema: {
      tags,
      summary: "Start signing in with an identity provider: redirects to the provider's authorization endpoint",
      description: 'Authorization code flow with PKCE (S256), `state` and `nonce`, kept in a sealed cookie until the browser comes back to the callback.',
      params: z.object({ domain: z.string(), id: z.string() }),
      response: { 302: redirect },
    },
    handler: async (request, reply) => {
      const domainName = request.params.domain.toLowerCase();
      try {
        const { domain, provider } = await providerFor(db, domainName, request.params.id);
        const begun = await beginSignIn(
          clientOf(provider, cipher),
          { providerId: provider.id, domainId: domain.id, redirectUri: `${originOf(request)}${CALLBACK_PATH}` },
          PENDING_TTL_MS,
        );
        keep(reply, cipher, PENDING_COOKIE, { ...begun.pending, domain: domain.name }, request.protocol === 'https');
        return reply.redirect(begun.url, 302);
      } catch (error) {
        if (error instanceof SsoRefused) return reply.redirect(signInPage(error.code, domainName), 302);
        if (error instanceof ProviderUnreachable) {
          request.log.warn({ err: error }, 'identity provider unreachable');
          return reply.redirect(signInPage('provider_unreachable', domainName), 302);
        }
        throw error;
      }
    },
  });

  router.get(CALLBACK_PATH, {
    config: { access: { public: true }, rateLimit: { max: config.loginRateLimit, timeWindow: 60_000 } },
    schema: {
      tags,
      summary: 'Where the provider sends the browser back: signs in and redirects to the console',
      description:
        'The ID token is checked (signature from the JWKS, `iss`, `aud`, `exp`, `nonce`), the user matched by OAuth e-mail then e-mail. A refusal redirects to `/sign-in?sso=<reason>`; a user with TOTP whose provider did not vouch for several factors (`amr`) goes to `/sign-in?sso=second_factor` and finishes with POST /api/v1/auth/sso/second-factor.',
      querystring: z.record(z.string(), z.string().max(4000)),
      response: { 302: redirect },
    },
    handler: async (request, reply) => {
      const pending = takeBack<PendingSignIn & { domain: string }>(request, reply, cipher, PENDING_COOKIE);
      if (!pending) return reply.redirect(signInPage('no_pending_sign_in'), 302);
      const callbackUrl = new URL(`${originOf(request)}${request.url}`);
      try {
        const outcome = await completeSignIn(db, { cipher, passwords }, config.sessionTtlSeconds, pending, callbackUrl, clientOfRequest(request));
        if ('secondFactor' in outcome) {
          keep(reply, cipher, TICKET_COOKIE, outcome.secondFactor, request.protocol === 'https');
          return reply.redirect(signInPage('second_factor', pending.domain), 302);
        }
        setSessionCookie(reply, outcome.session.token, outcome.session.expiresAt, request.protocol === 'https');
        return reply.redirect('/', 302);
      } catch (error) {
        if (error instanceof SsoRefused) return reply.redirect(signInPage(error.code, pending.domain), 302);
        if (error instanceof ProviderUnreachable) return reply.redirect(signInPage('provider_unreachable', pending.domain), 302);
        if (error instanceof Problem && error.code === 'auth.too_many_sessions') return reply.redirect(signInPage('too_many_sessions', pending.domain), 302);
        throw error;
      }
    },
  });

  router.post('/api/v1/auth/sso/second-factor', {
    config: { access: { public: true }, rateLimit: { max: config.loginRateLimit, timeWindow: 60_000 } },
    schema: {
      tags,
      summary: "Finish an SSO sign-in with the user's own authenticator code or a recovery code",
      body: z.strictObject({ totp: z.string().max(10).optional(), recoveryCode: z.string().max(40).optional() }),
      response: { 200: loginResponse },
    },
    handler: async (request, reply) => {
      const sealed = request.cookies[TICKET_COOKIE];
      const ticket = sealed ? openTicket(cipher, sealed) : undefined;
      if (!ticket) throw new Problem(401, 'auth.sso_step_expired', 'The sign-in took too long; sign in with the provider again');
      try {
        const session = await completeSecondFactor(db, cipher, config.sessionTtlSeconds, ticket, request.body, clientOfRequest(request));
        reply.clearCookie(TICKET_COOKIE, { path: SSO_PATH });
        setSessionCookie(reply, session.token, session.expiresAt, request.protocol === 'https');
        const domain = await findDomain(db, ticket.domain);
        if (!domain) throw new Problem(401, 'auth.sso_step_expired', 'The domain is gone');
        return { ...session, user: await readUser(db, domain, ticket.userId) };
      } catch (error) {
        if (error instanceof SsoRefused) throw new Problem(401, `auth.sso_${error.code}`, error.message);
        throw error;
      }
    },
  });

  router.post('/api/v1/auth/sso/logout', {
    config: { access: { authenticated: true, duringSetup: true } },
    schema: {
      tags,
      summary: 'Sign out; when an identity provider opened the session and supports it, answers its logout URL to go to next',
      response: { 200: z.object({ logoutUrl: z.string().nullable().describe("The provider's RP-initiated logout URL; null when there is none") }) },
    },
    handler: async (request, reply) => {
      const actor = actorOf(request);
      const provider = await providerOfSession(db, actor.sessionId);
      await signOut(db, actor);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      if (!provider) return { logoutUrl: null };
      try {
        return { logoutUrl: await endSessionUrl(clientOf(provider, cipher), `${originOf(request)}${SIGNED_OUT_PATH}`) };
      } catch (error) {
        if (!(error instanceof ProviderUnreachable)) throw error;
        request.log.warn({ err: error }, 'identity provider unreachable at sign-out');
        return { logoutUrl: null };
      }
    },
  });
}

function openTicket(cipher: SecretCipher, sealed: string): SecondFactorTicket | undefined {
  try {
    return JSON.parse(cipher.open(sealed)) as SecondFactorTicket;
  } catch {
    return undefined;
  }
}
