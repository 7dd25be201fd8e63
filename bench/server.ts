/**
 * One server for the benchmark, in its own process so the load generator does not share its
 * event loop. BENCH_SERVER=bare answers a constant from a bare Fastify route (the framework's
 * ceiling); BENCH_SERVER=app runs Switchboard on SWITCHBOARD_DATABASE_URL. Prints the port, and
 * with BENCH_SIP=1 also the port of the SIP registrar (UDP and TCP).
 */
import Fastify from 'fastify';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import { connect } from '../src/server/db/connect.ts';
import { refreshStatistics } from '../src/server/db/statistics.ts';
import { listenSip } from '../src/server/registrar/transports.ts';

const app =
  process.env.BENCH_SERVER === 'bare'
    ? Fastify().get('/constant', async () => ({ status: 'ok' }))
    : await (async () => {
        const config = loadConfig();
        const storage = connect(config.databaseUrl);
        // As `switchboard serve` does at start (main.ts).
        await refreshStatistics(storage.db, storage.engine, true);
        return buildApp({ storage, config, logger: { level: config.logLevel } });
      })();
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const sip = process.env.BENCH_SIP && 'registrar' in app ? await listenSip(app.registrar, app.sipConnections, '127.0.0.1', 0, app.log) : undefined;
process.stdout.write(`${typeof address === 'object' && address ? address.port : ''}${sip ? ` ${sip.port}` : ''}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
