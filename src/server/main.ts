import { buildApp } from './app.ts';
import { listenSip, listenSipTls } from './registrar/transports.ts';
import { readTlsCredentials, renewOnHangup } from './tls/credentials.ts';
import { drainApp } from './http/drain.ts';
import { LISTEN_BACKLOG } from './http/listen-backlog.ts';
import { pruneExpiredSessions } from './sessions/store.ts';
import { moveSignInAudit } from './audit/store.ts';
import { loadConfig } from './config.ts';
import { connect } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';
import { refreshStatistics } from './db/statistics.ts';
import { bootstrapDirectory } from './setup/bootstrap.ts';
import { pruneFailures } from './lockout/store.ts';
import { pruneChanges } from './changes/store.ts';
import { pruneDeliveries } from './webhooks/store.ts';
import { safeguardsFor } from './users/safeguards.ts';
import { purgeDeletedUsers } from './users/purge.ts';
import { Lease } from './leases/lease.ts';
import { pruneJobs } from './jobs/store.ts';

/** How often a process asks for the housekeeping lease: it moves within about twice this of its holder's death. */
const HOUSEKEEPING_LEASE_MS = 15_000;

/** Starts the service: configuration, database, first start, HTTP, housekeeping, graceful stop. */
export async function serve(): Promise<void> {
  const config = loadConfig();
  // Checked before the database is touched: a first start must not make an administrator whose password is never shown.
  const credentials = config.tls ? readTlsCredentials(config.tls) : undefined;
  const storage = connect(config.databaseUrl);
  await migrateToLatest(storage.db);
  await refreshStatistics(storage.db, storage.engine, true);
  const firstAdmin = await bootstrapDirectory(storage.db, config.admin, safeguardsFor(storage.db, config));

  const app = await buildApp({
    storage,
    config,
    logger: { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] },
  });
  const address = await app.listen({ host: config.host, port: config.port, backlog: LISTEN_BACKLOG });
  const sip =
    config.sipPort === 'off' ? undefined : await listenSip(app.registrar, app.sipConnections, config.host, config.sipPort, app.log, config.trustedProxies);
  const sipTls =
    credentials && config.sipTlsPort !== 'off'
      ? await listenSipTls(app.registrar, app.sipConnections, config.host, config.sipTlsPort, credentials, app.log, config.trustedProxies)
      : undefined;
  if (config.tls) renewOnHangup(config.tls, [(renewed) => app.server.setSecureContext(renewed), ...(sipTls ? [sipTls.renew] : [])], app.log);

  // Once per cluster: the process holding the lease does it.
  const lease = new Lease(storage.db, 'housekeeping', Math.min(config.housekeepingIntervalMs, HOUSEKEEPING_LEASE_MS), (error) =>
    app.log.error({ err: error }, 'the housekeeping lease could not be asked for'),
  );
  const housekeeping = async () => {
    if (!lease.held) return;
    try {
      const purged = await purgeDeletedUsers(storage.db, config.purgeAfterDays);
      await pruneExpiredSessions(storage.db);
      await moveSignInAudit(storage.db);
      await refreshStatistics(storage.db, storage.engine, false);
      await pruneFailures(storage.db, new Date(Date.now() - 7 * 86_400_000));
      await pruneChanges(storage.db, new Date(Date.now() - config.changeRetentionDays * 86_400_000));
      // The delivery log is kept as long as the feed it was made from.
      await pruneDeliveries(storage.db, new Date(Date.now() - config.changeRetentionDays * 86_400_000));
      await pruneJobs(storage.db, new Date());
      app.cache.invalidateAll();
      app.log.info({ purged }, 'housekeeping done');
    } catch (error) {
      app.log.error({ err: error }, 'housekeeping failed');
    }
  };
  const timer = setInterval(housekeeping, config.housekeepingIntervalMs);
  timer.unref();
  void lease.start().then(housekeeping);

  // Printed, not logged: the generated password is shown once, to whoever started the service.
  const lines = [
    '',
    `Switchboard is running on ${config.databaseUrl.startsWith('sqlite:') ? 'SQLite' : 'PostgreSQL'}.`,
    `  Console:        ${address}/`,
    `  API:            ${address}/api/v1`,
    `  API reference:  ${address}/api/docs`,
    `  SIP registrar:  ${sip ? `udp and tcp ${config.host}:${sip.port}, ` : ''}${sipTls ? `tls ${config.host}:${sipTls.port}, ` : ''}${address.replace(/^http/, 'ws')}/sip`,
  ];
  if (firstAdmin) {
    lines.push(
      '',
      'First administrator (a platform administrator):',
      `  domain:   ${firstAdmin.domain}`,
      `  login:    ${firstAdmin.login}`,
      `  password: ${firstAdmin.generated ? `${firstAdmin.password}   (generated; shown only this once)` : '(from SWITCHBOARD_ADMIN_PASSWORD)'}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);

  // A stop drains first: no new connection, WebSocket clients sent elsewhere, what runs finished
  // within the grace; then closing cancels whatever still runs.
  const stop = async (signal: string) => {
    app.log.info({ signal, graceMs: config.drainMs }, 'draining');
    clearInterval(timer);
    await lease.stop();
    await sip?.close();
    await sipTls?.close();
    if (!(await drainApp(app, app.drain, config.drainMs))) app.log.warn({ graceMs: config.drainMs }, 'the drain grace ran out: what still ran is cut');
    await app.close();
    await storage.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
