import { hostname } from 'node:os';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { agentRoutes } from './agents/routes.ts';
import { auditRoutes } from './audit/routes.ts';
import { changeRoutes } from './changes/routes.ts';
import { catalogRoutes } from './catalogs/routes.ts';
import { installGuard } from './auth/guard.ts';
import { lendToMarkedRoutes } from './db/lent-connection.ts';
import { authRoutes } from './auth/routes.ts';
import { passwordResetRoutes } from './auth/password-reset-routes.ts';
import { sessionRoutes } from './auth/session-routes.ts';
import { actorForToken } from './sessions/store.ts';
import type { Config } from './config.ts';
import type { Access } from './http/access.ts';
import type { Storage } from './db/connect.ts';
import { DirectoryCache } from './directory-cache.ts';
import { domainRoutes } from './domains/routes.ts';
import { groupRoutes } from './groups/routes.ts';
import { answerClientError, answerFrameworkError, installErrorHandler, MAX_PARAM_LENGTH } from './http/error-handler.ts';
import { refuseNulCharacters } from './http/nul-characters.ts';
import { answerRequestIds, requestIdOf } from './http/request-id.ts';
import { metricsRoutes } from './metrics/routes.ts';
import { traceRequests } from './tracing/tracer.ts';
import { Problem } from './http/problem.ts';
import { serializerCompiler } from './http/serializer.ts';
import { sendSecurityHeaders } from './http/security-headers.ts';
import { healthRoutes } from './http/health.ts';
import { installDrain } from './http/drain.ts';
import { passwordRoutes } from './passwords/routes.ts';
import { licenseRoutes } from './licenses/routes.ts';
import { lockoutRoutes } from './lockout/routes.ts';
import { numberRoutes } from './numbers/routes.ts';
import { permissionRoutes } from './permissions/routes.ts';
import { consoleRoutes } from './http/console.ts';
import { roleRoutes } from './roles/routes.ts';
import { MemoryLiveStore } from './presence/live.ts';
import { RedisLiveStore } from './presence/redis.ts';
import { PresenceEngine } from './presence/engine.ts';
import { presenceRoutes } from './presence/routes.ts';
import { eventRoutes } from './events/routes.ts';
import { publishDirectoryChanges } from './events/directory-events.ts';
import { FeedTail } from './changes/tail.ts';
import { recordChanges } from './changes/store.ts';
import { pauseReasonRoutes } from './pause-reasons/routes.ts';
import { presenceReportRoutes } from './presence/report-routes.ts';
import { sipSettingsRoutes } from './sip-accounts/routes.ts';
import { userSipRoutes } from './users/sip-routes.ts';
import { userLicenseRoutes } from './users/license-routes.ts';
import { userAgentRoutes } from './users/agent-routes.ts';
import { hotDeskRoutes } from './hot-desks/routes.ts';
import { Registrar } from './registrar/registrar.ts';
import { readTlsCredentials } from './tls/credentials.ts';
import { sipWebSocketRoute } from './registrar/websocket.ts';
import { SipConnections } from './registrar/connections.ts';
import { iceServerRoutes } from './registrar/ice-server-routes.ts';
import { freeswitchRoutes } from './integrations/freeswitch-routes.ts';
import { bulkRoutes, countRoutes } from './bulk-edit/routes.ts';
import { rangeRoutes } from './range/routes.ts';
import { exportRoutes } from './export/routes.ts';
import { importRoutes } from './import/routes.ts';
import { migrationRoutes } from './migration/routes.ts';
import { tokenRoutes } from './tokens/routes.ts';
import { totpRoutes } from './auth/totp-routes.ts';
import { userRoutes } from './users/routes.ts';
import { webhookRoutes } from './webhooks/routes.ts';
import { crmGateRoutes } from './crm-gate/routes.ts';
import { scimService } from './scim/routes.ts';
import { directorySourceRoutes } from './directory-sources/routes.ts';
import { identityProviderRoutes } from './identity-providers/routes.ts';
import { ssoSignInRoutes } from './identity-providers/sign-in-routes.ts';
import { WebhookWorker } from './webhooks/worker.ts';
import { presenceDeliveries } from './webhooks/commands.ts';
import { safeguardsFor } from './users/safeguards.ts';
import { ReaderThreads, readerThreadCount } from './threads/readers.ts';
import { siblingModule } from './threads/spawn.ts';
import { reads as userReads } from './users/reads.ts';

export interface RouteEntry {
  method: string;
  url: string;
  access: Access | undefined;
}

export interface AppOptions {
  storage: Storage;
  config: Config;
  logger?: FastifyServerOptions['logger'];
}

/** The whole HTTP API; tests build it exactly as `serve` does. */
export async function buildApp({ storage, config, logger = false }: AppOptions) {
  // X-Forwarded-For is believed only from the proxies named in SWITCHBOARD_TRUSTED_PROXIES.
  const app = Fastify({
    // Set: HTTPS, and so WSS for the event stream and /sip, on the one port; plain HTTP is not served.
    https: config.tls ? readTlsCredentials(config.tls) : null,
    logger,
    genReqId: requestIdOf,
    requestIdHeader: false,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustedProxies.length ? config.trustedProxies : false,
    // The longest value a path carries is a domain name (253 characters, RFC 1035); a name of
    // 64 characters outside the BMP is 128. Anything longer is refused with 414.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  answerRequestIds(app);
  if (config.tracing) traceRequests(app, { ...config.tracing, instance: `${hostname()}:${process.pid}` });
  refuseNulCharacters(app);

  // Every route as registered, with its declared access: what the route-table test walks.
  const routeTable: RouteEntry[] = [];
  app.addHook('onRoute', (route) => {
    // The API documentation is generated, not ours to guard route by route: it is public.
    if (route.url.startsWith('/api/docs')) route.config = { ...(route.config ?? {}), access: { public: true } };
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url, access: route.config?.access });
  });

  await app.register(cookie);
  // The one WebSocket server: SIP (subprotocol sip) and the event stream (none) share it.
  await app.register(websocket, { options: { maxPayload: 65_536, handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false) } });
  // Security headers on every answer; the API reference's own assets are allowed by their hashes.
  sendSecurityHeaders(app);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new Problem(429, 'request.rate_limited', `Too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`, undefined, {
        'retry-after': String(Math.ceil(context.ttl / 1000)),
      }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard',
        version: '1',
        description: 'The user directory of a contact center. Errors are RFC 9457 application/problem+json.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'switchboard_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });

  const cache = new DirectoryCache(config.readCacheMs);
  lendToMarkedRoutes(app);
  installGuard(app, storage.db, cache);
  const store = config.redisUrl
    ? await RedisLiveStore.connect(config.redisUrl, {
        prefix: config.redisPrefix,
        bufferSize: config.eventBuffer,
        positionEvery: config.eventPositionEvery,
        processTtlMs: config.processTtlMs,
      })
    : new MemoryLiveStore(config.eventBuffer, config.eventPositionEvery);
  const liveness = { heartbeatMs: config.processHeartbeatMs, ttlMs: config.processTtlMs };
  const presence = new PresenceEngine({
    db: storage.db,
    store,
    graceMs: config.presenceGraceSeconds * 1000,
    liveness,
    onError: (error) => app.log.error({ err: error }, 'presence background work failed'),
    alongHistory: presenceDeliveries(storage.db, config.webhooks),
  });
  presence.start();
  app.addHook('onClose', () => presence.stop());
  metricsRoutes(app, { storage, presence }, config);
  recordChanges(config.changeFeed);
  const feed = new FeedTail(storage.db, config.changePollMs, (error) => app.log.error({ err: error }, 'reading the change feed failed'));
  await feed.start();
  app.addHook('onClose', () => feed.stop());
  const drain = installDrain(app);
  const deps = { db: storage.db, config, cache, presence, drain, ...safeguardsFor(storage.db, config) };
  const userReaders = new ReaderThreads(
    userReads,
    siblingModule(import.meta.url, 'users/reads'),
    storage.db,
    config.databaseUrl,
    readerThreadCount(config.databaseUrl, config.readerThreads),
  );
  app.addHook('onClose', () => userReaders.close());
  const registrar = new Registrar(storage.db, presence, cache, config, deps.cipher.deriveKey('sip-nonce'), Date.now, app.log);
  const sipConnections = new SipConnections(config.sipConnections);
  healthRoutes(app, storage);
  consoleRoutes(app);
  app.get('/api/openapi.json', { config: { access: { public: true } }, schema: { hide: true } }, async () => app.swagger());
  authRoutes(app, deps);
  permissionRoutes(app);
  domainRoutes(app, deps);
  userRoutes(app, deps, userReaders);
  roleRoutes(app, deps);
  groupRoutes(app, deps);
  auditRoutes(app, deps);
  changeRoutes(app, deps);
  passwordRoutes(app, deps);
  lockoutRoutes(app, deps);
  totpRoutes(app, deps);
  sessionRoutes(app, deps);
  passwordResetRoutes(app, deps);
  tokenRoutes(app, deps);
  licenseRoutes(app, deps);
  userLicenseRoutes(app, deps);
  catalogRoutes(app, deps, 'tags');
  catalogRoutes(app, deps, 'skills');
  numberRoutes(app, deps);
  userSipRoutes(app, deps);
  sipSettingsRoutes(app, deps);
  hotDeskRoutes(app, deps);
  userAgentRoutes(app, deps);
  agentRoutes(app, deps);
  presenceRoutes(app, deps);
  pauseReasonRoutes(app, deps);
  presenceReportRoutes(app, deps);
  sipWebSocketRoute(app, registrar, sipConnections, async (token) => {
    const signedIn = await cache.sessions.get(token, () => actorForToken(storage.db, token));
    // A session that must first change its password or enrol in 2FA opens no phone either.
    return signedIn && !signedIn.actor.restriction ? { userId: signedIn.actor.id, domainId: signedIn.actor.domainId } : null;
  });
  eventRoutes(app, deps);
  iceServerRoutes(app, deps);
  freeswitchRoutes(app, deps);
  bulkRoutes(app, deps);
  rangeRoutes(app, deps);
  countRoutes(app, deps);
  exportRoutes(app, deps);
  migrationRoutes(app, importRoutes(app, deps));
  webhookRoutes(app, deps);
  crmGateRoutes(app, deps);
  app.addHook('onClose', () => deps.crm.close());
  // Its own scope: SCIM answers errors and unknown URLs in its own form and reads application/scim+json.
  await app.register(scimService(deps), { prefix: '/scim/v2' });
  directorySourceRoutes(app, deps);
  identityProviderRoutes(app, deps);
  ssoSignInRoutes(app, deps);
  const webhooks = new WebhookWorker(storage.db, deps.cipher, config.webhooks, app.log);
  app.addHook('onReady', async () => webhooks.start());
  app.addHook('onClose', () => webhooks.stop());
  publishDirectoryChanges(app, feed, presence, cache);
  return Object.assign(app, { routeTable: routeTable as readonly RouteEntry[], cache, presence, registrar, sipConnections, drain });
}

export type App = Awaited<ReturnType<typeof buildApp>>;
