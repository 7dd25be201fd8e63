import type { FastifyRequest } from 'fastify';
import type { Permission } from '../permissions/catalog.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { Problem } from './problem.ts';

/**
 * What a route requires, declared next to its definition in `config.access`.
 * `self` is an alternative permission that suffices when the `:id` in the path is the caller's own.
 * `duringSetup` lets a session in that must first set a new password or enrol in two-factor
 * authentication; every other route refuses such a session.
 * An `authenticated` route is a signed-in session's only, unless `token` names the scope an API
 * token needs there ('any': every token): a token never manages its owner's credentials,
 * sessions or tokens.
 */
export type Access =
  | { public: true }
  | { authenticated: true; duringSetup?: true; token?: Permission | 'any' }
  | { permission: Permission; self?: Permission; duringSetup?: true };

/** What a session must do before it may do anything else. */
export type Restriction = 'password_change' | 'two_factor_enrollment';

/** The signed-in user making the request, with effective permissions. */
export interface Actor {
  /** The session signed in with; empty for an API token. */
  sessionId: string;
  /** The API token used instead of a session, if one was. */
  apiTokenId: string | null;
  id: string;
  login: string;
  domainId: string;
  domainName: string;
  platformAdmin: boolean;
  permissions: ReadonlySet<Permission>;
  restriction: Restriction | null;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    actor: Actor | null;
    domain: DomainRecord | null;
  }
}

export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new Problem(401, 'auth.not_authenticated', 'Sign in first');
  return request.actor;
}

/** The domain named in the path, already checked to be one the caller may reach. */
export function domainOf(request: FastifyRequest): DomainRecord {
  if (!request.domain) throw new Error(`route ${request.routeOptions.url} has no :domain parameter`);
  return request.domain;
}

export const can = (actor: Actor, permission: Permission) => actor.platformAdmin || actor.permissions.has(permission);
