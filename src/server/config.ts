import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { BreachScreening } from './passwords/breached.ts';
import type { ConnectionLimits } from './registrar/connections.ts';

const port = z.coerce.number().int().min(0).max(65535);

const environment = z
  .object({
    SWITCHBOARD_DATA_DIR: z.string().min(1).default('./data'),
    SWITCHBOARD_DATABASE_URL: z
      .string()
      .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'sqlite:PATH or postgres://…')
      .optional(),
    SWITCHBOARD_HOST: z.string().min(1).default('127.0.0.1'),
    SWITCHBOARD_PORT: port.default(8080),
    SWITCHBOARD_ADMIN_LOGIN: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
      .default('admin'),
    SWITCHBOARD_ADMIN_PASSWORD: z.string().min(8).max(256).optional(),
    SWITCHBOARD_SESSION_TTL: z.coerce
      .number()
      .int()
      .min(60)
      .max(30 * 86400)
      .default(12 * 3600),
    SWITCHBOARD_READ_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
    /** Threads that run long reads (the users list's searches) on a SQLite file, up to one per core; 0 runs them on the event loop. */
    SWITCHBOARD_READER_THREADS: z.coerce.number().int().min(0).max(16).default(2),
    SWITCHBOARD_PURGE_AFTER_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
    SWITCHBOARD_CHANGE_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
    SWITCHBOARD_CHANGE_POLL_MS: z.coerce.number().int().min(20).max(60_000).default(250),
    SWITCHBOARD_HOUSEKEEPING_INTERVAL_MS: z.coerce.number().int().min(100).max(86_400_000).default(3_600_000),
    /** For bench/change-feed only: `off` writes no change entries, to measure what the feed costs. */
    SWITCHBOARD_CHANGE_FEED: z.enum(['on', 'off']).default('on'),
    SWITCHBOARD_BODY_LIMIT: z.coerce
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    SWITCHBOARD_TRUSTED_PROXIES: z
      .string()
      .default('')
      .transform((list) =>
        list
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], 'An IP address or CIDR'))),
    SWITCHBOARD_PWNED_URL: z.union([z.literal(''), z.url()]).default('https://api.pwnedpasswords.com/range/'),
    SWITCHBOARD_PWNED_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
    SWITCHBOARD_PWNED_FAILURE: z.enum(['open', 'closed']).default('open'),
    SWITCHBOARD_PWNED_FILE: z.string().min(1).optional(),
    SWITCHBOARD_LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(60),
    SWITCHBOARD_SECRET_KEY: z.string().min(1).optional(),
    SWITCHBOARD_SECRET_KEY_PREVIOUS: z.string().default(''),
    SWITCHBOARD_REDIS_URL: z.union([z.literal(''), z.url()]).default(''),
    SWITCHBOARD_REDIS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_-]{1,64}$/)
      .default('switchboard:'),
    SWITCHBOARD_PRESENCE_GRACE: z.coerce.number().int().min(0).max(3600).default(60),
    SWITCHBOARD_EVENT_BUFFER: z.coerce.number().int().min(1).max(1_000_000).default(1000),
    /** A stream that sees only some events is told where it stands once this many directory changes went by unshown. */
    SWITCHBOARD_EVENT_POSITION_EVERY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
    SWITCHBOARD_EVENT_REPLAY_MAX: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
    SWITCHBOARD_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    SWITCHBOARD_PROCESS_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
    SWITCHBOARD_PROCESS_TTL_MS: z.coerce.number().int().min(300).max(300_000).default(15_000),
    SWITCHBOARD_SIP_PORT: z.union([z.literal('off'), port]).default(5060),
    SWITCHBOARD_TLS_CERT: z.string().min(1).optional(),
    SWITCHBOARD_TLS_KEY: z.string().min(1).optional(),
    SWITCHBOARD_SIP_TLS_PORT: z.union([z.literal('off'), port]).optional(),
    SWITCHBOARD_SIP_EXPIRES: z
      .string()
      .regex(/^[0-9]+-[0-9]+$/, 'min-max in seconds, such as 60-3600')
      .default('60-3600'),
    SWITCHBOARD_SIP_MAX_CONTACTS: z.coerce.number().int().min(1).max(1000).default(10),
    SWITCHBOARD_SIP_MESSAGE_TIMEOUT: z.coerce.number().int().min(1).max(3600).default(32),
    SWITCHBOARD_SIP_IDLE_TIMEOUT: z.coerce.number().int().min(1).max(86_400).default(300),
    SWITCHBOARD_SIP_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000).default(100),
    SWITCHBOARD_SIP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    SWITCHBOARD_FREESWITCH_SECRET: z.string().min(16, 'At least 16 characters').optional(),
    SWITCHBOARD_TURN_SECRET: z.string().min(16, 'At least 16 characters').optional(),
    SWITCHBOARD_TURN_TTL: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(86_400),
    SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
    SWITCHBOARD_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    SWITCHBOARD_WEBHOOK_RETRY_FOR: z.coerce
      .number()
      .int()
      .min(1)
      .max(30 * 86_400)
      .default(86_400),
    SWITCHBOARD_WEBHOOK_BACKOFF_MS: z
      .string()
      .regex(/^[0-9]+-[0-9]+$/, 'first-longest in milliseconds, such as 5000-3600000')
      .refine((range) => {
        const [first, longest] = range.split('-').map(Number);
        return (first as number) >= 10 && (first as number) <= (longest as number);
      }, 'The first delay is at least 10 ms and at most the longest')
      .default('5000-3600000'),
    SWITCHBOARD_WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
    SWITCHBOARD_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(128),
    SWITCHBOARD_METRICS_TOKEN: z.string().min(16, 'At least 16 characters').optional(),
    /** OpenTelemetry's own variables: traces are sent when an OTLP/HTTP endpoint is named. */
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default('switchboard'),
    SWITCHBOARD_DRAIN_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
    SWITCHBOARD_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .refine((e) => (e.SWITCHBOARD_TLS_CERT === undefined) === (e.SWITCHBOARD_TLS_KEY === undefined), {
    path: ['SWITCHBOARD_TLS_KEY'],
    message: 'SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY go together: set both, or neither',
  })
  .refine((e) => e.SWITCHBOARD_TLS_CERT !== undefined || e.SWITCHBOARD_SIP_TLS_PORT === undefined || e.SWITCHBOARD_SIP_TLS_PORT === 'off', {
    path: ['SWITCHBOARD_SIP_TLS_PORT'],
    message: 'SIP over TLS needs SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY',
  })
  .refine((e) => e.SWITCHBOARD_PROCESS_TTL_MS >= 2 * e.SWITCHBOARD_PROCESS_HEARTBEAT_MS, {
    path: ['SWITCHBOARD_PROCESS_TTL_MS'],
    message: 'At least twice SWITCHBOARD_PROCESS_HEARTBEAT_MS: one late heartbeat must not make a live process dead',
    // Named with the other problems, whenever both values are numbers.
    when: ({ value }) => {
      const e = value as Record<string, unknown>;
      return typeof e.SWITCHBOARD_PROCESS_TTL_MS === 'number' && typeof e.SWITCHBOARD_PROCESS_HEARTBEAT_MS === 'number';
    },
  });

export interface Config {
  dataDir: string;
  databaseUrl: string;
  host: string;
  port: number;
  admin: { login: string; password: string | undefined };
  sessionTtlSeconds: number;
  readCacheMs: number;
  readerThreads: number;
  purgeAfterDays: number;
  /** How long the change feed keeps its entries. */
  changeRetentionDays: number;
  /** How often each process reads the change feed for what other processes committed. */
  changePollMs: number;
  /** How often the purge and prunes run, once per cluster (a short one only for tests). */
  housekeepingIntervalMs: number;
  /**
   * Whether writes record change entries. Off only to measure the feed's cost (bench/change-feed):
   * without it webhooks, directory events and other processes' caches miss every change.
   */
  changeFeed: boolean;
  bodyLimit: number;
  trustedProxies: string[];
  /** Sign-in attempts per minute from one address. */
  loginRateLimit: number;
  /** Unset: the key lives in `secret.key` in the data folder, made on first start. */
  secretKey: string | undefined;
  /** Keys that still open values during a rotation; nothing new is sealed with them. */
  previousSecretKeys: string[];
  breachScreening: BreachScreening;
  logLevel: z.infer<typeof environment>['SWITCHBOARD_LOG_LEVEL'];
  /** Set: live state and events go through Redis, shared by every process. */
  redisUrl: string | undefined;
  /** Every Redis key and channel starts with it, so several installations can share one Redis. */
  redisPrefix: string;
  /** Seconds an agent stays in CC after its last connection dropped. */
  presenceGraceSeconds: number;
  /** Events kept per domain for clients that reconnect with their last sequence number. */
  eventBuffer: number;
  eventPositionEvery: number;
  /** At most this many missed directory changes are replayed to a resuming stream; past it the client re-reads. */
  eventReplayMax: number;
  /** WebSocket ping interval; a connection that misses a pong is dropped at the next. */
  heartbeatMs: number;
  /** How often a process proves to the others (Redis) that it is alive. */
  processHeartbeatMs: number;
  /** A process that has not proved it is alive for this long is dead: its connections are dropped. */
  processTtlMs: number;
  /** UDP and TCP port of the SIP registrar; 'off' runs none (WebSocket /sip stays). */
  sipPort: number | 'off';
  sipExpires: { min: number; max: number };
  /** PEM files of the certificate (with its chain) and key: set, HTTP is HTTPS and WebSocket WSS. */
  tls: TlsFiles | undefined;
  /** Port of SIP over TLS (sips:); 'off' without a certificate. */
  sipTlsPort: number | 'off';
  /** Bindings one SIP account may hold at once (Kamailio's max_contacts). */
  sipMaxContacts: number;
  /** Bounds of SIP connections over TCP and WebSocket /sip. */
  sipConnections: ConnectionLimits;
  /** Password FreeSWITCH's mod_xml_curl sends (HTTP basic auth) to read the directory; unset: the integration is off. */
  freeswitchSecret: string | undefined;
  /** coturn's static-auth-secret (use-auth-secret): TURN REST credentials are minted with it. */
  turnSecret: string | undefined;
  turnTtlSeconds: number;
  webhooks: WebhookSettings;
  /** Bearer token a scrape of /metrics brings; unset: /metrics answers this machine (loopback) only. */
  metricsToken: string | undefined;
  /** Where OpenTelemetry traces go (OTLP over HTTP), or null: none are made. */
  tracing: { endpoint: string; serviceName: string } | null;
  /** How long a stopping process (SIGTERM) waits for its requests and jobs before it cuts them. */
  drainMs: number;
}

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface WebhookSettings {
  /** Whether targets on loopback, private, link-local and other non-public addresses are allowed. */
  allowPrivate: boolean;
  /** One attempt's limit, from connecting to the end of the answer. */
  timeoutMs: number;
  /** How long a delivery is retried before it fails and turns its subscription off. */
  retryForMs: number;
  /** The delay before the first retry, doubled at each next one up to the longest (then jittered). */
  backoffMs: { first: number; longest: number };
  /** How often an idle worker looks at the change feed and the outbox. */
  pollMs: number;
  /** Attempts in flight at once in one process; one subscription takes at most a quarter of them. */
  concurrency: number;
}

/** Reads and checks the environment once; a wrong value stops the start with every problem named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Configuration is not valid:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.SWITCHBOARD_DATA_DIR);
  return {
    dataDir,
    databaseUrl: e.SWITCHBOARD_DATABASE_URL ?? `sqlite:${join(dataDir, 'switchboard.db')}`,
    host: e.SWITCHBOARD_HOST,
    port: e.SWITCHBOARD_PORT,
    admin: { login: e.SWITCHBOARD_ADMIN_LOGIN, password: e.SWITCHBOARD_ADMIN_PASSWORD },
    sessionTtlSeconds: e.SWITCHBOARD_SESSION_TTL,
    readCacheMs: e.SWITCHBOARD_READ_CACHE_MS,
    readerThreads: e.SWITCHBOARD_READER_THREADS,
    purgeAfterDays: e.SWITCHBOARD_PURGE_AFTER_DAYS,
    changeRetentionDays: e.SWITCHBOARD_CHANGE_RETENTION_DAYS,
    changePollMs: e.SWITCHBOARD_CHANGE_POLL_MS,
    housekeepingIntervalMs: e.SWITCHBOARD_HOUSEKEEPING_INTERVAL_MS,
    changeFeed: e.SWITCHBOARD_CHANGE_FEED === 'on',
    bodyLimit: e.SWITCHBOARD_BODY_LIMIT,
    trustedProxies: e.SWITCHBOARD_TRUSTED_PROXIES,
    loginRateLimit: e.SWITCHBOARD_LOGIN_RATE_LIMIT,
    secretKey: e.SWITCHBOARD_SECRET_KEY,
    previousSecretKeys: e.SWITCHBOARD_SECRET_KEY_PREVIOUS.split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    breachScreening: {
      url: e.SWITCHBOARD_PWNED_URL || undefined,
      timeoutMs: e.SWITCHBOARD_PWNED_TIMEOUT_MS,
      failure: e.SWITCHBOARD_PWNED_FAILURE,
      offlineFile: e.SWITCHBOARD_PWNED_FILE,
    },
    logLevel: e.SWITCHBOARD_LOG_LEVEL,
    redisUrl: e.SWITCHBOARD_REDIS_URL || undefined,
    redisPrefix: e.SWITCHBOARD_REDIS_PREFIX,
    presenceGraceSeconds: e.SWITCHBOARD_PRESENCE_GRACE,
    heartbeatMs: e.SWITCHBOARD_HEARTBEAT_MS,
    processHeartbeatMs: e.SWITCHBOARD_PROCESS_HEARTBEAT_MS,
    processTtlMs: e.SWITCHBOARD_PROCESS_TTL_MS,
    eventBuffer: e.SWITCHBOARD_EVENT_BUFFER,
    eventPositionEvery: e.SWITCHBOARD_EVENT_POSITION_EVERY,
    eventReplayMax: e.SWITCHBOARD_EVENT_REPLAY_MAX,
    sipPort: e.SWITCHBOARD_SIP_PORT,
    tls: e.SWITCHBOARD_TLS_CERT && e.SWITCHBOARD_TLS_KEY ? { certFile: resolve(e.SWITCHBOARD_TLS_CERT), keyFile: resolve(e.SWITCHBOARD_TLS_KEY) } : undefined,
    sipTlsPort: e.SWITCHBOARD_TLS_CERT ? (e.SWITCHBOARD_SIP_TLS_PORT ?? 5061) : 'off',
    freeswitchSecret: e.SWITCHBOARD_FREESWITCH_SECRET,
    turnSecret: e.SWITCHBOARD_TURN_SECRET,
    turnTtlSeconds: e.SWITCHBOARD_TURN_TTL,
    sipExpires: (([min, max]) => ({ min: Number(min), max: Number(max) }))(e.SWITCHBOARD_SIP_EXPIRES.split('-')),
    sipMaxContacts: e.SWITCHBOARD_SIP_MAX_CONTACTS,
    webhooks: {
      allowPrivate: e.SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE === 'true',
      timeoutMs: e.SWITCHBOARD_WEBHOOK_TIMEOUT_MS,
      retryForMs: e.SWITCHBOARD_WEBHOOK_RETRY_FOR * 1000,
      backoffMs: (([first, longest]) => ({ first: Number(first), longest: Number(longest) }))(e.SWITCHBOARD_WEBHOOK_BACKOFF_MS.split('-')),
      pollMs: e.SWITCHBOARD_WEBHOOK_POLL_MS,
      concurrency: e.SWITCHBOARD_WEBHOOK_CONCURRENCY,
    },
    metricsToken: e.SWITCHBOARD_METRICS_TOKEN,
    tracing: tracesEndpoint(e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, e.OTEL_EXPORTER_OTLP_ENDPOINT, e.OTEL_SERVICE_NAME),
    drainMs: e.SWITCHBOARD_DRAIN_MS,
    sipConnections: {
      perAddress: e.SWITCHBOARD_SIP_CONNECTIONS_PER_ADDRESS,
      total: e.SWITCHBOARD_SIP_MAX_CONNECTIONS,
      messageMs: e.SWITCHBOARD_SIP_MESSAGE_TIMEOUT * 1000,
      idleMs: e.SWITCHBOARD_SIP_IDLE_TIMEOUT * 1000,
    },
  };
}

/** As OpenTelemetry's SDKs read them: the traces endpoint as given, or `/v1/traces` beneath the general one. */
function tracesEndpoint(traces: string | undefined, general: string | undefined, serviceName: string) {
  if (traces) return { endpoint: traces, serviceName };
  if (general) return { endpoint: `${general.replace(/\/$/, '')}/v1/traces`, serviceName };
  return null;
}
