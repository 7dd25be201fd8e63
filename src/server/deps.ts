import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import type { DirectoryCache } from './directory-cache.ts';
import type { Db } from './db/schema.ts';
import type { PasswordChecker } from './passwords/checker.ts';
import type { SecretCipher } from './secrets/cipher.ts';
import type { PresenceEngine } from './presence/engine.ts';
import type { CrmGate } from './crm-gate/gate.ts';
import type { Drain } from './http/drain.ts';

/** What every feature's routes receive: passed explicitly, never reached through decorators. */
export interface Deps {
  db: Db;
  config: Config;
  cache: DirectoryCache;
  passwords: PasswordChecker;
  cipher: SecretCipher;
  presence: PresenceEngine;
  crm: CrmGate;
  /** Where started work (jobs) is tracked, so a stopping process lets it finish. */
  drain: Drain;
}

/** Fastify typed by the Zod schemas each route declares. */
export type Router = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;
